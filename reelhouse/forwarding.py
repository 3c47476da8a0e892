"""Who is at the other end of a request: the client address behind trusted proxies.

One rule for the API and everything in front of it: `X-Forwarded-For` is believed only from a
configured proxy, and read from the right (each proxy appends the address it saw), so what a
client writes into the header itself can never name someone else's address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

FORWARDED_FOR = "X-Forwarded-For"


def networks(trusted: Iterable[str]) -> tuple[Network, ...]:
    """The trusted proxies as networks (an address or a CIDR each); ValueError for others."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted)


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443", as some proxies write
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_address(peer: str, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """The address a request came from: the peer, or while the peer (and each hop after it)
    is a trusted proxy, the address that proxy says it saw.

    An entry that is not an address stops the walk at the proxy that wrote it.
    """
    current = _address(peer)
    if current is None:
        return peer  # not an IP (a test client, a Unix socket): nothing to walk
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    while hops and any(current in network for network in trusted):
        previous = _address(hops.pop())
        if previous is None:
            break
        current = previous
    return str(current)


def forwarded_chain(forwarded_for: str | None, peer: str | None) -> str | None:
    """The `X-Forwarded-For` to send on for a request that came from `peer` with this header."""
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    if peer:
        hops.append(peer)
    return ", ".join(hops) or None
