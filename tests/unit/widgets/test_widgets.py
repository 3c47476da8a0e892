"""The widgets' Python side: synced traits, defaults, validation and how the parts connect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import ipywidgets
import pytest
import traitlets

from reelhouse.client import Client
from reelhouse.errors import AuthError
from reelhouse.widgets import Browser, BrowserGrid, Player, Uploader, _base, login

API = "http://api.test:8000"


def synced(widget: Any) -> set[str]:
    return set(widget.traits(sync=True))


def test_widgets_sync_their_documented_traits() -> None:
    """Each widget syncs the state its front end reads or reports, and never the API address
    or the token (those stay in the kernel)."""
    auth = {"_scope", "_signed_in"}
    assert {"concurrency", "visibility", "uploads"} | auth <= synced(Uploader())
    assert {"video_id", "playback", "level", "levels", "current_level", "error", "autoplay",
            "muted", "status", "progress", "poll_s"} | auth <= synced(Player())
    assert {"query", "status", "visibility", "mine", "page_size", "refresh_s", "selected",
            "videos"} | auth <= synced(BrowserGrid())
    for widget in (Uploader(), Player(), BrowserGrid()):
        assert not {"api_url", "token"} & synced(widget)


def test_defaults() -> None:
    """Fresh widgets upload privately, four parts at a time, and play with automatic rungs."""
    uploader, player, grid = Uploader(), Player(), BrowserGrid()
    assert (uploader.concurrency, uploader.visibility, uploader.uploads) == (4, "private", [])
    assert (player.video_id, player.playback, player.level, player.current_level) == \
        ("", {}, -1, -1)
    assert (player.levels, player.error, player.autoplay, player.muted) == ([], "", False, False)
    assert (grid.query, grid.status, grid.visibility, grid.mine, grid.selected) == \
        ("", "", "", False, "")
    assert grid.page_size == 24


def test_api_url_and_token_come_from_settings_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without arguments the widgets call the configured API with $REELHOUSE_TOKEN."""
    monkeypatch.setenv("REELHOUSE_API_PORT", "8123")
    monkeypatch.setenv("REELHOUSE_TOKEN", "rh_abc_secret")
    player = Player()
    assert player.api_url == "http://127.0.0.1:8123"
    assert player.token == "rh_abc_secret"


def test_api_url_is_normalised_and_checked() -> None:
    """A trailing slash is dropped; anything but an http(s) URL is refused."""
    assert Uploader(api_url=API + "/").api_url == API
    with pytest.raises(traitlets.TraitError, match="api_url"):
        Uploader(api_url="javascript:alert(1)")


def test_invalid_values_are_refused() -> None:
    """Levels below -1, unknown visibilities and statuses, and silly concurrency fail early."""
    with pytest.raises(traitlets.TraitError):
        Player(level=-2)
    with pytest.raises(traitlets.TraitError):
        Uploader(visibility="everyone")
    with pytest.raises(traitlets.TraitError):
        Uploader(concurrency=0)
    with pytest.raises(traitlets.TraitError):
        BrowserGrid(status="deleted")


def test_player_takes_an_id_or_a_playback_dict() -> None:
    """A string names the video to ask the API for; a dict is the API's playback answer."""
    assert Player("01J0000000000000000000000A").video_id == "01J0000000000000000000000A"
    playback = {"hls": "http://s3.test/master.m3u8", "poster": "http://s3.test/p.jpg"}
    assert Player(playback).playback == playback


def test_player_reports_the_rung_playing() -> None:
    """`rung` is the level the browser says it plays, or None before playback."""
    player = Player()
    assert player.rung is None
    levels = [{"index": 0, "height": 360}, {"index": 1, "height": 180}]
    player.set_trait("levels", levels)
    player.set_trait("current_level", 1)
    assert player.rung == levels[1]
    player.level = 0
    player.auto()
    assert player.level == -1


def test_browser_plays_the_selected_video() -> None:
    """Selecting a card sets the player's video id and shows the player."""
    browser = Browser(api_url=API, token="t1", query="harbour")
    assert browser.children == (browser.grid, browser.player)
    assert browser.grid.query == "harbour"
    assert browser.player.layout.display == "none"
    browser.grid.selected = "01J0000000000000000000000A"
    assert browser.player.video_id == "01J0000000000000000000000A"
    assert browser.player.layout.display is None
    assert browser.selected == "01J0000000000000000000000A"


def test_browser_shares_its_api_and_token_with_the_player() -> None:
    """The player follows the grid's API address and token."""
    browser = Browser(api_url=API, token="t1")
    assert (browser.player.api_url, browser.player.token) == (API, "t1")
    browser.grid.token = "t2"
    assert browser.player.token == "t2"


def test_browser_search_sets_filters() -> None:
    """search() sets the text and any other filter in one go."""
    browser = Browser(api_url=API)
    browser.search("cat", status="ready", mine=True)
    assert (browser.grid.query, browser.grid.status, browser.grid.mine) == ("cat", "ready", True)
    assert (browser.query, browser.status, browser.mine) == ("cat", "ready", True)


