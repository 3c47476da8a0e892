"""`source_probe`: what the upload is, and whether we accept it for transcoding."""


from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from assets.common import STORAGE_RETRY, guard, mark_failed, upload_version
from assets.database import DatabaseResource
from assets.facts import write_facts
from assets.metadata import play_url
from assets.partitions import videos_partitions
from assets.resources import MediaResource, StorageResource
from assets.workspace import Workspace
from reelhouse import keys
from reelhouse.checksums import file_sha256
from reelhouse.media.probe import InvalidMediaError, Probe, probe, validate
from reelhouse.records import Video


def check_declared_sha256(src: Path, video: Video | None) -> None:
    """A whole-file SHA-256 declared at upload is checked here, where the bytes are read
    anyway: S3 verified each part's own checksum, but not the file they make together."""
    if video is not None and video.source_sha256 and file_sha256(src) != video.source_sha256:
        raise InvalidMediaError("the uploaded file does not match the SHA-256 declared for "
                                "it: upload the file again", "checksum_mismatch")


def check_stored_size(head: dict[str, object], video: Video | None) -> None:
    """The object must still be the size its upload completed with: a PUT to a URL that
    outlived the upload (the starter's sign no length) may have replaced it since."""
    size = int(str(head.get("ContentLength", 0)))
    if video is not None and video.source_size and size != video.source_size:
        raise InvalidMediaError(f"the stored upload is {size} bytes, not the "
                                f"{video.source_size} bytes its upload completed with: "
                                "upload the file again", "size_mismatch")


def _probe_metadata(p: Probe) -> dict[str, dg.MetadataValue]:
    v, a = p.video, p.audio
    out = {"container": dg.MetadataValue.text(p.container),
           "duration_s": dg.MetadataValue.float(p.duration_s),
           "size_bytes": dg.MetadataValue.int(p.size_bytes)}
    if v is not None:
        out |= {"resolution": dg.MetadataValue.text(f"{v.width}x{v.height}"),
                "video": dg.MetadataValue.text(f"{v.codec} {v.pix_fmt} {v.fps:g} fps"
                                               + (" (variable)" if v.variable_fps else "")),
                "rotation": dg.MetadataValue.int(v.rotation)}
    out["audio"] = dg.MetadataValue.text(
        f"{a.codec} {a.channels} ch {a.sample_rate} Hz" if a else "none")
    return out


@dg.asset(partitions_def=videos_partitions, group_name="media", kinds={"pyav", "s3"},
          output_required=False, retry_policy=STORAGE_RETRY)
def source_probe(
    context: dg.AssetExecutionContext, storage: StorageResource, database: DatabaseResource,
    media: MediaResource,
) -> Iterator[dg.MaterializeResult]:
    """The upload as probed with PyAV and checked against the allowlist and caps.

    A rejected upload is a fact, not a crash: the video becomes `failed` with a reason its
    owner can read, an observation records it, and the downstream assets are skipped.
    """
    video_id = context.partition_key
    version = upload_version(context)
    started = datetime.now(UTC)
    if not database.begin_processing(video_id, version):
        # Deleted, or uploaded again since this run was requested (the newer upload has
        # its own run): make nothing, so no object outlives a deleted video.
        video = database.video(video_id)
        why = "deleted" if video is None else f"superseded by upload {video.upload_version}"
        context.log.warning(f"nothing to do for {video_id}: {why}")
        context.log_event(dg.AssetObservation(asset_key=context.asset_key, partition=video_id,
                                              metadata={"status": "skipped", "reason": why}))
        return
    with guard(context, database, storage, "reading the upload"):
        s3 = storage.client()
        head = s3.head(keys.source_key(video_id))
        etag = head["ETag"].strip('"') if head else ""
        facts = {"source_etag": etag, "upload_version": version,
                 "started_at": started.isoformat()}
        try:
            if head is None:
                raise InvalidMediaError("the upload is missing: upload the file again",
                                        "missing")
            video = database.video(video_id)
            check_stored_size(head, video)
            src = Workspace(s3, media.workdir, video_id).source(etag)
            check_declared_sha256(src, video)
            found = probe(src)
            validate(found, media.caps)
        except InvalidMediaError as e:
            write_facts(s3, video_id, "probe", {**facts, "status": "rejected",
                                                "reason": e.reason, "code": e.code,
                                                "probe": None})
            mark_failed(context, database, e.reason)
            context.log.warning(f"rejected {video_id}: {e.reason} ({e.code})")
            context.log_event(dg.AssetObservation(
                asset_key=context.asset_key, partition=video_id,
                metadata={"status": "rejected", "reason": e.reason, "code": e.code}))
            return
        write_facts(s3, video_id, "probe", {**facts, "status": "accepted", "reason": "",
                                            "code": "", "probe": asdict(found)})
    yield dg.MaterializeResult(metadata={
        "status": "accepted", **_probe_metadata(found),
        "play": dg.MetadataValue.url(play_url(media.settings, video_id))})
