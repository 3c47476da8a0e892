"""The OpenAPI document as the API behaves: our error model for bad input, and the bearer scheme.

FastAPI documents a 422 `HTTPValidationError` on every route with parameters; our handler
answers those with a 400 `ErrorOut` (each route lists its errors with `errors.responses`),
so the 422 is dropped. Routes that read a token are marked with the `bearer` scheme:
required where the route needs a user, optional where anonymous callers get less.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from signing_api import deps

SCHEME = "bearer"
_SECURITY_SCHEMES = {SCHEME: {
    "type": "http", "scheme": "bearer",
    "description": "An API token from `POST /api/v1/auth/token` (or `reelhouse tokens "
                   "create`); `Authorization: Token <token>` is accepted too."}}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _security(route: APIRoute) -> list[dict[str, list[str]]] | None:
    calls = set(_calls(route.dependant))
    if deps.require_user in calls:
        return [{SCHEME: []}]
    if deps.optional_user in calls:
        return [{}, {SCHEME: []}]
    return None


def build(app: FastAPI, routers: Iterable[APIRouter]) -> dict[str, Any]:
    """The document for `app` serving `routers`, built once and kept (as FastAPI does)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(title=app.title, version=app.version,
                           openapi_version=app.openapi_version, description=app.description,
                           routes=app.routes)
    security = {(route.path_format, method.lower()): _security(route)
                for router in routers for route in router.routes
                if isinstance(route, APIRoute) and route.include_in_schema
                for method in route.methods or ()}
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            operation["responses"].pop("422", None)
            if (marks := security.get((path, method))) is not None:
                operation["security"] = marks
    components = document.setdefault("components", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        components.get("schemas", {}).pop(name, None)
    components["securitySchemes"] = _SECURITY_SCHEMES
    app.openapi_schema = document
    return document


def install(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Serve `build(app, routers)` at `app.openapi_url` (and so on `/docs`)."""
    routers = list(routers)
    app.openapi = lambda: build(app, routers)  # type: ignore[method-assign]
