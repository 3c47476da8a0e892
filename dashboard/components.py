"""The dashboard's browser-side pieces: Panel JSComponents over the bundled ES modules.

`frontend/build.mjs` bundles `frontend/src/dashboard_*.entry.js` (with hls.js and the shared
uploader and player) into `dashboard/static/<name>.js`; the Panel server serves those files
itself, so nothing loads from a CDN. Every message from the browser is checked here before it
reaches the store: the browser is not trusted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import param
from panel.custom import JSComponent

from reelhouse import keys

# Where frontend/build.mjs writes the dashboard modules: Panel serves a component's
# bundle only from under the component's own package directory.
STATIC = Path(__file__).parent / "static"


def bundle(name: str) -> Path:
    """The built module `dashboard/static/<name>.js` (run `make static` if it is missing)."""
    return STATIC / f"{name}.js"


def missing_bundles() -> list[str]:
    """Built modules the dashboard needs that are not there yet."""
    names = ("dashboard_grid", "dashboard_session", "dashboard_upload", "dashboard_player")
    return [n for n in names if not bundle(n).is_file()]


def _video_id(value: Any) -> str | None:
    try:
        return keys.check_video_id(str(value))
    except ValueError:
        return None


class _Bundled(JSComponent):
    """A component whose module is a built file served by the Panel server."""

    __abstract = True

    def __init__(self, on_event: Callable[..., None] | None = None, **params: Any) -> None:
        super().__init__(**params)
        self._on_event = on_event  # called with each checked message from the browser

    def _emit(self, **event: Any) -> None:
        if self._on_event is not None:
            self._on_event(**event)


class VideoGrid(_Bundled):
    """Cards of videos (poster, title, owner, duration, status); all text set as text."""

    items = param.List(default=[])
    empty = param.String(default="No videos yet.")
    _esm = _bundle = bundle("dashboard_grid")

    def _handle_msg(self, data: Any) -> None:
        video_id = _video_id(data.get("open")) if isinstance(data, dict) else None
        if video_id:
            self._emit(kind="open", video_id=video_id)


class SessionKeeper(_Bundled):
    """Keeps the API token in a session cookie of this dashboard, so a reload stays signed in."""

    token = param.String(default="")
    forget = param.Boolean(default=False, doc="drop a kept token the API no longer accepts")
    cookie = param.String(default="reelhouse_session", constant=True)
    _esm = _bundle = bundle("dashboard_session")


class UploadPanel(_Bundled):
    """Drop zone and per-file rows: bytes go from the browser straight to S3, never through us."""

    api_url = param.String(default="")
    token = param.String(default="")
    _esm = _bundle = bundle("dashboard_upload")

    def _handle_msg(self, data: Any) -> None:
        if not isinstance(data, dict):
            return
        video_id = _video_id(data.get("video_id"))
        kind = data.get("event")
        if video_id and kind in ("complete", "open"):
            self._emit(kind=kind, video_id=video_id)
        elif kind == "error":
            self._emit(kind="error", message=str(data.get("message", ""))[:300])


class Player(_Bundled):
    """hls.js with a quality selector, the current rung, storyboard previews and the poster."""

    hls = param.String(default="")
    poster = param.String(default="")
    storyboard = param.String(default="")
    mp4 = param.String(default="")
    duration_s = param.Number(default=0.0, bounds=(0, None),
                              doc="while the video is being built: how long it will play "
                                  "(its playlists still grow); 0 when they tell")
    current = param.String(default="", doc="the rung playing now, as the browser reports it")
    renewed = param.Dict(default={}, doc="playback URLs signed afresh when the browser's expired")
    _esm = _bundle = bundle("dashboard_player")

    def __init__(self, renew: Callable[[], dict[str, str]] | None = None, **params: Any) -> None:
        super().__init__(**params)
        # Playback URLs live minutes (so a video made private stops playing soon): the
        # browser asks again when one answers 403, and plays on from where it was.
        self._renew = renew
        self._renewals = 0

    def _handle_msg(self, data: Any) -> None:
        if not (isinstance(data, dict) and data.get("renew") is True):
            return
        self._renewals += 1
        fresh = self._renew() if self._renew is not None else {}
        self.renewed = {**fresh, "n": self._renewals}
