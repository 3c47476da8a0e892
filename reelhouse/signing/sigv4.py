"""SigV4 query-string presigning of S3 GETs, byte-identical to botocore and much faster."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote, urlsplit

from reelhouse.config import SIGV4_MAX_EXPIRY_S

if TYPE_CHECKING:
    from reelhouse.config import Settings

_SERVICE = "s3"
_SAFE = "-._~"  # SigV4's unreserved characters: everything else is percent-encoded
_quote_key = partial(quote, safe="/~")  # botocore's encoding of the greedy {Key+} label
_quote_value = partial(quote, safe=_SAFE)
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.~/-]*").fullmatch  # keys quote() would leave alone
# Per day: HMAC inner/outer states, scope, encoded credential. Per second: the second,
# the inner state fed the string-to-sign's head, the outer state, the query's head.
_Day = tuple["hashlib._Hash", "hashlib._Hash", str, str]
_Second = tuple[int, "hashlib._Hash", "hashlib._Hash", str]
_HOST_LABEL = re.compile(r"(?!-)[a-zA-Z\d-]{1,63}(?<!-)")
_IPV4_SHAPED = re.compile(r"(\d+)\.(\d+)\.(\d+)\.(\d+)")
# The response-* overrides S3 accepts on GET, keyed by the header they set.
_OVERRIDES = {f"content-{h}" for h in ("disposition", "encoding", "language", "type")}
_OVERRIDES |= {"cache-control", "expires"}


def _clamp_default(seconds: int) -> int:
    return max(1, min(int(seconds), SIGV4_MAX_EXPIRY_S))


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _virtual_ok(bucket: str, scheme: str, hostname: str) -> bool:
    """Whether botocore's S3 endpoint rules put this bucket in the host name."""
    if len(bucket) < 3 or bucket != bucket.lower() or _IPV4_SHAPED.fullmatch(bucket):
        return False
    if _HOST_LABEL.fullmatch(bucket):
        return not _is_ip(hostname)
    # Dotted names break TLS wildcard certificates, so the rules keep them virtual only
    # over plain HTTP (and, like botocore, do not then check for an IP endpoint).
    return scheme == "http" and all(_HOST_LABEL.fullmatch(label) for label in bucket.split("."))


def _signed_host(url_prefix: str) -> str:
    """The Host header as botocore signs it: lowercase, IPv6 bracketed, default port dropped."""
    parts = urlsplit(url_prefix)
    host = parts.hostname or ""
    if ":" in host:  # only an IPv6 literal has a colon in its hostname
        host = f"[{host}]"
    if parts.port is not None and parts.port != {"http": 80, "https": 443}.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


