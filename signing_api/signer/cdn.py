"""CloudFront URLs and cookies for a video's media, signed on the signing window."""

from __future__ import annotations

from urllib.parse import quote

from reelhouse import keys
from reelhouse.signing.cloudfront import CloudFrontSigner
from signing_api.signer.window import SigningWindow, moment

_MAX_POLICIES = 10_000


class CdnUrls:
    """CloudFront URLs: media under one wildcard custom policy per video and window (signed
    once, reused for every segment), anything else canned; and signed cookies per video."""

    def __init__(self, cloudfront: CloudFrontSigner, window: SigningWindow,
                 domain: str | None = None) -> None:
        self.cloudfront = cloudfront
        self._window = window
        host = (cloudfront.domain or domain or "").removeprefix("https://").rstrip("/")
        self.base = f"https://{host}/"
        self._policies: dict[tuple[str, int], str] = {}

    def url(self, key: str, start: int) -> str:
        """The CDN URL for `key`, valid until the window starting at `start` expires."""
        expires = self._window.expires_at(start)
        url = self.base + quote(key)
        parts = key.split("/", 2)
        if parts[0] != "media" or len(parts) < 3:
            return self.cloudfront.canned_url(url, expires)
        policy_key = (parts[1], start)
        query = self._policies.get(policy_key)
        if query is None:
            prefix = f"{self.base}media/{parts[1]}/"
            query = self.cloudfront.custom_url(prefix, expires, resource=prefix + "*"
                                               ).partition("?")[2]
            if len(self._policies) > _MAX_POLICIES:
                self._policies.clear()
            self._policies[policy_key] = query
        return f"{url}?{query}"

    def cookies(self, video_id: str) -> dict[str, str]:
        """Signed cookies for everything under the video's media prefix."""
        return self.cloudfront.signed_cookies(f"{self.base}{keys.media_prefix(video_id)}*",
                                              moment(self._window.expires()))

    def master(self, video_id: str, version: str) -> str:
        """The master playlist of a media version on the CDN, for players that send the
        signed cookies (which cover every version of the video)."""
        return self.base + keys.master_key(video_id, version)
