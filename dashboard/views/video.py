"""The video page: player, title and description (as text), details, and the owner's tools."""

from __future__ import annotations

from typing import Any

import panel as pn
import param

from dashboard import safe, theme
from dashboard.store import Store
from dashboard.views.video_edit import VideoEditor, share_box
from dashboard.views.video_media import MediaStage
from reelhouse.client import ClientError, Forbidden, NotFound, Playback, Unauthorized
from reelhouse.insights import Rung, VideoFacts
from reelhouse.records import Video

NOT_FOUND = ("This video does not exist, was deleted, or is private. If it is yours, sign in "
             "and open it again.")


def _table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{safe.text(h)}</th>" for h in header if h)
    thead = f"<thead><tr>{head}</tr></thead>" if head else ""
    body = "".join("<tr>" + "".join(f"<td>{safe.text(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table class='rh-facts'>{thead}<tbody>{body}</tbody></table>"


def rungs_table(rungs: list[Rung]) -> str:
    """Rungs with resolution, peak and average bitrate, bytes and segments (catalog facts)."""
    rows = [[r.rung, safe.resolution(r.width, r.height), safe.bitrate(r.bandwidth),
             safe.bitrate(r.avg_bitrate), safe.size(r.bytes), r.segment_count or ""]
            for r in rungs]
    return _table(["Rung", "Resolution", "Peak", "Average", "Size", "Segments"], rows)


def facts_table(video: Video, fact: VideoFacts) -> str:
    rows = [["Duration", safe.duration(fact.duration_s)],
            ["Source", safe.resolution(fact.width, fact.height)],
            ["Frame rate", f"{fact.fps:.3g} fps" if fact.fps else ""],
            ["Codecs", " / ".join(c for c in (fact.video_codec, fact.audio_codec) if c)],
            ["Uploaded file", f"{video.filename} ({safe.size(video.source_size)})"],
            ["Renditions", safe.size(fact.hls_bytes)],
            ["Processing", f"{fact.processing_s:.1f} s" if fact.processing_s else ""]]
    return _table(["", ""], [r for r in rows if r[1]])


def _shown(video: Video) -> tuple[object, ...]:
    """What of a video the page shows beyond its player's progress line."""
    return (video.status, video.playable, video.title, video.description, video.visibility)


class VideoView(pn.viewable.Viewer):
    """One video as its viewer may see it; refreshes itself while the video is processing,
    keeping a player that plays."""

    store = param.ClassSelector(class_=Store)

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self._body = pn.Column(sizing_mode="stretch_width", margin=0)
        self._info = pn.Column(sizing_mode="stretch_width", margin=0)
        self._video: Video | None = None
        self._stage: MediaStage | None = None

    @param.depends("store.video_id", "store.user", "store.page", watch=True)
    def load(self) -> None:
        store = self.store
        if store.page != "video":
            return
        self._stage = None  # another video, or another viewer: a player of its own
        if not store.video_id:
            self._show_message("Pick a video in the Library to watch it.")
            return
        try:
            self._video = store.api.video(store.video_id)
        except ClientError as e:
            self._video = None
            if isinstance(e, Unauthorized):
                store.fail(e)
            self._show_message(NOT_FOUND if isinstance(e, NotFound | Forbidden)
                               else store.explain(e))
            return
        self._render(self._video)

    def poll(self) -> None:
        """Follow the open video while it is on its way to `ready`: its progress line moves,
        and the page is rendered anew when what it shows changed (the player stays)."""
        if self.store.page == "video" and self._video and self._video.status.waiting:
            try:
                fresh = self.store.api.video(self._video.id)
            except ClientError:
                return
            seen, self._video = self._video, fresh
            if _shown(fresh) != _shown(seen):
                self._render(fresh)
            elif self._stage is not None:
                self._stage.follow(fresh)

    def _show_message(self, message: str) -> None:
        self._body.objects = [safe.text_pane(message, "div", "rh-empty", margin=(24, 0))]

    def _on_edit(self, video: Video | None) -> None:
        if video is not None:
            self._video = video
            self._render(video)

    def _renewed(self, video_id: str) -> dict[str, str]:
        """Fresh URLs for the player, or why there are none (the video was made private)."""
        try:
            urls = self.store.api.playback(video_id)
        except ClientError as e:
            return {"error": self.store.explain(e)}
        return {"hls": urls.hls, "poster": urls.poster, "storyboard_vtt": urls.storyboard_vtt}

    def _catalog(self, video: Video, ready: bool) -> tuple[VideoFacts, list[Rung]]:
        """What the catalog holds about the video; nothing when it cannot be asked."""
        api = self.store.api
        try:
            fact = api.facts([video.id]).get(video.id)
            rungs = api.rungs(video.id) if ready else []
        except ClientError:
            fact, rungs = None, []
        return fact or VideoFacts(video_id=video.id), rungs

    def _details(self, video: Video, urls: Playback | None) -> pn.Column:
        fact, rungs = self._catalog(video, ready=video.ready)
        parts = ["<h3 class='rh-h3'>Details</h3>", facts_table(video, fact)]
        if rungs:
            parts += ["<h3 class='rh-h3'>Renditions</h3>", rungs_table(rungs)]
        if urls and urls.download:  # made once the video is ready
            parts.append(safe.link(urls.download, "Download MP4", download=True,
                                   cls="rh-button"))
        box = theme.card(pn.pane.HTML("".join(parts), sizing_mode="stretch_width"),
                         min_width=300, styles={**theme.CARD_STYLES, "flex": "2 1 420px"})
        if video.visibility.shared:
            box.append(share_box(video))
        return box

    def _render(self, video: Video) -> None:
        store = self.store
        meta = " · ".join(x for x in (f"by {video.owner}", safe.when(video.created_at),
                                      video.status.value, video.visibility.value) if x)
        if self._stage is None or self._stage.video_id != video.id:
            self._stage = MediaStage(store, video.id, self._renewed)
        urls = self._stage.show(video)
        head = [safe.text_pane(video.title, "h1", "rh-title", margin=(12, 10, 0, 10)),
                safe.text_pane(meta, "div", "rh-sub")]
        if video.description:
            head.append(safe.text_pane(video.description, "p", "rh-desc", margin=(8, 10)))
        side: list[Any] = [self._details(video, urls)]
        if store.can_edit(video):
            side.append(VideoEditor(store=store, video=video, on_change=self._on_edit))
        self._info.objects = [*head, pn.FlexBox(*side, sizing_mode="stretch_width",
                                                gap="12px", margin=(8, 0))]
        # Only the info below the player is replaced: the player's element stays put.
        wanted = [self._stage.panel, self._info]
        if [id(o) for o in self._body.objects] != [id(o) for o in wanted]:
            self._body.objects = wanted

    def __panel__(self) -> pn.viewable.Viewable:
        return self._body
