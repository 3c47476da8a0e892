"""Playback: signed URLs for viewers allowed to see a video, and the signed playlist paths."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from reelhouse import builds, keys, videos
from reelhouse.builds import Build
from reelhouse.db import User, Video
from reelhouse.errors import ObjectNotFound
from reelhouse.records import VideoStatus, Visibility
from reelhouse.signing.links import poster_link_ok
from signing_api.deps import (
    Services,
    SvcDep,
    ViewerDep,
    existing_video,
    linked_video,
    read,
    viewable_video,
)
from signing_api.errors import ApiError, not_found, responses
from signing_api.signer import PlaybackSigner
from signing_api.signer.paths import PLAY_PREFIX, canonical_path

router = APIRouter(tags=["playback"])

_MEDIA_TYPES = {"m3u8": "application/vnd.apple.mpegurl", "vtt": "text/vtt; charset=utf-8"}
_NOT_READY = (409, "the video is not ready (`not_ready`; the message says why)")


class PlaybackOut(BaseModel):
    """Where a player finds a video's media; every URL works until `expires_at`."""

    video_id: str
    mode: str
    expires_at: datetime
    hls: str
    poster: str
    storyboard_vtt: str
    mp4: str | None = Field(description="None until the video is `ready` (the MP4 is made "
                            "after the ladder)")
    download: str | None = Field(description="None until the video is `ready`")
    cdn_hls: str | None = Field(None, description="the master on the CDN; None while the "
                                "version is still being built (its playlists grow, and only "
                                "the API serves them)")
    cookies: dict[str, str] | None = None
    complete: bool = Field(True, description="False while the live version is still being "
                           "built: its playlists are EVENT playlists that grow, VOD at the end")
    duration_s: float | None = Field(None, description="while the version is being built: how "
                                     "long it will play once complete (its playlists list "
                                     "only what is published so far); None once complete")


def download_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the UTF-8 original (RFC 6266 / 5987)."""
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", stem)[:100].strip() or "video"
    return (f'attachment; filename="{fallback}.mp4"; '
            f"filename*=UTF-8''{quote(stem[:100] + '.mp4', safe='')}")


def playback_urls(signer: PlaybackSigner, video: Video, version: str, base_url: str,
                  viewer: User | None = None, build: Build | None = None) -> PlaybackOut:
    """The URLs of the video's live media `version` for `viewer`; the API link is bound to
    them when the video is private. `build` is the version's build while it grows."""
    shared = Visibility(video.visibility).shared
    path, _expires = signer.paths.play_path(
        video.id, None if shared or viewer is None else viewer.id)
    api = base_url.rstrip("/") + path
    disposition = download_disposition(video.filename or video.title)
    cookies = signer.cdn.cookies(video.id) if signer.cdn is not None else None
    # A version flipped by published_media has its MP4; one flipped while it was built
    # has it once the video is ready (the MP4 is cut from a finished rung).
    has_mp4 = build is None or video.status == VideoStatus.READY
    mp4 = keys.progressive_key(video.id, version)
    growing = build is not None and not build.complete
    return PlaybackOut(
        video_id=video.id, mode=signer.mode, expires_at=signer.window.expires_at(),
        hls=f"{api}/hls/master.m3u8", storyboard_vtt=f"{api}/thumbs/storyboard.vtt",
        poster=signer.presign(keys.poster_key(video.id, version)),
        mp4=signer.presign(mp4) if has_mp4 else None,
        download=signer.presign(mp4, {"response-content-disposition": disposition})
        if has_mp4 else None,
        cdn_hls=signer.cdn.master(video.id, version)
        if signer.cdn is not None and not growing else None,
        cookies=cookies, complete=not growing,
        duration_s=round(build.layout.seconds(build.layout.segment_count), 3)
        if build is not None and growing else None)


async def live_build(svc: Services, video: Video) -> Build | None:
    """The build of the video's live version while the video is processing (a ready one's
    live version is finished: no read on the hot path of ready videos)."""
    if video.status != VideoStatus.PROCESSING or not video.media_version:
        return None
    return await read(svc, builds.lookup_build, video.id, video.media_version)


