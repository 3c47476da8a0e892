"""What the steps of `hls_renditions` share: the build a run makes (its plan, passed from
step to step as JSON) and publishing one chunk or the audio into it as it is encoded.

Every chunk of a version is encoded by a step of its own (any worker), published under the
version's HLS prefix and only then marked done in the build row, so a player (whose
playlists the API renders from that row) never sees a segment that is not stored. The
first mark that makes the build playable also points players at it (`flip_early`).
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from typing import Any

import dagster as dg

from assets.database import DatabaseResource
from assets.facts import accepted_probe
from assets.progress import ProgressReporter
from assets.publish import PLAYLIST_TYPE, SHORT, cache_control, content_type, upload_tree
from assets.resources import MediaResource, StorageResource
from assets.workspace import Workspace
from reelhouse import keys
from reelhouse.builds import Build
from reelhouse.errors import ObjectNotFound
from reelhouse.faults import crash_point
from reelhouse.media.chunk_facts import AudioResult, ChunkResult, SegmentFile
from reelhouse.media.chunked import encode_audio, encode_chunk
from reelhouse.media.chunks import ChunkLayout
from reelhouse.media.hls import AUDIO_NAME, INIT_NAME, MASTER_NAME
from reelhouse.media.ladder import LadderPlan, plan_ladder
from reelhouse.media.probe import Probe
from reelhouse.storage import Storage

BUILT, CACHED = "transcoded", "cached"


@dataclass(frozen=True)
class HlsBuild:
    """What the plan step decided for a run: build `version` of the video from the source
    with this `etag` (`status` BUILT) as `layout` fixes, or reuse the live one (CACHED)."""

    video_id: str
    version: str
    status: str
    stamp: dict[str, str]
    etag: str | None = None
    length_s: float = 0.0
    layout: ChunkLayout | None = None
    started_at: float = 0.0

    @property
    def building(self) -> bool:
        return self.status == BUILT

    def chunk_layout(self) -> ChunkLayout:
        if self.layout is None:
            raise ValueError(f"{self.video_id}/{self.version}: a reused version has no layout")
        return self.layout

    def to_dict(self) -> dict[str, Any]:
        return {"video_id": self.video_id, "version": self.version, "status": self.status,
                "stamp": self.stamp, "etag": self.etag, "length_s": self.length_s,
                "layout": self.layout.to_dict() if self.layout is not None else None,
                "started_at": self.started_at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HlsBuild:
        layout = data.get("layout")
        return cls(data["video_id"], data["version"], data["status"], data["stamp"],
                   data.get("etag"), data.get("length_s", 0.0),
                   ChunkLayout.from_dict(layout) if layout else None,
                   data.get("started_at", 0.0))


def chunk_facts_key(video_id: str, version: str, index: int) -> str:
    """What chunk `index` of a version wrote, kept so a step run again after its chunk was
    marked done returns those facts instead of encoding (and publishing) it twice."""
    return f"{keys.version_prefix(video_id, version)}facts/chunks/{index:04d}.json"


@dataclass(frozen=True)
class Source:
    """A build's source on this host, its probe and the ladder planned from it."""

    work: Workspace
    path: Any
    probe: Probe
    plan: LadderPlan


def source_for(build: HlsBuild, s3: Storage, media: MediaResource) -> Source:
    """The source of `build` on this host (downloaded once per scratch directory)."""
    probe, _ = accepted_probe(s3, build.video_id)
    work = Workspace(s3, media.workdir, build.video_id)
    return Source(work, work.source(build.etag), probe, plan_ladder(probe))


def _percent_done(build: Build, layout: ChunkLayout, running: int = -1,
                  fraction: float = 0.0) -> float:
    """How far the ladder is: frames of finished chunks (plus a share of the running one)."""
    frames = sum(c.frames for c, mark in zip(layout.chunks, build.done, strict=False)
                 if mark == "1" and c.index != running)
    if running >= 0:
        frames += layout.chunks[running].frames * fraction
    return round(100 * frames / layout.total, 1)


def _became_playable(context: dg.OpExecutionContext, database: DatabaseResource,
                     build: Build) -> None:
    if build.playable and database.flip_early(build.video_id, build.version):
        context.log.info(f"{build.video_id}: version {build.version} is playable "
                         f"({build.playable_s:.1f} s so far)")