def test_uploader_summarises_its_uploads() -> None:
    """`done` lists finished video ids; `active` is true while a file is still sending."""
    uploader = Uploader(api_url=API)
    uploader.set_trait("uploads", [
        {"key": "a", "state": "done", "video_id": "V1"},
        {"key": "b", "state": "uploading", "video_id": "V2"},
    ])
    assert uploader.done == ["V1"]
    assert uploader.active
    assert "uploads=2" in repr(uploader) and "token" not in repr(uploader)


def test_uploads_trait_is_read_only_in_python() -> None:
    """Only the browser writes upload state; the kernel observes it."""
    with pytest.raises(traitlets.TraitError):
        Uploader().uploads = []


def test_commands_are_sent_to_the_front_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """cancel_all() and reload() are custom messages the browser half acts on."""
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(Uploader, "send", lambda self, content: sent.append(content))
    monkeypatch.setattr(BrowserGrid, "send", lambda self, content: sent.append(content))
    Uploader().cancel_all()
    BrowserGrid().reload()
    assert sent == [{"type": "cancel_all"}, {"type": "reload"}]


def test_esm_is_the_bundled_module() -> None:
    """Each widget ships the module esbuild wrote to reelhouse/static (when it is built)."""
    for widget, name in ((Uploader, "widget_uploader"), (Player, "widget_player"),
                         (BrowserGrid, "widget_browser")):
        path = _base.STATIC / f"{name}.js"
        if not path.is_file():
            pytest.skip("front end not bundled: run `cd frontend && node build.mjs`")
        assert widget()._esm == path.read_text()


def test_missing_bundle_renders_a_build_hint(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    """Without a built front end the widget shows how to build it instead of failing to import."""
    monkeypatch.setattr(_base, "STATIC", tmp_path)
    esm = _base.bundle("widget_player")
    assert isinstance(esm, str) and "make static" in esm and "export default" in esm


def test_from_client_uses_the_sdk_clients_address_and_token() -> None:
    """Any client object with api_url (or base_url) and token configures a widget."""
    class Client:
        base_url = API
        token = "t9"

    player = Player.from_client(Client(), video_id="V1")
    assert (player.api_url, player.token, player.video_id) == (API, "t9", "V1")


def test_login_exchanges_credentials_for_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """login() posts to /api/v1/auth/token and returns the token; a refusal is an AuthError."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def post(url: str, json: dict[str, Any], timeout: float) -> httpx.Response:
        calls.append((url, json))
        if json["password"] == "right":
            return httpx.Response(201, json={"token": "rh_new"})
        return httpx.Response(401, json={"error": "unauthorized",
                                         "message": "wrong username or password"})

    monkeypatch.setattr(httpx, "post", post)
    assert login("ada", "right", API) == "rh_new"
    assert calls[0][0] == API + "/api/v1/auth/token"
    with pytest.raises(AuthError, match="wrong username or password"):
        login("ada", "wrong", API)
    assert Uploader.login("ada", "right", api_url=API).token == "rh_new"


def test_browser_layout_applies_to_the_box() -> None:
    """`Browser(layout=...)` sizes the whole browser, not the grid inside it."""
    browser = Browser(api_url=API, layout=ipywidgets.Layout(width="640px", border="1px solid"))
    assert browser.layout.width == "640px"
    assert browser.grid.layout.width is None


def test_browser_selected_and_videos_are_observable_linkable_traits() -> None:
    """`selected` and `videos` are traits: observers fire and `link` keeps two in step."""
    browser, other = Browser(api_url=API), Browser(api_url=API)
    seen: list[Any] = []
    browser.observe(lambda change: seen.append((change["name"], change["new"])),
                    names=["selected", "videos"])
    traitlets.link((browser, "selected"), (other, "selected"))
    browser.grid.selected = "01J0000000000000000000000A"  # a click in the grid
    assert other.selected == other.player.video_id == "01J0000000000000000000000A"
    cards = [{"id": "01J0000000000000000000000A", "title": "Harbour"}]
    browser.grid.set_trait("videos", cards)  # the grid listed videos
    assert seen == [("selected", "01J0000000000000000000000A"), ("videos", cards)]
    with pytest.raises(traitlets.TraitError):
        browser.videos = []
    other.selected = ""
    assert browser.grid.selected == "" and browser.player.layout.display == "none"


def test_browser_options_reach_the_parts_after_display() -> None:
    """autoplay and muted go to the player, page_size and filters to the grid, at any time."""
    browser = Browser(api_url=API, page_size=6, muted=True)
    assert (browser.grid.page_size, browser.player.muted, browser.player.autoplay) == \
        (6, True, True)
    browser.page_size, browser.autoplay, browser.muted = 12, False, False
    assert (browser.grid.page_size, browser.player.autoplay, browser.player.muted) == \
        (12, False, False)
    browser.grid.query = "typed in the page"
    assert browser.query == "typed in the page"


def test_browser_from_an_sdk_client_shares_its_address_and_token() -> None:
    """Browser.from_client(client) lists and plays with the client's API and token."""
    client = Client(API, token="rh_client")
    browser = Browser.from_client(client)
    assert browser.grid.api_client() is client and browser.player.api_client() is client
    assert (browser.player.api_url, browser.player.token) == (API, "rh_client")
