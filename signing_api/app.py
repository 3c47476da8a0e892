"""The FastAPI application factory: builds clients and signers once and hands them to routes."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from reelhouse.config import Settings, load_settings
from reelhouse.db import Database
from reelhouse.signing.cloudfront import CloudFrontSigner
from reelhouse.signing.sigv4 import QueryPresigner
from reelhouse.storage import Storage
from signing_api import auth, catalog, errors, legacy, logs, openapi, playback, uploads, videos
from signing_api.catalog_writes import CatalogWrites
from signing_api.dagster_launch import DagsterLauncher
from signing_api.deps import Services
from signing_api.hashing import HashSlots
from signing_api.middleware import BodyLimit, SafeHeaders
from signing_api.ratelimit import RateLimits
from signing_api.recent import Recent
from signing_api.signer import PlaybackSigner

MAX_BODY_BYTES = 1024 * 1024

DESCRIPTION = """Signs; never carries video bytes. Authenticate with `Authorization: Token <t>`
or `Bearer <t>` (get one from `POST /api/v1/auth/token`). Our API lives under `/api/v1/`; the
starter's contract is served under `/api/` with its trailing slashes. Errors are
`{"error": code, "message": text}`."""


def build_services(settings: Settings, limits: RateLimits | None = None) -> Services:
    """Database (migrated to the newest schema), storage, signers and the run launcher for
    one app."""
    db = Database(settings)
    db.upgrade()
    storage = Storage(settings)
    signer = PlaybackSigner(settings, storage, QueryPresigner.from_settings(settings),
                            CloudFrontSigner.from_settings(settings))
    hashing = HashSlots(settings.signin_hash_concurrency, settings.signin_hash_wait_s)
    return Services(settings=settings, db=db, storage=storage,
                    limits=limits or RateLimits.from_settings(settings), hashing=hashing,
                    playback=signer, recent_videos=Recent(settings.api_read_cache_s),
                    catalog_writes=CatalogWrites(db, storage),
                    launcher=DagsterLauncher.from_settings(settings))


@asynccontextmanager
async def _freeze_startup_objects(_app: FastAPI) -> AsyncIterator[None]:
    """Everything built before serving lives as long as the process: keep the collector
    from scanning it again on every full collection, which would stall requests."""
    gc.collect()
    gc.freeze()
    yield


def create_app(settings: Settings | None = None, *, limits: RateLimits | None = None) -> FastAPI:
    """The signing API for `settings` (default: from the environment and `.env`)."""
    settings = settings or load_settings()
    app = FastAPI(title="Reelhouse signing API", version="1", description=DESCRIPTION,
                  lifespan=_freeze_startup_objects)
    app.state.services = build_services(settings, limits)
    logs.install()
    errors.install(app)

    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    routers = [module.router for module in (auth, videos, uploads, playback, catalog, legacy)]
    for router in routers:
        app.include_router(router)
    openapi.install(app, routers)
    # Last added runs first: CORS answers preflights before anything else looks at them.
    app.add_middleware(SafeHeaders)
    # Our own limit rather than FastAPI's max_body_size: that one answers 413 in plain text.
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(CORSMiddleware, allow_origins=settings.allowed_origins,
                       allow_methods=["GET", "POST", "PATCH", "DELETE"],
                       allow_headers=["Authorization", "Content-Type"], max_age=600)
    return app
