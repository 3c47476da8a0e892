"""The sweeper: aborts abandoned uploads and removes what nobody can reach any more.

Two passes. `sweep_due` is cheap (indexed database reads) and runs every 30 s from
`media_sweep_sensor`; `sweep` adds the bucket listings and runs hourly (`storage_sweep_job`)
and from `reelhouse sweep`. What they may remove, and why nothing live is ever among it:
- a media version replaced at a flip, once `retired_grace_s` has passed: no player can
  still hold a URL into it;
- a delete that was interrupted (a row `deleting` for UNFINISHED_DELETE_S): finished;
- an upload session untouched for `upload_expiry_s` (no URL signed, no status asked): it is
  claimed `aborting` in the same statement that checks it is still stale, so a client that
  comes back first keeps it, and a complete under way (`completing`, recently touched) is
  never raced;
- a multipart upload S3 lists under `raw/` that no session names (a start that crashed
  before its row was committed);
- `raw/{id}/...` and `media/{id}/...` objects whose id has no video row (a presigned PUT
  after its upload was aborted or its video deleted, a run that wrote after a delete).
Objects are judged only once older than `sweep_grace_s`, and rows are read after objects
are listed, so a video being created while the sweep runs is never mistaken for none.

A PUT to a URL handed out before an abort or a delete is thus gone at most
`upload_url_ttl_s` (the URL's life) + `sweep_grace_s` + the schedule's period after the abort.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from reelhouse import builds, keys, videos
from reelhouse.config import Settings
from reelhouse.db import Database, UploadSession, UploadState, Video, utcnow
from reelhouse.storage import Storage
from reelhouse.uploads import discard_upload

log = logging.getLogger(__name__)
_BATCH = 500
# A delete still `deleting` after this long was interrupted (the API finishes in seconds).
UNFINISHED_DELETE_S = 120


@dataclass
class SweepReport:
    """What one sweep removed: video ids of aborted uploads, S3 keys and prefixes."""

    retired_versions: list[str] = field(default_factory=list)
    finished_deletes: list[str] = field(default_factory=list)
    aborted_uploads: list[str] = field(default_factory=list)
    orphan_multipart: list[str] = field(default_factory=list)
    raw_objects: list[str] = field(default_factory=list)
    media_prefixes: list[str] = field(default_factory=list)
    media_objects: int = 0

    @property
    def removed(self) -> int:
        """How many things the sweep removed, all kinds together."""
        return (len(self.retired_versions) + len(self.finished_deletes)
                + len(self.aborted_uploads) + len(self.orphan_multipart)
                + len(self.raw_objects) + self.media_objects)

    def summary(self) -> str:
        return (f"removed {len(self.retired_versions)} replaced media versions, finished "
                f"{len(self.finished_deletes)} interrupted deletes, "
                f"aborted {len(self.aborted_uploads)} abandoned uploads and "
                f"{len(self.orphan_multipart)} unknown multipart uploads; removed "
                f"{len(self.raw_objects)} raw objects and {self.media_objects} media objects "
                f"under {len(self.media_prefixes)} prefixes of no video")


def _video_id(key: str, prefix: str) -> str | None:
    """The video id in `{prefix}{id}/...`, or None for a key that is not laid out so."""
    candidate = key.removeprefix(prefix).split("/", 1)[0]
    try:
        return keys.check_video_id(candidate)
    except ValueError:
        return None


def _existing(db: Database, video_ids: Iterable[str]) -> set[str]:
    """Of these ids, those that have a video row."""
    wanted, found = sorted(set(video_ids)), set()
    with db.session() as session:
        for start in range(0, len(wanted), _BATCH):
            batch = wanted[start:start + _BATCH]
            found |= set(session.scalars(select(Video.id).where(Video.id.in_(batch))))
    return found


def _abandoned_uploads(db: Database, storage: Storage, now: datetime,
                       report: SweepReport) -> None:
    cutoff = now - timedelta(seconds=storage.settings.upload_expiry_s)
    last_touched = func.coalesce(UploadSession.touched_at, UploadSession.created_at)
    with db.session() as session:
        stale = list(session.scalars(select(UploadSession.video_id)
                                     .where(last_touched < cutoff)))
    for video_id in stale:
        with db.session() as session:
            # Still stale, in the same statement that claims it: a client back meanwhile wins.
            claimed = session.execute(
                update(UploadSession)
                .where(UploadSession.video_id == video_id, last_touched < cutoff)
                # touched_at kept: should the discard fail, the next sweep tries again.
                .values(state=UploadState.ABORTING)
                .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
            session.commit()
            upload = session.get(UploadSession, video_id) if claimed else None
            if upload is None:
                continue
            discard_upload(session, storage, video_id, upload.key, upload.upload_id)
        report.aborted_uploads.append(video_id)


def _orphan_multipart(db: Database, storage: Storage, now: datetime,
                      report: SweepReport) -> None:
    cutoff = now - timedelta(seconds=storage.settings.sweep_grace_s)
    pending = [u for u in storage.list_multipart_uploads("raw/") if u["Initiated"] < cutoff]
    if not pending:
        return
    with db.session() as session:
        known = set(session.scalars(select(UploadSession.upload_id)
                                    .where(UploadSession.upload_id.is_not(None))))
    for upload in pending:
        if upload["UploadId"] not in known:
            storage.abort_multipart(upload["Key"], upload["UploadId"])
            report.orphan_multipart.append(upload["Key"])


def _orphan_raw(db: Database, storage: Storage, now: datetime, report: SweepReport) -> None:
    cutoff = now - timedelta(seconds=storage.settings.sweep_grace_s)
    old: dict[str, list[str]] = {}
    for obj in storage.list_keys("raw/"):
        video_id = _video_id(obj["Key"], "raw/")
        if video_id is not None and obj["LastModified"] < cutoff:
            old.setdefault(video_id, []).append(obj["Key"])
    live = _existing(db, old)
    for video_id, found in old.items():
        if video_id not in live:
            for key in found:
                storage.delete(key)
                report.raw_objects.append(key)


def _orphan_media(db: Database, storage: Storage, now: datetime,
                  report: SweepReport) -> None:
    # Only ids with no row. A live video's versions are judged by `_retired_versions`,
    # which knows which one the database points at.
    cutoff = now - timedelta(seconds=storage.settings.sweep_grace_s)
    prefixes = {vid: p for p in storage.list_prefixes("media/")
                if (vid := _video_id(p, "media/")) is not None}
    live = _existing(db, prefixes)
    for video_id, prefix in prefixes.items():
        if video_id in live:
            continue
        objects = list(storage.list_keys(prefix))
        if objects and max(o["LastModified"] for o in objects) < cutoff:
            report.media_objects += storage.delete_prefix(prefix)
            report.media_prefixes.append(prefix)


def retired_grace_s(settings: Settings) -> int:
    """How long a replaced version outlives its flip: a playback link signed just before
    lives one TTL, a playlist fetched at its end signs segment URLs for one TTL more, and
    the API may reuse the video's row (with the old version) for api_read_cache_s."""
    ttl = settings.clamp_ttl(settings.playback_url_ttl_s)
    return 2 * ttl + 60 + int(settings.api_read_cache_s)


