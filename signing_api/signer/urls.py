"""GET URLs for single objects: from the CDN when one is configured, else presigned S3."""

from __future__ import annotations

from collections.abc import Callable

from reelhouse.signing.sigv4 import QueryPresigner
from signing_api.signer.cdn import CdnUrls
from signing_api.signer.window import SigningWindow, moment


class MediaUrls:
    """Object GET URLs signed at the current window's start, so they are equal all window."""

    def __init__(self, presigner: QueryPresigner, window: SigningWindow,
                 cdn: CdnUrls | None = None) -> None:
        self.presigner = presigner
        self.cdn = cdn
        self._window = window

    def presign(self, key: str, response_headers: dict[str, str] | None = None) -> str:
        """A GET URL for `key`; response header overrides need S3 (CloudFront ignores them)."""
        start = self._window.start()
        if self.cdn is not None and not response_headers:
            return self.cdn.url(key, start)
        return self.presigner.presign_get(key, self._window.ttl_s, now=moment(start),
                                          response_headers=response_headers)

    def under(self, folder: str, start: int) -> Callable[[str], str]:
        """A signer of paths relative to `folder`, for the window starting at `start`."""
        cdn = self.cdn
        if cdn is not None:
            return lambda path: cdn.url(folder + path, start)
        when = moment(start)
        presign, ttl = self.presigner.presign_get, self._window.ttl_s
        return lambda path: presign(folder + path, ttl, now=when)
