"""A tiny processed video for player tests: a two-rung fMP4 HLS ladder with an audio group,
a poster and a storyboard, laid out under the video's keys as the pipeline writes them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import select

from reelhouse import keys
from reelhouse.db import User, Video, new_id, utcnow
from reelhouse.media.ffmpeg import ffmpeg_path
from tests.e2e.harness.stack import ApiStack
from tests.helpers import MEDIA_VERSION

SECONDS = 10
RUNGS = {"360p": (640, 360, "600k"), "180p": (320, 180, "150k")}
TILE = (160, 90)
STORYBOARD_EVERY_S = 2.5

_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".mp4": "video/mp4",
          ".m4s": "video/iso.segment", ".jpg": "image/jpeg", ".vtt": "text/vtt"}


def _ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True, capture_output=True, timeout=120)


def ladder_argv(out: Path) -> list[str]:
    """ffmpeg arguments for the ladder: identical 2 s GOPs so rungs switch on segment bounds."""
    names = list(RUNGS)
    graph = f"[0:v]split={len(names)}" + "".join(f"[s{i}]" for i in range(len(names))) + ";"
    graph += ";".join(f"[s{i}]scale={w}:{h},setsar=1[v{i}]"
                      for i, (w, h, _) in enumerate(RUNGS.values()))
    argv = ["-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=24:duration={SECONDS}",
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={SECONDS}",
            "-filter_complex", graph]
    for i in range(len(names)):
        argv += ["-map", f"[v{i}]"]
    argv += ["-map", "1:a", "-c:v", "libx264", "-preset", "veryfast", "-g", "48",
             "-keyint_min", "48", "-sc_threshold", "0"]
    for i, (_, _, rate) in enumerate(RUNGS.values()):
        argv += [f"-b:v:{i}", rate]
    streams = " ".join(f"v:{i},agroup:aud,name:{n}" for i, n in enumerate(names))
    argv += ["-c:a", "aac", "-b:a", "64k", "-f", "hls", "-hls_time", "2",
             "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
             "-hls_segment_filename", f"{out}/%v/seg_%05d.m4s", "-master_pl_name", "master.m3u8",
             "-var_stream_map", f"{streams} a:0,agroup:aud,name:audio,default:yes",
             f"{out}/%v/index.m3u8"]
    return argv


def storyboard_vtt(count: int) -> str:
    """WebVTT cues pointing at tiles of one sprite, as `reelhouse.media.thumbnails` writes them."""
    def stamp(s: float) -> str:
        return f"00:00:{int(s):02d}.{round(s % 1 * 1000):03d}"

    blocks = ["WEBVTT"]
    for k in range(count):
        start, end = k * STORYBOARD_EVERY_S, min((k + 1) * STORYBOARD_EVERY_S, SECONDS)
        blocks.append(f"{stamp(start)} --> {stamp(end)}\n"
                      f"storyboard_000.jpg#xywh={k * TILE[0]},0,{TILE[0]},{TILE[1]}")
    return "\n\n".join(blocks) + "\n"


def make_media(out: Path) -> Path:
    """Write hls/ and thumbs/ under `out`."""
    hls, thumbs = out / "hls", out / "thumbs"
    thumbs.mkdir(parents=True, exist_ok=True)
    _ffmpeg(*ladder_argv(hls))
    source = f"testsrc2=size=640x360:rate=24:duration={SECONDS}"
    _ffmpeg("-f", "lavfi", "-i", source, "-ss", "2", "-frames:v", "1", str(thumbs / "poster.jpg"))
    count = int(SECONDS / STORYBOARD_EVERY_S)
    _ffmpeg("-f", "lavfi", "-i", source, "-vf",
            f"fps=1/{STORYBOARD_EVERY_S},scale={TILE[0]}:{TILE[1]},tile={count}x1",
            "-frames:v", "1", str(thumbs / "storyboard_000.jpg"))
    (thumbs / "storyboard.vtt").write_text(storyboard_vtt(count))
    return out


def publish_media(stack: ApiStack, work: Path, video_id: str) -> None:
    """Upload the media under `video_id`'s keys, master playlist last."""
    media = make_media(work)
    files = sorted((p for p in media.rglob("*") if p.is_file()),
                   key=lambda p: p.name == "master.m3u8")
    for path in files:
        relative = path.relative_to(media).as_posix()
        key = keys.version_prefix(video_id, MEDIA_VERSION) + relative
        content_type = _TYPES.get(path.suffix, "application/octet-stream")
        stack.storage.put_bytes(key, path.read_bytes(), content_type)


def add_admin_video(stack: ApiStack, title: str, status: str, video_id: str = "") -> str:
    """A public video of the admin's in `status`, as if uploaded once; returns its id."""
    video_id = video_id or new_id()
    with stack.db.session() as session:
        admin = session.scalars(select(User).where(User.username == "admin")).one()
        session.add(Video(id=video_id, owner_id=admin.id, title=title, description="test ladder",
                          visibility="public", status=status, filename="ladder.mp4",
                          content_type="video/mp4", source_size=1, upload_version=1,
                          uploaded_at=utcnow(),
                          media_version=MEDIA_VERSION if status == "ready" else None))
    return video_id


def publish_ready_video(stack: ApiStack, work: Path, title: str) -> str:
    """Upload the media under a new video id and mark the video ready."""
    video_id = new_id()
    publish_media(stack, work, video_id)
    return add_admin_video(stack, title, "ready", video_id)
