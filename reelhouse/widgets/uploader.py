"""The upload widget: files go from the browser straight to S3; the kernel sees only progress."""

from __future__ import annotations

import traitlets as t

from reelhouse.records import Visibility
from reelhouse.widgets._base import ApiWidget, bundle

VISIBILITIES = tuple(visibility.value for visibility in Visibility)
ACTIVE_STATES = frozenset({"starting", "uploading", "retrying", "offline", "completing"})


class Uploader(ApiWidget):
    """Pick or drop video files, give each a title and description, and upload them.

    Parts go in parallel from the browser to S3 with presigned URLs the kernel asks the API
    for (retried with backoff);
    an upload cut by a reload or a lost connection resumes from the parts S3 holds when the
    same file is picked again. `uploads` mirrors every file's state; no byte passes through
    the kernel.
    """

    _esm = bundle("widget_uploader")
    api_routes = frozenset({"upload_start", "upload_status", "upload_parts", "upload_complete",
                            "upload_abort", "video"})

    concurrency = t.Int(4, min=1, max=16, help="parts in flight per file").tag(sync=True)
    visibility = t.Enum(VISIBILITIES, Visibility.PRIVATE.value,
                        help="for new uploads").tag(sync=True)
    uploads = t.List(t.Dict(), read_only=True,
                     help="one dict per file: key, name, size, title, state, sent, total, "
                          "speed (B/s), eta (s), video_id, error, resumed").tag(sync=True)

    @property
    def done(self) -> list[str]:
        """Video ids of the uploads that completed."""
        return [u["video_id"] for u in self.uploads if u.get("state") == "done"]

    @property
    def active(self) -> bool:
        """Whether any upload is still sending or completing."""
        return any(u.get("state") in ACTIVE_STATES for u in self.uploads)

    def cancel_all(self) -> None:
        """Cancel every running or queued upload (their sessions are aborted in the API)."""
        self.send({"type": "cancel_all"})

    def __repr__(self) -> str:
        return f"Uploader(visibility={self.visibility!r}, uploads={len(self.uploads)})"
