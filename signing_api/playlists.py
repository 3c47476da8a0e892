"""Playback signing: short-lived signed API paths for playlists, presigned (or CDN) media URLs.

Players fetch playlists from the API under `/api/v1/play/{id}/{expires}/{token}/...`, so the
relative URIs inside them keep working, and get every segment, init and storyboard image as
a presigned S3 GET (or a CloudFront URL under one wildcard policy per video). Signing uses a
time window: all URLs signed within one window share their date, so a signed playlist is
cached and reused for the window instead of being signed again for every viewer.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import hmac
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool

from reelhouse import keys
from reelhouse.config import Settings
from reelhouse.signing.playlist import (
    resolve_relative,
    rewrite_master_playlist,
    rewrite_media_playlist,
)
from reelhouse.signing.sigv4 import QueryPresigner
from reelhouse.storage import Storage

if TYPE_CHECKING:
    from reelhouse.signing.cloudfront import CloudFrontSigner

PLAY_PREFIX = "/api/v1/play"
_VTT_IMAGE = re.compile(r"^([A-Za-z0-9_.-]{1,100}\.(?:jpg|jpeg|png|webp))(#xywh=\d+,\d+,\d+,\d+)?$")


def rewrite_storyboard_vtt(text: str, sign: Callable[[str], str]) -> str:
    """The storyboard WebVTT with each sprite reference (`img.jpg#xywh=...`) made absolute."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("WEBVTT"):
        raise ValueError("storyboard: not a WebVTT file")
    out = []
    for line in lines:
        match = _VTT_IMAGE.match(line.strip())
        out.append(sign(match.group(1)) + (match.group(2) or "") if match else line)
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class Signed:
    """A signed playlist, as UTF-8 and (when worth it) gzip, compressed once per window."""

    body: bytes
    gzipped: bytes | None

    @classmethod
    def of(cls, text: str) -> Signed:
        body = text.encode()
        # Signed playlists are mostly repeated URL prefixes: gzip makes them ~8x smaller.
        return cls(body, gzip.compress(body, 5, mtime=0) if len(body) > 2048 else None)

    def __len__(self) -> int:
        return len(self.body) + len(self.gzipped or b"")


class _Cache:
    """A byte-bounded LRU of signed playlists, keyed by what they depend on."""

    def __init__(self, max_bytes: int) -> None:
        self._items: OrderedDict[tuple[Any, ...], Signed] = OrderedDict()
        self._bytes = 0
        self._max = max_bytes
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Signed | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[Any, ...], value: Signed) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._bytes += len(value)
            while self._bytes > self._max and self._items:
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old)


