"""Remuxing a real fMP4 HLS rung (and audio group) into a faststart download MP4."""

from __future__ import annotations

import hashlib
import io
import shutil
import struct
from pathlib import Path

import av
import pytest

from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg
from reelhouse.media.playlists import parse_media_playlist, playlist_files
from reelhouse.media.progressive import RemuxError, remux_progressive
from reelhouse.media.samples import make_test_clip

pytestmark = pytest.mark.integration


def _hls(src: Path, out_dir: Path, *codec: str) -> Path:
    """Write one fMP4 HLS rendition of `src` in the pipeline's layout (init.mp4, seg_00001.m4s)."""
    out_dir.mkdir(parents=True)
    run_ffmpeg([ffmpeg_path(), "-nostdin", "-loglevel", "error", "-y", "-i", str(src), *codec,
                "-f", "hls", "-start_number", "1", "-hls_segment_type", "fmp4", "-hls_time", "2",
                "-hls_playlist_type", "vod", "-hls_fmp4_init_filename", "init.mp4",
                "-hls_segment_filename", str(out_dir / "seg_%05d.m4s"),
                str(out_dir / "index.m3u8")], 120)
    return out_dir


@pytest.fixture(scope="module")
def hls(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4 s 320x180 clip as a 180p video rung plus an audio group."""
    root = tmp_path_factory.mktemp("hls")
    src = make_test_clip(root / "src.mp4", seconds=4, width=320, height=180, fps=25)
    _hls(src, root / "out" / "180p", "-map", "0:v", "-c:v", "libx264", "-preset", "veryfast",
         "-g", "50", "-profile:v", "main")
    _hls(src, root / "out" / "audio", "-map", "0:a", "-c:a", "aac", "-b:a", "64k")
    return root / "out"


def _top_level_boxes(path: Path) -> list[str]:
    boxes, data, pos = [], path.read_bytes(), 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        size = struct.unpack(">Q", data[pos + 8:pos + 16])[0] if size == 1 else size
        boxes.append(kind.decode("latin-1"))
        pos += size if size else len(data)
    return boxes


def _video_fingerprint(source: io.BytesIO | str) -> tuple[str, str | None, bytes, str, int]:
    """Codec, profile, extradata, md5 over every video packet's bytes and the packet count."""
    with av.open(source) as container:
        stream = container.streams.video[0]
        digest, count = hashlib.md5(), 0
        for packet in container.demux(stream):
            if packet.size:
                digest.update(bytes(packet))
                count += 1
        ctx = stream.codec_context
        return ctx.name, ctx.profile, bytes(ctx.extradata or b""), digest.hexdigest(), count


def test_download_has_the_rung_duration_and_audio(hls: Path, tmp_path: Path) -> None:
    """The MP4 lasts as long as the rung playlist (within 0.1 s) and carries the AAC audio."""
    result = remux_progressive(hls / "180p", hls / "audio", tmp_path / "download.mp4")
    expected = parse_media_playlist((hls / "180p" / "index.m3u8").read_text()).duration_s
    assert result.duration_s == pytest.approx(expected, abs=0.1)
    assert (result.video_codec, result.audio_codec) == ("h264", "aac")
    assert (result.width, result.height) == (320, 180)
    with av.open(str(result.path)) as container:
        assert [s.type for s in container.streams] == ["video", "audio"]
        assert container.duration / av.time_base == pytest.approx(expected, abs=0.1)
    assert result.size_bytes == result.path.stat().st_size


def test_download_is_faststart(hls: Path, tmp_path: Path) -> None:
    """The moov box comes before mdat so playback can start before the download finishes."""
    result = remux_progressive(hls / "180p", hls / "audio", tmp_path / "download.mp4")
    boxes = _top_level_boxes(result.path)
    assert boxes.index("moov") < boxes.index("mdat")
    assert "moof" not in boxes  # a plain MP4, not fragments


def test_download_is_a_remux_not_a_reencode(hls: Path, tmp_path: Path) -> None:
    """Codec, profile, extradata and every video packet's bytes are those of the rung."""
    result = remux_progressive(hls / "180p", hls / "audio", tmp_path / "download.mp4")
    rung_bytes = b"".join(p.read_bytes() for p in playlist_files(hls / "180p" / "index.m3u8"))
    rung = _video_fingerprint(io.BytesIO(rung_bytes))
    assert rung[1] == "Main" and rung[4] == 100
    assert _video_fingerprint(str(result.path)) == rung


def test_download_without_audio_group_is_video_only(hls: Path, tmp_path: Path) -> None:
    """With no audio group the MP4 has just the video stream."""
    result = remux_progressive(hls / "180p", None, tmp_path / "download.mp4")
    assert result.audio_codec is None
    with av.open(str(result.path)) as container:
        assert [s.type for s in container.streams] == ["video"]


def test_playlist_longer_than_its_segments_is_refused(hls: Path, tmp_path: Path) -> None:
    """A rung whose playlist promises more than its segments hold raises and writes nothing."""
    rung = shutil.copytree(hls / "180p", tmp_path / "180p")
    text = (rung / "index.m3u8").read_text().replace("#EXTINF:2.000000,", "#EXTINF:3.000000,")
    (rung / "index.m3u8").write_text(text)
    out = tmp_path / "dl" / "download.mp4"
    with pytest.raises(RemuxError, match="playlist says 6.000s"):
        remux_progressive(rung, None, out)
    assert list(out.parent.iterdir()) == []
