"""Browser fixtures: Debian's Chromium driven by Playwright, and a live stack to point it at."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers import CHROMIUM_ARGS
from tests.stack_process import StackProcess

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Chromium; skipped without the `chromium` package, except under CI."""
    executable = _chromium()
    if executable is None:
        message = "browser tests need Debian's 'chromium' package (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "; under CI they must run")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser context and page; console errors are collected on `page.errors`."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})  # type: ignore[attr-defined]
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.external = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.errors.append(str(error)))  # type: ignore[attr-defined]
    page.on("request", lambda request: _note_external(page, request.url))  # type: ignore[attr-defined]
    yield page
    context.close()


def _note_external(page: object, url: str) -> None:
    """Remember requests that leave this machine: nothing may load from a CDN at run time."""
    host = urlsplit(url).hostname or ""
    if url.startswith(("http:", "https:", "ws:", "wss:")) and host not in LOCAL_HOSTS:
        page.external.append(url)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    """One `reelhouse up` for the browser tests of the session (admin password is known)."""
    stack = StackProcess.on_free_ports(tmp_path_factory.mktemp("e2e") / "state")
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot under artifacts/screenshots for reviewers."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
