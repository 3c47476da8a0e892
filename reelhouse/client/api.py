"""`Client`: the signing API from Python: sign in, upload, list, search, play, delete."""

from __future__ import annotations

import mimetypes
import os
import ssl
import time
from collections.abc import Callable
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, BinaryIO

import certifi
import httpx

from reelhouse import keys
from reelhouse.client.errors import (
    ApiUnavailable,
    NotFound,
    ProcessingFailed,
    RateLimited,
    ServerError,
    WaitTimeout,
    error_for,
)
from reelhouse.client.models import Playback, SignedPut, UploadState, VideoList
from reelhouse.client.progress import Progress
from reelhouse.client.resume import ResumeStore
from reelhouse.client.retry import RetryPolicy
from reelhouse.client.sources import FileSource, open_source
from reelhouse.client.upload import send_upload
from reelhouse.config import configured_token
from reelhouse.forwarding import FORWARDED_FOR
from reelhouse.insights import Insights, Rung, VideoFacts
from reelhouse.records import Video, VideoPage, VideoStatus, Visibility

if TYPE_CHECKING:
    from reelhouse.config import Settings

API_PAGE_MAX = 100
FACTS_MAX = 100  # ids per catalog facts request
# A sign-in asked to wait this long at most is waited out (and tried again this often).
LOGIN_WAIT_MAX_S = 5.0
LOGIN_RETRIES = 3


def _user_agent() -> str:
    try:
        return f"reelhouse-sdk/{version('reelhouse')}"
    except PackageNotFoundError:
        return "reelhouse-sdk"


@cache
def _tls() -> ssl.SSLContext:
    # Building a context loads the CA bundle (~50 ms); every client can share one.
    return ssl.create_default_context(cafile=certifi.where())


def _video_path(video_id: str, tail: str = "") -> str:
    """The API path of a video; an id that is not a ULID (say '../auth/me') is a NotFound
    raised here, so no path is ever built from other text."""
    try:
        keys.check_video_id(video_id)
    except ValueError:
        raise NotFound(404, "not_found", "no such video") from None
    return f"/api/v1/videos/{video_id}{tail}"


def guess_content_type(filename: str) -> str:
    """The video/* or audio/* type of a file name, else application/octet-stream."""
    found = mimetypes.guess_type(filename)[0] or ""
    return found if found.startswith(("video/", "audio/")) else "application/octet-stream"


