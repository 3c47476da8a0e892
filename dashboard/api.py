"""The dashboard's one door to Reelhouse: the signing API over HTTP, as the caller it signs in.

Every server-side call the dashboard makes goes through `Api`, so switching to the Python SDK
(`reelhouse.client`) later touches this module only. Video bytes never pass through here: the
browser sends them to S3 with URLs the API signs for it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx

from reelhouse import keys
from reelhouse.config import Settings

PAGE_SIZE = 24
TIMEOUT_S = 10.0


class DashboardError(Exception):
    """Base of the dashboard's errors."""


class ApiError(DashboardError, RuntimeError):
    """The API refused or could not answer; `message` is written for the person at the screen."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    @property
    def unauthorized(self) -> bool:
        return self.status == 401


def _video(video_id: str) -> str:
    """The id as a path segment; anything but a ULID is a video that does not exist."""
    try:
        return keys.check_video_id(video_id)
    except ValueError:
        raise ApiError(404, "not_found", "no such video") from None


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v not in (None, "")}


@cache
def shared_client() -> httpx.Client:
    """One connection pool for every session (building an SSL context per session is slow)."""
    return httpx.Client(timeout=TIMEOUT_S)


class Api:
    """The signing API as one caller: anonymous until `login`, then with that caller's token."""

    def __init__(self, base_url: str, token: str | None = None,
                 client: httpx.Client | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._client = client or shared_client()

    def _url(self, path: str) -> str:
        # A test client (starlette's TestClient) brings its own base URL.
        return path if self._client.base_url.host else self.base_url + path

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """JSON of a successful call; `ApiError` with the API's own message otherwise."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = self._client.request(method, self._url(path), headers=headers, **kwargs)
        except httpx.HTTPError as e:
            raise ApiError(0, "unreachable", "The Reelhouse API is not answering at "
                           f"{self.base_url}. Is `reelhouse up` running?") from e
        if response.status_code >= 400:
            try:
                body = response.json()
                code, message = str(body["error"]), str(body["message"])
            except (ValueError, KeyError, TypeError):
                code, message = "error", f"the API answered {response.status_code}"
            raise ApiError(response.status_code, code, message)
        return response.json() if response.content else None

    # --- sign-in ----------------------------------------------------------------------
    def login(self, username: str, password: str) -> dict[str, Any]:
        """Exchange credentials for a token, which this client then uses; returns the user."""
        body = self.request("POST", "/api/v1/auth/token",
                            json={"username": username, "password": password,
                                  "name": "dashboard"})
        self.token = body["token"]
        return body["user"]

    def logout(self) -> None:
        """Revoke the token (best effort: an expired one is as good as revoked)."""
        if self.token:
            try:
                self.request("DELETE", "/api/v1/auth/token")
            except ApiError:
                pass
        self.token = None

    def me(self) -> dict[str, Any]:
        return self.request("GET", "/api/v1/auth/me")

    # --- videos -----------------------------------------------------------------------
    def list_videos(self, q: str | None = None, status: str | None = None,
                    visibility: str | None = None, owner: str | None = None,
                    cursor: str | None = None, limit: int = PAGE_SIZE) -> dict[str, Any]:
        """One page of videos the caller may list, newest first, and the next page's cursor."""
        params = _clean({"q": (q or "").strip()[:200], "status": status,
                         "visibility": visibility, "owner": owner, "cursor": cursor,
                         "limit": limit})
        return self.request("GET", "/api/v1/videos", params=params)

    def get_video(self, video_id: str) -> dict[str, Any]:
        return self.request("GET", f"/api/v1/videos/{_video(video_id)}")

    def update_video(self, video_id: str, **fields: str) -> dict[str, Any]:
        return self.request("PATCH", f"/api/v1/videos/{_video(video_id)}", json=fields)

    def delete_video(self, video_id: str) -> None:
        self.request("DELETE", f"/api/v1/videos/{_video(video_id)}")

    def playback(self, video_id: str) -> dict[str, Any]:
        """Signed URLs (HLS, poster, storyboard, MP4) for a ready video."""
        return self.request("GET", f"/api/v1/videos/{_video(video_id)}/playback")


def server_api_url(settings: Settings) -> str:
    """Where this server reaches the API: over loopback when the API listens on all or
    loopback addresses (the browser's `settings.api_url` may name a public host)."""
    host = settings.host
    if host in ("0.0.0.0", "::", "", "localhost", "127.0.0.1"):
        host = "127.0.0.1"
    return f"http://{host}:{settings.api_port}"
