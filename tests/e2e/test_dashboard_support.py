"""Helpers and shared fixtures for the dashboard's browser tests (this module holds no tests).

Videos the tests need are uploaded through the signing API once per session, early, so the
pipeline processes them while other tests run.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from reelhouse import accounts
from reelhouse.db import Database
from reelhouse.media.samples import make_test_clip
from tests.stack_process import ADMIN_PASSWORD, StackProcess

XSS = "<img src=x onerror=alert(1)>"
READY_TIMEOUT_S = 420
PHONE = {"width": 390, "height": 844}


@dataclass
class Shared:
    """What one test leaves for a later one (ids of videos uploaded through the UI)."""

    uploaded: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="session")
def shared() -> Shared:
    return Shared()


def api_token(stack: StackProcess, username: str = "admin",
              password: str = ADMIN_PASSWORD) -> str:
    response = httpx.post(f"{stack.settings.api_url}/api/v1/auth/token",
                          json={"username": username, "password": password}, timeout=30)
    response.raise_for_status()
    return response.json()["token"]


def upload_via_api(stack: StackProcess, token: str, path: Path, title: str,
                   visibility: str = "public") -> str:
    """Upload `path` as the token's user with a single presigned PUT; returns the video id."""
    api = stack.settings.api_url
    headers = {"Authorization": f"Bearer {token}"}
    data = path.read_bytes()
    start = httpx.post(f"{api}/api/v1/uploads", headers=headers, timeout=30, json={
        "filename": path.name, "size": len(data), "content_type": "video/mp4",
        "title": title, "visibility": visibility})
    start.raise_for_status()
    body = start.json()
    put = body["put"]
    httpx.put(put["url"], content=data, headers=put["headers"], timeout=60).raise_for_status()
    httpx.post(f"{api}/api/v1/uploads/{body['video_id']}/complete", headers=headers,
               timeout=30).raise_for_status()
    return body["video_id"]


def video_status(stack: StackProcess, token: str, video_id: str) -> dict[str, Any]:
    response = httpx.get(f"{stack.settings.api_url}/api/v1/videos/{video_id}",
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
    response.raise_for_status()
    return response.json()


def wait_ready(stack: StackProcess, token: str, video_id: str,
               timeout_s: float = READY_TIMEOUT_S) -> dict[str, Any]:
    """Poll the API until the video is ready; fail with its last status otherwise."""
    deadline = time.monotonic() + timeout_s
    video = video_status(stack, token, video_id)
    while video["status"] != "ready" and time.monotonic() < deadline:
        assert video["status"] != "failed", f"processing failed: {video['failure_reason']}"
        time.sleep(2)
        video = video_status(stack, token, video_id)
    assert video["status"] == "ready", f"still {video['status']} after {timeout_s:.0f}s"
    return video


def make_user(stack: StackProcess, username: str, password: str) -> None:
    """Create a user the way `reelhouse users add` does, in the stack's database."""
    with Database(stack.settings).session() as session:
        accounts.create_user(session, username, password)


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, float], Path]:
    """Generated 640x360 test clips (two rungs after processing), a few hundred KB each."""
    folder = tmp_path_factory.mktemp("clips")

    def clip(name: str, seconds: float = 4) -> Path:
        return make_test_clip(folder / name, seconds=seconds, width=640, height=360, fps=24)

    return clip


@pytest.fixture(scope="session")
def admin_token(live_stack: StackProcess) -> str:
    return api_token(live_stack)


@pytest.fixture(scope="session")
def word() -> str:
    """A word no other title holds, so a search for it finds exactly our video."""
    return "heron" + secrets.token_hex(3)


@pytest.fixture(scope="session")
def public_video(live_stack: StackProcess, admin_token: str, clips: Callable[..., Path],
                 word: str) -> str:
    """A public video titled with `word`, uploaded at once and processed in the background."""
    return upload_via_api(live_stack, admin_token, clips("public.mp4", 6),
                          f"Grey {word} at dawn")


def login(page: Any, stack: StackProcess, username: str = "admin",
          password: str = ADMIN_PASSWORD) -> None:
    """Sign in through the form and wait for the header to name the user."""
    page.goto(f"{stack.settings.dashboard_url}/app?page=login")
    page.locator(".rh-username input").fill(username)
    page.locator(".rh-password input").fill(password)
    page.locator(".rh-login button").click()
    page.get_by_text("Sign out").wait_for(timeout=30_000)


def open_library(page: Any, stack: StackProcess) -> None:
    page.goto(f"{stack.settings.dashboard_url}/app")
    wait_library(page)


def wait_library(page: Any) -> None:
    """Until the library shows cards or says why there are none (not while loading)."""
    loaded = page.locator(".rh-grid").or_(page.locator(".rh-empty").filter(has_not_text="Loading"))
    loaded.first.wait_for(timeout=30_000)


def search(page: Any, text: str) -> None:
    """Type into the search box and press Enter, as a user does."""
    box = page.locator(".rh-search input")
    box.fill(text)
    box.press("Enter")


def clean(page: Any) -> None:
    """No script errors and nothing fetched from another machine."""
    assert page.errors == []
    assert page.external == []
