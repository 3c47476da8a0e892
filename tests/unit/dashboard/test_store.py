"""The session store: signing in and out, restoring a kept token, where anonymous users go."""

from __future__ import annotations

from dashboard.store import Store
from reelhouse.records import Video
from tests.unit.dashboard.conftest import PASSWORD, sdk


def test_login_sets_user_token_and_page(store: Store, make_user) -> None:
    """A good sign-in keeps the token, names the user and returns to the page asked for."""
    user = make_user()
    store.go("upload")
    assert store.page == "login" and store.notice[0] == "info"
    assert store.login(user.username, PASSWORD)
    assert (store.username, store.page, store.notice) == (user.username, "upload", ("", ""))
    assert store.token and store.api.token == store.token


def test_bad_login_says_why(store: Store, make_user) -> None:
    """A wrong password or empty fields leave the visitor anonymous with a reason shown."""
    user = make_user()
    assert not store.login(user.username, "wrong")
    assert store.notice == ("error", "wrong username or password")
    assert not store.login("", "")
    assert store.notice == ("error", "Enter your username and password.")
    assert not store.signed_in and store.token == ""


def test_logout_forgets_everything(store: Store, client, make_user) -> None:
    """Signing out drops user and token and revokes the token in the API."""
    user = make_user()
    store.login(user.username, PASSWORD)
    token = store.token
    store.logout()
    assert (store.user, store.token, store.page) == (None, "", "library")
    fresh = Store(api=sdk(client))
    fresh.restore(token)
    assert not fresh.signed_in


def test_restore_with_a_kept_token(store: Store, client, make_user) -> None:
    """A reload signs back in with the cookie's token; a dead token leaves it anonymous and
    tells the browser to forget it; no token asks nothing of the API."""
    user = make_user()
    store.login(user.username, PASSWORD)
    again = Store(api=sdk(client))
    assert again.restore(store.token) == "ok"
    assert again.username == user.username
    dead = Store(api=sdk(client))
    assert dead.restore("rh_nope_nope") == "expired"
    assert (dead.user, dead.token, dead.api.token) == (None, "", None)
    assert dead.restore("") == "none"


def test_only_owners_and_admins_edit(store: Store, make_user) -> None:
    """Edit tools show for the owner and admins, never for other users or anonymous."""
    owner, other, admin = make_user(), make_user(), make_user("admin")
    video = Video(id="01ARZ3NDEKTSV4RRFFQ69G5FAV", owner=owner.username)
    assert not store.can_edit(video)
    store.login(other.username, PASSWORD)
    assert not store.can_edit(video)
    store.logout()
    store.login(owner.username, PASSWORD)
    assert store.can_edit(video)
    store.logout()
    store.login(admin.username, PASSWORD)
    assert store.can_edit(video)


def test_private_pages_hold_whatever_sets_the_page(store: Store, make_user) -> None:
    """Setting the page directly (the URL, a reload) still sends anonymous visitors to sign
    in first, and a signed-in user away from the sign-in form."""
    store.page = "upload"
    assert (store.page, store.after_login) == ("login", "upload")
    user = make_user()
    store.login(user.username, PASSWORD)
    assert store.page == "upload"
    store.page = "login"
    assert store.page == "library"
    store.expired()
    store.page = "upload"
    assert store.page == "login"


def test_failures_through_the_dashboard_do_not_lock_out_other_visitors(client, make_user) -> None:
    """Fifty wrong passwords from one browser through the dashboard (which reaches the API
    from loopback) leave another visitor's sign-in through the same dashboard alone."""
    from fastapi.testclient import TestClient

    from reelhouse.client import Client, RetryPolicy
    from reelhouse.forwarding import forwarded_chain

    dashboard = TestClient(client.app, client=("127.0.0.1", 5006))

    def visitor(address: str) -> Store:
        return Store(api=Client("http://testserver", transport=dashboard._transport,  # noqa: SLF001
                                env_token=False, retry=RetryPolicy(base_s=0.0),
                                forwarded_for=forwarded_chain(None, address)))

    victim = make_user()
    attacker = visitor("203.0.113.50")
    for n in range(50):
        attacker.login(f"someone-{n}", "wrong-password")
    assert not attacker.login(victim.username, PASSWORD)
    assert attacker.notice[0] == "error" and "try again in" in attacker.notice[1]
    other = visitor("198.51.100.60")
    assert other.login(victim.username, PASSWORD), other.notice
