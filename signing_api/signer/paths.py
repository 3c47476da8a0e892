"""Signed API paths for a video's playlists: the link itself is the permission."""

from __future__ import annotations

import base64
import hashlib
import hmac

from signing_api.signer.window import SigningWindow

PLAY_PREFIX = "/api/v1/play"


class PlayPaths:
    """`PLAY_PREFIX/{id}/{expires}/{token}` paths whose token is an HMAC of id and expiry, so
    the relative URIs inside the playlists served below them keep working unsigned."""

    def __init__(self, secret: bytes, window: SigningWindow, max_ttl_s: int) -> None:
        self._key = hmac.new(secret, b"reelhouse signed playback paths v1",
                             hashlib.sha256).digest()
        self._window = window
        self._max_ttl_s = max_ttl_s

    def token(self, video_id: str, expires: int) -> str:
        mac = hmac.new(self._key, f"{video_id}/{expires}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:18]).decode()

    def play_path(self, video_id: str) -> tuple[str, int]:
        """The signed path prefix for a video's playlists and when it stops working."""
        expires = self._window.expires()
        return f"{PLAY_PREFIX}/{video_id}/{expires}/{self.token(video_id, expires)}", expires

    def path_ok(self, video_id: str, expires: int, token: str) -> bool:
        """Whether a signed path is genuine and unexpired."""
        now = self._window.clock()
        if not now < expires <= now + self._max_ttl_s:
            return False
        return hmac.compare_digest(token.encode(), self.token(video_id, expires).encode())
