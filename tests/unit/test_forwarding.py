"""The client address behind proxies: believed only from trusted ones, read from the right."""

from __future__ import annotations

import pytest

from reelhouse.config import Settings
from reelhouse.errors import ConfigError
from reelhouse.forwarding import client_address, forwarded_chain, networks

LOOPBACK = networks(["127.0.0.1", "::1"])


@pytest.mark.parametrize(("peer", "header", "trusted", "expected"), [
    ("203.0.113.5", ["198.51.100.1"], LOOPBACK, "203.0.113.5"),  # no proxy: header ignored
    ("127.0.0.1", [], LOOPBACK, "127.0.0.1"),
    ("127.0.0.1", ["198.51.100.1"], LOOPBACK, "198.51.100.1"),
    # What the client wrote itself sits left of what the trusted proxy appended.
    ("127.0.0.1", ["6.6.6.6, 198.51.100.1"], LOOPBACK, "198.51.100.1"),
    ("127.0.0.1", ["6.6.6.6", "198.51.100.1"], LOOPBACK, "198.51.100.1"),
    # A reverse proxy in front of the dashboard, both trusted: walk through both.
    ("127.0.0.1", ["6.6.6.6, 198.51.100.1, 10.0.0.5"], networks(["127.0.0.1", "10.0.0.0/8"]),
     "198.51.100.1"),
    ("127.0.0.1", ["198.51.100.1, 10.0.0.5"], LOOPBACK, "10.0.0.5"),
    ("::1", ["[2001:db8::7]:443"], LOOPBACK, "2001:db8::7"),
    ("127.0.0.1", ["198.51.100.1:5006"], LOOPBACK, "198.51.100.1"),
    ("::ffff:127.0.0.1", ["198.51.100.1"], LOOPBACK, "198.51.100.1"),
    ("127.0.0.1", ["not-an-address"], LOOPBACK, "127.0.0.1"),
    ("127.0.0.1", ["198.51.100.1"], (), "127.0.0.1"),  # nothing trusted
    ("testclient", ["198.51.100.1"], LOOPBACK, "testclient"),
])
def test_client_address(peer: str, header: list[str], trusted, expected: str) -> None:
    """The peer, or while it is a trusted proxy the hop it names, from the right."""
    assert client_address(peer, header, trusted) == expected


def test_a_chain_is_passed_on_with_the_peer_last() -> None:
    """A server passing a request on appends the address it came from."""
    assert forwarded_chain(None, "198.51.100.1") == "198.51.100.1"
    assert forwarded_chain("6.6.6.6, 10.0.0.5", "127.0.0.1") == "6.6.6.6, 10.0.0.5, 127.0.0.1"
    assert forwarded_chain(" , ", None) is None


def test_trusted_proxies_are_addresses_or_networks(tmp_path) -> None:
    """REELHOUSE_TRUSTED_PROXIES holds addresses and CIDRs; anything else stops start-up."""
    settings = Settings(state_dir=tmp_path, trusted_proxies=["10.1.0.0/16", "192.0.2.9"])
    assert [str(n) for n in settings.trusted_networks] == ["10.1.0.0/16", "192.0.2.9/32"]
    assert [str(n) for n in Settings(state_dir=tmp_path).trusted_networks] == [
        "127.0.0.1/32", "::1/128"]
    with pytest.raises((ValueError, ConfigError)):
        Settings(state_dir=tmp_path, trusted_proxies=["dashboard.local"])
