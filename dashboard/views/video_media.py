"""The video page's media: the player once the video is playable (while it is still being
processed it plays from the start what is published), and a progress line under it until
the video is ready; kept mounted while the page refreshes itself."""

from __future__ import annotations

from collections.abc import Callable

import panel as pn

from dashboard import safe
from dashboard.components import Player
from dashboard.store import Store
from reelhouse.client import ClientError, Playback
from reelhouse.records import Video, VideoStatus

_WAITING = {VideoStatus.UPLOADING: "This video is still uploading.",
            VideoStatus.UPLOADED: "This video is queued for processing.",
            VideoStatus.PROCESSING: "This video is being processed."}


def progress_text(video: Video) -> str:
    """What the line under (or in place of) the player says while the video is not ready."""
    known = video.status == VideoStatus.PROCESSING and video.progress is not None
    if not video.playable:
        what = _WAITING.get(video.status, f"This video is {video.status.value}.")
        done = f" {video.progress:.0f}% done." if known else ""
        return f"{what}{done} This page updates by itself when it can be played."
    done = f"{video.progress:.0f}% done" if known else "under way"
    playable = (f" The first {safe.duration(video.playable_s)} can be played now."
                if video.playable_s is not None else "")
    return f"Processing: {done}.{playable} The rest follows while you watch."


class MediaStage:
    """One video's player and progress line: `show` updates them in place, so a refresh of
    the page never reloads a player that plays (its master URL stays the same, and its
    playlists end by themselves once the video is ready)."""

    def __init__(self, store: Store, video_id: str,
                 renew: Callable[[str], dict[str, str]]) -> None:
        self.store, self.video_id, self._renew = store, video_id, renew
        self.player: Player | None = None
        self._text = safe.text_pane("", "div", "rh-notice info", margin=(8, 0))
        self._bar = pn.indicators.Progress(value=-1, active=True, sizing_mode="stretch_width",
                                           bar_color="primary", margin=(4, 10),
                                           styles={"width": "100%"})
        self._line = pn.Column(self._text, self._bar, sizing_mode="stretch_width", margin=0,
                               css_classes=["rh-progress-line"])
        self.panel = pn.Column(sizing_mode="stretch_width", margin=0)

    def show(self, video: Video) -> Playback | None:
        """Show `video` as it stands; the signed URLs it plays, None when it does not play."""
        if video.status == VideoStatus.FAILED:
            reason = video.failure_reason or "no reason was recorded"
            self._set([safe.text_pane(f"Processing failed: {reason}. Check that the file is a "
                                      "playable video and upload it again.", "div",
                                      "rh-notice error", margin=(8, 0))], None)
            return None
        self.follow(video)
        if not video.playable:
            self._set([self._line], None)
            return None
        try:
            urls = self.store.api.playback(video.id)
        except ClientError as e:
            if self.player is None:
                self._set([safe.text_pane(f"Playback is not available: "
                                          f"{self.store.explain(e)}", "div",
                                          "rh-notice error")], None)
            return None  # a mounted player plays on: it renews its own links
        if self.player is None:
            self.player = Player(renew=lambda: self._renew(video.id), hls=urls.hls,
                                 poster=urls.poster, storyboard=urls.storyboard_vtt,
                                 mp4=urls.mp4 or "", duration_s=urls.duration_s or 0.0,
                                 sizing_mode="stretch_width", min_height=200, margin=(4, 0),
                                 css_classes=["rh-player-box"])
        self._set([self.player, self._line], self.player)
        return urls

    def _set(self, objects: list[object], player: Player | None) -> None:
        # Reassigning the same children would re-attach the player's element in the browser.
        if [id(o) for o in objects] != [id(o) for o in self.panel.objects]:
            self.panel.objects = objects
        self.player = player

    def follow(self, video: Video) -> None:
        """Move the progress line to where `video` stands (hidden once it is ready)."""
        self._line.visible = video.status.waiting
        self._text.object = safe.text(progress_text(video), "div", "rh-notice info")
        known = video.status == VideoStatus.PROCESSING and video.progress is not None
        self._bar.param.update(value=round(video.progress or 0) if known else -1,
                               active=not known)
