"""Catalog facts over the API: what probing and processing found, for videos the caller may see.

The catalog holds every video; which of them a caller may see is the database's word (a
video made private after processing is still public in its catalog row), so each route asks
the database first and the catalog only about those ids.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from reelhouse import keys, videos
from reelhouse.insights import Insights, Rung, VideoFacts
from reelhouse.records import VideoStatus
from signing_api.deps import Services, SvcDep, ViewerDep, viewable_video
from signing_api.errors import ApiError, responses

if TYPE_CHECKING:
    from reelhouse.catalog.snapshot import CatalogSnapshot

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])
log = logging.getLogger("signing_api.catalog")

MAX_IDS = 100
_UNAVAILABLE = "the catalog cannot be read right now (`catalog_unavailable`)"
_building = threading.Lock()


def snapshot(svc: Services) -> CatalogSnapshot:
    """The app's shared catalog snapshot, made on first use: DuckDB and pyarrow load only
    when someone asks the catalog something, not when the API starts."""
    with _building:
        if svc.catalog is None:
            from reelhouse.catalog.snapshot import CatalogSnapshot

            svc.catalog = CatalogSnapshot(svc.storage)
        return svc.catalog


def record_edit(svc: Services, video_id: str, fields: Mapping[str, Any],
                updated_at: datetime) -> None:
    """Carry an owner's edit into the catalog's `videos` row (the database already holds it;
    run after the answer, see signing_api.catalog_writes)."""
    svc.catalog_writes.edit(video_id, dict(fields), updated_at)


def record_delete(svc: Services, video_id: str) -> None:
    """Finish a delete whose media is gone: its catalog rows and its row, after the answer
    (see signing_api.catalog_writes); then drop it from this process's snapshot."""
    svc.catalog_writes.finish_delete(video_id)
    if svc.catalog is not None:
        svc.catalog.forget(video_id)


def _ids(values: list[str]) -> list[str]:
    try:
        return list(dict.fromkeys(keys.check_video_id(v) for v in values))
    except ValueError as e:
        raise ApiError(400, "invalid_request", f"id: {e}") from None


@router.get("/facts", response_model=list[VideoFacts], responses=responses(400, 401))
def facts(svc: SvcDep, viewer: ViewerDep,
          ids: Annotated[list[str], Query(alias="id", min_length=1, max_length=MAX_IDS)]
          ) -> list[VideoFacts]:
    """Facts (duration, size, codecs, processing time) of the given videos the caller may
    view and the catalog holds, in the order asked; other ids are left out."""
    wanted = _ids(ids)
    with svc.db.session() as session:
        statuses = videos.viewable_statuses(session, viewer, wanted)
    ready = {v for v, status in statuses.items() if status == VideoStatus.READY}
    return snapshot(svc).facts([v for v in wanted if v in statuses], ready)


@router.get("/videos/{video_id}/rungs", response_model=list[Rung],
            responses=responses(401, 404))
async def rungs(video_id: str, svc: SvcDep, viewer: ViewerDep) -> list[Rung]:
    """The HLS rungs of a video the caller may view, tallest first (empty until processed)."""
    video = await viewable_video(svc, video_id, viewer)
    ready = video.status == VideoStatus.READY
    return await run_in_threadpool(snapshot(svc).rungs, video.id, ready)


@router.get("/insights", response_model=Insights,
            responses=responses(401, (503, _UNAVAILABLE)))
def insights(svc: SvcDep, viewer: ViewerDep) -> Insights:
    """Totals and distributions over the processed videos the caller may list: public ones,
    their own, every video for admins."""
    with svc.db.session() as session:
        scope = videos.listable_ids(session, viewer)
    found = snapshot(svc).insights(scope)
    if found is None:
        raise ApiError(503, "catalog_unavailable", "the catalog cannot be read right now")
    return found
