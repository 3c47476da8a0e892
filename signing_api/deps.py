"""What routes receive: the services built once by `create_app`, the caller, the video."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from reelhouse import accounts, keys, videos
from reelhouse.config import Settings
from reelhouse.db import Database, User, Video
from reelhouse.records import VideoStatus, Visibility
from reelhouse.storage import Storage
from signing_api.errors import ApiError, not_found, unauthorized
from signing_api.hashing import HashSlots
from signing_api.ratelimit import RateLimits
from signing_api.recent import Recent

if TYPE_CHECKING:
    from reelhouse.catalog.snapshot import CatalogSnapshot
    from signing_api.catalog_writes import CatalogWrites
    from signing_api.dagster_launch import DagsterLauncher
    from signing_api.signer import PlaybackSigner
    from signing_api.signer.paths import PlayLink


P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class Services:
    """Clients and signers shared by every request, built once per app."""

    settings: Settings
    db: Database
    storage: Storage
    limits: RateLimits
    # Password hashes running at once in this process (argon2 memory is per process).
    hashing: HashSlots
    playback: PlaybackSigner
    # Ready videos by id, reused for api_read_cache_s (tokens are checked on every request).
    recent_videos: Recent[str, Video]
    # Edits and deletes reach the catalog after the answer, in batches.
    catalog_writes: CatalogWrites
    # Made on first use by signing_api.catalog (DuckDB and pyarrow load only then).
    catalog: CatalogSnapshot | None = None
    # Starts a completed upload's run through Dagster's GraphQL API; None: direct launch off.
    launcher: DagsterLauncher | None = None


# Trivial dependencies are `async def`: a plain `def` would cost a thread hop per request.
async def services(request: Request) -> Services:
    return request.app.state.services


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in ("token", "bearer") or not token or len(token) > 200:
        raise unauthorized("Authorization: send 'Token <token>' or 'Bearer <token>'")
    return token


async def read(svc: Services, query: Callable[Concatenate[Connection, P], T],
               *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a short read with a prebuilt statement: inline on a local SQLite file, where it
    takes about 0.1 ms and a hop to the thread pool costs more than the query; in the thread
    pool for a server database, whose round trips must not stall the event loop."""
    def call() -> T:
        with svc.db.reader() as connection:
            return query(connection, *args, **kwargs)

    return call() if svc.db.local else await run_in_threadpool(call)


async def optional_user(request: Request, svc: Annotated[Services, Depends(services)]
                        ) -> User | None:
    """The caller, or None when anonymous; a bad, expired or revoked token is a 401."""
    token = _token(request)
    if token is None:
        return None
    user = await read(svc, accounts.resolve_token, token)
    request.state.token_id = token.split("_", 2)[1]
    return user


async def require_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise unauthorized()
    return user


async def require_admin(user: Annotated[User, Depends(require_user)]) -> User:
    if user.role != "admin":
        raise ApiError(403, "forbidden", "admins only")
    return user


SvcDep = Annotated[Services, Depends(services)]
ViewerDep = Annotated[User | None, Depends(optional_user)]
UserDep = Annotated[User, Depends(require_user)]


def _valid_id(video_id: str) -> str:
    try:
        return keys.check_video_id(video_id)
    except ValueError:
        raise not_found() from None


def _shown(video: Video | None, viewer: User | None) -> Video:
    """The video if `viewer` may see it; 404 otherwise, so private ids stay secret."""
    if video is None or not videos.can_view(viewer, video):
        raise not_found()
    return video


def visible_video(session: Session, video_id: str, viewer: User | None) -> Video:
    """The video (in `session`) if `viewer` may see it; 404 otherwise."""
    return _shown(session.get(Video, _valid_id(video_id)), viewer)


async def _recent_video(svc: Services, video_id: str) -> Video | None:
    """The video detached, from one prebuilt query or the last `api_read_cache_s`."""
    video = svc.recent_videos.get(_valid_id(video_id))
    if video is None:
        video = await read(svc, videos.lookup_video, video_id)
        # Only finished videos are reused: one still processing changes status any moment.
        if video is not None and video.status == VideoStatus.READY:
            svc.recent_videos.put(video_id, video)
    return video


async def viewable_video(svc: Services, video_id: str, viewer: User | None) -> Video:
    """`visible_video` for read-only routes: the video detached, from one prebuilt query."""
    return _shown(await _recent_video(svc, video_id), viewer)


async def linked_video(svc: Services, link: PlayLink) -> Video:
    """The video a play link opens, checked again on every request: 404 once it is gone, 403
    once the link's viewer may no longer see it. A link handed out while the video was shared
    dies when it is made private; one issued to its owner or an admin lives while they may
    see it. Costs what `viewable_video` does, plus a user read for links of private videos."""
    video = await _recent_video(svc, link.video_id)
    if video is None or video.status == VideoStatus.DELETING:
        raise not_found()
    if link.viewer_id is None:
        allowed = Visibility(video.visibility).shared
    else:
        viewer = await read(svc, accounts.lookup_user, link.viewer_id)
        allowed = viewer is not None and not viewer.disabled and videos.can_view(viewer, video)
    if not allowed:
        raise ApiError(403, "link_revoked", "this link no longer opens this video")
    return video


async def existing_video(svc: Services, video_id: str) -> Video:
    """The video whoever asks (for routes whose link is the permission); 404 if it is gone."""
    video = await read(svc, videos.lookup_video, _valid_id(video_id))
    if video is None or video.status == VideoStatus.DELETING:
        raise not_found()
    return video


def deletable_video(session: Session, video_id: str, user: User) -> Video:
    """The video if `user` may delete it, one whose delete did not finish included (so
    asking again finishes it); 403 / 404 as `editable_video`."""
    video = session.get(Video, _valid_id(video_id))
    if video is not None and video.status == VideoStatus.DELETING and videos.can_edit(
            user, video):
        return video
    return editable_video(session, video_id, user)


def editable_video(session: Session, video_id: str, user: User) -> Video:
    """The video if `user` may change it; 403 when they may only see it, 404 when not even that."""
    video = visible_video(session, video_id, user)
    if not videos.can_edit(user, video):
        raise ApiError(403, "forbidden", "only the owner or an admin may do this")
    return video
