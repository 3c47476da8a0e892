"""Sign-in, token schemes, expiry, revocation and sign-in rate limits."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import event

from reelhouse import accounts
from reelhouse.db import ApiToken, User, utcnow
from signing_api.deps import Services
from tests.unit.api.conftest import auth


def test_token_exchange_returns_a_working_token(client: TestClient, make_user) -> None:
    """POST /api/v1/auth/token trades valid credentials for a token that identifies the user."""
    user, _ = make_user(password="s3cret-pass")
    response = client.post("/api/v1/auth/token",
                           json={"username": user.username, "password": "s3cret-pass"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"] == {**body["user"], "username": user.username, "role": "user"}
    me = client.get("/api/v1/auth/me", headers=auth(body["token"]))
    assert me.json()["username"] == user.username


def test_both_token_and_bearer_schemes_work(client: TestClient, make_user) -> None:
    """`Authorization: Token <t>` and `Bearer <t>` (any case) authenticate alike."""
    user, token = make_user()
    for scheme in ("Token", "Bearer", "bearer"):
        response = client.get("/api/v1/auth/me", headers=auth(token, scheme))
        assert response.status_code == 200, scheme


def test_wrong_password_and_unknown_user_get_the_same_answer(client: TestClient,
                                                             make_user) -> None:
    """A wrong password and an unknown username are both a 401 with one message."""
    user, _ = make_user()
    wrong = client.post("/api/v1/auth/token", json={"username": user.username,
                                                    "password": "nope-nope"})
    unknown = client.post("/api/v1/auth/token", json={"username": "ghost",
                                                      "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_malformed_authorization_header_is_a_401(client: TestClient) -> None:
    """An unknown scheme, an empty token or a garbage token is refused, not ignored."""
    for header in ("Basic abc", "Token", "Bearer   ", "Token rh_x_y", "Token " + "a" * 500):
        response = client.get("/api/v1/videos", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["error"] == "unauthorized"


def test_expired_revoked_and_disabled_tokens_are_refused(client: TestClient, make_user,
                                                         services: Services) -> None:
    """Tokens stop working once expired, revoked, or when their user is disabled."""
    user, expired = make_user()
    _, revoked = make_user()
    disabled_user, disabled = make_user()
    with services.db.session() as session:
        session.get(ApiToken, expired.split("_")[1]).expires_at = utcnow() - timedelta(seconds=1)
        accounts.revoke_token(session, revoked)
        session.get(User, disabled_user.id).disabled = True
    for token in (expired, revoked, disabled):
        response = client.get("/api/v1/videos", headers=auth(token))
        assert response.status_code == 401
        assert "WWW-Authenticate" in response.headers


def test_signing_out_revokes_the_token(client: TestClient, make_user) -> None:
    """DELETE /api/v1/auth/token revokes the token it was sent with."""
    _, token = make_user()
    assert client.delete("/api/v1/auth/token", headers=auth(token)).status_code == 204
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 401


def test_failures_per_user_stop_only_the_failing_address(client: TestClient, app,
                                                         make_user) -> None:
    """After the allowed failures for one username, the address that made them gets a 429
    even with the right password; the right password from another address signs in."""
    user, _ = make_user(password="right-password")
    for _ in range(3):
        response = client.post("/api/auth/token/", json={"username": user.username,
                                                         "password": "wrong-password"})
        assert response.status_code == 401
    right = {"username": user.username, "password": "right-password"}
    blocked = client.post("/api/auth/token/", json=right)
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "rate_limited"
    assert int(blocked.headers["Retry-After"]) > 0
    elsewhere = TestClient(app, client=("192.0.2.150", 5000))
    assert elsewhere.post("/api/auth/token/", json=right).status_code == 200


def test_forwarded_for_is_believed_only_from_trusted_proxies(app, make_user) -> None:
    """The dashboard on loopback forwards its visitors' addresses, so one visitor's failures
    leave another's sign-in alone; the same header from anywhere else changes nothing."""
    user, _ = make_user(password="right-password")
    right = {"username": user.username, "password": "right-password"}
    dashboard = TestClient(app, client=("127.0.0.1", 5000))
    visitor = {"X-Forwarded-For": "203.0.113.41"}
    for n in range(3):
        assert dashboard.post("/api/v1/auth/token", headers=visitor, json={
            "username": user.username, "password": f"wrong-{n}"}).status_code == 401
    assert dashboard.post("/api/v1/auth/token", headers=visitor, json=right).status_code == 429
    other = {"X-Forwarded-For": "203.0.113.42"}
    assert dashboard.post("/api/v1/auth/token", headers=other, json=right).status_code == 201
    # A client that is no proxy cannot borrow the other visitor's clean address.
    stranger = TestClient(app, client=("203.0.113.41", 5000))
    assert stranger.post("/api/v1/auth/token", headers=other, json=right).status_code == 429


