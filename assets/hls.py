"""`hls_renditions`: the bitrate ladder, split into chunks encoded by steps any worker can
take, published into a new version as they finish and stitched into one ladder.

The graph: `hls_plan` (probe, layout, the build row) fans out one `hls_chunk` per chunk
after the first; `hls_head` (the short first chunk) and `hls_audio` (the whole file's audio)
run first, so the version is playable seconds after the run starts; `hls_stitch` checks the
chunks make one continuous ladder and stores the final playlists and the master.
"""


import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.storage.tags import PRIORITY_TAG

from assets.common import MEDIA_CODE_VERSION, STORAGE_RETRY, TRANSCODE_POOL, guard
from assets.database import DatabaseResource
from assets.facts import accepted_probe, audio, hls_to_dict, read_facts, renditions, write_facts
from assets.hls_build import (
    BUILT,
    CACHED,
    HlsBuild,
    audio_result,
    chunk_results,
    publish_audio,
    publish_chunk,
    source_for,
    store_playlists,
)
from assets.metadata import video_summary
from assets.partitions import videos_partitions
from assets.resources import MediaResource, StorageResource
from assets.source import source_probe
from assets.versions import run_version
from reelhouse import keys
from reelhouse.media.chunked import picture_length_s
from reelhouse.media.chunks import chunk_layout
from reelhouse.media.event_playlist import Layout, final_playlists
from reelhouse.media.hls import MASTER_NAME, SEGMENT_S, HlsResult
from reelhouse.media.ladder import plan_ladder
from reelhouse.media.stitch import join_peaks, stitch
from reelhouse.storage import Storage


class HlsConfig(dg.Config):
    force: bool = False
    """Transcode even when the live version was made from this source under this ladder."""


def _published_stamp(s3: Storage, video_id: str, version: str) -> dict[str, str]:
    """The stamp a version's master carries (S3 lower-cases user metadata names)."""
    head = s3.head(keys.master_key(video_id, version))
    return {k.lower(): v for k, v in (head or {}).get("Metadata", {}).items()}


def _priority(n: int) -> dict[str, str]:
    """Steps ready together start highest first (in one process, and on Celery's queue)."""
    return {PRIORITY_TAG: str(n)}


@dg.op(ins={"probed": dg.In(dg.Nothing)},
       out={"build": dg.Out(), "chunks": dg.DynamicOut(int, is_required=False)},
       retry_policy=STORAGE_RETRY, tags=_priority(4))
def hls_plan(context: dg.OpExecutionContext, config: HlsConfig, storage: StorageResource,
             database: DatabaseResource, media: MediaResource) -> Any:
    """Reuse the live version when it was made from this source under this ladder (and
    storyboard interval); else lay the output out in chunks and begin its build."""
    video_id = context.partition_key
    with guard(context, database, storage, "planning the HLS renditions"):
        s3 = storage.client()
        probe, probed = accepted_probe(s3, video_id)
        plan = plan_ladder(probe)
        stamp = {"ladder-version": plan.version, "source-etag": probed["source_etag"],
                 "storyboard-interval-s": str(media.storyboard_interval_s)}
        live = database.live_version(video_id)
        facts = read_facts(s3, video_id, "hls", live) if live else None
        if (not config.force and live is not None and facts is not None
                and facts.get("stamp") == stamp and _published_stamp(s3, video_id, live) == stamp):
            context.log.info(f"live version {live} already has ladder {plan.version} of "
                             "this source")
            build = HlsBuild(video_id, live, CACHED, stamp)
        else:
            length = min(probe.duration_s, media.caps.max_duration_s)
            build = HlsBuild(video_id, run_version(context), BUILT, stamp,
                             probed["source_etag"], length, started_at=time.time())
            source = source_for(build, s3, media)
            layout = chunk_layout(length, plan.frame_rate,
                                  video_s=picture_length_s(source.path, probe),
                                  chunk_s=media.settings.chunk_s,
                                  head_s=media.settings.head_chunk_s)
            build = replace(build, layout=layout)
            database.begin_build(video_id, build.version,
                                 Layout.of(plan, layout.chunks, layout.total))
            context.log.info(f"version {build.version}: {layout.total} frames in "
                             f"{len(layout.chunks)} chunks")
    yield dg.Output(build.to_dict(), "build")
    if build.layout is not None:
        for chunk in build.layout.chunks[1:]:
            yield dg.DynamicOutput(chunk.index, mapping_key=f"c{chunk.index:04d}",
                                   output_name="chunks")


def _encode_guard(context: dg.OpExecutionContext, database: DatabaseResource,
                  storage: StorageResource, what: str) -> Any:
    return guard(context, database, storage, f"encoding {what}")


@dg.op(pool=TRANSCODE_POOL, retry_policy=STORAGE_RETRY, tags=_priority(3))
def hls_head(context: dg.OpExecutionContext, build: dict[str, Any], storage: StorageResource,
             database: DatabaseResource, media: MediaResource) -> dict[str, Any] | None:
    """The first (short) chunk of every rung: with the audio's first segment, what makes
    the version playable."""
    plan = HlsBuild.from_dict(build)
    if not plan.building:
        return None
    with _encode_guard(context, database, storage, "the first chunk"):
        return publish_chunk(context, plan, 0, storage, database, media)


@dg.op(pool=TRANSCODE_POOL, retry_policy=STORAGE_RETRY, tags=_priority(2))
def hls_audio(context: dg.OpExecutionContext, build: dict[str, Any],
              storage: StorageResource, database: DatabaseResource,
              media: MediaResource) -> dict[str, Any] | None:
    """The whole file's audio rendition, each segment published as it is encoded."""
    plan = HlsBuild.from_dict(build)
    if not plan.building:
        return None
    with _encode_guard(context, database, storage, "the audio"):
        return publish_audio(context, plan, storage, database, media)


