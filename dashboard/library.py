"""The library's query and the one page of videos it shows, paged with the API's cursors.

Only one page (24 videos) is ever fetched or held, whatever the catalog's size: the API pages
by keyset (`id < cursor`), so page 4,000 costs what page 1 does.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import param

from dashboard import safe
from dashboard.store import Store
from reelhouse.client import Client, ClientError, Unauthorized
from reelhouse.insights import VideoFacts
from reelhouse.records import Video, VideoStatus, Visibility

PAGE_SIZE = 24
STATUSES = ["", *(s.value for s in VideoStatus)]
VISIBILITIES = ["", Visibility.PUBLIC.value, Visibility.UNLISTED.value, Visibility.PRIVATE.value]
POSTER_TTL_S = 300  # at most; never past a minute before the signed URL itself expires

_posters: dict[str, tuple[float, str]] = {}
_posters_lock = threading.Lock()


def poster(api: Client, video_id: str) -> str:
    """A signed poster URL for a ready video the caller was allowed to list (cached by id)."""
    now = time.monotonic()
    with _posters_lock:
        hit = _posters.get(video_id)
    if hit and hit[0] > now:
        return hit[1]
    try:
        playback = api.playback(video_id)
    except ClientError:
        return ""
    expires = playback.expires_at
    lifetime = expires.timestamp() - time.time() - 60 if expires else POSTER_TTL_S
    with _posters_lock:
        _posters[video_id] = (now + min(POSTER_TTL_S, lifetime), playback.poster)
    return playback.poster


def facts(api: Client, video_ids: list[str]) -> dict[str, VideoFacts]:
    """Catalog facts of these videos by id; none when the catalog cannot be asked (cards
    then show what the API's record holds)."""
    if not video_ids:
        return {}
    try:
        return api.facts(video_ids)
    except ClientError:
        return {}


def card(api: Client, video: Video, fact: VideoFacts | None) -> dict[str, Any]:
    """What a library card shows for one video: plain values, rendered as text by the grid."""
    fact = fact or VideoFacts(video_id=video.id)
    return {
        "id": video.id, "title": video.title, "owner": video.owner,
        "status": video.status.value, "visibility": video.visibility.value,
        "reason": video.failure_reason,
        "progress": video.progress,
        "duration": safe.duration(fact.duration_s),
        "resolution": safe.resolution(fact.width, fact.height),
        "created": safe.when(video.created_at),
        "poster": poster(api, video.id) if video.ready else "",
    }


class Library(param.Parameterized):
    """Filters of the library and the page of cards they select."""

    store = param.ClassSelector(class_=Store)
    q = param.String(default="", doc="words of a title or description")
    status = param.Selector(default="", objects=STATUSES)
    visibility = param.Selector(default="", objects=VISIBILITIES)
    mine = param.Boolean(default=False, doc="only the signed-in user's videos")
    items = param.List(default=[], doc="the cards of the current page")
    page_number = param.Integer(default=1)
    has_next = param.Boolean(default=False)
    error = param.String(default="")
    loaded = param.Boolean(default=False)

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._cursors: list[str | None] = [None]  # the cursor that starts each page so far
        self._next: str | None = None

    @param.depends("q", "status", "visibility", "mine", "store.changed", "store.user",
                   watch=True)
    def reset(self) -> None:
        """Back to the first page of the current filters."""
        self._cursors = [None]
        self.load()

    def load(self) -> None:
        store = self.store
        if self.mine and not store.signed_in:
            self.mine = False
            return
        try:
            page = store.api.videos_page(
                q=self.q.strip()[:200], status=self.status or None,
                visibility=self.visibility or None,
                owner=store.username if self.mine else None, cursor=self._cursors[-1],
                limit=PAGE_SIZE)
        except ClientError as e:
            if isinstance(e, Unauthorized) and store.signed_in:
                store.expired()
                return
            self.param.update(items=[], has_next=False, error=store.explain(e), loaded=True)
            return
        found = facts(store.api, [v.id for v in page.items if v.ready])
        self._next = page.next_cursor
        self.param.update(items=[card(store.api, v, found.get(v.id)) for v in page.items],
                          has_next=self._next is not None, error="", loaded=True,
                          page_number=len(self._cursors))

    def next_page(self) -> None:
        if self.has_next and self._next:
            self._cursors.append(self._next)
            self.load()

    def previous_page(self) -> None:
        if len(self._cursors) > 1:
            self._cursors.pop()
            self.load()

    @property
    def filtered(self) -> bool:
        return bool(self.q.strip() or self.status or self.visibility or self.mine)
