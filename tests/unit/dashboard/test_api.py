"""The dashboard's API client against the real signing API (in-process, moto S3)."""

from __future__ import annotations

import httpx
import pytest

from dashboard.api import Api, ApiError, server_api_url
from reelhouse.config import load_settings
from tests.unit.dashboard.conftest import PASSWORD


def test_login_then_calls_carry_the_token(api: Api, make_user, make_video) -> None:
    """After login the client lists the caller's private videos; logout revokes the token."""
    user = make_user()
    mine = make_video(user, title="secret plans", visibility="private")
    assert api.login(user.username, PASSWORD)["username"] == user.username
    assert mine.id in [v["id"] for v in api.list_videos(owner=user.username)["items"]]
    token = api.token
    api.logout()
    assert api.token is None
    with pytest.raises(ApiError) as caught:
        Api(api.base_url, token=token, client=api._client).me()
    assert caught.value.unauthorized


def test_wrong_password_is_the_apis_message(api: Api, make_user) -> None:
    """A refused sign-in raises ApiError with the API's own words and status."""
    user = make_user()
    with pytest.raises(ApiError) as caught:
        api.login(user.username, "nope")
    assert (caught.value.status, caught.value.message) == (401, "wrong username or password")


def test_anonymous_sees_public_only(api: Api, make_user, make_video) -> None:
    """Without a token the listing holds public videos and a private one is a 404."""
    owner = make_user()
    public = make_video(owner, title="for everyone")
    private = make_video(owner, title="for me", visibility="private")
    ids = [v["id"] for v in api.list_videos(owner=owner.username)["items"]]
    assert ids == [public.id]
    with pytest.raises(ApiError) as caught:
        api.get_video(private.id)
    assert caught.value.status == 404


def test_bad_ids_never_reach_the_api(api: Api) -> None:
    """An id that is not a ULID (say '../auth/me') is a 404 without any request."""
    with pytest.raises(ApiError) as caught:
        api.get_video("../auth/me")
    assert caught.value.code == "not_found"


def test_unreachable_api_says_what_to_do() -> None:
    """A refused connection becomes a message naming the URL and `reelhouse up`."""
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    api = Api("http://127.0.0.1:9", client=httpx.Client(transport=httpx.MockTransport(refuse)))
    with pytest.raises(ApiError) as caught:
        api.list_videos()
    assert caught.value.status == 0
    assert "http://127.0.0.1:9" in caught.value.message and "reelhouse up" in caught.value.message


def test_server_reaches_the_api_over_loopback() -> None:
    """The server calls the API on loopback even when browsers use a public host name."""
    settings = load_settings(public_host="videos.example", host="0.0.0.0", api_port=8123)
    assert server_api_url(settings) == "http://127.0.0.1:8123"
    assert settings.api_url == "http://videos.example:8123"
