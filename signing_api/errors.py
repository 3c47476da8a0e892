"""API errors: one `ApiError` with an HTTP status and a stable code, rendered as JSON.

Every response that is not a success looks like `{"error": code, "message": text}`; bad
input is a 4xx and anything unexpected a 500 that names no internals.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from reelhouse.errors import AuthError, ObjectNotFound, StorageError
from reelhouse.uploads import UploadConflict, UploadError, UploadNotGranted, UploadTooLarge

log = logging.getLogger("signing_api")

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 413: "too_large",
               415: "unsupported_media_type", 429: "rate_limited"}


class FieldProblem(BaseModel):
    """One refused field of a request: where it is (`body.title`, `query.limit`) and why."""

    field: str
    message: str


class ErrorOut(BaseModel):
    """Every error the API answers: a stable `error` code for programs, a `message` for people."""

    error: str = Field(examples=["not_found"])
    message: str = Field(examples=["no such video"])
    details: list[FieldProblem] | None = Field(
        None, description="with `invalid_request`: each refused field (at most 20)")


# What each status means on any route; a route passes (status, text) to say more.
_MEANING = {
    400: "the request is malformed or a field is invalid (`invalid_request`, `malformed_json`, "
         "`bad_request`)",
    401: "no valid token: missing, malformed, expired or revoked (`unauthorized`)",
    403: "the caller may see this but not do this (`forbidden`)",
    404: "no such thing, or not one the caller may see (`not_found`)",
    409: "the resource is not in a state that allows this",
    413: "the request body is over 1 MiB (`too_large`)",
    429: "too many failed sign-ins; retry after `Retry-After` seconds (`rate_limited`)",
    502: "object storage failed; try again (`storage_unavailable`)",
}
_HEADERS = {
    401: {"WWW-Authenticate": {"description": "the scheme to authenticate with",
                               "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "seconds until sign-in is allowed again",
                          "schema": {"type": "integer"}}},
}


def responses(*statuses: int | tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the error statuses a route can answer, each with `ErrorOut`."""
    documented: dict[int | str, dict[str, Any]] = {}
    for entry in statuses:
        status, text = entry if isinstance(entry, tuple) else (entry, _MEANING[entry])
        documented[status] = {"model": ErrorOut, "description": text}
        if status in _HEADERS:
            documented[status]["headers"] = _HEADERS[status]
    return documented


class ApiError(Exception):
    """An error the API answers on purpose: HTTP status, stable code, message for people."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def not_found(what: str = "video") -> ApiError:
    return ApiError(404, "not_found", f"no such {what}")


def unauthorized(message: str = "sign in first") -> ApiError:
    return ApiError(401, "unauthorized", message,
                    {"WWW-Authenticate": 'Bearer realm="reelhouse"'})


def error_response(status: int, code: str, message: str,
                   headers: Mapping[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status,
                        headers=headers)


def _describe(error: dict[str, Any]) -> dict[str, str]:
    # Never echo the input back: it may be a 100 KB title or a password.
    loc = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    return {"field": loc or "body", "message": str(error.get("msg", "invalid"))}


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [_describe(e) for e in exc.errors()][:20]
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return error_response(400, "malformed_json", "the request body is not valid JSON")
    first = details[0] if details else {"field": "body", "message": "invalid"}
    return error_response(400, "invalid_request", f"{first['field']}: {first['message']}",
                          details=details)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(exc.status_code, code, message, exc.headers)


async def _upload_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UploadError)
    status = 400
    if isinstance(exc, UploadNotGranted):
        status = 403
    elif isinstance(exc, UploadConflict):
        status = 409
    elif isinstance(exc, UploadTooLarge):
        status = 413
    return error_response(status, exc.code, str(exc))


async def _auth_error(_request: Request, exc: Exception) -> JSONResponse:
    error = unauthorized(str(exc))
    return error_response(error.status, error.code, error.message, error.headers)


async def _storage_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, ObjectNotFound):
        return error_response(404, "not_found", "no such object")
    log.error("storage error on %s %s: %s", request.method, _route(request), type(exc).__name__)
    return error_response(502, "storage_unavailable", "object storage failed; try again")


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    # The server is away (restarting, failing over) or every connection is busy: the pool
    # pings and reconnects on the next request, so the client only needs to retry.
    log.error("database unavailable on %s %s: %s", request.method, _route(request),
              type(exc).__name__)
    return error_response(503, "database_unavailable", "the database is unavailable; try again",
                          {"Retry-After": "1"})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The route template, not the URL: a URL may carry a signature.
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, _route(request),
              exc_info=(type(exc), exc, exc.__traceback__))
    return error_response(500, "internal", "internal error")


def _route(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", "?")


def install(app: FastAPI) -> None:
    """Register the JSON error handlers on `app`."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(UploadError, _upload_error)
    app.add_exception_handler(AuthError, _auth_error)
    app.add_exception_handler(StorageError, _storage_error)
    for unavailable in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(unavailable, _database_error)
    app.add_exception_handler(Exception, _unexpected)
