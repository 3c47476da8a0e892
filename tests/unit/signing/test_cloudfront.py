"""CloudFrontSigner: botocore-identical URLs, verifiable RSA-SHA1 signatures, exact policies."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from botocore.signers import CloudFrontSigner as BotoSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from reelhouse.config import load_settings
from reelhouse.signing.cloudfront import CloudFrontSigner, build_policy, cf_b64

KEY_ID = "K2JCJMDEHXQW5F"
EXPIRES = datetime(2024, 5, 6, 8, 0, 0, tzinfo=UTC)  # 1714982400
NOT_BEFORE = datetime(2024, 5, 6, 7, 0, 0, tzinfo=UTC)  # 1714978800
URL = "https://d111111abcdef8.cloudfront.net/media/01HXAMPLE0000000000000000/hls/master.m3u8"
WILDCARD = "https://d111111abcdef8.cloudfront.net/media/01HXAMPLE0000000000000000/*"


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    """A fresh 2048-bit RSA key, the size CloudFront key groups take."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def pem(private_key: rsa.RSAPrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.fixture(scope="module")
def boto(private_key: rsa.RSAPrivateKey) -> BotoSigner:
    def rsa_signer(message: bytes) -> bytes:
        return private_key.sign(message, padding.PKCS1v15(), hashes.SHA1())

    return BotoSigner(KEY_ID, rsa_signer)


def cf_b64decode(text: str) -> bytes:
    return base64.b64decode(text.translate(str.maketrans("-_~", "+=/")))


def verify(private_key: rsa.RSAPrivateKey, signature: str, policy: str) -> None:
    private_key.public_key().verify(
        cf_b64decode(signature), policy.encode(), padding.PKCS1v15(), hashes.SHA1()
    )


def test_canned_policy_is_compact_and_exact() -> None:
    """The canned policy is CloudFront's documented statement, no whitespace."""
    assert build_policy(URL, EXPIRES) == (
        '{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/media/'
        '01HXAMPLE0000000000000000/hls/master.m3u8",'
        '"Condition":{"DateLessThan":{"AWS:EpochTime":1714982400}}}]}'
    )


def test_custom_policy_holds_every_condition() -> None:
    """A custom policy carries the wildcard, the end, the source CIDR and the start."""
    assert build_policy(WILDCARD, EXPIRES, NOT_BEFORE, "192.0.2.7") == (
        '{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/media/'
        '01HXAMPLE0000000000000000/*","Condition":{"DateLessThan":{"AWS:EpochTime":1714982400},'
        '"IpAddress":{"AWS:SourceIp":"192.0.2.7/32"},'
        '"DateGreaterThan":{"AWS:EpochTime":1714978800}}}]}'
    )


def test_canned_url_matches_botocore(
    pem: bytes, boto: BotoSigner, private_key: rsa.RSAPrivateKey
) -> None:
    """A canned URL is botocore's string exactly, and its signature verifies."""
    url = CloudFrontSigner(KEY_ID, pem).canned_url(URL, EXPIRES)
    assert url == boto.generate_presigned_url(URL, date_less_than=EXPIRES)
    signature = url.split("&Signature=")[1].split("&")[0]
    assert url == f"{URL}?Expires=1714982400&Signature={signature}&Key-Pair-Id={KEY_ID}"
    verify(private_key, signature, build_policy(URL, EXPIRES))


@pytest.mark.parametrize("ip_range", [None, "203.0.113.0/24"])
@pytest.mark.parametrize("not_before", [None, NOT_BEFORE])
def test_custom_url_matches_botocore(
    pem: bytes, boto: BotoSigner, ip_range: str | None, not_before: datetime | None
) -> None:
    """A custom-policy URL over a wildcard is botocore's string exactly."""
    ours = CloudFrontSigner(KEY_ID, pem).custom_url(
        URL + "?v=1", EXPIRES, resource=WILDCARD, not_before=not_before, ip_range=ip_range
    )
    policy = boto.build_policy(WILDCARD, EXPIRES, not_before, ip_range)
    assert ours == boto.generate_presigned_url(URL + "?v=1", policy=policy)
    assert ours.startswith(f"{URL}?v=1&Policy={cf_b64(policy.encode())}&Signature=")


def test_signed_cookies_verify(pem: bytes, private_key: rsa.RSAPrivateKey) -> None:
    """The three cookies carry the policy, its verifiable signature and the key id."""
    cookies = CloudFrontSigner(KEY_ID, pem).signed_cookies(WILDCARD, EXPIRES, NOT_BEFORE)
    assert sorted(cookies) == [
        "CloudFront-Key-Pair-Id",
        "CloudFront-Policy",
        "CloudFront-Signature",
    ]
    policy = cf_b64decode(cookies["CloudFront-Policy"]).decode()
    assert policy == build_policy(WILDCARD, EXPIRES, NOT_BEFORE)
    assert json.loads(policy)["Statement"][0]["Resource"] == WILDCARD
    assert cookies["CloudFront-Key-Pair-Id"] == KEY_ID
    verify(private_key, cookies["CloudFront-Signature"], policy)


def test_cloudfront_base64_alphabet() -> None:
    """CloudFront's base64 maps `+`, `=` and `/` to `-`, `_` and `~`."""
    assert cf_b64(b"\xfb\xff\xbf") == "-~-~"
    assert cf_b64(b"\xfb\xef") == "--8_"


def test_non_utc_expiry_is_the_same_instant() -> None:
    """An aware expiry in another zone gives the same epoch as its UTC equivalent."""
    paris = EXPIRES.astimezone(timezone(timedelta(hours=2)))
    assert build_policy(URL, paris) == build_policy(URL, EXPIRES)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"expires_at": datetime(2024, 5, 6)}, "naive"),
        ({"not_before": EXPIRES}, "earlier"),
        ({"ip_range": "10.0.0.1/24"}, "host bits"),
        ({"ip_range": "not-an-ip"}, "does not appear"),
    ],
)
def test_bad_policies_are_refused(kwargs: dict[str, object], message: str) -> None:
    """Naive times, empty windows and malformed CIDRs raise ValueError."""
    with pytest.raises(ValueError, match=message):
        build_policy(**{"resource": WILDCARD, "expires_at": EXPIRES, **kwargs})  # type: ignore[arg-type]


def test_non_rsa_key_is_refused() -> None:
    """CloudFront signs with RSA here, so an EC key is refused at construction."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="RSA"):
        CloudFrontSigner(KEY_ID, pem)


def test_from_settings_needs_all_three_settings(tmp_path: Path, pem: bytes) -> None:
    """from_settings is None until domain, key id and key file are all set."""
    key_path = tmp_path / "cf.pem"
    key_path.write_bytes(pem)
    assert CloudFrontSigner.from_settings(load_settings(state_dir=tmp_path)) is None
    partial = load_settings(
        state_dir=tmp_path,
        cloudfront_domain="d.cloudfront.net",
        cloudfront_private_key_path=key_path,
    )
    assert CloudFrontSigner.from_settings(partial) is None
    full = load_settings(
        state_dir=tmp_path,
        cloudfront_domain="d.cloudfront.net",
        cloudfront_key_id=KEY_ID,
        cloudfront_private_key_path=key_path,
    )
    signer = CloudFrontSigner.from_settings(full)
    assert signer is not None
    assert (signer.key_id, signer.domain) == (KEY_ID, "d.cloudfront.net")
