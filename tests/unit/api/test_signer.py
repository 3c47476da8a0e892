"""The playback signer's parts on their own: window grid, path tokens, cache bound, coalescing."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from signing_api.signer.cache import PlaylistCache, Signed
from signing_api.signer.coalesce import Coalescer
from signing_api.signer.paths import PLAY_PREFIX, PlayLink, PlayPaths, canonical_path
from signing_api.signer.window import SigningWindow

NOW = 1_800_000_030.0


def test_window_grid_and_expiry() -> None:
    """Windows are a tenth of the lifetime (1 to 60 s) and URLs expire a lifetime after one."""
    window = SigningWindow(3600, clock=lambda: NOW)
    assert (window.window_s, window.start()) == (60, 1_800_000_000)
    assert window.expires() == 1_800_003_600
    assert SigningWindow(5, clock=lambda: NOW).window_s == 1


def test_path_tokens_verify_only_their_own_video_and_expiry() -> None:
    """A path verifies until it expires, and not for another video, expiry or secret."""
    now = [NOW]
    window = SigningWindow(3600, clock=lambda: now[0])
    paths = PlayPaths(b"secret", window, max_ttl_s=7200)
    path, expires = paths.play_path("01JD0000000000000000000000")
    prefix, video_id, when, token = path.rsplit("/", 3)
    assert (prefix, video_id, int(when)) == (PLAY_PREFIX, "01JD0000000000000000000000", expires)
    assert paths.verify(video_id, expires, token) == PlayLink(video_id, expires, None)
    assert paths.verify("01JD0000000000000000000001", expires, token) is None
    assert paths.verify(video_id, expires + 1, token) is None
    assert PlayPaths(b"other", window, 7200).verify(video_id, expires, token) is None
    now[0] = expires
    assert paths.verify(video_id, expires, token) is None


def test_a_private_videos_path_names_its_viewer_and_verifies_only_for_them() -> None:
    """A viewer-bound token carries the viewer's id under the MAC: another id, a dropped id
    (which would make it a shared link) or a non-numeric one never verifies."""
    window = SigningWindow(600, clock=lambda: NOW)
    paths = PlayPaths(b"secret", window, max_ttl_s=7200)
    video_id = "01JD0000000000000000000000"
    path, expires = paths.play_path(video_id, viewer_id=42)
    token = path.rsplit("/", 1)[1]
    scope, _, tag = token.partition(".")
    assert scope == "42"
    assert paths.verify(video_id, expires, token) == PlayLink(video_id, expires, 42)
    for forged in (f"43.{tag}", tag, f".{tag}", f"4x.{tag}", f"\u0664\u0662.{tag}",
                   "9" * 5000 + f".{tag}"):
        assert paths.verify(video_id, expires, forged) is None, forged[:20]
    shared, _ = paths.play_path(video_id)
    assert "." not in shared.rsplit("/", 1)[1]


@pytest.mark.parametrize(("path", "canonical"), [
    ("hls/master.m3u8", "hls/master.m3u8"),
    ("hls/./720p/index.m3u8", "hls/720p/index.m3u8"),
    ("hls/././720p/index.m3u8", "hls/720p/index.m3u8"),
    ("./hls/720p/./index.m3u8", "hls/720p/index.m3u8"),
    ("hls/%2e/720p/index.m3u8", "hls/720p/index.m3u8"),
    ("thumbs/./storyboard.vtt", "thumbs/storyboard.vtt"),
])
def test_play_paths_have_one_spelling(path: str, canonical: str) -> None:
    """Dot segments, plain or percent-encoded, fold into the path they name."""
    assert canonical_path(path) == canonical


@pytest.mark.parametrize("path", [
    "hls/../hls/master.m3u8", "hls/%2e%2e/master.m3u8", "hls//720p/index.m3u8",
    "hls/720p//index.m3u8", "/hls/master.m3u8", "hls/720p/", "hls/720p/seg_00001.m4s",
    "thumbs/poster.jpg", "raw/source", "hls/master.m3u8?x=1", "hls\\master.m3u8", "",
])
def test_play_paths_that_escape_or_name_no_playlist_are_refused(path: str) -> None:
    """`..`, empty segments, absolute paths and non-playlists are refused before any GET."""
    with pytest.raises(ValueError):
        canonical_path(path)


def test_cache_holds_at_most_its_bytes_dropping_the_least_recent() -> None:
    """Over its byte bound the cache drops the least recently used playlists first."""
    cache = PlaylistCache(max_bytes=250)
    for name in "abc":
        cache.put(name, Signed(name.encode() * 100, None))
    assert cache.get("a") is None and cache.size_bytes == 200
    assert cache.get("b") is not None  # now the most recent
    cache.put("d", Signed(b"d" * 100, None))
    assert (cache.get("b") is not None, cache.get("c"), cache.size_bytes) == (True, None, 200)


def test_long_playlists_are_gzipped_once() -> None:
    """Bodies over 2 KiB carry their gzip form; short ones are sent as they are."""
    assert Signed.of("x" * 100).gzipped is None
    long = Signed.of("#EXTINF:4.000,\nseg.m4s\n" * 200)
    assert long.gzipped is not None and len(long.gzipped) * 10 < len(long.body)


def test_concurrent_asks_share_one_call_and_later_ones_call_again() -> None:
    """Coroutines asking for one key while its call runs get its result; after it, a new call."""
    calls, release = [], threading.Event()

    def call() -> int:
        calls.append(1)
        release.wait(5)
        return len(calls)

    async def scenario() -> tuple[list[int], int]:
        coalescer: Coalescer[int] = Coalescer()
        asking = [asyncio.ensure_future(coalescer.run("k", call)) for _ in range(10)]
        await asyncio.sleep(0.05)
        release.set()
        together = await asyncio.gather(*asking)
        return together, await coalescer.run("k", call)

    # A loop of its own on its own thread: an earlier test may leave one set on this thread.
    with ThreadPoolExecutor(1) as pool:
        together, later = pool.submit(asyncio.run, scenario()).result()
    assert together == [1] * 10 and later == 2
