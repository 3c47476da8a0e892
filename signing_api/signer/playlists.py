"""A video's playlists and storyboard, fetched from storage and signed once per window."""

from __future__ import annotations

from collections.abc import Hashable

from reelhouse import keys
from reelhouse.builds import Build
from reelhouse.media.event_playlist import MASTER_NAME, playlist_at
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
    """Signed playlists by (video, media version, path, window, revision): cached, and
    rendered once for all the players asking together (every viewer misses the cache at
    once when a window turns). A finished version never changes, so a flip to a new one
    never serves a stale playlist: its key differs. A version still being built renders
    from its build (reelhouse.builds), and the build's revision of the playlist is in the
    key, so each growth is signed once and none is served after a longer one."""

    def __init__(self, storage: Storage, urls: MediaUrls, window: SigningWindow,
                 cache: PlaylistCache) -> None:
        self.storage = storage
        self.urls = urls
        self.cache = cache
        self._window = window
        self._rendering: Coalescer[Signed] = Coalescer()

    def _key(self, video_id: str, version: str, path: str, build: Build | None,
             start: int) -> Hashable:
        revision = build.revision(_part(path)) if build is not None else None
        return (video_id, version, path, start, revision)

    def cached(self, video_id: str, version: str, path: str,
               build: Build | None = None) -> Signed | None:
        """A playlist already signed in this window, or None (then call `render`)."""
        return self.cache.get(self._key(video_id, version, path, build, self._window.start()))

    async def signed(self, video_id: str, version: str, path: str,
                     build: Build | None = None) -> Signed:
        """The playlist of that media version signed for this window: from the cache, else
        rendered in a thread; from `build` when given (a version still growing)."""
        found = self.cached(video_id, version, path, build)
        if found is not None:
            return found
        key = self._key(video_id, version, path, build, self._window.start())
        if build is None:
            return await self._rendering.run(key, lambda: self.render(video_id, version, path))
        return await self._rendering.run(
            key, lambda: self.render_growing(video_id, version, path, build))

    def render(self, video_id: str, version: str, path: str) -> Signed:
        """Fetch and sign `path` ("hls/..." playlist or STORYBOARD) of `version`; blocking."""
        start = self._window.start()
        if path == STORYBOARD:
            text = self.storage.get_bytes(keys.storyboard_vtt_key(video_id, version)).decode()
            body = rewrite_storyboard_vtt(
                text, self.urls.under(keys.thumbs_prefix(video_id, version), start))
            return self._keep(self._key(video_id, version, path, None, start), body)
        relative = _hls_relative(path)
        text = self.storage.get_bytes(keys.hls_prefix(video_id, version) + relative).decode()
        return self._sign(video_id, version, path, None, text, start)

    def render_growing(self, video_id: str, version: str, path: str, build: Build) -> Signed:
        """Render from `build` and sign `path` (an "hls/..." playlist) of a version still
        being built; ValueError for a path the build has no playlist at."""
        start = self._window.start()
        text = playlist_at(build.layout, _hls_relative(path), build.video_segments,
                           build.audio_durations)
        return self._sign(video_id, version, path, build, text, start)

    def _sign(self, video_id: str, version: str, path: str, build: Build | None, text: str,
              start: int) -> Signed:
        relative = _hls_relative(path)
        if relative == MASTER_NAME:
            body = rewrite_master_playlist(text, lambda uri: uri)
        else:
            folder = keys.hls_prefix(video_id, version) + relative.rpartition("/")[0]
            body = rewrite_media_playlist(text, self.urls.under(folder + "/", start))
        return self._keep(self._key(video_id, version, path, build, start), body)

    def _keep(self, key: Hashable, body: str) -> Signed:
        signed = Signed.of(body)
        self.cache.put(key, signed)
        return signed


def _hls_relative(path: str) -> str:
    """The path under the version's hls/ of an "hls/....m3u8" path; ValueError otherwise."""
    relative = resolve_relative(path.removeprefix("hls/"))
    if not path.startswith("hls/") or not relative.endswith(".m3u8"):
        raise ValueError(f"not a playlist path: {path[:80]!r}")
    return relative


def _part(path: str) -> str:
    """Which playlist of a build `path` is: "master", "audio" or the rung's name."""
    relative = path.removeprefix("hls/")
    return "master" if relative == MASTER_NAME else relative.partition("/")[0]
