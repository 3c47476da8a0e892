"""Views render from the store: user text stays text, tools show only to those allowed."""

from __future__ import annotations

import panel as pn
from sqlalchemy import update

from dashboard.components import Player, UploadPanel, VideoGrid
from dashboard.library import Library
from dashboard.store import Store
from dashboard.views.header import Header, Notice
from dashboard.views.insights import EMPTY, InsightsView
from dashboard.views.library import LibraryView
from dashboard.views.video import VideoView
from dashboard.views.video_edit import VideoEditor
from reelhouse.db import Video
from signing_api.deps import Services
from tests.unit.dashboard.conftest import PASSWORD

XSS = "<img src=x onerror=alert(1)>"


def _html(viewable: object) -> str:
    """Every HTML pane's markup under `viewable`, joined."""
    root = viewable.__panel__() if hasattr(viewable, "__panel__") else viewable
    panes = root.select(pn.pane.HTML) if hasattr(root, "select") else []
    return "\n".join(str(p.object) for p in panes)


def _editors(view: VideoView) -> list[pn.Column]:
    """The edit boxes on the page (a Viewer in a layout is rendered as its __panel__)."""
    return [o for box in view._body.objects if isinstance(box, pn.FlexBox)
            for o in box.objects if "rh-editor" in o.css_classes]


def test_video_page_shows_markup_titles_as_text(store: Store, make_user, make_video) -> None:
    """A title and description of markup are escaped in the page, never passed through."""
    owner = make_user()
    video = make_video(owner, title=XSS, description=f"see {XSS}", status="processing")
    store.open_video(video.id)
    view = VideoView(store=store)
    view.load()
    html = _html(view)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html
    assert not _editors(view)


def test_owner_gets_the_editor(store: Store, make_user, make_video) -> None:
    """The owner sees Edit and Delete; the page of a private video is a 404 for others."""
    owner, other = make_user(), make_user()
    video = make_video(owner, title="mine", visibility="private", status="failed")
    store.login(owner.username, PASSWORD)
    store.open_video(video.id)
    view = VideoView(store=store)
    view.load()
    assert len(_editors(view)) == 1
    store.logout()
    store.login(other.username, PASSWORD)
    store.open_video(video.id)
    assert "does not exist, was deleted, or is private" in _html(view)


def test_editor_saves_and_deletes(store: Store, make_user, make_video) -> None:
    """Saving sends the new metadata; deleting removes the video and returns to the library."""
    owner = make_user()
    video = make_video(owner, title="before", status="failed")
    store.login(owner.username, PASSWORD)
    seen: list[object] = []
    editor = VideoEditor(store=store, video=store.api.video(video.id), on_change=seen.append)
    editor._title.value = XSS
    editor._visibility.value = "unlisted"
    editor._save_changes(None)
    saved = store.api.video(video.id)
    assert (saved.title, saved.visibility) == (XSS, "unlisted")
    editor._delete_video(None)
    assert store.page == "library" and store.notice == ("success", "The video was deleted.")
    assert seen[-1] is None


def test_header_and_notice_escape_names(store: Store) -> None:
    """The signed-in name and every notice are shown as text."""
    store.user = {"username": XSS, "role": "user"}
    store.say("error", XSS)
    assert "<img" not in _html(Header(store=store)) + _html(Notice(store=store))


def test_library_empty_states_say_what_to_do(store: Store, make_user) -> None:
    """Before loading, after a search with no match, and for an empty library."""
    lib = Library(store=store)
    view = LibraryView(library=lib)
    assert view._grid.empty == "Loading videos…"
    lib.q = "no-such-word-anywhere"
    assert view._grid.empty.startswith("No videos match")


def test_grid_and_uploader_check_browser_messages() -> None:
    """Only well-formed ids from the browser reach the store."""
    seen: list[dict] = []
    grid = VideoGrid(on_event=lambda **e: seen.append(e))
    grid._handle_msg({"open": "../../etc"})
    grid._handle_msg({"open": "01ARZ3NDEKTSV4RRFFQ69G5FAV"})
    upload = UploadPanel(on_event=lambda **e: seen.append(e))
    upload._handle_msg({"event": "complete", "video_id": "nope"})
    upload._handle_msg({"event": "complete", "video_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"})
    assert seen == [{"kind": "open", "video_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"},
                    {"kind": "complete", "video_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}]


def test_insights_empty_state(store: Store) -> None:
    """Without a catalog the insights page explains when charts will appear."""
    store.page = "insights"
    view = InsightsView(store=store)
    view.load()
    assert "No insights yet" in _html(view) and EMPTY.startswith("No insights yet")


def _player(view: VideoView) -> Player:
    root = view.__panel__() if hasattr(view, "__panel__") else view
    return next(iter(root.select(Player)))


def test_the_player_renews_its_links_while_the_viewer_may_still_see_the_video(
        store: Store, make_user, make_video, services: Services) -> None:
    """When the browser's playback links expire (403) the player asks the server, which signs
    afresh for the viewer; once the video is private to them it answers why, not new links."""
    owner, other = make_user(), make_user()
    video = make_video(owner, visibility="public")
    store.login(other.username, PASSWORD)
    store.open_video(video.id)
    view = VideoView(store=store)
    view.load()
    player = _player(view)
    player._handle_msg({"renew": True})
    assert player.renewed["hls"].endswith("/hls/master.m3u8") and player.renewed["n"] == 1
    with services.db.session() as session:
        session.execute(update(Video).where(Video.id == video.id).values(visibility="private"))
    services.recent_videos.forget(video.id)
    player._handle_msg({"renew": True})
    assert "hls" not in player.renewed and player.renewed["error"]
    assert player.renewed["n"] == 2
    player._handle_msg({"renew": "yes"})
    assert player.renewed["n"] == 2
