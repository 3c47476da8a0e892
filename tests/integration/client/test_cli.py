"""`reelhouse upload` and `reelhouse ls` against the real API and the embedded S3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reelhouse.cli import main
from tests.integration.client.conftest import ApiServer

pytestmark = pytest.mark.integration


def test_upload_then_ls(api: ApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two files upload from the shell; `ls` lists them, as a table and as JSON lines."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    token = api.user_token()
    files = []
    for name, size in (("one.mp4", 1000), ("two.mp4", 6 * 1024 * 1024)):
        files.append(tmp_path / name)
        files[-1].write_bytes(b"v" * size)
    runner = CliRunner()
    done = runner.invoke(main, ["upload", *map(str, files), "--api-url", api.url,
                                "--visibility", "unlisted"], env={"REELHOUSE_TOKEN": token})
    assert done.exit_code == 0, done.output
    assert [line.split()[2] for line in done.output.splitlines()] == ["uploaded", "uploaded"]

    listed = runner.invoke(main, ["ls", "--api-url", api.url, "--token", token])
    assert listed.exit_code == 0, listed.output
    header, *rows = listed.output.splitlines()
    assert header.split()[:3] == ["ID", "STATUS", "VISIBILITY"]
    assert [row.split()[-1] for row in rows] == ["two", "one"]

    as_json = runner.invoke(main, ["ls", "--api-url", api.url, "--token", token, "--json",
                                   "-q", "two"])
    (video,) = [json.loads(line) for line in as_json.output.splitlines()]
    assert (video["title"], video["visibility"], video["source_size"]) == (
        "two", "unlisted", 6 * 1024 * 1024)


def test_upload_needs_a_token(api: ApiServer, tmp_path: Path) -> None:
    """Without a token or --user, upload explains how to get one instead of failing later."""
    path = tmp_path / "a.mp4"
    path.write_bytes(b"v")
    done = CliRunner().invoke(main, ["upload", str(path), "--api-url", api.url],
                              env={"REELHOUSE_TOKEN": ""})
    assert done.exit_code == 2
    assert "REELHOUSE_TOKEN" in done.output


def test_unreachable_api_is_one_line(tmp_path: Path) -> None:
    """A stopped API gives one red line and exit code 2, not a traceback."""
    done = CliRunner().invoke(main, ["ls", "--api-url", "http://127.0.0.1:9"])
    assert done.exit_code == 2
    assert done.output.startswith("error: cannot reach the API at http://127.0.0.1:9")
