"""The catalog browser: a searchable, filterable grid, and a player for the selected video."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import traitlets as t

from reelhouse.client import Client
from reelhouse.records import Visibility
from reelhouse.widgets._base import ApiWidget, bundle
from reelhouse.widgets.player import STATUSES, Player

VISIBILITIES = ("", *(visibility.value for visibility in Visibility))
GRID_TRAITS = ("query", "status", "visibility", "mine", "page_size", "refresh_s", "selected")
PLAYER_TRAITS = ("autoplay", "muted")


class BrowserGrid(ApiWidget):
    """Cards of the videos the token may see (posters, durations, status, processing percent),
    listed through the kernel; filters and `selected` sync both ways, `videos` holds the cards
    shown. While a shown video is still on its way to ready the list refreshes itself."""

    _esm = bundle("widget_browser")
    api_routes = frozenset({"videos", "me", "playback"})

    query = t.Unicode("", help="full-text search over titles and descriptions").tag(sync=True)
    status = t.Enum(STATUSES, "", help="only videos in this status; '' = any").tag(sync=True)
    visibility = t.Enum(VISIBILITIES, "", help="'' = any").tag(sync=True)
    mine = t.Bool(False, help="only the token owner's videos").tag(sync=True)
    page_size = t.Int(24, min=1, max=100).tag(sync=True)
    refresh_s = t.Float(5.0, min=0.0, help="seconds between refreshes while a shown video is "
                                           "uploading or processing; 0 = never").tag(sync=True)
    selected = t.Unicode("", help="id of the selected video").tag(sync=True)
    videos = t.List(t.Dict(), read_only=True, help="the videos shown, as the API lists them"
                    ).tag(sync=True)

    def reload(self) -> None:
        """Fetch the list again (say, after an upload finished processing)."""
        self.send({"type": "reload"})


class Browser(widgets.VBox):
    """The grid above a player: selecting a card plays that video.

    A box (so `layout=` and the other box options apply to the whole) around two anywidgets
    that share the API address and token. Its filters, `selected`, `autoplay` and `muted` are
    traits linked to the parts, and `videos` follows the grid: `observe` and `link` them like
    any widget's.
    """

    query = t.Unicode("", help="full-text search over titles and descriptions")
    status = t.Enum(STATUSES, "", help="only videos in this status; '' = any")
    visibility = t.Enum(VISIBILITIES, "", help="'' = any")
    mine = t.Bool(False, help="only the token owner's videos")
    page_size = t.Int(24, min=1, max=100)
    refresh_s = t.Float(5.0, min=0.0, help="refresh period while videos are processing")
    selected = t.Unicode("", help="id of the selected video (the one playing)")
    videos = t.List(t.Dict(), read_only=True,
                    help="the videos the grid shows (API dicts; pandas.DataFrame(b.videos))")
    autoplay = t.Bool(True, help="start the selected video as soon as it loads")
    muted = t.Bool(False)

    def __init__(self, api_url: str | None = None, token: str | None = None, *,
                 client: Client | None = None, **kwargs: Any) -> None:
        auth: dict[str, Any] = {k: v for k, v in (("api_url", api_url), ("token", token))
                                if v is not None}
        self.grid = BrowserGrid(client=client, **auth)
        self.player = Player(client=client, api_url=self.grid.api_url, token=self.grid.token,
                             layout=widgets.Layout(display="none"))
        super().__init__(children=(self.grid, self.player), **kwargs)
        for name in GRID_TRAITS:
            t.link((self, name), (self.grid, name))
        for name in PLAYER_TRAITS:
            t.link((self, name), (self.player, name))
        for name in ("api_url", "token"):
            t.dlink((self.grid, name), (self.player, name))
        t.dlink((self.grid, "selected"), (self.player, "video_id"))
        self.grid.observe(self._on_videos, names="videos")
        self.observe(self._on_selected, names="selected")
        self._on_selected({"new": self.selected})

    @classmethod
    def from_client(cls, client: Client, **kwargs: Any) -> Browser:
        """The browser for an SDK client's API address and token."""
        return cls(client=client, **kwargs)

    def _on_selected(self, change: dict[str, Any]) -> None:
        self.player.layout.display = None if change["new"] else "none"

    def _on_videos(self, change: dict[str, Any]) -> None:
        self.set_trait("videos", list(change["new"]))

    def search(self, query: str = "", **filters: Any) -> None:
        """Set the search text and any of status, visibility, mine."""
        with self.hold_trait_notifications():
            self.query = query
            for name, value in filters.items():
                setattr(self, name, value)

    def reload(self) -> None:
        """Fetch the list again."""
        self.grid.reload()

    def close(self) -> None:
        """Close the box and both parts."""
        self.grid.close()
        self.player.close()
        super().close()
