"""The dashboard opens in a real Chromium against a live stack."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot
from tests.stack_process import StackProcess

pytestmark = pytest.mark.e2e


def test_dashboard_renders(page: object, live_stack: StackProcess) -> None:
    """The dashboard loads with its title, no page errors and nothing fetched off-machine."""
    page.goto(f"{live_stack.settings.dashboard_url}/app")  # type: ignore[attr-defined]
    page.get_by_text("Reelhouse").first.wait_for(timeout=30_000)  # type: ignore[attr-defined]
    screenshot(page, "dashboard-home")
    assert page.errors == []  # type: ignore[attr-defined]
    assert page.external == []  # type: ignore[attr-defined]