@dg.op(pool=TRANSCODE_POOL, retry_policy=STORAGE_RETRY, tags=_priority(1))
def hls_chunk(context: dg.OpExecutionContext, build: dict[str, Any], chunk: int,
              storage: StorageResource, database: DatabaseResource,
              media: MediaResource) -> dict[str, Any]:
    """One later chunk of every rung (after the head, in any order, on any worker)."""
    with _encode_guard(context, database, storage, f"chunk {chunk}"):
        return publish_chunk(context, HlsBuild.from_dict(build), chunk, storage, database,
                             media)


@dg.op(tags=_priority(1))
def hls_later_chunks(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The facts of every chunk after the head, in one list: a step of its own so that a
    video of one chunk, which has none to collect, still reaches the stitch."""
    return chunks


@dg.op(retry_policy=STORAGE_RETRY, out=dg.Out(dg.Nothing))
def hls_stitch(context: dg.OpExecutionContext, build: dict[str, Any],
               sound: dict[str, Any] | None, parts: list[Any], storage: StorageResource,
               database: DatabaseResource, media: MediaResource) -> dg.Output[None]:
    """Check the chunks join into one ladder (one init per rung, every segment in order),
    store the final (VOD) playlists and the measured master, then complete the build.
    `parts` is the head's facts, then (when there are later chunks) the list of theirs."""
    plan = HlsBuild.from_dict(build)
    head, chunks = parts[0], (parts[1] if len(parts) > 1 else [])
    video_id, version = plan.video_id, plan.version
    extra: dict[str, Any] = {}
    with guard(context, database, storage, "stitching the HLS renditions"):
        s3 = storage.client()
        if plan.building and head is not None:
            probe, _ = accepted_probe(s3, video_id)
            ladder, layout = plan_ladder(probe), plan.chunk_layout()
            results, sound_result = chunk_results(head, chunks), audio_result(sound)
            stitched = stitch(ladder, layout, results, sound_result, SEGMENT_S)
            row = database.build(video_id, version)
            if row is None:
                raise dg.Failure(f"{video_id}/{version}: no build to complete",
                                 allow_retries=False)
            playlists = {**final_playlists(row.layout, row.audio_durations),
                         MASTER_NAME: stitched.playlists[MASTER_NAME]}
            store_playlists(s3, video_id, version, playlists, plan.stamp)
            elapsed = max(0.001, time.time() - plan.started_at)
            result = HlsResult(Path(keys.hls_prefix(video_id, version)), ladder.version, SEGMENT_S,
                               stitched.renditions[0].duration_s, stitched.renditions,
                               stitched.audio, round(elapsed, 3))
            facts = hls_to_dict(result, plan.stamp)
            facts["chunks"] = len(layout.chunks)
            facts["encode_s"] = round(sum(r.elapsed_s for r in results)
                                      + (sound_result.elapsed_s if sound_result else 0), 3)
            write_facts(s3, video_id, "hls", facts, version)
            database.complete_build(video_id, version)
            peaks = join_peaks(ladder, layout, results)
            extra = {"chunks": dg.MetadataValue.int(len(layout.chunks)),
                     "encode_s": dg.MetadataValue.float(facts["encode_s"]),
                     "join_peak_ratio": dg.MetadataValue.float(round(max(
                         (p.bitrate / p.maxrate for p in peaks), default=0.0), 3))}
            context.log.info(f"published version {version}: {len(layout.chunks)} chunks "
                             f"stitched")
            status = BUILT
        else:
            facts = read_facts(s3, video_id, "hls", version) or {}
            status = CACHED
    rungs, sound_facts = renditions(facts), audio(facts)
    total = sum(r.total_bytes for r in [*rungs, *([sound_facts] if sound_facts else [])])
    return dg.Output(None, metadata={
        "status": status, "ladder_version": facts["ladder_version"], "version": version,
        **video_summary(media.settings, video_id, facts["duration_s"], rungs, sound_facts),
        "transcode_s": dg.MetadataValue.float(facts["elapsed_s"]),
        "realtime_x": dg.MetadataValue.float(facts["realtime_x"]),
        "hls_bytes": dg.MetadataValue.int(total), **extra,
        "master": dg.MetadataValue.path(keys.master_key(video_id, version)),
    })


def _config(config: dict[str, Any]) -> dict[str, Any]:
    """The asset's config (`force`, as runs have always set it) is the plan step's."""
    return {"hls_plan": {"config": {"force": bool(config.get("force", False))}}}


@dg.graph_asset(partitions_def=videos_partitions, group_name="media",
                kinds={"ffmpeg", "s3"}, code_version=MEDIA_CODE_VERSION,
                config=dg.ConfigMapping(config_fn=_config, config_schema={
                    "force": dg.Field(bool, default_value=False, description=(
                        "Transcode even when the live version was made from this source "
                        "under this ladder."))}),
                ins={"source_probe": dg.AssetIn(source_probe.key, dagster_type=dg.Nothing)})
def hls_renditions(source_probe: Any) -> Any:
    """The HLS ladder (fMP4 rungs plus one audio group) under media/{id}/{version}/hls/.

    Each run writes a version of its own, so what viewers play (the live version) is never
    touched until the new one is playable; a live version made from this source under this
    ladder (and storyboard interval) is reused instead (`status: cached`), and so are its
    other products.
    """
    build, chunks = hls_plan(source_probe)
    rest = chunks.map(lambda chunk: hls_chunk(build, chunk))
    return hls_stitch(build, hls_audio(build),
                      [hls_head(build), hls_later_chunks(rest.collect())])
