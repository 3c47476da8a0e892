"""Errors the SDK raises: the API's own answers typed by status, and transfer failures."""

from __future__ import annotations

from typing import Any

import httpx

from reelhouse.errors import ReelhouseError


class ClientError(ReelhouseError):
    """Base of every error the SDK raises on purpose."""


class ApiError(ClientError):
    """The API answered with an error: HTTP status, its stable code and its message."""

    def __init__(self, status: int, code: str, message: str,
                 details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []

    def __str__(self) -> str:
        return f"{self.message} ({self.status} {self.code})"


class BadRequest(ApiError, ValueError):
    """400: the request was invalid (a field, a part number, a malformed body)."""


class Unauthorized(ApiError, PermissionError):
    """401: no token, or a wrong, expired or revoked one; or wrong credentials."""


class Forbidden(ApiError, PermissionError):
    """403: signed in, but not allowed to do this (not the owner, not an admin)."""


class NotFound(ApiError, LookupError):
    """404: no such video or upload, or one the caller may not see."""


class Conflict(ApiError):
    """409: the video or upload is not in a state that allows this (yet)."""


class NotReady(Conflict):
    """409 `not_ready`: the video has no playable media yet (uploading, processing, failed)."""


class TooLarge(BadRequest):
    """413: the file or request is larger than the API accepts."""


class RateLimited(ApiError):
    """429: too many requests (sign-in attempts); `retry_after` seconds when the API says."""

    retry_after: float | None = None


class ServerError(ApiError):
    """5xx: the API or the storage behind it failed; trying again later may work."""


class ApiUnavailable(ClientError, ConnectionError):
    """The API could not be reached at all (not running, wrong URL, network down)."""


class TransferError(ClientError, OSError):
    """Object storage refused or kept failing a PUT of the upload's bytes."""


class ProcessingFailed(ClientError, RuntimeError):
    """The pipeline marked the video `failed`; `reason` is the message it left for people."""

    def __init__(self, video_id: str, reason: str) -> None:
        super().__init__(f"video {video_id} failed processing: {reason or 'no reason given'}")
        self.video_id = video_id
        self.reason = reason


class WaitTimeout(ClientError, TimeoutError):
    """The video did not become ready in time; `status` is the last one seen."""

    def __init__(self, video_id: str, status: str, timeout_s: float) -> None:
        super().__init__(f"video {video_id} is still {status} after {timeout_s:g}s")
        self.video_id = video_id
        self.status = status


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict,
    413: TooLarge, 422: BadRequest, 429: RateLimited,
}
_BY_CODE: dict[str, type[ApiError]] = {"not_ready": NotReady}


def error_for(response: httpx.Response) -> ApiError:
    """The typed error for a non-success API response, with the API's code and message."""
    status = response.status_code
    details = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        code = body["error"]
        message = str(body.get("message") or code.replace("_", " "))
        details = body.get("details") if isinstance(body.get("details"), list) else None
    else:
        code = "http_error"
        text = response.text.strip() if response.content else ""
        message = text[:200] if text and len(text) < 200 and "<" not in text \
            else f"HTTP {status} {response.reason_phrase}".strip()
    kind = _BY_CODE.get(code) or _BY_STATUS.get(status)
    if kind is None:
        kind = ServerError if status >= 500 else ApiError
    error = kind(status, code, message, details)
    if isinstance(error, RateLimited):
        try:
            error.retry_after = float(response.headers.get("retry-after", ""))
        except ValueError:
            error.retry_after = None
    return error
