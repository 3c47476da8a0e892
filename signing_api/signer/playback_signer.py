"""Everything a player needs signed for a video, for S3 or (when configured) CloudFront."""

from __future__ import annotations

import time
from collections.abc import Callable

from reelhouse.config import Settings
from reelhouse.signing.cloudfront import CloudFrontSigner
from reelhouse.signing.sigv4 import QueryPresigner
from reelhouse.storage import Storage
from signing_api.signer.cache import PlaylistCache
from signing_api.signer.cdn import CdnUrls
from signing_api.signer.paths import PlayPaths
from signing_api.signer.playlists import PlaylistSigner
from signing_api.signer.urls import MediaUrls
from signing_api.signer.window import SigningWindow


class PlaybackSigner:
    """The playback signers built once per app, sharing one signing window (and clock)."""

    def __init__(self, settings: Settings, storage: Storage, presigner: QueryPresigner,
                 cloudfront: CloudFrontSigner | None = None,
                 cache_bytes: int = 64 * 1024 * 1024,
                 clock: Callable[[], float] = time.time) -> None:
        self.window = SigningWindow(settings.clamp_ttl(settings.playback_url_ttl_s), clock)
        self.paths = PlayPaths(settings.playback_secret, self.window, settings.max_url_ttl_s)
        self.cdn = (CdnUrls(cloudfront, self.window, settings.cloudfront_domain)
                    if cloudfront is not None else None)
        self.urls = MediaUrls(presigner, self.window, self.cdn)
        self.playlists = PlaylistSigner(storage, self.urls, self.window,
                                        PlaylistCache(cache_bytes))

    @property
    def mode(self) -> str:
        return "cloudfront" if self.cdn is not None else "s3"

    def presign(self, key: str, response_headers: dict[str, str] | None = None) -> str:
        """A GET URL for one object (see `MediaUrls.presign`)."""
        return self.urls.presign(key, response_headers)
