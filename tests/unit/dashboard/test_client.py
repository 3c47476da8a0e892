"""The dashboard reaches the API through the SDK only, as the visitor it signed in."""

from __future__ import annotations

import httpx
import pytest

from dashboard import settings as dashboard_settings
from dashboard.settings import server_api_url, session_client
from dashboard.store import Store
from reelhouse.client import ApiUnavailable, Client, NotFound, RetryPolicy, Unauthorized
from reelhouse.config import load_settings
from tests.unit.dashboard.conftest import PASSWORD, sdk


def test_login_then_calls_carry_the_token(api: Client, client, make_user, make_video) -> None:
    """After login the client lists the caller's private videos; logout revokes the token."""
    user = make_user()
    mine = make_video(user, title="secret plans", visibility="private")
    api.login(user.username, PASSWORD, name="dashboard")
    assert api.me()["username"] == user.username
    assert mine.id in [v.id for v in api.videos_page(owner=user.username).items]
    token = api.token
    api.logout()
    assert api.token is None
    with sdk(client, token) as stale, pytest.raises(Unauthorized):
        stale.me()


def test_wrong_password_is_the_apis_message(store: Store, make_user) -> None:
    """A refused sign-in shows the API's own words and leaves the session anonymous."""
    user = make_user()
    assert not store.login(user.username, "nope")
    assert store.notice == ("error", "wrong username or password")
    assert store.api.token is None


def test_anonymous_sees_public_only(api: Client, make_user, make_video) -> None:
    """Without a token the listing holds public videos and a private one is a 404."""
    owner = make_user()
    public = make_video(owner, title="for everyone")
    private = make_video(owner, title="for me", visibility="private")
    assert [v.id for v in api.videos_page(owner=owner.username).items] == [public.id]
    with pytest.raises(NotFound):
        api.video(private.id)


def test_bad_ids_never_reach_the_api() -> None:
    """An id that is not a ULID (say '../auth/me') is a NotFound without any request."""
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    with Client("http://api.test", transport=httpx.MockTransport(record),
                env_token=False) as api:
        for call in (api.video, api.playback, api.delete, api.rungs):
            with pytest.raises(NotFound):
                call("../auth/me")
    assert sent == []


def test_unreachable_api_says_what_to_do() -> None:
    """A refused connection becomes a message naming the URL and `reelhouse up`."""
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    api = Client("http://127.0.0.1:9", transport=httpx.MockTransport(refuse), env_token=False,
                 retry=RetryPolicy(base_s=0.0))
    with pytest.raises(ApiUnavailable) as caught:
        api.videos_page()
    message = Store(api=api).explain(caught.value)
    assert "http://127.0.0.1:9" in message and "reelhouse up" in message


def test_server_reaches_the_api_over_loopback() -> None:
    """The server calls the API on loopback even when browsers use a public host name."""
    settings = load_settings(public_host="videos.example", host="0.0.0.0", api_port=8123)
    assert server_api_url(settings) == "http://127.0.0.1:8123"
    assert settings.api_url == "http://videos.example:8123"


def test_a_session_never_borrows_the_servers_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """$REELHOUSE_TOKEN in the dashboard's environment does not sign visitors in."""
    monkeypatch.setenv("REELHOUSE_TOKEN", "rh_server_secret")
    monkeypatch.setattr(dashboard_settings, "settings", lambda: load_settings())
    with session_client() as api:
        assert api.token is None
    with Client("http://127.0.0.1:9") as plain:
        assert plain.token == "rh_server_secret"  # what env_token=False guards against


def test_each_session_forwards_its_browsers_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """A browser session's client sends on the page request's X-Forwarded-For with the
    browser's address last, so the API counts that visitor, not the dashboard."""
    from types import SimpleNamespace

    import panel as pn

    from dashboard.settings import visitor_chain

    request = SimpleNamespace(headers={"X-Forwarded-For": "6.6.6.6"}, remote_ip="198.51.100.9")
    doc = SimpleNamespace(session_context=SimpleNamespace(request=request))
    monkeypatch.setattr(type(pn.state), "curdoc", property(lambda _self: doc))
    assert visitor_chain() == "6.6.6.6, 198.51.100.9"
    with session_client(visitor_chain()) as client:
        assert client._http.headers["X-Forwarded-For"] == "6.6.6.6, 198.51.100.9"  # noqa: SLF001
    request.headers = {}
    assert visitor_chain() == "198.51.100.9"
    monkeypatch.setattr(type(pn.state), "curdoc", property(lambda _self: None))
    assert visitor_chain() is None
