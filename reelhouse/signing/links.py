"""Lasting operator links: an HMAC of one video's id, so a link in Dagster's metadata opens
that video's poster for as long as the video exists, private or not, and nothing else."""

from __future__ import annotations

import base64
import hashlib
import hmac

_PURPOSE = b"reelhouse poster links v1"


def poster_link_token(secret: bytes, video_id: str) -> str:
    """The `sig` of the poster link for `video_id` (keyed apart from every other signature)."""
    key = hmac.new(secret, _PURPOSE, hashlib.sha256).digest()
    mac = hmac.new(key, video_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


def poster_link_ok(secret: bytes, video_id: str, token: str) -> bool:
    """Whether `token` is the poster link signature of `video_id`."""
    return hmac.compare_digest(token.encode(), poster_link_token(secret, video_id).encode())
