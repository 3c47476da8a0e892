"""The player widget: HLS playback of a Reelhouse video with a rung selector and storyboard."""

from __future__ import annotations

from typing import Any

import traitlets as t

from reelhouse.records import VideoStatus
from reelhouse.widgets._base import ApiWidget, bundle

# A video's statuses as the API words them; '' = not known (yet).
# Trait values are plain words ("" = none yet), from the one enum.
STATUSES = ("", *(status.value for status in VideoStatus))


class Player(ApiWidget):
    """Plays a video (by id, signed by the API for this token, or from a playback dict).

    `level` forces a rung (an index into `levels`; -1 lets hls.js choose); `levels` and
    `current_level` report what the browser's player has and plays. A video that is not
    ready yet shows its processing percent, asked of the kernel every `poll_s` seconds; it
    plays from its start as soon as it is playable (while still processing its playlists
    grow), the percent staying under it until it is ready; `status` and `progress` follow it.
    """

    _esm = bundle("widget_player")
    api_routes = frozenset({"video", "playback"})

    video_id = t.Unicode("", help="the video to play; the API signs its URLs").tag(sync=True)
    playback = t.Dict(help="the API's playback answer (hls, poster, storyboard_vtt, mp4), "
                           "used instead of asking the API").tag(sync=True)
    level = t.Int(-1, min=-1, help="forced rung index; -1 = automatic").tag(sync=True)
    autoplay = t.Bool(False).tag(sync=True)
    muted = t.Bool(False).tag(sync=True)
    levels = t.List(t.Dict(), read_only=True,
                    help="rungs: index, width, height, bitrate, name").tag(sync=True)
    current_level = t.Int(-1, read_only=True, help="the rung playing now").tag(sync=True)
    error = t.Unicode("", read_only=True, help="why playback failed, if it did").tag(sync=True)
    status = t.Enum(STATUSES, "", read_only=True,
                    help="the video's status as the player last saw it").tag(sync=True)
    progress = t.Float(None, allow_none=True, read_only=True,
                       help="while processing: percent of the transcode done").tag(sync=True)
    poll_s = t.Float(3.0, min=0.5, help="seconds between status checks until ready"
                     ).tag(sync=True)

    def __init__(self, video: str | dict[str, Any] | None = None, **kwargs: Any) -> None:
        if isinstance(video, dict):
            kwargs.setdefault("playback", video)
        elif video:
            kwargs.setdefault("video_id", video)
        super().__init__(**kwargs)

    @property
    def rung(self) -> dict[str, Any] | None:
        """The rung playing now, or None before playback starts."""
        if 0 <= self.current_level < len(self.levels):
            return self.levels[self.current_level]
        return None

    def auto(self) -> None:
        """Let the player choose rungs again."""
        self.level = -1

    def __repr__(self) -> str:
        return f"Player(video_id={self.video_id!r}, level={self.level})"
