"""Views render from the store: user text stays text, tools show only to those allowed."""

from __future__ import annotations

from fractions import Fraction

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
from dashboard.views.video_media import progress_text
from reelhouse import builds
from reelhouse.db import Video, VideoProgress
from reelhouse.media.chunks import Chunk
from reelhouse.media.event_playlist import Layout, LayoutRung
from reelhouse.records import Video as VideoRecord
from reelhouse.records import VideoStatus
from signing_api.deps import Services
from tests.helpers import MEDIA_VERSION
from tests.unit.dashboard.conftest import PASSWORD

XSS = "<img src=x onerror=alert(1)>"
# A build of one 2 s chunk of one rung, no audio: playable once its chunk is done.
ONE_CHUNK = Layout(Fraction(25), 50, (Chunk(0, 0, 50, 1, (0,)),),
                   (LayoutRung("360p", 640, 360, 800000, 860000, "avc1.4d401e"),), None)


def _html(viewable: object) -> str:
    """Every HTML pane's markup under `viewable`, joined."""
    root = viewable.__panel__() if hasattr(viewable, "__panel__") else viewable
    panes = root.select(pn.pane.HTML) if hasattr(root, "select") else []
    return "\n".join(str(p.object) for p in panes)


def _editors(view: VideoView) -> list[pn.Column]:
    """The edit boxes on the page (a Viewer in a layout is rendered as its __panel__)."""
    return [o for box in view.__panel__().select(pn.FlexBox)
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


def _progress_line(view: VideoView) -> pn.Column:
    return next(c for c in view.__panel__().select(pn.Column)
                if "rh-progress-line" in c.css_classes)


def test_a_processing_video_plays_once_playable_and_keeps_its_player(
        store: Store, make_user, make_video, services: Services) -> None:
    """A processing video shows its progress alone until it is playable, then the player with
    the progress under it; the page's refreshes move the progress and, once the video is
    ready, hide it, keeping the one player throughout (the browser never reloads it)."""
    video = make_video(make_user(), status="processing")
    builds.begin_build(services.db, video.id, MEDIA_VERSION, ONE_CHUNK)

    def pipeline(**values: object) -> None:
        with services.db.session() as session:
            percent = values.pop("percent", None)
            if values:
                session.execute(update(Video).where(Video.id == video.id).values(**values))
            if percent is not None:
                session.merge(VideoProgress(video_id=video.id, percent=percent))
        services.recent_videos.forget(video.id)

    store.open_video(video.id)
    view = VideoView(store=store)
    view.load()
    assert not list(view.__panel__().select(Player))
    assert "This video is being processed." in _html(view)
    builds.mark_chunk_done(services.db, video.id, MEDIA_VERSION, 0)
    pipeline(media_version=MEDIA_VERSION, percent=40.0)  # flipped early: playable
    view.poll()
    player, line = _player(view), _progress_line(view)
    assert line.visible and "Processing: 40% done. The first 0:02 can" in _html(view)
    assert (player.duration_s, player.mp4) == (2.0, "")
    assert "Download MP4" not in _html(view)
    pipeline(percent=70.0)
    view.poll()
    assert _player(view) is player and "Processing: 70% done." in _html(view)
    builds.complete_build(services.db, video.id, MEDIA_VERSION)
    pipeline(status="ready")
    view.poll()
    assert _player(view) is player and not _progress_line(view).visible
    assert "Download MP4" in _html(view)


def test_progress_text_says_what_plays_while_processing() -> None:
    """Before the video plays the line says it will; once playable, how much plays already."""
    waiting = VideoRecord(id="v", status=VideoStatus.PROCESSING, progress=12.4)
    assert progress_text(waiting) == ("This video is being processed. 12% done. This page "
                                      "updates by itself when it can be played.")
    growing = waiting.model_copy(update={"playable": True, "playable_s": 62.0})
    assert progress_text(growing) == ("Processing: 12% done. The first 1:02 can be played "
                                      "now. The rest follows while you watch.")
    queued = VideoRecord(id="v", status=VideoStatus.UPLOADED)
    assert progress_text(queued).startswith("This video is queued for processing. This page")
