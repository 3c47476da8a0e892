"""What `reelhouse up` hands each child: the dashboard, a client of the API, gets no secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelhouse.config import load_settings
from reelhouse.stack import app_services


def test_the_dashboard_gets_no_storage_keys_signing_secret_or_database(tmp_path: Path) -> None:
    """The API gets the S3 keys it signs with; the dashboard process never sees them."""
    settings = load_settings(state_dir=tmp_path, s3_access_key_id="AKIATESTKEY",
                             s3_secret_access_key="s" * 40, secret_key="k" * 32,
                             database_url="sqlite:////tmp/x.db")
    services = {service.name: service for service in app_services(settings)}
    assert services["api"].env["REELHOUSE_S3_SECRET_ACCESS_KEY"] == "s" * 40
    dashboard = services["dashboard"].env
    assert not {"s" * 40, "k" * 32, "AKIATESTKEY", "sqlite:////tmp/x.db"} & set(dashboard.values())
    assert dashboard["REELHOUSE_API_PORT"] == str(settings.api_port)


def _bind(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def test_the_dagster_ui_stays_on_loopback_when_the_api_is_opened_to_the_network(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """REELHOUSE_HOST=0.0.0.0 opens the API and dashboard; Dagster's UI, which has no sign-in,
    still binds 127.0.0.1 (and is printed so) until REELHOUSE_DAGSTER_HOST opens it too."""
    monkeypatch.setenv("REELHOUSE_HOST", "0.0.0.0")
    monkeypatch.setenv("REELHOUSE_PUBLIC_HOST", "media.example")
    settings = load_settings(state_dir=tmp_path)
    services = {service.name: service for service in app_services(settings)}
    assert _bind(services["api"].argv, "--host") == "0.0.0.0"
    assert _bind(services["dashboard"].argv, "--address") == "0.0.0.0"
    assert _bind(services["dagster"].argv, "-h") == "127.0.0.1"
    assert services["dagster"].url == f"http://127.0.0.1:{settings.dagster_port}"
    monkeypatch.setenv("REELHOUSE_DAGSTER_HOST", "0.0.0.0")
    opened = {s.name: s for s in app_services(load_settings(state_dir=tmp_path))}["dagster"]
    assert _bind(opened.argv, "-h") == "0.0.0.0"
    assert opened.url == f"http://media.example:{settings.dagster_port}"