async def _playback(video_id: str, request: Request, svc: SvcDep,
                    viewer: ViewerDep) -> PlaybackOut:
    video = await viewable_video(svc, video_id, viewer)
    if not videos.playable(video) or not video.media_version:
        if video.status == VideoStatus.FAILED:
            message = f"the video is failed: {video.failure_reason}"
        elif VideoStatus(video.status).waiting:
            message = f"the video is {video.status}, not playable yet"
        else:
            message = f"the video is {video.status}"
        raise ApiError(409, "not_ready", message)
    return playback_urls(svc.playback, video, video.media_version, str(request.base_url),
                         viewer, await live_build(svc, video))


router.add_api_route("/api/v1/videos/{video_id}/playback", _playback, methods=["GET"],
                     response_model=PlaybackOut,
                     summary="Playback URLs for a playable video (ready, or processing with "
                     "a live version that may still grow)",
                     responses=responses(401, 404, _NOT_READY))
router.add_api_route("/api/videos/{video_id}/playback", _playback, methods=["GET"],
                     response_model=PlaybackOut, include_in_schema=False)


async def _poster(video_id: str, svc: SvcDep, viewer: ViewerDep,
                  sig: str | None = None) -> RedirectResponse:
    """Redirect to the poster, freshly signed: a link to this route never expires.

    Viewers see the posters of videos they may view; `sig` (the link Dagster's metadata
    carries, see reelhouse.signing.links) opens this one video's poster while it exists.
    """
    if sig is not None and poster_link_ok(svc.settings.playback_secret, video_id, sig):
        video = await existing_video(svc, video_id)
    else:
        video = await viewable_video(svc, video_id, viewer)
    if not video.media_version:
        raise not_found("poster")
    return RedirectResponse(svc.playback.presign(keys.poster_key(video.id, video.media_version)),
                            status_code=307,
                            headers={"Cache-Control": "private, max-age=60"})


router.add_api_route("/api/v1/videos/{video_id}/poster", _poster, methods=["GET"],
                     response_class=RedirectResponse, status_code=307,
                     summary="The poster image, as a redirect to a freshly signed URL",
                     responses={307: {"description": "To the poster in storage or the CDN"},
                                **responses(400, 401, 404)})


@router.get(PLAY_PREFIX + "/{video_id}/{expires}/{token}/{path:path}",
            summary="A playlist or storyboard under a signed path (the link is the permission)",
            response_class=Response, responses={
                200: {"description": "the signed playlist or storyboard", "content": {
                    media_type: {"schema": {"type": "string"}}
                    for media_type in _MEDIA_TYPES.values()}},
                **responses(400, (403, "the link is forged or expired (`link_expired`), or no "
                                       "longer opens the video: made private (`link_revoked`)"),
                            (404, "no such playlist, or the video is gone"), 502)})
async def play(video_id: str, expires: int, token: str, path: str, request: Request,
               svc: SvcDep) -> Response:
    """Serve a signed playlist while its link may still open the video (checked on every
    request): segment URIs rewritten to presigned GETs; cached per window."""
    signer = svc.playback
    try:
        keys.check_video_id(video_id)
        path = canonical_path(path)
    except ValueError:
        raise not_found("playlist") from None
    link = signer.paths.verify(video_id, expires, token)
    if link is None:
        raise ApiError(403, "link_expired", "this playback link is invalid or has expired")
    # The live version, read per request: a flip moves the next playlist to the new one.
    video = await linked_video(svc, link)
    version = video.media_version
    if not version:
        raise not_found("playlist")
    build = videos.building(video, await live_build(svc, video))
    if build is None and video.status == VideoStatus.FAILED:
        # A failed first processing may have left a partial build live: it never grows.
        partial = await read(svc, builds.lookup_build, video.id, version)
        if partial is not None and not partial.complete:
            raise not_found("playlist")
    try:
        signed = await signer.playlists.signed(video_id, version, path, build)
    except (ObjectNotFound, ValueError):
        raise not_found("playlist") from None
    window = signer.window
    max_age = max(0, min(window.window_s, expires - window.start()))
    # A growing playlist must be fetched anew at each player reload: a cached copy would
    # starve hls.js of the segments published since.
    cache = "no-cache" if build is not None else f"private, max-age={max_age}"
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding",
               "Access-Control-Allow-Origin": "*"}
    body = signed.body
    if signed.gzipped and "gzip" in request.headers.get("accept-encoding", ""):
        body, headers["Content-Encoding"] = signed.gzipped, "gzip"
    return Response(body, media_type=_MEDIA_TYPES.get(path.rpartition(".")[2], "text/plain"),
                    headers=headers)
