"""What an owner (or admin) may do with a video: edit its metadata, share it, delete it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import panel as pn
import param

from dashboard import safe, theme
from dashboard.store import Store
from reelhouse.client import ClientError
from reelhouse.records import Video, Visibility

VISIBILITY = {"Private (only you)": Visibility.PRIVATE.value,
              "Unlisted (anyone with the link)": Visibility.UNLISTED.value,
              "Public (listed for everyone)": Visibility.PUBLIC.value}


def share_url(video_id: str) -> str:
    """The dashboard link to a video, as the browser reached this dashboard."""
    loc = pn.state.location
    if loc is None or not loc.hostname:
        return f"?page=video&video={video_id}"
    port = f":{loc.port}" if loc.port else ""
    return f"{loc.protocol}//{loc.hostname}{port}{loc.pathname}?page=video&video={video_id}"


def share_box(video: Video) -> pn.viewable.Viewable:
    """The link to hand out (unlisted videos are reachable only through it), with Copy."""
    url = share_url(video.id)
    hint = ("Unlisted: only people with this link can watch it."
            if video.visibility == Visibility.UNLISTED
            else "Anyone can find this video; this link opens it directly.")
    copy = pn.widgets.Button(label="Copy link", width=110)
    # The URL travels as an argument, never spliced into the script.
    copy.js_on_click(args={"url": url}, code="navigator.clipboard?.writeText(url)")
    return pn.Column(
        pn.pane.HTML(f"<div class='rh-sub'>Share link</div>{safe.text(url, 'code', 'rh-share')}"),
        copy, safe.text_pane(hint, "div", "rh-sub"), margin=0)


class VideoEditor(pn.viewable.Viewer):
    """Title, description, visibility and Save; Delete asks once more before it deletes."""

    store = param.ClassSelector(class_=Store)
    video = param.ClassSelector(class_=Video)

    def __init__(self, on_change: Callable[[Video | None], None], **params: Any):
        super().__init__(**params)
        self._on_change = on_change
        video = self.video
        self._title = pn.widgets.TextInput(label="Title", value=video.title, max_length=200,
                                           css_classes=["rh-edit-title"],
                                           sizing_mode="stretch_width")
        self._description = pn.widgets.TextAreaInput(label="Description", max_length=5000,
                                                     value=video.description, height=110,
                                                     sizing_mode="stretch_width")
        self._visibility = pn.widgets.Select(label="Visibility", options=VISIBILITY,
                                             value=video.visibility.value,
                                             sizing_mode="stretch_width")
        self._save = pn.widgets.Button(label="Save changes", color="primary",
                                       width=140)
        self._save.on_click(self._save_changes)
        self._delete = pn.widgets.Button(label="Delete video", color="danger",
                                         width=140)
        self._delete.on_click(lambda _e: self._confirm.param.update(visible=True))
        really = pn.widgets.Button(label="Yes, delete it", color="danger",
                                   width=140)
        really.on_click(self._delete_video)
        keep = pn.widgets.Button(label="Keep it", width=100)
        keep.on_click(lambda _e: self._confirm.param.update(visible=False))
        self._confirm = pn.Column(
            pn.pane.HTML("<div class='rh-notice error'>Delete this video, its renditions and "
                         "thumbnails? This cannot be undone.</div>"),
            pn.Row(really, keep), visible=False, margin=0)

    def _save_changes(self, _event: object) -> None:
        fields = {"title": self._title.value_input or self._title.value,
                  "description": self._description.value_input or self._description.value,
                  "visibility": self._visibility.value}
        if not fields["title"].strip():
            self.store.say("error", "A title is required: give the video a name.")
            return
        try:
            video = self.store.api.update(self.video.id, **fields)
        except ClientError as e:
            self.store.fail(e)
            return
        self.store.say("success", "Saved.")
        self.store.changed = True
        self._on_change(video)

    def _delete_video(self, _event: object) -> None:
        try:
            self.store.api.delete(self.video.id)
        except ClientError as e:
            self.store.fail(e)
            return
        self.store.changed = True
        self.store.go("library")
        self.store.say("success", "The video was deleted.")
        self._on_change(None)

    def __panel__(self) -> pn.viewable.Viewable:
        return theme.card(
            pn.pane.HTML("<h3 class='rh-h3'>Edit</h3>"), self._title, self._description,
            self._visibility, pn.Row(self._save, self._delete), self._confirm,
            css_classes=["rh-editor"], min_width=280,
            styles={**theme.CARD_STYLES, "flex": "1 1 320px"})
