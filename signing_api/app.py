"""The FastAPI application factory: builds clients and signers once and hands them to routes."""

from __future__ import annotations

from fastapi import FastAPI

from reelhouse.config import Settings, load_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """The signing API for `settings` (default: from the environment)."""
    settings = settings or load_settings()
    app = FastAPI(title="Reelhouse signing API", version="1")
    app.state.settings = settings

    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