def publish_chunk(context: dg.OpExecutionContext, build: HlsBuild, index: int,
                  storage: StorageResource, database: DatabaseResource,
                  media: MediaResource) -> dict[str, Any]:
    """Encode chunk `index` of every rung, store its segments (chunk 0 also each rung's init
    section), then mark it done; its facts (ChunkResult as a dict)."""
    s3, layout = storage.client(), build.chunk_layout()
    video_id, version = build.video_id, build.version
    chunk = layout.chunks[index]
    row = database.build(video_id, version)
    if row is None:
        raise dg.Failure(f"{video_id}/{version}: the plan step began no build",
                         allow_retries=False)
    if row.done[index] == "1":
        try:
            context.log.info(f"chunk {index} is already published; reusing its facts")
            return json.loads(s3.get_bytes(chunk_facts_key(video_id, version, index)))
        except ObjectNotFound:
            pass  # marked by a step that died before its facts: encode it again
    source = source_for(build, s3, media)
    out = source.work.dir / "chunks" / f"{index:04d}"
    shutil.rmtree(out, ignore_errors=True)  # what an attempt killed mid-encode left

    def share(percent: float) -> None:
        database.set_progress(video_id, _percent_done(row, layout, index, percent / 100))

    progress = ProgressReporter(context, step=10, also=share)
    result = encode_chunk(source.path, source.probe, source.plan, layout, chunk, out,
                          ffmpeg=media.ffmpeg, on_progress=progress)
    names = [f"{p.name}/{s.name}" for p in result.rungs for s in p.segments]
    if index == 0:  # one init per rung for the whole ladder (stitch checks they all agree)
        names += [f"{p.name}/{INIT_NAME}" for p in result.rungs]
    upload_tree(s3, keys.hls_prefix(video_id, version), out, names)
    facts = result.to_dict()
    s3.put_bytes(chunk_facts_key(video_id, version, index), json.dumps(facts).encode(),
                 "application/json", cache_control="no-cache")
    done = database.mark_chunk_done(video_id, version, index)
    context.log.info(f"chunk {index} ({chunk.frames} frames, segments "
                     f"{chunk.first_segment}..{chunk.last_segment}) in {result.elapsed_s} s")
    database.set_progress(video_id, _percent_done(done, layout))
    _became_playable(context, database, done)
    return facts


def publish_audio(context: dg.OpExecutionContext, build: HlsBuild, storage: StorageResource,
                  database: DatabaseResource, media: MediaResource) -> dict[str, Any] | None:
    """Encode the whole file's audio, storing and recording each segment as the encoder
    finishes it (the init section before the first); its facts, None without audio."""
    s3 = storage.client()
    source = source_for(build, s3, media)
    if source.plan.audio is None:
        return None
    out = source.work.dir / "audio-build"
    shutil.rmtree(out, ignore_errors=True)
    prefix = keys.hls_prefix(build.video_id, build.version) + f"{AUDIO_NAME}/"
    folder = out / AUDIO_NAME

    def stored(segment: SegmentFile) -> None:
        if segment.number == 1:
            s3.put_file(prefix + INIT_NAME, folder / INIT_NAME, content_type(INIT_NAME),
                        cache_control(INIT_NAME))
        s3.put_file(prefix + segment.name, folder / segment.name, content_type(segment.name),
                    cache_control(segment.name))
        row = database.append_audio(build.video_id, build.version, segment.number,
                                    [segment.duration_s or 0.0])
        if segment.number == 1:
            _became_playable(context, database, row)

    started = time.monotonic()
    result = encode_audio(source.path, source.probe, source.plan, out, build.length_s,
                          ffmpeg=media.ffmpeg, on_segment=stored)
    context.log.info(f"audio: {len(result.part.segments)} segments in "
                     f"{time.monotonic() - started:.1f} s")
    return result.to_dict()


def audio_result(data: dict[str, Any] | None) -> AudioResult | None:
    return AudioResult.from_dict(data) if data is not None else None


def chunk_results(head: dict[str, Any], rest: list[dict[str, Any]]) -> list[ChunkResult]:
    return [ChunkResult.from_dict(d) for d in [head, *rest]]


def store_playlists(s3: Storage, video_id: str, version: str, playlists: dict[str, str],
                    metadata: dict[str, str]) -> None:
    """Store a version's playlists by path under its HLS prefix, the master last."""
    prefix = keys.hls_prefix(video_id, version)
    for path in sorted(playlists, key=lambda p: p == MASTER_NAME):
        if path == MASTER_NAME:
            crash_point("publish.before_master")
        s3.put_bytes(prefix + path, playlists[path].encode(), PLAYLIST_TYPE, SHORT, metadata)