class Client:
    """A session with the signing API; bytes of uploads go straight to object storage.

    `base_url` defaults to the local stack's API (`load_settings().api_url`). The token is
    `token`, else a fresh one for `username`/`password`, else `$REELHOUSE_TOKEN` (unless
    `env_token=False`, as for a server acting for its visitors); without any the client is
    anonymous and sees public videos only. A server acting for a visitor passes the
    visitor's `forwarded_for` (an X-Forwarded-For chain), which the API believes only from
    its trusted proxies: sign-in limits then count the visitor's address, not the server's.
    """

    def __init__(self, base_url: str | None = None, token: str | None = None, *,
                 username: str | None = None, password: str | None = None,
                 settings: Settings | None = None, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None,
                 storage_transport: httpx.BaseTransport | None = None,
                 resume_dir: str | os.PathLike[str] | None = None,
                 retry: RetryPolicy | None = None, env_token: bool = True,
                 forwarded_for: str | None = None) -> None:
        if (username is None) != (password is None):
            raise ValueError("username and password: give both or neither")
        if base_url is None:
            from reelhouse.config import load_settings

            base_url = (settings or load_settings()).api_url
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.resume = ResumeStore(resume_dir)
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport,
                                  headers={"User-Agent": _user_agent()}, verify=_tls())
        if forwarded_for:
            self._http.headers[FORWARDED_FOR] = forwarded_for
        # Storage gets no Authorization header: the presigned URL is the permission.
        self.storage_http = httpx.Client(
            transport=storage_transport, follow_redirects=False, verify=_tls(),
            timeout=httpx.Timeout(connect=10.0, read=300.0, write=120.0, pool=None),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16))
        self._token: str | None = None
        if token:
            self.token = token
        elif username is not None and password is not None:
            self.login(username, password)
        elif env_token and (configured := configured_token()):
            self.token = configured

    def __repr__(self) -> str:
        who = "signed in" if self._token else "anonymous"
        return f"<reelhouse.Client {self.base_url} ({who})>"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
        self.storage_http.close()

    @property
    def token(self) -> str | None:
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        self._token = value
        if value:
            self._http.headers["Authorization"] = f"Bearer {value}"
        else:
            self._http.headers.pop("Authorization", None)

    # --- plumbing ----------------------------------------------------------------------
    def _request(self, method: str, path: str, *, idempotent: bool = False,
                 **kwargs: Any) -> httpx.Response:
        """One API call; idempotent ones are retried on network errors and 502/503/504."""
        attempts = 3 if idempotent else 1
        for attempt in range(attempts):
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError as e:
                if attempt + 1 < attempts:
                    time.sleep(self.retry.delay(attempt))
                    continue
                raise ApiUnavailable(f"cannot reach the API at {self.base_url} "
                                     f"({type(e).__name__}: {e}); is it running?") from e
            if response.status_code in (502, 503, 504) and attempt + 1 < attempts:
                time.sleep(self.retry.delay(attempt))
                continue
            if response.is_success:
                return response
            raise error_for(response)
        raise AssertionError("unreachable")

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._request(method, path, **kwargs).json()

    def call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
             json: Any = None, idempotent: bool | None = None) -> Any:
        """The API's JSON answer to one request (None for 204); errors as `ApiError`.

        For callers that relay the API's own shapes (the notebook widgets' kernel side);
        `idempotent` defaults to True for GET, HEAD and DELETE, which are then retried.
        """
        retry = method.upper() in ("GET", "HEAD", "DELETE") if idempotent is None else idempotent
        response = self._request(method.upper(), path, idempotent=retry, params=params,
                                 json=json)
        return None if response.status_code == 204 or not response.content else response.json()

    # --- accounts ----------------------------------------------------------------------
    def login(self, username: str, password: str, name: str = "reelhouse-sdk") -> str:
        """Exchange credentials for a token, use it from now on and return it.

        A 429 or 503 that asks to wait a few seconds (sign-ins of one account from one address
        still being checked count against its limit until they are; password checks are
        bounded per API process) is waited out and tried again, LOGIN_RETRIES times at most.
        """
        body = {"username": username, "password": password, "name": name}
        for attempt in range(LOGIN_RETRIES + 1):
            try:
                data = self._json("POST", "/api/v1/auth/token", json=body)
                break
            except (RateLimited, ServerError) as e:
                wait = e.retry_after if isinstance(e, RateLimited) else (
                    1.0 if e.code == "signin_busy" else None)
                if attempt == LOGIN_RETRIES or wait is None or wait > LOGIN_WAIT_MAX_S:
                    raise
                time.sleep(wait)
        self.token = data["token"]
        return data["token"]

    def logout(self) -> None:
        """Revoke the current token on the server and forget it."""
        if self._token:
            self._request("DELETE", "/api/v1/auth/token")
        self.token = None

    def me(self) -> dict[str, Any]:
        """The signed-in user: username, role, disabled, created_at."""
        return self._json("GET", "/api/v1/auth/me", idempotent=True)

    # --- videos ------------------------------------------------------------------------
    def videos_page(self, *, q: str | None = None, owner: str | None = None,
                    status: str | None = None, visibility: str | None = None,
                    cursor: str | None = None, limit: int = API_PAGE_MAX) -> VideoPage:
        """One page of the videos the caller may list, newest first; pass its `next_cursor`
        as `cursor` for the page after it."""
        params = {k: v for k, v in {"q": q, "owner": owner, "status": status,
                                    "visibility": visibility, "cursor": cursor}.items()
                  if v not in (None, "")}
        page = self._json("GET", "/api/v1/videos", idempotent=True,
                          params={**params, "limit": limit})
        return VideoPage(items=[Video.from_api(item) for item in page["items"]],
                         next_cursor=page.get("next_cursor"))

    def videos(self, *, q: str | None = None, owner: str | None = None,
               status: str | None = None, visibility: str | None = None,
               limit: int | None = None, page_size: int = API_PAGE_MAX) -> VideoList:
        """Videos the caller may list, newest first, following pages up to `limit`."""
        found = VideoList()
        cursor = None
        while limit is None or len(found) < limit:
            size = max(1, min(page_size, API_PAGE_MAX,
                              limit - len(found) if limit is not None else API_PAGE_MAX))
            page = self.videos_page(q=q, owner=owner, status=status, visibility=visibility,
                                    cursor=cursor, limit=size)
            found.extend(page.items)
            cursor = page.next_cursor
            if not cursor:
                break
        return found

    def search(self, text: str, **filters: Any) -> VideoList:
        """Videos whose title or description contains `text` (same filters as `videos`)."""
        return self.videos(q=text, **filters)

    def video(self, video_id: str) -> Video:
        """One video (NotFound if it does not exist or the caller may not see it)."""
        return Video.from_api(self._json("GET", _video_path(video_id), idempotent=True))

    def update(self, video_id: str, *, title: str | None = None,
               description: str | None = None, visibility: str | None = None) -> Video:
        """Change a video's title, description or visibility (owner or admin)."""
        body = {k: v for k, v in {"title": title, "description": description,
                                  "visibility": visibility}.items() if v is not None}
        return Video.from_api(self._json("PATCH", _video_path(video_id), json=body))

    def delete(self, video_id: str) -> None:
        """Delete a video with its media and catalog rows (owner or admin)."""
        self._request("DELETE", _video_path(video_id))

    def playback(self, video_id: str) -> Playback:
        """Signed URLs (HLS master, poster, storyboard, MP4) for a ready video; NotReady if not."""
        return Playback.from_api(self._json("GET", _video_path(video_id, "/playback"),
                                            idempotent=True))

    # --- catalog -----------------------------------------------------------------------
    def facts(self, video_ids: list[str]) -> dict[str, VideoFacts]:
        """Catalog facts (duration, size, codecs, processing time) by id, for those videos the
        caller may view and the catalog holds; other ids are simply absent."""
        wanted = list(dict.fromkeys(video_ids))
        found: dict[str, VideoFacts] = {}
        for start in range(0, len(wanted), FACTS_MAX):
            batch = wanted[start:start + FACTS_MAX]
            for item in self._json("GET", "/api/v1/catalog/facts", idempotent=True,
                                   params={"id": batch}):
                fact = VideoFacts.model_validate(item)
                found[fact.video_id] = fact
        return found

    def rungs(self, video_id: str) -> list[Rung]:
        """The HLS rungs of a video as the catalog holds them, tallest first."""
        _video_path(video_id)
        return [Rung.model_validate(r) for r in self._json(
            "GET", f"/api/v1/catalog/videos/{video_id}/rungs", idempotent=True)]

    def insights(self) -> Insights:
        """Totals and distributions over the processed videos the caller may list."""
        return Insights.model_validate(self._json("GET", "/api/v1/catalog/insights",
                                                  idempotent=True))

    def wait_until_ready(self, video_id: str, timeout: float = 600, interval: float = 2.0,
                         on_status: Callable[[Video], None] | None = None) -> Video:
        """Poll until the pipeline marks the video `ready` and return it.

        Raises `ProcessingFailed` (with the pipeline's reason) when it becomes `failed` and
        `WaitTimeout` when `timeout` seconds pass first. `on_status` sees every poll.
        """
        deadline = time.monotonic() + timeout
        while True:
            video = self.video(video_id)
            if on_status is not None:
                on_status(video)
            if video.status is VideoStatus.READY:
                return video
            if video.status is VideoStatus.FAILED:
                raise ProcessingFailed(video.id, video.failure_reason)
            left = deadline - time.monotonic()
            if left <= 0:
                raise WaitTimeout(video_id, video.status, timeout)
            time.sleep(min(interval, left))
            interval = min(interval * 1.5, 15.0)

    # --- uploads -----------------------------------------------------------------------
    def sign_parts(self, video_id: str,
                   wanted: list[tuple[int, str | None]]) -> list[SignedPut]:
        """Presigned part URLs; a part's base64 SHA-256, when given, is signed into its URL."""
        parts = [{"part_number": n, **({"sha256": sha} if sha else {})} for n, sha in wanted]
        data = self._json("POST", f"/api/v1/uploads/{video_id}/parts", idempotent=True,
                          json={"parts": parts})
        return [SignedPut.from_api(p) for p in data["parts"]]

    def upload_status(self, video_id: str) -> UploadState:
        """An unfinished upload: its parts, which of them S3 holds and which are missing."""
        return UploadState.from_api(self._json("GET", f"/api/v1/uploads/{video_id}",
                                               idempotent=True))

    def abort_upload(self, video_id: str) -> None:
        """Abort an unfinished upload: S3 drops its parts and the API forgets the video."""
        self._request("DELETE", f"/api/v1/uploads/{video_id}", idempotent=True)

    def start_upload(self, *, filename: str, size: int, content_type: str, title: str = "",
                     description: str = "", visibility: str = Visibility.PRIVATE,
                     sha256: str | None = None) -> UploadState:
        """Mint a video and its upload session (the low-level step `upload` starts with)."""
        body = {"filename": filename, "size": size, "content_type": content_type,
                "title": title, "description": description, "visibility": visibility,
                **({"sha256": sha256} if sha256 else {})}
        return UploadState.from_api(self._json("POST", "/api/v1/uploads", json=body))

    def complete_upload(self, video_id: str) -> Video:
        """Tell the API every byte is in S3: it checks them and marks the video `uploaded`."""
        return Video.from_api(self._json("POST", f"/api/v1/uploads/{video_id}/complete",
                                         idempotent=True))

    def upload(self, source: str | os.PathLike[str] | BinaryIO, *, title: str = "",
               description: str = "", visibility: str = Visibility.PRIVATE,
               filename: str | None = None, content_type: str | None = None,
               size: int | None = None, concurrency: int = 4, progress: Progress = None,
               resume: bool = True, checksum: bool = True) -> Video:
        """Upload a file (path or binary file object) straight to S3 and return its video.

        Parts go up `concurrency` at a time, each retried with backoff; memory stays bounded
        whatever the size. A path that was interrupted part-way resumes on the next call
        (`resume=True`): only parts S3 does not hold yet are sent. `checksum` signs each part's
        SHA-256 into its URL so S3 verifies the bytes. `progress`: None shows a bar when
        someone can see it (tqdm, or ipywidgets in a notebook), False none, True always, a
        callable is called with (bytes_done, bytes_total).
        """
        src = open_source(source, size, filename)
        try:
            return send_upload(self, src, title=title, description=description,
                               visibility=visibility,
                               content_type=content_type or guess_content_type(src.name),
                               concurrency=concurrency, progress=progress,
                               fingerprint=src.fingerprint if resume else None,
                               checksum=checksum)
        finally:
            if isinstance(src, FileSource):
                src.close()
