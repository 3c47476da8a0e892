"""Stitching chunk facts into playlists, without media files."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction

import pytest

from reelhouse.media.chunk_facts import AudioResult, ChunkResult, RungPart, SegmentFile
from reelhouse.media.chunks import ChunkLayout, chunk_layout
from reelhouse.media.ladder import plan_ladder
from reelhouse.media.playlists import parse_master_playlist, parse_media_playlist
from reelhouse.media.stitch import ChunkMismatchError, join_peaks, media_playlist, stitch


def fake_chunks(plan, layout: ChunkLayout, size=100_000, init="ab" * 32) -> list[ChunkResult]:
    results = []
    for c in layout.chunks:
        parts = tuple(RungPart(r.name, init, 800, "avc1.64001f", tuple(
            SegmentFile(n, f"seg_{n:05d}.m4s", size) for n in
            range(c.first_segment, c.last_segment + 1))) for r in plan.rungs)
        results.append(ChunkResult(c.index, f"/work/c{c.index:04d}", parts, 1.0))
    return results


def fake_audio(seconds: float) -> AudioResult:
    full, rest = divmod(seconds, 4)
    durations = [4.0] * int(full) + ([rest] if rest else [])
    segs = tuple(SegmentFile(i + 1, f"seg_{i + 1:05d}.m4s", 64_000, d)
                 for i, d in enumerate(durations))
    return AudioResult("/work/audio", RungPart("audio", "cd" * 32, 700, "mp4a.40.2", segs), 1.0)


@pytest.fixture
def setup(make_probe):
    probe = make_probe(1280, 720, fps=30000 / 1001, duration_s=30.0)
    plan = plan_ladder(probe)
    layout = chunk_layout(30.0, plan.frame_rate, chunk_s=8)
    return plan, layout


def test_rung_playlist_is_one_continuous_vod_list(setup):
    """Each rung lists every segment once, numbered globally from 1, with the grid's exact
    durations, one init, no discontinuity, ENDLIST."""
    plan, layout = setup
    ladder = stitch(plan, layout, fake_chunks(plan, layout), fake_audio(30.0))
    text = ladder.playlists["720p/index.m3u8"]
    parsed = parse_media_playlist(text)
    assert [s.uri for s in parsed.segments] == [f"seg_{n:05d}.m4s" for n in range(1, 9)]
    assert [s.duration_s for s in parsed.segments] == [2.002] + [4.004] * 7
    assert parsed.ended and parsed.init_uri == "init.mp4"
    assert "DISCONTINUITY" not in text and text.count("EXT-X-MAP") == 1
    assert "#EXT-X-TARGETDURATION:4\n" in text and "#EXT-X-PLAYLIST-TYPE:VOD\n" in text
    assert all(ladder.playlists[f"{r}/index.m3u8"].splitlines()[7:] == text.splitlines()[7:]
               for r in plan.names)


def test_master_lists_every_rung_with_measured_bandwidth(setup):
    """The master names each rung and the audio group, bandwidths from the segment sizes."""
    plan, layout = setup
    ladder = stitch(plan, layout, fake_chunks(plan, layout), fake_audio(30.0))
    master = parse_master_playlist(ladder.playlists["master.m3u8"])
    assert [v.uri for v in master.variants] == [f"{n}/index.m3u8" for n in plan.names]
    assert master.renditions[0].uri == "audio/index.m3u8"
    top = ladder.renditions[0]
    assert top.segment_count == 8 and top.duration_s == pytest.approx(30.03, abs=0.01)
    assert top.peak_bitrate == round(100_000 * 8 / 2.002)  # the head counts as full
    assert master.variants[0].bandwidth == top.peak_bitrate + ladder.audio.peak_bitrate


def test_different_init_fails_loudly(setup):
    """A chunk whose init differs stops the stitch, naming the rung and the chunk."""
    plan, layout = setup
    chunks = fake_chunks(plan, layout)
    odd = chunks[2]
    rungs = (dataclasses.replace(odd.rungs[0], init_sha256="ff" * 32), *odd.rungs[1:])
    chunks[2] = dataclasses.replace(odd, rungs=rungs)
    with pytest.raises(ChunkMismatchError, match=r"720p: .*chunks \[2\]"):
        stitch(plan, layout, chunks, fake_audio(30.0))


def test_missing_or_misnumbered_chunk_fails(setup):
    """A missing chunk or one with other segment numbers does not stitch."""
    plan, layout = setup
    chunks = fake_chunks(plan, layout)
    with pytest.raises(ChunkMismatchError):
        stitch(plan, layout, chunks[:-1], fake_audio(30.0))
    wrong = fake_chunks(plan, dataclasses.replace(layout, chunks=tuple(
        dataclasses.replace(c, first_segment=c.first_segment + 1) for c in layout.chunks)))
    with pytest.raises(ChunkMismatchError, match="segments"):
        stitch(plan, layout, wrong, fake_audio(30.0))


def test_audio_missing_when_planned_fails(setup):
    """A plan with audio does not stitch without audio segments."""
    plan, layout = setup
    with pytest.raises(ChunkMismatchError, match="audio"):
        stitch(plan, layout, fake_chunks(plan, layout), None)


def test_join_peaks_are_both_sides_of_every_join(setup):
    """Each join gives the last segment before and the first after, per rung."""
    plan, layout = setup
    peaks = join_peaks(plan, layout, fake_chunks(plan, layout, size=1_000_000))
    joins = [c.first_segment for c in layout.chunks[1:]]
    assert [p.segment for p in peaks if p.rung == "720p"] == [
        n for j in joins for n in (j - 1, j)]
    first = next(p for p in peaks if p.segment == 1)
    assert first.bitrate == round(1_000_000 * 8 / 2.002) and not first.within
    assert next(p for p in peaks if p.segment == 2 and p.rung == "720p").within
    assert len(peaks) == 2 * len(joins) * len(plan.rungs)


def test_chunk_facts_round_trip_through_json(setup):
    """Chunk and audio facts written as JSON read back equal."""
    plan, layout = setup
    chunk = fake_chunks(plan, layout)[1]
    assert ChunkResult.from_dict(json.loads(json.dumps(chunk.to_dict()))) == chunk
    audio = fake_audio(10.0)
    assert AudioResult.from_dict(json.loads(json.dumps(audio.to_dict()))) == audio


def test_target_duration_rounds_to_nearest():
    """4.004 s segments have a target of 4; a 4.6 s one raises it to 5."""
    assert "#EXT-X-TARGETDURATION:4\n" in media_playlist([("a", Fraction(4004, 1000))])
    assert "#EXT-X-TARGETDURATION:5\n" in media_playlist([("a", 4.0), ("b", 4.6)])