class PlaybackSigner:
    """Signs everything a player needs for one video, for S3 or (when configured) CloudFront."""

    def __init__(self, settings: Settings, storage: Storage, presigner: QueryPresigner,
                 cloudfront: CloudFrontSigner | None = None,
                 cache_bytes: int = 64 * 1024 * 1024,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self.storage = storage
        self.presigner = presigner
        self.cloudfront = cloudfront
        self.ttl_s = settings.clamp_ttl(settings.playback_url_ttl_s)
        # Everything signed inside one window shares its date: URLs live ttl - window at least.
        self.window_s = max(1, min(60, self.ttl_s // 10))
        self._path_key = hmac.new(settings.playback_secret, b"reelhouse signed playback paths v1",
                                  hashlib.sha256).digest()
        self._cache = _Cache(cache_bytes)
        self._rendering: dict[tuple[str, str, int], asyncio.Future[Signed]] = {}
        self._cdn_queries: dict[tuple[str, int], str] = {}

    @property
    def mode(self) -> str:
        return "cloudfront" if self.cloudfront is not None else "s3"

    def window_start(self, now: float | None = None) -> int:
        now = self.clock() if now is None else now
        return int(now) // self.window_s * self.window_s

    # --- single objects ----------------------------------------------------------------
    def presign(self, key: str, response_headers: dict[str, str] | None = None) -> str:
        """A GET URL for one object, from the CDN when configured, else presigned S3."""
        start = self.window_start()
        if self.cloudfront is not None and not response_headers:
            return self._cdn_url(key, start)
        when = datetime.fromtimestamp(start, UTC)
        return self.presigner.presign_get(key, self.ttl_s, now=when,
                                          response_headers=response_headers)

    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.window_start() + self.ttl_s, UTC)

    # --- signed API paths --------------------------------------------------------------
    def _path_token(self, video_id: str, expires: int) -> str:
        mac = hmac.new(self._path_key, f"{video_id}/{expires}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:18]).decode()

    def play_path(self, video_id: str) -> tuple[str, int]:
        """The signed path prefix for a video's playlists and when it stops working."""
        expires = self.window_start() + self.ttl_s
        return f"{PLAY_PREFIX}/{video_id}/{expires}/{self._path_token(video_id, expires)}", expires

    def path_ok(self, video_id: str, expires: int, token: str) -> bool:
        """Whether a signed path is genuine and unexpired."""
        now = self.clock()
        if not now < expires <= now + self.settings.max_url_ttl_s:
            return False
        return hmac.compare_digest(token.encode(), self._path_token(video_id, expires).encode())

    # --- playlists ---------------------------------------------------------------------
    def cached(self, video_id: str, path: str) -> Signed | None:
        """A playlist already signed in this window, or None (then call `render`)."""
        return self._cache.get((video_id, path, self.window_start()))

    async def signed(self, video_id: str, path: str) -> Signed:
        """The playlist signed for this window: from the cache, else rendered once in a
        thread however many players ask at the same moment (every viewer misses the cache
        together when a window turns; one render serves them all)."""
        found = self.cached(video_id, path)
        if found is not None:
            return found
        key = (video_id, path, self.window_start())
        pending = self._rendering.get(key)
        if pending is None:
            pending = asyncio.ensure_future(run_in_threadpool(self.render, video_id, path))
            self._rendering[key] = pending
            pending.add_done_callback(lambda _: self._rendering.pop(key, None))
        return await asyncio.shield(pending)

    def render(self, video_id: str, path: str) -> Signed:
        """Fetch and sign `path` ("hls/..." playlist or "thumbs/storyboard.vtt"); blocking."""
        start = self.window_start()
        if path == "thumbs/storyboard.vtt":
            folder = keys.thumbs_prefix(video_id)
            text = self.storage.get_bytes(keys.storyboard_vtt_key(video_id)).decode()
            body = rewrite_storyboard_vtt(text, self._signer(folder, start))
        else:
            relative = resolve_relative(path.removeprefix("hls/"))
            if not path.startswith("hls/") or not relative.endswith(".m3u8"):
                raise ValueError(f"not a playlist path: {path[:80]!r}")
            text = self.storage.get_bytes(keys.hls_prefix(video_id) + relative).decode()
            if relative == "master.m3u8":
                body = rewrite_master_playlist(text, lambda uri: uri)
            else:
                folder = keys.hls_prefix(video_id) + relative.rpartition("/")[0]
                body = rewrite_media_playlist(text, self._signer(folder + "/", start))
        signed = Signed.of(body)
        self._cache.put((video_id, path, start), signed)
        return signed

    def _signer(self, folder: str, start: int) -> Callable[[str], str]:
        if self.cloudfront is not None:
            return lambda path: self._cdn_url(folder + path, start)
        when = datetime.fromtimestamp(start, UTC)
        presign, ttl = self.presigner.presign_get, self.ttl_s
        return lambda path: presign(folder + path, ttl, now=when)

    # --- CloudFront --------------------------------------------------------------------
    def _cdn_base(self) -> str:
        domain = (self.cloudfront and self.cloudfront.domain) or self.settings.cloudfront_domain
        domain = (domain or "").removeprefix("https://").rstrip("/")
        return f"https://{domain}/"

    def _cdn_url(self, key: str, start: int) -> str:
        """A CDN URL: media under one wildcard policy per video and window, else canned."""
        assert self.cloudfront is not None
        expires = datetime.fromtimestamp(start + self.ttl_s, UTC)
        url = self._cdn_base() + quote(key)
        parts = key.split("/", 2)
        if parts[0] != "media" or len(parts) < 3:
            return self.cloudfront.canned_url(url, expires)
        cache_key = (parts[1], start)
        query = self._cdn_queries.get(cache_key)
        if query is None:
            prefix = f"{self._cdn_base()}media/{parts[1]}/"
            signed = self.cloudfront.custom_url(prefix, expires, resource=prefix + "*")
            query = signed.partition("?")[2]
            if len(self._cdn_queries) > 10_000:
                self._cdn_queries.clear()
            self._cdn_queries[cache_key] = query
        return f"{url}?{query}"

    def cdn_cookies(self, video_id: str) -> dict[str, str] | None:
        """Signed cookies for everything under the video's media prefix (CloudFront only)."""
        if self.cloudfront is None:
            return None
        expires = datetime.fromtimestamp(self.window_start() + self.ttl_s, UTC)
        return self.cloudfront.signed_cookies(
            f"{self._cdn_base()}{keys.media_prefix(video_id)}*", expires)

    def cdn_master(self, video_id: str) -> str:
        """The master playlist on the CDN, for players that send the signed cookies."""
        return self._cdn_base() + keys.master_key(video_id)

def download_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the UTF-8 original (RFC 6266 / 5987)."""
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", stem)[:100].strip() or "video"
    return (f'attachment; filename="{fallback}.mp4"; '
            f"filename*=UTF-8''{quote(stem[:100] + '.mp4', safe='')}")
