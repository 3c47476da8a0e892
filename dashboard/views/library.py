"""The library page: search and filters over one page of video cards, with previous/next."""

from __future__ import annotations

import panel as pn
import param

from dashboard import safe
from dashboard.components import VideoGrid
from dashboard.library import STATUSES, VISIBILITIES, Library

_LABELS = {"": "Any"}


def _options(values: list[str]) -> dict[str, str]:
    return {_LABELS.get(v, v.capitalize()): v for v in values}


class LibraryView(pn.viewable.Viewer):
    """What the caller may see of the catalog, newest first, 24 cards a page."""

    library = param.ClassSelector(class_=Library)

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        lib = self.library
        self._search = pn.widgets.TextInput(
            placeholder="Search titles and descriptions, then press Enter", label="Search",
            css_classes=["rh-search"], min_width=220, sizing_mode="stretch_width",
            styles={"flex": "1 1 320px"})
        self._search.param.watch(lambda e: setattr(lib, "q", e.new.strip()), "value")
        self._status = pn.widgets.Select(label="Status", options=_options(STATUSES),
                                         width=140)
        self._status.link(lib, value="status")
        self._visibility = pn.widgets.Select(label="Visibility", options=_options(VISIBILITIES),
                                             width=140)
        self._visibility.link(lib, value="visibility")
        self._mine = pn.widgets.Checkbox(label="Only my videos", width=140,
                                         align="end", margin=(10, 10))
        self._mine.link(lib, value="mine", bidirectional=True)
        self._refresh = pn.widgets.Button(label="Refresh", width=90,
                                          align="end")
        self._refresh.on_click(lambda _e: lib.load())
        self._grid = VideoGrid(on_event=self._on_grid, sizing_mode="stretch_width",
                               margin=(8, 0))
        self._prev = pn.widgets.Button(label="← Newer", width=110)
        self._prev.on_click(lambda _e: lib.previous_page())
        self._next = pn.widgets.Button(label="Older →", width=110)
        self._next.on_click(lambda _e: lib.next_page())
        self._page = pn.pane.HTML("", width=90, align="center")
        self._error = pn.pane.HTML("", visible=False, sizing_mode="stretch_width")
        self._sync()

    def _on_grid(self, kind: str, video_id: str = "", **_: object) -> None:
        if kind == "open":
            self.library.store.open_video(video_id)

    @param.depends("library.items", "library.error", "library.has_next", "library.page_number",
                   "library.loaded", "library.store.user", watch=True)
    def _sync(self) -> None:
        lib = self.library
        self._grid.param.update(items=lib.items, empty=self._empty_text())
        self._mine.visible = lib.store.signed_in
        self._prev.disabled = lib.page_number <= 1
        self._next.disabled = not lib.has_next
        self._page.object = safe.text(f"Page {lib.page_number}", "span", "rh-sub")
        self._error.object = safe.text(lib.error, "div", "rh-notice error") if lib.error else ""
        self._error.visible = bool(lib.error)

    def _empty_text(self) -> str:
        lib = self.library
        if not lib.loaded:
            return "Loading videos…"
        if lib.error:
            return "The library could not be loaded (see the message above). Try Refresh."
        if lib.filtered:
            return "No videos match. Try other words, or set the filters back to Any."
        if lib.page_number > 1:
            return "No older videos."
        if lib.store.signed_in:
            return "No videos yet. Open Upload and drop a video file to add the first one."
        return "No public videos yet. Sign in to upload one, or check back later."

    def __panel__(self) -> pn.viewable.Viewable:
        filters = pn.FlexBox(self._search, self._status, self._visibility, self._mine,
                             self._refresh, align_items="end", sizing_mode="stretch_width")
        pager = pn.Row(pn.HSpacer(), self._prev, self._page, self._next, pn.HSpacer(),
                       sizing_mode="stretch_width")
        return pn.Column(filters, self._error, self._grid, pager, sizing_mode="stretch_width")
