"""The part of `reelhouse up` the widgets talk to: embedded S3 and the signing API, with no
CORS origin configured beyond the stack's own, 5 MiB parts and part URLs signed two at a
time, so a few-MB file is multipart and needs a second batch of URLs (Dagster is not needed;
the dashboard runs when asked for)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from reelhouse.bootstrap import prepare
from reelhouse.config import MIN_PART_SIZE, Settings, load_settings
from reelhouse.db import Database
from reelhouse.stack import Supervisor, app_services, s3_service
from reelhouse.storage import Storage
from tests.helpers import free_port, free_s3_port
from tests.stack_process import ADMIN_PASSWORD


@dataclass
class ApiStack:
    """A running S3 + API pair, the admin's token and clients for checking what landed."""

    settings: Settings
    token: str
    storage: Storage
    db: Database

    @property
    def api_url(self) -> str:
        return self.settings.api_url

    def api(self) -> httpx.Client:
        """An httpx client for the API, signed in as the admin."""
        return httpx.Client(base_url=self.api_url + "/api/v1", timeout=30,
                            headers={"Authorization": f"Bearer {self.token}"})


@contextmanager
def api_stack(state_dir: Path, dashboard: bool = False) -> Iterator[ApiStack]:
    """Start S3 and the API (small parts and batches), and the dashboard if asked; stop them
    afterwards."""
    settings = load_settings(
        state_dir=state_dir, s3_port=free_s3_port(), api_port=free_port(),
        dagster_port=free_port(), dashboard_port=free_port(), cors_origins=[],
        part_size_bytes=MIN_PART_SIZE, part_url_batch=2, admin_password=ADMIN_PASSWORD,
        seed_sample=False, database_url=f"sqlite:///{state_dir.resolve() / 'reelhouse.db'}")
    state_dir.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(state_dir / "logs")
    try:
        supervisor.start(s3_service(settings), timeout_s=60)
        storage, db = Storage(settings), Database(settings)
        admin = prepare(settings, storage, db)
        assert admin is not None, "a fresh state dir creates the admin"
        wanted = {"api", "dashboard"} if dashboard else {"api"}
        services = [s for s in app_services(settings) if s.name in wanted]
        for service in services:  # side by side: the dashboard needs the API only later
            supervisor.launch(service)
        supervisor.wait_ready(services, timeout_s=60)
        yield ApiStack(settings, admin.token, storage, db)
    finally:
        supervisor.stop()
