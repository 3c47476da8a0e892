"""Ladder planning: which rungs a source gets, at what size, rate and budget."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from reelhouse.media.ladder import (
    LADDER,
    LADDER_VERSION,
    h264_level,
    output_frame_rate,
    plan_ladder,
)


def sizes(plan):
    return [(r.name, r.width, r.height) for r in plan.rungs]


def test_table_is_declarative_and_versioned():
    """The table runs largest to smallest and the version is a dated tag."""
    assert re.fullmatch(r"\d{4}\.\d{2}-\d+", LADDER_VERSION)
    heights = [r.box_height for r in LADDER]
    assert heights == sorted(heights, reverse=True)
    assert [r.name for r in LADDER] == ["1080p", "720p", "480p", "360p", "240p"]


def test_1080p_source_gets_every_rung(make_probe):
    """A 16:9 1080p source gets all five rungs at the standard sizes."""
    plan = plan_ladder(make_probe(1920, 1080))
    assert sizes(plan) == [("1080p", 1920, 1080), ("720p", 1280, 720), ("480p", 854, 480),
                           ("360p", 640, 360), ("240p", 426, 240)]
    assert plan.version == LADDER_VERSION
    assert plan.audio is not None and plan.audio.bitrate == 128_000


def test_never_upscales(make_probe):
    """A 720p source gets no 1080p rung and no rung taller than itself."""
    plan = plan_ladder(make_probe(1280, 720))
    assert plan.names == ("720p", "480p", "360p", "240p")
    assert all(r.height <= 720 and r.width <= 1280 for r in plan.rungs)


def test_portrait_keeps_orientation(make_probe):
    """A 1080x1920 phone video gets portrait rungs named by their short side."""
    plan = plan_ladder(make_probe(1080, 1920))
    assert sizes(plan)[:3] == [("1080p", 1080, 1920), ("720p", 720, 1280), ("480p", 480, 854)]


def test_rotated_source_uses_display_size(make_probe):
    """A landscape-stored clip with 90 degree rotation plans from its upright (portrait) size."""
    plan = plan_ladder(make_probe(720, 1280, rotation=90))
    assert sizes(plan)[0] == ("720p", 720, 1280)


def test_four_by_three(make_probe):
    """4:3 keeps its aspect: 1440x1080 is the 1080p rung, then 960x720 and 640x480."""
    plan = plan_ladder(make_probe(1440, 1080))
    assert sizes(plan)[:3] == [("1080p", 1440, 1080), ("720p", 960, 720), ("480p", 640, 480)]
    assert plan.rungs[0].bitrate < 5_000_000  # fewer pixels than the 1080p box, less budget


def test_odd_size_source(make_probe):
    """1001x563 tops out at 480p and every rung has even sides and the source's aspect."""
    plan = plan_ladder(make_probe(1001, 563))
    assert sizes(plan) == [("480p", 854, 480), ("360p", 640, 360), ("240p", 426, 240)]
    for r in plan.rungs:
        assert r.width % 2 == 0 and r.height % 2 == 0
        assert abs(r.width / r.height - 1001 / 563) < 0.01


def test_wide_film_counts_as_1080p(make_probe):
    """A 1920x800 scope film fills the 1080p box's width, so it keeps full resolution."""
    plan = plan_ladder(make_probe(1920, 800))
    assert sizes(plan)[0] == ("1080p", 1920, 800)


@pytest.mark.parametrize(("w", "h", "name"), [(356, 200, "200p"), (160, 90, "90p"),
                                              (33, 17, "16p")])
def test_tiny_source_gets_one_rung_at_its_size(make_probe, w, h, name):
    """A source smaller than 240p gets exactly one rung at its own (even) size."""
    plan = plan_ladder(make_probe(w, h))
    assert len(plan.rungs) == 1
    r = plan.rungs[0]
    assert (r.name, r.width, r.height) == (name, w // 2 * 2, h // 2 * 2)


def test_ten_bit_source_plans_like_eight_bit(make_probe):
    """Bit depth does not change the ladder; the 8-bit conversion is in the filter graph."""
    ten = plan_ladder(make_probe(1920, 1080, codec="hevc", pix_fmt="yuv420p10le", bit_depth=10))
    assert ten == plan_ladder(make_probe(1920, 1080))


def test_no_audio_means_no_audio_rendition(make_probe):
    """A silent source gets no audio group."""
    assert plan_ladder(make_probe(1280, 720, audio=False)).audio is None


@pytest.mark.parametrize(("fps", "variable", "expected"), [
    (30.0, False, Fraction(30)), (29.97, False, Fraction(30000, 1001)), (25.0, False, Fraction(25)),
    (23.976, False, Fraction(24000, 1001)), (15.0, False, Fraction(15)),
    (120.0, False, Fraction(60)), (100.0, False, Fraction(50)),
    (22.58, True, Fraction(24000, 1001)), (27.3, True, Fraction(30000, 1001)),
])
def test_output_frame_rate(fps, variable, expected):
    """Standard rates are kept, high rates halved, variable rates rounded up to a standard one."""
    assert output_frame_rate(fps, variable) == expected


def test_high_frame_rate_gets_more_bits_and_a_higher_level(make_probe):
    """At 60 fps a rung gets 1.5x the budget and an H.264 level that allows the macroblock rate."""
    p30 = plan_ladder(make_probe(1920, 1080)).rungs[0]
    p60 = plan_ladder(make_probe(1920, 1080, fps=60)).rungs[0]
    assert p60.bitrate == int(p30.bitrate * 1.5)
    assert (p30.level, p60.level) == ("4.0", "4.2")


def test_h264_level():
    """854x480 at 30 fps exceeds level 3.0's macroblock rate, so it needs 3.1."""
    assert h264_level(854, 480, 30, 1_500_000, "main", "3.0") == "3.1"
    assert h264_level(640, 360, 30, 860_000, "main", "3.0") == "3.0"


def test_plan_needs_video(make_probe):
    """Planning a probe without video is a programming error, not a user-facing rejection."""
    probe = make_probe()
    with pytest.raises(ValueError):
        plan_ladder(type(probe)(**{**probe.__dict__, "video": None}))
