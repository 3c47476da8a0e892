"""What `reelhouse up` hands each child: the dashboard, a client of the API, gets no secrets."""

from __future__ import annotations

from pathlib import Path

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


def test_uvicorn_believes_forwarding_headers_from_the_trusted_proxies_only(tmp_path: Path) -> None:
    """The API's uvicorn trusts X-Forwarded-* from `trusted_proxies`, and from nobody when
    that is empty (its own default would trust loopback whatever the settings say)."""
    from reelhouse.stack import api_service

    argv = api_service(load_settings(state_dir=tmp_path)).argv
    assert argv[argv.index("--forwarded-allow-ips") + 1] == "127.0.0.1,::1"
    argv = api_service(load_settings(state_dir=tmp_path, trusted_proxies=[])).argv
    assert "--no-proxy-headers" in argv and "--forwarded-allow-ips" not in argv
