"""`reelhouse init` prepares a bucket and database that something else runs (compose, hosts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reelhouse.cli import main
from reelhouse.config import Settings, settings_env
from reelhouse.storage import Storage

pytestmark = pytest.mark.integration


def test_init_makes_the_bucket_with_its_rules_and_the_admin_once(
        s3_settings: Settings, tmp_path: Path) -> None:
    """The first run makes a bucket with CORS and multipart-cleanup rules and prints the admin's
    password and token; a second run finds them all and only says ready."""
    bucket = "reelhouse-init"
    env = settings_env(s3_settings) | {
        "REELHOUSE_DATABASE_URL": f"sqlite:///{tmp_path / 'api.db'}",
        "REELHOUSE_S3_BUCKET": bucket}
    first = CliRunner().invoke(main, ["init", "--no-sample"], env=env)
    assert first.exit_code == 0, first.output
    assert "API token (shown once): rh_" in first.output
    again = CliRunner().invoke(main, ["init", "--no-sample"], env=env)
    assert again.exit_code == 0, again.output
    assert "password" not in again.output and "are ready" in again.output
    storage = Storage(s3_settings.model_copy(update={"s3_bucket": bucket}))
    cors = storage.client.get_bucket_cors(Bucket=storage.bucket)["CORSRules"]
    assert s3_settings.dashboard_url in cors[0]["AllowedOrigins"]
    rules = storage.client.get_bucket_lifecycle_configuration(Bucket=storage.bucket)["Rules"]
    assert any("AbortIncompleteMultipartUpload" in rule for rule in rules)
