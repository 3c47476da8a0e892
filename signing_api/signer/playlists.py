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
    """Signed playlists by (video, media version, path, window): cached, and rendered once
    for all the players asking together (every viewer misses the cache at once when a
    window turns). A version never changes, so a flip to a new one never serves a stale
    playlist: its key differs."""

    def __init__(self, storage: Storage, urls: MediaUrls, window: SigningWindow,
                 cache: PlaylistCache) -> None:
        self.storage = storage
        self.urls = urls
        self.cache = cache
        self._window = window
        self._rendering: Coalescer[Signed] = Coalescer()

    def cached(self, video_id: str, version: str, path: str) -> Signed | None:
        """A playlist already signed in this window, or None (then call `render`)."""
        return self.cache.get((video_id, version, path, self._window.start()))

    async def signed(self, video_id: str, version: str, path: str) -> Signed:
        """The playlist of that media version signed for this window: from the cache, else
        rendered in a thread."""
        found = self.cached(video_id, version, path)
        if found is not None:
            return found
        key = (video_id, version, path, self._window.start())
        return await self._rendering.run(key, lambda: self.render(video_id, version, path))

    def render(self, video_id: str, version: str, path: str) -> Signed:
        """Fetch and sign `path` ("hls/..." playlist or STORYBOARD) of `version`; blocking."""
        start = self._window.start()
        if path == STORYBOARD:
            text = self.storage.get_bytes(keys.storyboard_vtt_key(video_id, version)).decode()
            body = rewrite_storyboard_vtt(
                text, self.urls.under(keys.thumbs_prefix(video_id, version), start))
        else:
            relative = resolve_relative(path.removeprefix("hls/"))
            if not path.startswith("hls/") or not relative.endswith(".m3u8"):
                raise ValueError(f"not a playlist path: {path[:80]!r}")
            hls = keys.hls_prefix(video_id, version)
            text = self.storage.get_bytes(hls + relative).decode()
            if relative == "master.m3u8":
                body = rewrite_master_playlist(text, lambda uri: uri)
            else:
                folder = hls + relative.rpartition("/")[0]
                body = rewrite_media_playlist(text, self.urls.under(folder + "/", start))
        signed = Signed.of(body)
        self.cache.put((video_id, version, path, start), signed)
        return signed
