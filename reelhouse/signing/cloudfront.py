"""CloudFront signed URLs (canned and custom policy) and signed cookies, RSA-SHA1 as required."""

from __future__ import annotations

import base64
import ipaddress
import json
from datetime import datetime
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

if TYPE_CHECKING:
    from reelhouse.config import Settings

# CloudFront's base64 swaps the three characters that are unsafe in URLs and cookies.
_CF_B64 = bytes.maketrans(b"+=/", b"-_~")


def cf_b64(data: bytes) -> str:
    """Base64 in CloudFront's URL-safe alphabet (`+=/` become `-_~`)."""
    return base64.b64encode(data).translate(_CF_B64).decode("ascii")


def _epoch(moment: datetime, name: str) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"{name}: naive datetime; pass an aware one (UTC)")
    return int(moment.timestamp())


def _source_ip(ip_range: str) -> str:
    """A CIDR as CloudFront wants it (a bare address becomes /32 or /128); ValueError if bad."""
    return str(ipaddress.ip_network(ip_range, strict=True))


def build_policy(
    resource: str,
    expires_at: datetime,
    not_before: datetime | None = None,
    ip_range: str | None = None,
) -> str:
    """A custom policy as compact JSON, keys in the order botocore and CloudFront's docs use."""
    less_than = _epoch(expires_at, "expires_at")
    condition: dict[str, dict[str, int | str]] = {"DateLessThan": {"AWS:EpochTime": less_than}}
    if ip_range:
        condition["IpAddress"] = {"AWS:SourceIp": _source_ip(ip_range)}
    if not_before is not None:
        greater_than = _epoch(not_before, "not_before")
        if greater_than >= less_than:
            raise ValueError("not_before: must be earlier than expires_at")
        condition["DateGreaterThan"] = {"AWS:EpochTime": greater_than}
    statement = {"Resource": resource, "Condition": condition}
    return json.dumps({"Statement": [statement]}, separators=(",", ":"))


class CloudFrontSigner:
    """Signs CloudFront URLs and cookies with one key of a trusted key group."""

    def __init__(self, key_id: str, private_key_pem: bytes, *, domain: str | None = None) -> None:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("CloudFront private key: not an RSA key")
        self.key_id = key_id
        self.domain = domain
        self._key = key

    @classmethod
    def from_settings(cls, settings: Settings) -> CloudFrontSigner | None:
        """The configured signer, or None unless domain, key id and key file are all set."""
        path = settings.cloudfront_private_key_path
        if not (settings.cloudfront_domain and settings.cloudfront_key_id and path):
            return None
        return cls(settings.cloudfront_key_id, path.read_bytes(), domain=settings.cloudfront_domain)

    def sign(self, policy: str) -> str:
        """The policy's RSA-SHA1 PKCS#1 v1.5 signature in CloudFront's base64."""
        return cf_b64(self._key.sign(policy.encode(), padding.PKCS1v15(), hashes.SHA1()))

    def canned_url(self, url: str, expires_at: datetime) -> str:
        """`url` signed with a canned policy: that exact URL until `expires_at`."""
        expires = _epoch(expires_at, "expires_at")
        # The canned policy is never sent, only signed; CloudFront rebuilds it byte for byte.
        policy = build_policy(url, expires_at)
        return _append(
            url, f"Expires={expires}&Signature={self.sign(policy)}&Key-Pair-Id={self.key_id}"
        )

    def custom_url(
        self,
        url: str,
        expires_at: datetime,
        resource: str | None = None,
        not_before: datetime | None = None,
        ip_range: str | None = None,
    ) -> str:
        """`url` signed with a custom policy over `resource` (a wildcard such as .../ID/*)."""
        policy = build_policy(resource or url, expires_at, not_before, ip_range)
        return _append(
            url,
            f"Policy={cf_b64(policy.encode())}&Signature={self.sign(policy)}"
            f"&Key-Pair-Id={self.key_id}",
        )

    def signed_cookies(
        self,
        resource: str,
        expires_at: datetime,
        not_before: datetime | None = None,
        ip_range: str | None = None,
    ) -> dict[str, str]:
        """The three cookie values that let a viewer fetch anything `resource` matches."""
        policy = build_policy(resource, expires_at, not_before, ip_range)
        return {
            "CloudFront-Policy": cf_b64(policy.encode()),
            "CloudFront-Signature": self.sign(policy),
            "CloudFront-Key-Pair-Id": self.key_id,
        }


def _append(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"
