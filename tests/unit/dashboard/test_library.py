"""The library pages through the API with cursors and builds plain-text cards."""

from __future__ import annotations

from dashboard import library as library_module
from dashboard.library import PAGE_SIZE, Library, card
from dashboard.store import Store
from reelhouse.client import ApiUnavailable
from reelhouse.insights import VideoFacts
from reelhouse.records import Video
from tests.unit.dashboard.conftest import PASSWORD


def test_pages_forward_and_back(store: Store, make_user, make_video) -> None:
    """30 videos make a full first page and a second of 6; Newer goes back to the first."""
    owner = make_user()
    for i in range(30):
        make_video(owner, title=f"clip {i}", status="uploaded")
    lib = Library(store=store)
    lib.param.update(mine=False, q="clip", status="uploaded")
    first = [c["id"] for c in lib.items]
    assert len(first) == PAGE_SIZE and lib.has_next and lib.page_number == 1
    lib.next_page()
    assert len(lib.items) >= 6 and lib.page_number == 2
    assert not set(first) & {c["id"] for c in lib.items}
    lib.previous_page()
    assert [c["id"] for c in lib.items] == first


def test_search_and_mine(store: Store, make_user, make_video) -> None:
    """Search matches a word of the title; 'only mine' lists the caller's private videos."""
    owner = make_user()
    hidden = make_video(owner, title="zebra crossing", visibility="private")
    public = make_video(owner, title="zebra stripes")
    lib = Library(store=store)
    lib.q = "zebra"
    assert [c["id"] for c in lib.items if c["owner"] == owner.username] == [public.id]
    store.login(owner.username, PASSWORD)
    lib.mine = True
    assert {c["id"] for c in lib.items} == {hidden.id, public.id}
    store.logout()
    assert not lib.mine


def test_cards_carry_text_and_failure_reasons(store: Store, make_user, make_video,
                                              monkeypatch) -> None:
    """Cards hold raw titles (the grid sets them as text), reasons and catalog facts."""
    monkeypatch.setattr(library_module, "poster", lambda api, vid: f"https://s3/{vid}.jpg")
    video = Video.from_api({"id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "status": "failed",
                            "title": "<img src=x onerror=alert(1)>", "owner": "ann",
                            "visibility": "public", "failure_reason": "no video stream",
                            "created_at": "2025-01-02T03:04:05"})
    built = card(store.api, video, VideoFacts(video_id=video.id, duration_s=65.0, width=640,
                                              height=360))
    assert built["title"] == "<img src=x onerror=alert(1)>"
    assert (built["reason"], built["duration"], built["resolution"], built["poster"]) == (
        "no video stream", "1:05", "640×360", "")
    assert (built["status"], built["created"]) == ("failed", "2025-01-02 03:04")
    ready = card(store.api, Video.model_validate({**video.model_dump(), "status": "ready"}), None)
    assert ready["poster"] == "https://s3/01ARZ3NDEKTSV4RRFFQ69G5FAV.jpg"


def test_api_errors_show_in_the_library(store: Store, monkeypatch) -> None:
    """When the API is down the library is empty with the reason, not a traceback."""
    def down(**_kw: object) -> dict:
        raise ApiUnavailable("cannot reach the API")

    monkeypatch.setattr(store.api, "videos_page", down)
    lib = Library(store=store)
    lib.load()
    assert lib.items == [] and lib.error.startswith("The Reelhouse API is not answering at")
