"""The one way an upload reaches ffmpeg: a pinned accepted demuxer and the file protocol."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from reelhouse.media.formats import CONTAINERS
from reelhouse.media.reader import source_input


@pytest.mark.parametrize("row", CONTAINERS, ids=lambda row: row.name)
def test_every_row_is_read_with_its_demuxer_pinned(row):
    """Each accepted container's input is `-f <its demuxer>` behind the file-only protocols."""
    assert source_input(Path("up.bin"), row.demuxer) == [
        "-protocol_whitelist", "file", "-f", row.demuxer, "-i", "up.bin"]


@pytest.mark.parametrize("demuxer", ["hls", "concat", "image2", "sdp", "tty", "mov,mp4", ""])
def test_a_demuxer_outside_the_table_is_never_passed(demuxer):
    """Playlist, image-sequence, SDP and text demuxers (or a list of names) are refused."""
    with pytest.raises(ValueError, match="not an accepted demuxer"):
        source_input(Path("up.bin"), demuxer)


def test_vp9_with_alpha_is_decoded_by_libvpx(make_probe):
    """ffmpeg's own VP9 decoder drops alpha, so the stream's decoder is libvpx-vp9."""
    video = dataclasses.replace(make_probe(codec="vp9").video, index=1, alpha=True)
    assert source_input("up.webm", "matroska", video) == [
        "-protocol_whitelist", "file", "-f", "matroska", "-c:1", "libvpx-vp9", "-i", "up.webm"]
    opaque = dataclasses.replace(video, alpha=False)
    assert "-c:1" not in source_input("up.webm", "matroska", opaque)
