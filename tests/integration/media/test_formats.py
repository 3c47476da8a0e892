"""Every row and codec of the allowlist, from a generated file to a ladder ffmpeg plays."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reelhouse.media.ffmpeg import run_ffmpeg
from reelhouse.media.formats import CONTAINERS, Container
from reelhouse.media.hls import transcode_hls
from reelhouse.media.ladder import plan_ladder
from reelhouse.media.probe import Caps, Probe, probe, validate
from reelhouse.media.reader import source_input
from tests.integration.media import recipes

pytestmark = pytest.mark.integration

CAPS = Caps(max_duration_s=600, max_pixels=1920 * 1080, max_frame_rate=120, max_bytes=10**9)
VIDEO_PAIRS = [(row, codec) for row in CONTAINERS for codec in sorted(row.video)]
AUDIO_PAIRS = [(row, codec) for row in CONTAINERS for codec in sorted(row.audio)]


def make(ffmpeg: str, tmp: Path, row: Container, video: str, audio: str | None,
         seconds: float = 1.0) -> Path:
    """A generated file of this pair, or a skip naming the encoder the bundled ffmpeg lacks."""
    for codec in (video, audio):
        if codec in recipes.NO_ENCODER:
            pytest.skip(f"the bundled ffmpeg has no {recipes.NO_ENCODER[codec]} encoder")
    out = tmp / f"{row.name}-{video}-{audio}{recipes.muxer(row, video, audio)[1]}"
    run_ffmpeg(recipes.argv(ffmpeg, row, out, video, audio, seconds), 120)
    return out


def accepted(src: Path, row: Container) -> Probe:
    """The probe of `src`, validated, read by the row's demuxer."""
    p = probe(src)
    validate(p, CAPS)
    assert (p.format_name, p.demuxer) == (row.format_name, row.demuxer)
    return p


def ladder_plays(ffmpeg: str, src: Path, p: Probe, out: Path) -> None:
    """The ladder of `src` is written and ffmpeg decodes every stream from its master."""
    result = transcode_hls(src, p, plan_ladder(p), out, segment_s=1)
    run_ffmpeg([ffmpeg, "-nostdin", "-v", "error", "-protocol_whitelist", "file",
                "-i", str(result.master), "-map", "0", "-f", "null", "-"], 60)
    assert result.renditions and (result.audio is not None) == (p.audio is not None)


def test_every_codec_of_the_table_has_a_recipe_or_a_reason() -> None:
    """A row or codec added to the table without a way to make its test file fails here."""
    for row in CONTAINERS:
        assert row.name in recipes.MUXER
        for codec in row.video | row.audio:
            assert codec in recipes.VIDEO or codec in recipes.AUDIO or \
                codec in recipes.NO_ENCODER, f"{row.name}: no recipe for {codec}"


@pytest.mark.parametrize("row", CONTAINERS, ids=lambda row: row.name)
def test_each_row_is_accepted_and_its_ladder_plays(ffmpeg, tmp_path, row):
    """The row's everyday file (e.g. MPEG-2 + MP2 in MPEG-TS) probes as that container with
    its codecs, and its HLS ladder plays from the master."""
    _, _, video, audio = recipes.MUXER[row.name]
    src = make(ffmpeg, tmp_path, row, video, audio)
    p = accepted(src, row)
    assert p.video is not None and p.video.codec == video
    assert (p.audio.codec if p.audio else None) == audio
    ladder_plays(ffmpeg, src, p, tmp_path / "hls")


@pytest.mark.parametrize(("row", "codec"), VIDEO_PAIRS,
                         ids=[f"{r.name}-{c}" for r, c in VIDEO_PAIRS])
def test_each_video_codec_of_each_row_makes_a_ladder(ffmpeg, tmp_path, row, codec):
    """Each accepted video codec in each container is probed by its codec name (AV1 is av1
    whatever decodes it) and transcoded into a ladder that plays."""
    src = make(ffmpeg, tmp_path, row, codec, None, seconds=0.6)
    p = accepted(src, row)
    assert p.video is not None and p.video.codec == codec
    ladder_plays(ffmpeg, src, p, tmp_path / "hls")


@pytest.mark.parametrize(("row", "codec"), AUDIO_PAIRS,
                         ids=[f"{r.name}-{c}" for r, c in AUDIO_PAIRS])
def test_each_audio_codec_of_each_row_is_accepted_and_decodes(ffmpeg, tmp_path, row, codec):
    """Each accepted audio codec in each container is probed by its codec name and decodes
    whole through the pinned input the ladder uses."""
    video = recipes.MUXER[row.name][2]
    src = make(ffmpeg, tmp_path, row, video, codec, seconds=0.5)
    p = accepted(src, row)
    assert p.audio is not None and p.audio.codec == codec
    subprocess.run([ffmpeg, "-nostdin", "-v", "error", "-xerror",
                    *source_input(src, p.demuxer, p.video), "-map", f"0:{p.audio.index}",
                    "-f", "null", "-"], check=True, timeout=60, stdin=subprocess.DEVNULL)
