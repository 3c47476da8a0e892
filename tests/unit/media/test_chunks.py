"""The segment grid in frames and the chunk plan over it."""

from __future__ import annotations

from fractions import Fraction

import pytest

from reelhouse.media.chunks import (
    Chunk,
    ChunkLayout,
    chunk_layout,
    grid,
    plan_chunks,
    preroll_frames,
    total_frames,
)

NTSC = Fraction(30000, 1001)


def assert_tiles(chunks: tuple[Chunk, ...], total: int, g: int) -> None:
    """Chunks are contiguous from 0 to total; segment numbers run 1.. without gaps."""
    assert chunks[0].start == 0 and chunks[-1].end == total
    number = 1
    for i, c in enumerate(chunks):
        assert c.index == i and c.start < c.end
        assert c.segment_starts[0] == c.start and c.first_segment == number
        assert list(c.segment_starts) == sorted(set(c.segment_starts))
        assert all(s < c.end for s in c.segment_starts)
        number += c.segment_count
        if i:
            assert chunks[i - 1].end == c.start


def test_grid_is_whole_frames_per_segment():
    """A segment is a whole number of frames: 120 at 30 and 29.97, 100 at 25, 96 at 23.976."""
    assert grid(Fraction(30)) == 120 and grid(NTSC) == 120
    assert grid(Fraction(25)) == 100 and grid(Fraction(24000, 1001)) == 96
    assert grid(Fraction(60000, 1001)) == 240 and grid(Fraction(1, 10)) == 1


def test_total_frames_match_an_output_length():
    """Frames starting before the end of a -t output: 10 s at 30 is 300, 10.01 s is 301."""
    assert total_frames(10.0, Fraction(30)) == 300
    assert total_frames(10.01, Fraction(30)) == 301
    assert total_frames(10.0, NTSC) == 300  # frame 299 starts at 9.9766 s
    assert total_frames(0.0001, Fraction(30)) == 1


def test_preroll_is_half_a_second_rounded_up():
    """Half a second of frames, rounded up."""
    assert preroll_frames(Fraction(30)) == 15 and preroll_frames(NTSC) == 15
    assert preroll_frames(Fraction(25)) == 13


def test_chunks_tile_the_frames_on_segment_starts():
    """Every chunk starts on a segment start; together they cover every frame once."""
    for total in (1801, 1860, 1861, 1919, 1920, 7321, 54000):
        chunks = plan_chunks(total, total, 120, 60, body=15)
        assert_tiles(chunks, total, 120)
        starts = [s for c in chunks for s in c.segment_starts]
        assert starts == [0, *range(60, total, 120)]


def test_head_chunk_is_short_then_ramps():
    """A head chunk of one short segment, then 1, 2, 4, 8 segments, then the body length."""
    chunks = plan_chunks(30 * 300, 30 * 300, 120, 60, body=15)
    assert chunks[0] == Chunk(0, 0, 60, 1, (0,))
    assert [c.segment_count for c in chunks[:7]] == [1, 1, 2, 4, 8, 15, 15]
    # The example of the plan: chunk 5 = frames 1860..3660, segments 17..31.
    assert (chunks[5].start, chunks[5].end, chunks[5].first_segment,
            chunks[5].last_segment) == (1860, 3660, 17, 31)


def test_ramp_never_exceeds_the_body():
    """With short chunks the ramp is capped at the body length."""
    chunks = plan_chunks(900, 900, 120, 60, body=2)
    assert [c.segment_count for c in chunks] == [1, 1, 2, 2, 2]
    assert_tiles(chunks, 900, 120)


def test_last_chunk_reaches_total_and_pads():
    """The last chunk ends at total, its last segment shorter when total is off the grid."""
    chunks = plan_chunks(1000, 1000, 120, 60, body=2)
    assert chunks[-1].end == 1000
    layout = ChunkLayout(Fraction(30), 120, 1000, chunks)
    counts = layout.segment_frame_counts
    assert counts[0] == 60 and set(counts[1:-1]) == {120} and counts[-1] == 1000 - 900
    assert sum(counts) == 1000


def test_no_chunk_starts_after_the_picture_ends():
    """When the sound outlasts the picture, the chunk holding the last picture runs to the
    end (it clones that picture), so every chunk decodes at least one frame."""
    chunks = plan_chunks(3000, 700, 120, 60, body=2)
    assert all(c.start < 700 for c in chunks)
    assert chunks[-1].end == 3000 and chunks[-1].start == 660
    assert_tiles(chunks, 3000, 120)
    # A picture shorter than the head: one chunk holding the head segment and the rest.
    (only,) = plan_chunks(3000, 30, 120, 60, body=2)
    assert only.segment_starts[:3] == (0, 60, 180) and only.end == 3000


def test_one_chunk_for_short_sources():
    """A source no longer than one body chunk is one chunk of full segments."""
    (only,) = plan_chunks(1800, 1800, 120, 60, body=15)
    assert only == Chunk(0, 0, 1800, 1, tuple(range(0, 1800, 120)))
    assert len(plan_chunks(1801, 1801, 120, 60, body=15)) > 1


def test_layout_durations_are_exact_fractions():
    """Segment durations are frames over the rate, exactly (4.004 s at 29.97)."""
    layout = chunk_layout(30.0, NTSC, chunk_s=8)
    assert layout.total == 900 and layout.segment_frames == 120
    assert layout.segment_durations[0] == Fraction(2002, 1000)
    assert layout.segment_durations[1] == Fraction(4004, 1000)
    assert sum(layout.segment_durations) == layout.seconds(900)
    assert [c.segment_count for c in layout.chunks] == [1, 1, 2, 2, 2]


def test_layout_round_trips_through_json():
    """A layout written as plain JSON values reads back equal."""
    import json

    layout = chunk_layout(100.0, NTSC, video_s=90.0, chunk_s=16)
    assert ChunkLayout.from_dict(json.loads(json.dumps(layout.to_dict()))) == layout


@pytest.mark.parametrize("bad", [dict(total=0), dict(segment_frames=0), dict(body=0)])
def test_plan_rejects_empty_grids(bad):
    """A grid without frames or segments is refused."""
    args = dict(total=100, video_end=100, segment_frames=10, head=5, body=2) | bad
    with pytest.raises(ValueError):
        plan_chunks(**args)