class QueryPresigner:
    """Presigned GET URLs for one bucket at one endpoint, with everything key-free precomputed."""

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        region: str,
        endpoint_url: str,
        bucket: str,
        addressing_style: Literal["path", "virtual"] = "path",
        *,
        session_token: str | None = None,
        clamp_ttl: Callable[[int], int] = _clamp_default,
    ) -> None:
        if addressing_style not in ("path", "virtual"):
            raise ValueError(f"addressing style: {addressing_style!r} is not path or virtual")
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
            raise ValueError(f"endpoint: not an http(s) URL without credentials: {endpoint_url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"endpoint: has a query or fragment: {endpoint_url!r}")
        self.region = region
        self.bucket = bucket
        self._secret = f"AWS4{secret_key}".encode()
        self._clamp = clamp_ttl
        self._access_key = access_key
        base = parts.path.rstrip("/")
        if addressing_style == "virtual" and _virtual_ok(bucket, parts.scheme, parts.hostname):
            netloc, self._path_prefix = f"{bucket}.{parts.netloc}", f"{base}/"
        else:
            netloc, self._path_prefix = parts.netloc, f"{base}/{bucket}/"
        self._url_prefix = f"{parts.scheme}://{netloc}"
        self._host = _signed_host(self._url_prefix)
        token = _quote_value(session_token) if session_token else ""
        self._token_q = f"&X-Amz-Security-Token={token}" if token else ""
        # The canonical request ends the same way for every key: headers, then the payload.
        self._cr_tail = f"\nhost:{self._host}\n\nhost\nUNSIGNED-PAYLOAD"
        self._days: dict[str, _Day] = {}
        self._now: _Second = (-1, hashlib.sha256(), hashlib.sha256(), "")

    @classmethod
    def from_settings(cls, settings: Settings, public: bool = True) -> QueryPresigner:
        """A presigner for our bucket, signing for the browser-facing endpoint by default."""
        access_key, secret_key = settings.s3_credentials
        return cls(
            access_key,
            secret_key,
            settings.s3_region,
            settings.s3_public_endpoint if public else settings.s3_endpoint,
            settings.s3_bucket,
            settings.s3_addressing_style,
            clamp_ttl=settings.clamp_ttl,
        )

    def _day(self, date: str) -> _Day:
        """The HMAC states of a UTC day's signing key, its scope and its encoded credential."""
        k = _hmac(self._secret, date)
        for part in (self.region, _SERVICE, "aws4_request"):
            k = _hmac(k, part)
        # HMAC(k, m) = H(k^opad || H(k^ipad || m)): hashing the padded key once per day
        # (RFC 2104's precomputation) leaves two short hash updates per signature.
        block = k.ljust(64, b"\0")
        inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
        scope = f"{date}/{self.region}/{_SERVICE}/aws4_request"
        day = (inner, outer, scope, _quote_value(f"{self._access_key}/{scope}"))
        if len(self._days) > 3:
            self._days.clear()  # only today and its neighbours are ever asked for
        self._days[date] = day
        return day

    def _second(self, second: int) -> _Second:
        """Everything a signature shares with others made in the same second."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
        inner, outer, scope, credential = self._days.get(stamp[:8]) or self._day(stamp[:8])
        inner = inner.copy()
        inner.update(f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n".encode())
        head = (
            f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={credential}"
            f"&X-Amz-Date={stamp}&X-Amz-Expires="
        )
        # One tuple, swapped whole, so concurrent callers never mix two seconds' parts.
        self._now = cached = (second, inner, outer, head)
        return cached

    def presign_get(
        self,
        key: str,
        expires_in: int,
        now: datetime | None = None,
        response_headers: dict[str, str] | None = None,
    ) -> str:
        """A GET URL for `key` valid `expires_in` seconds from `now` (an aware datetime)."""
        if not key:
            raise ValueError("key: empty")
        if now is None:
            second = int(time.time())
        elif now.tzinfo is None:
            raise ValueError("now: naive datetime; pass an aware one (UTC)")
        else:
            second = int(now.timestamp())
        cached = self._now
        if cached[0] != second:
            cached = self._second(second)
        _, inner, outer, head = cached
        path = self._path_prefix + (key if _PLAIN_KEY(key) else _quote_key(key))
        auth_q = f"{head}{self._clamp(expires_in)}"
        # botocore puts the token after SignedHeaders in the URL; sorting puts it before.
        canonical_q = f"{auth_q}{self._token_q}&X-Amz-SignedHeaders=host"
        url_q = f"{auth_q}&X-Amz-SignedHeaders=host{self._token_q}"
        if response_headers:
            pairs = _override_pairs(response_headers)
            canonical_q += "&" + "&".join(sorted(pairs))
            url_q = "&".join(pairs) + "&" + url_q
        canonical = f"GET\n{path}\n{canonical_q}{self._cr_tail}"
        h = inner.copy()
        h.update(hashlib.sha256(canonical.encode()).hexdigest().encode())
        signature = outer.copy()
        signature.update(h.digest())
        return f"{self._url_prefix}{path}?{url_q}&X-Amz-Signature={signature.hexdigest()}"


def _override_pairs(headers: dict[str, str]) -> list[str]:
    """`response-<header>=<value>` query pairs, in the caller's order as botocore keeps it."""
    pairs, seen = [], set()
    for name, value in headers.items():
        header = name.lower().removeprefix("response-")
        if header not in _OVERRIDES or header in seen:
            raise ValueError(f"response header: unknown or repeated override {name!r}")
        seen.add(header)
        pairs.append(f"response-{header}={_quote_value(value)}")
    return pairs
