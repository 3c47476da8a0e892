"""`reelhouse users`, `reelhouse tokens` and `reelhouse sweep` on a SQLite file (and moto)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from reelhouse import accounts
from reelhouse.cli import main
from reelhouse.config import load_settings
from reelhouse.db import Database
from tests import helpers


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A state dir of its own (and no .env around) for every command in the test."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REELHOUSE_STATE_DIR", str(tmp_path / "state"))
    with helpers.cheap_password_hashing():
        yield tmp_path / "state"


def run(*args: str) -> str:
    done = CliRunner().invoke(main, list(args))
    assert done.exit_code == 0, done.output
    return done.output


def test_users_are_added_listed_by_name_and_disabled(state: Path) -> None:
    """Users list by name with their role and state; a disabled one shows as disabled."""
    run("users", "add", "zoe", "--password", "long enough", "--admin")
    run("users", "add", "Adam", "--password", "long enough")
    assert run("users", "disable", "ADAM") == "disabled 'adam'\n"
    header, *rows = run("users", "list").splitlines()
    assert header.split() == ["USERNAME", "ROLE", "STATE", "CREATED"]
    assert [row.split()[:3] for row in rows] == [["adam", "user", "disabled"],
                                                 ["zoe", "admin", "active"]]


def test_tokens_are_created_for_known_users_only(state: Path) -> None:
    """A created token resolves to its user; an unknown name is one red line, exit code 2."""
    run("users", "add", "ann", "--password", "long enough")
    token = run("tokens", "create", "Ann", "--name", "laptop").splitlines()[0]
    db = Database(load_settings())
    with db.session() as session:
        assert accounts.resolve_token(session, token).username == "ann"
    done = CliRunner().invoke(main, ["tokens", "create", "nobody"])
    assert done.exit_code == 2 and "no user 'nobody'" in done.output
    done = CliRunner().invoke(main, ["users", "disable", "nobody"])
    assert done.exit_code == 2 and "no user 'nobody'" in done.output


def test_sweep_removes_an_orphan_and_prints_what_went(state: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """`reelhouse sweep --json` removes a raw object of no video and lists it."""
    import json

    import boto3
    from moto import mock_aws

    from reelhouse import keys
    from reelhouse.db import new_id
    from reelhouse.storage import Storage

    for name, value in (("S3_ENDPOINT_URL", "https://s3.us-east-1.amazonaws.com"),
                        ("S3_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                        ("S3_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG"),
                        ("SWEEP_GRACE_S", "0")):
        monkeypatch.setenv(f"REELHOUSE_{name}", value)
    with mock_aws():
        settings = load_settings()
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=settings.s3_bucket)
        orphan = keys.source_key(new_id())
        Storage(settings).put_bytes(orphan, b"nobody's")
        report = json.loads(run("sweep", "--json"))
        assert report["raw_objects"] == [orphan]
        assert not Storage(settings).exists(orphan)
        assert run("sweep").startswith("removed 0 replaced media versions")
