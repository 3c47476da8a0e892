"""The catalog browser: a searchable, filterable grid, and a player for the selected video."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import traitlets as t

from reelhouse.widgets._base import ApiWidget, bundle
from reelhouse.widgets.player import Player

STATUSES = ("", "uploading", "uploaded", "processing", "ready", "failed")
VISIBILITIES = ("", "private", "unlisted", "public")


class BrowserGrid(ApiWidget):
    """Cards of the videos the token may see (posters, durations, status), fetched from the
    API by the browser; filters and `selected` sync both ways, `videos` holds the cards shown."""

    _esm = bundle("widget_browser")

    query = t.Unicode("", help="full-text search over titles and descriptions").tag(sync=True)
    status = t.Enum(STATUSES, "", help="only videos in this status; '' = any").tag(sync=True)
    visibility = t.Enum(VISIBILITIES, "", help="'' = any").tag(sync=True)
    mine = t.Bool(False, help="only the token owner's videos").tag(sync=True)
    page_size = t.Int(24, min=1, max=100).tag(sync=True)
    selected = t.Unicode("", help="id of the selected video").tag(sync=True)
    videos = t.List(t.Dict(), read_only=True, help="the videos shown, as the API lists them"
                    ).tag(sync=True)

    def reload(self) -> None:
        """Fetch the list again (say, after an upload finished processing)."""
        self.send({"type": "reload"})


class Browser(widgets.VBox):
    """The grid above a player: selecting a card plays that video.

    Layout (ipywidgets) around two anywidgets; both use the same API address and token.
    """

    def __init__(self, api_url: str | None = None, token: str | None = None,
                 **filters: Any) -> None:
        auth = {k: v for k, v in (("api_url", api_url), ("token", token)) if v is not None}
        self.grid = BrowserGrid(**auth, **filters)
        self.player = Player(api_url=self.grid.api_url, token=self.grid.token, autoplay=True,
                             layout=widgets.Layout(display="none"))
        for name in ("api_url", "token"):
            t.dlink((self.grid, name), (self.player, name))
        t.dlink((self.grid, "selected"), (self.player, "video_id"))
        self.grid.observe(self._on_selected, names="selected")
        self._on_selected({"new": self.grid.selected})
        super().__init__([self.grid, self.player])

    def _on_selected(self, change: dict[str, Any]) -> None:
        self.player.layout.display = None if change["new"] else "none"

    @property
    def selected(self) -> str:
        """Id of the video playing (selected in the grid)."""
        return self.grid.selected

    @selected.setter
    def selected(self, video_id: str) -> None:
        self.grid.selected = video_id

    @property
    def videos(self) -> list[dict[str, Any]]:
        """The videos the grid shows (API dicts; `pandas.DataFrame(browser.videos)` works)."""
        return list(self.grid.videos)

    def search(self, query: str = "", **filters: Any) -> None:
        """Set the search text and any of status, visibility, mine."""
        with self.grid.hold_trait_notifications():
            self.grid.query = query
            for name, value in filters.items():
                setattr(self.grid, name, value)
