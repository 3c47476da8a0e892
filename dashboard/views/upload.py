"""The upload page: the browser sends files straight to S3; Panel only hears how it went."""

from __future__ import annotations

import panel as pn
import param

from dashboard import safe
from dashboard.components import UploadPanel
from dashboard.settings import settings
from dashboard.store import Store

INTRO = ("Drop one or more video files below, give each a title, a description and who may "
         "see it, then start. Files go straight from your browser to storage in parallel parts; "
         "if the connection drops the upload waits and continues, and after a reload choosing "
         "the same file again resumes it. Processing starts as soon as a file is uploaded.")


class UploadView(pn.viewable.Viewer):
    """Drop zone, per-file rows with progress; finished uploads refresh the library."""

    store = param.ClassSelector(class_=Store)

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self._panel = UploadPanel(api_url=settings().api_url, token=self.store.token,
                                  on_event=self._on_event, sizing_mode="stretch_width",
                                  min_height=160, css_classes=["rh-uploader"])

    @param.depends("store.token", watch=True)
    def _token(self) -> None:
        self._panel.token = self.store.token

    def _on_event(self, kind: str, video_id: str = "", message: str = "") -> None:
        store = self.store
        if kind == "complete":
            store.changed = True
        elif kind == "open":
            store.open_video(video_id)
        elif kind == "error":
            store.say("error", f"An upload stopped: {message} Press Resume on it to continue.")

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            pn.pane.HTML("<h2 style='margin:4px 0'>Upload videos</h2>"),
            safe.text_pane(INTRO, "p", "rh-sub"), self._panel, sizing_mode="stretch_width")
