"""A video's playlists and storyboard, fetched from storage and signed once per window."""

from __future__ import annotations

from reelhouse import keys
from reelhouse.signing.playlist import (
    resolve_relative,
    rewrite_master_playlist,
    rewrite_media_playlist,
    rewrite_storyboard_vtt,
)
from reelhouse.storage import Storage
from signing_api.signer.cache import PlaylistCache, Signed
from signing_api.signer.coalesce import Coalescer
from signing_api.signer.urls import MediaUrls
from signing_api.signer.window import SigningWindow

STORYBOARD = "thumbs/storyboard.vtt"


class PlaylistSigner:
    """Signed playlists by (video, path, window): cached, and rendered once for all the
    players asking together (every viewer misses the cache at once when a window turns)."""

    def __init__(self, storage: Storage, urls: MediaUrls, window: SigningWindow,
                 cache: PlaylistCache) -> None:
        self.storage = storage
        self.urls = urls
        self.cache = cache
        self._window = window
        self._rendering: Coalescer[Signed] = Coalescer()

    def cached(self, video_id: str, path: str) -> Signed | None:
        """A playlist already signed in this window, or None (then call `render`)."""
        return self.cache.get((video_id, path, self._window.start()))

    async def signed(self, video_id: str, path: str) -> Signed:
        """The playlist signed for this window: from the cache, else rendered in a thread."""
        found = self.cached(video_id, path)
        if found is not None:
            return found
        key = (video_id, path, self._window.start())
        return await self._rendering.run(key, lambda: self.render(video_id, path))

    def render(self, video_id: str, path: str) -> Signed:
        """Fetch and sign `path` ("hls/..." playlist or STORYBOARD); blocking."""
        start = self._window.start()
        if path == STORYBOARD:
            text = self.storage.get_bytes(keys.storyboard_vtt_key(video_id)).decode()
            body = rewrite_storyboard_vtt(text, self.urls.under(keys.thumbs_prefix(video_id),
                                                                start))
        else:
            relative = resolve_relative(path.removeprefix("hls/"))
            if not path.startswith("hls/") or not relative.endswith(".m3u8"):
                raise ValueError(f"not a playlist path: {path[:80]!r}")
            text = self.storage.get_bytes(keys.hls_prefix(video_id) + relative).decode()
            if relative == "master.m3u8":
                body = rewrite_master_playlist(text, lambda uri: uri)
            else:
                folder = keys.hls_prefix(video_id) + relative.rpartition("/")[0]
                body = rewrite_media_playlist(text, self.urls.under(folder + "/", start))
        signed = Signed.of(body)
        self.cache.put((video_id, path, start), signed)
        return signed