def test_failures_per_address_are_rate_limited(services: Services, make_user) -> None:
    """One client address gets a bounded number of failed sign-ins; others are unaffected."""
    from signing_api.app import create_app
    from signing_api.ratelimit import RateLimits

    app = create_app(services.settings, limits=RateLimits(login_failures_per_address=2,
                                                          login_failures_per_user=100))
    app.state.services.db = services.db
    user, _ = make_user(password="right-password")
    client = TestClient(app, client=("203.0.113.9", 5000))
    right = {"username": user.username, "password": "right-password"}
    assert client.post("/api/v1/auth/token", json=right).status_code == 201
    for name in ("nobody-1", "nobody-2"):
        wrong = {"username": name, "password": "guess-guess"}
        assert client.post("/api/v1/auth/token", json=wrong).status_code == 401
    assert client.post("/api/v1/auth/token", json=right).status_code == 429
    other = TestClient(app, client=("203.0.113.10", 5000))
    assert other.post("/api/v1/auth/token", json=right).status_code == 201


def test_sign_in_limits_come_from_settings(tmp_path) -> None:
    """REELHOUSE_SIGNIN_* set the limits an app enforces when none are passed in."""
    from signing_api.ratelimit import RateLimits
    from tests.unit.api.conftest import unit_settings

    settings = unit_settings(tmp_path, signin_failures_per_address=7,
                             signin_failures_per_user=2, signin_window_s=60)
    assert RateLimits.from_settings(settings) == RateLimits(7, 2, 60)
    settings = unit_settings(tmp_path, signin_free_failures=3, signin_backoff_max_s=30)
    assert RateLimits.from_settings(settings) == RateLimits(free_failures=3, backoff_max_s=30)



def test_names_and_tokens_no_account_can_have_are_refused_without_a_lookup(
        client: TestClient, make_user, services: Services) -> None:
    """A username with characters no account has, or a token id that is not 16 hex digits,
    is a plain 401 that never reaches the database (PostgreSQL refuses NUL in queries)."""
    _, token = make_user()
    _, token_id, secret = token.split("_", 2)
    queries: list[str] = []

    def seen(*args: object) -> None:  # (connection, cursor, statement, ...)
        queries.append(str(args[2]))

    event.listen(services.db.engine, "before_cursor_execute", seen)
    try:
        for name in ("a\x00", "bad name", "ünï"):
            response = client.post("/api/v1/auth/token", json={"username": name,
                                                                "password": "whatever1"})
            assert response.status_code == 401, name
        for forged in (f"rh_{token_id.upper()}_{secret}", f"rh_x_{secret}",
                       f"rh_{token_id}0_{secret}"):
            assert client.get("/api/v1/auth/me", headers=auth(forged)).status_code == 401
    finally:
        event.remove(services.db.engine, "before_cursor_execute", seen)
    assert not [q for q in queries if "FROM users" in q or "FROM api_tokens" in q], queries


def test_token_labels_refuse_control_characters(client: TestClient, make_user) -> None:
    """A token label with a control character is a 400 naming the field."""
    user, _ = make_user()
    response = client.post("/api/v1/auth/token", json={
        "username": user.username, "password": "correct horse", "name": "tab\there"})
    assert response.status_code == 400 and response.json()["message"].startswith("name:")
