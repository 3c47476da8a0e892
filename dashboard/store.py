"""One browser session's state: who is signed in, which page and video are open, what to say."""

from __future__ import annotations

from typing import Any

import param

from reelhouse.client import ApiError, ApiUnavailable, Client, ClientError, Unauthorized
from reelhouse.records import Video

PAGES = ("library", "video", "upload", "insights", "login")
# Pages that need a signed-in user; anonymous visitors are sent to the sign-in form first.
PRIVATE_PAGES = ("upload",)
COOKIE = "reelhouse_session"


class Store(param.Parameterized):
    """Session state shared by every view; views watch it and never talk to each other."""

    page = param.Selector(default="library", objects=list(PAGES))
    video_id = param.String(default="", doc="the video the video page shows")
    user = param.Dict(default=None, allow_None=True, doc="the signed-in user, None if anonymous")
    token = param.String(default="", doc="the API token, mirrored to the browser for uploads")
    notice = param.Tuple(default=("", ""), length=2, doc="(kind, text) to show at the top")
    changed = param.Event(doc="videos changed (uploaded, edited, deleted): lists reload")
    after_login = param.String(default="library")

    def __init__(self, api: Client, **params: Any) -> None:
        super().__init__(**params)
        self.api = api  # the SDK, as this session's visitor: anonymous or their own token

    # --- who is here ------------------------------------------------------------------
    @property
    def signed_in(self) -> bool:
        return self.user is not None

    @property
    def username(self) -> str:
        return self.user["username"] if self.user else ""

    @property
    def is_admin(self) -> bool:
        return bool(self.user and self.user.get("role") == "admin")

    def can_edit(self, video: Video) -> bool:
        """Owners and admins edit and delete; the API checks again, this only hides buttons."""
        return self.signed_in and (self.is_admin or video.owner == self.username)

    def explain(self, error: ClientError) -> str:
        """What the person at the screen reads about a failed API call."""
        if isinstance(error, ApiUnavailable):
            return (f"The Reelhouse API is not answering at {self.api.base_url}. "
                    "Is `reelhouse up` running?")
        return error.message if isinstance(error, ApiError) else str(error)

    def restore(self, token: str) -> str:
        """Sign back in with a token kept by the browser (a reload): "ok", "none" (no token),
        "expired" (the browser should forget it) or "unavailable" (the API did not answer)."""
        if not token:
            return "none"
        self.api.token = token
        try:
            user = self.api.me()
        except Unauthorized:
            self.api.token = None
            return "expired"
        except ClientError as e:
            self.api.token = None
            self.say("error", self.explain(e))
            return "unavailable"
        self.param.update(user=user, token=token)
        return "ok"

    def login(self, username: str, password: str) -> bool:
        """Sign in; on failure say why (wrong password, too many attempts, API down)."""
        if not username.strip() or not password:
            self.say("error", "Enter your username and password.")
            return False
        try:
            self.api.login(username.strip(), password, name="dashboard")
            user = self.api.me()
        except ClientError as e:
            self.api.token = None
            self.say("error", self.explain(e))
            return False
        target = self.after_login if self.after_login != "login" else "library"
        self.param.update(user=user, token=self.api.token or "", page=target,
                          notice=("", ""))
        self.changed = True
        return True

    def logout(self) -> None:
        try:
            self.api.logout()
        except ClientError:
            self.api.token = None  # best effort: an expired token is as good as revoked
        self.param.update(user=None, token="", page="library", video_id="",
                          notice=("info", "You are signed out. Public videos stay visible."))
        self.changed = True

    def expired(self) -> None:
        """The API says the token is no longer valid: fall back to anonymous and say so."""
        self.api.token = None
        self.param.update(user=None, token="", notice=(
            "error", "Your session has expired. Sign in again to see your own videos."))

    # --- where we are -----------------------------------------------------------------
    @param.depends("page", "user", watch=True)
    def _guard(self) -> None:
        """However the page was set (a click, the URL, a reload), the sign-in rules hold."""
        if (self.page in PRIVATE_PAGES and not self.signed_in) or (
                self.page == "login" and self.signed_in):
            self.go(self.page)

    def go(self, page: str) -> None:
        if page == "login" and self.signed_in:
            page = "library"
        if page in PRIVATE_PAGES and not self.signed_in:
            self.param.update(after_login=page, page="login", notice=(
                "info", "Sign in to upload videos."))
            return
        self.param.update(page=page, notice=("", ""))

    def open_video(self, video_id: str) -> None:
        self.param.update(video_id=video_id, page="video", notice=("", ""))

    def say(self, kind: str, text: str) -> None:
        """Show `text` (rendered as text) with `kind` one of info, success, error."""
        self.notice = (kind, text)

    def fail(self, error: ClientError) -> None:
        """Turn an API error into what the user sees (and sign out on a dead token)."""
        if isinstance(error, Unauthorized) and self.signed_in:
            self.expired()
        else:
            self.say("error", self.explain(error))