def _retired_versions(db: Database, storage: Storage, now: datetime,
                      report: SweepReport, limit: int = 50) -> None:
    due = now - timedelta(seconds=retired_grace_s(storage.settings))
    with db.session() as session:
        rows = session.execute(select(Video.id, Video.retired_version).where(
            Video.retired_version.is_not(None), Video.retired_at < due).limit(limit)).all()
    for video_id, version in rows:
        assert version is not None  # the query asked for retired versions only
        storage.delete_prefix(keys.version_prefix(video_id, version))
        with db.session() as session:  # unless another flip replaced it meanwhile
            session.execute(update(Video).where(
                Video.id == video_id, Video.retired_version == version).values(
                retired_version=None, retired_at=None))
            builds.delete_builds(session, video_id, [version])
        report.retired_versions.append(f"{video_id}/{version}")


def _unfinished_deletes(db: Database, storage: Storage, now: datetime,
                        report: SweepReport) -> None:
    stale = now - timedelta(seconds=UNFINISHED_DELETE_S)
    for video_id in videos.unfinished_deletes(db, stale):
        videos.delete_video(db, storage, video_id)
        report.finished_deletes.append(video_id)


def sweep_due(db: Database, storage: Storage, now: datetime | None = None) -> SweepReport:
    """The cheap pass: replaced versions past their grace, interrupted deletes."""
    now = now or utcnow()
    report = SweepReport()
    _retired_versions(db, storage, now, report)
    _unfinished_deletes(db, storage, now, report)
    return report


def sweep(db: Database, storage: Storage, now: datetime | None = None) -> SweepReport:
    """Everything: the cheap pass, then abandoned uploads and what belongs to no video."""
    now = now or utcnow()
    report = sweep_due(db, storage, now)
    _abandoned_uploads(db, storage, now, report)
    _orphan_multipart(db, storage, now, report)
    _orphan_raw(db, storage, now, report)
    _orphan_media(db, storage, now, report)
    log.info("sweep: %s", report.summary())
    return report
