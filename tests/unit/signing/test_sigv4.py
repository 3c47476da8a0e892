"""QueryPresigner: byte-identical to botocore's presigned GETs, at a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from freezegun import freeze_time

from reelhouse.config import load_settings
from reelhouse.signing.sigv4 import QueryPresigner

ACCESS = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
KEYS = [
    "media/01HXAMPLE0000000000000000/hls/720p/seg_00001.m4s",
    "media/a b/with spaces.m4s",
    "media/ünï/cødé/日本語 😀.mp4",
    "media/x/deep/er/sl/ashes/",
    "media/tilde~and+plus/a+b~c.txt",
    "odd ?#&=%;,$@!'()*[].key",
]
ENDPOINTS = ["http://127.0.0.1:8333", "http://localhost:9000", "https://s3.example.com"]


@cache
def boto_session() -> boto3.session.Session:
    return boto3.session.Session()  # one session: its loaders make later clients cheap


@cache
def boto_client(
    endpoint: str, style: str, region: str = "us-east-1", token: str | None = None
) -> Any:
    return boto_session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=ACCESS,
        aws_secret_access_key=SECRET,
        aws_session_token=token,
        config=Config(signature_version="s3v4", s3={"addressing_style": style}),
    )


def boto_url(client: Any, key: str, expires: int, now: datetime, **params: str) -> str:
    with freeze_time(now):
        return client.generate_presigned_url(
            "get_object", Params={"Bucket": "reelhouse", "Key": key, **params}, ExpiresIn=expires
        )


def test_pinned_path_style_url() -> None:
    """A path-style URL for a fixed key and clock is exactly this string."""
    signer = QueryPresigner(ACCESS, SECRET, "us-east-1", "http://127.0.0.1:8333", "reelhouse")
    assert signer.presign_get(KEYS[0], 3600, now=NOW) == (
        "http://127.0.0.1:8333/reelhouse/media/01HXAMPLE0000000000000000/hls/720p/seg_00001.m4s"
        "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIDEXAMPLE%2F20240506%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20240506T070809Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=0b4de9d200e288bfa51a5e0a75541b63b6e9a57f86bbd0d6820476988b677205"
    )


def test_pinned_virtual_style_url_with_port() -> None:
    """A virtual-host URL keeps the endpoint's port and moves the bucket into the host."""
    signer = QueryPresigner(
        ACCESS, SECRET, "eu-west-3", "https://s3.example.com:8443", "reelhouse", "virtual"
    )
    assert signer.presign_get("media/x/hls/master.m3u8", 900, now=NOW) == (
        "https://reelhouse.s3.example.com:8443/media/x/hls/master.m3u8"
        "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIDEXAMPLE%2F20240506%2Feu-west-3%2Fs3%2Faws4_request"
        "&X-Amz-Date=20240506T070809Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=8e7fea240df9849997ed0a469ec5316aa73116b289965b42da05fbb3eda45f1a"
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("style", ["path", "virtual"])
@pytest.mark.parametrize("key", KEYS)
def test_matches_botocore(endpoint: str, style: str, key: str) -> None:
    """Every key, addressing style and endpoint gives botocore's URL string exactly."""
    signer = QueryPresigner(ACCESS, SECRET, "us-east-1", endpoint, "reelhouse", style)  # type: ignore[arg-type]
    expected = boto_url(boto_client(endpoint, style), key, 3600, NOW)
    assert signer.presign_get(key, 3600, now=NOW) == expected


def test_response_overrides_match_botocore() -> None:
    """response-* overrides keep the caller's order and encoding, as botocore does."""
    signer = QueryPresigner(ACCESS, SECRET, "us-east-1", ENDPOINTS[1], "reelhouse")
    headers = {
        "Content-Type": "video/mp4",
        "content-disposition": 'attachment; filename="ü x.mp4"',
        "response-cache-control": "no-cache",
    }
    expected = boto_url(
        boto_client(ENDPOINTS[1], "path"),
        KEYS[2],
        60,
        NOW,
        ResponseContentType="video/mp4",
        ResponseContentDisposition='attachment; filename="ü x.mp4"',
        ResponseCacheControl="no-cache",
    )
    assert signer.presign_get(KEYS[2], 60, now=NOW, response_headers=headers) == expected


def test_session_token_matches_botocore() -> None:
    """Temporary credentials sign the token in and carry it after SignedHeaders."""
    token = "FQoGZXIvYXdzE/+token=="
    signer = QueryPresigner(
        ACCESS, SECRET, "eu-west-3", ENDPOINTS[2], "reelhouse", session_token=token
    )
    client = boto_client(ENDPOINTS[2], "path", "eu-west-3", token)
    assert signer.presign_get(KEYS[1], 300, now=NOW) == boto_url(client, KEYS[1], 300, NOW)


def test_days_across_midnight_match_botocore() -> None:
    """One presigner reused across midnight signs each day with that day's key."""
    signer = QueryPresigner(ACCESS, SECRET, "us-east-1", ENDPOINTS[0], "reelhouse")
    client = boto_client(ENDPOINTS[0], "path")
    for now in (NOW.replace(hour=23, minute=59, second=59), NOW + timedelta(days=1), NOW):
        assert signer.presign_get(KEYS[0], 60, now=now) == boto_url(client, KEYS[0], 60, now)


def test_aware_non_utc_clock_is_converted() -> None:
    """A clock in another zone signs the same instant as its UTC equivalent."""
    signer = QueryPresigner(ACCESS, SECRET, "us-east-1", ENDPOINTS[0], "reelhouse")
    paris = NOW.astimezone(timezone(timedelta(hours=2)))
    assert signer.presign_get(KEYS[0], 60, now=paris) == signer.presign_get(KEYS[0], 60, now=NOW)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"key": ""}, "key: empty"),
        ({"now": datetime(2024, 5, 6)}, "naive"),
        ({"response_headers": {"X-Evil": "1"}}, "override"),
        ({"response_headers": {"Content-Type": "a", "response-content-type": "b"}}, "repeated"),
    ],
)
def test_bad_arguments_are_refused(call: dict[str, Any], message: str) -> None:
    """Empty keys, naive clocks and unknown or repeated overrides raise ValueError."""
    signer = QueryPresigner(ACCESS, SECRET, "us-east-1", ENDPOINTS[0], "reelhouse")
    with pytest.raises(ValueError, match=message):
        signer.presign_get(**{"key": KEYS[0], "expires_in": 60, "now": NOW, **call})


@pytest.mark.parametrize("endpoint", ["ftp://h", "http://u:p@h", "http://h?x=1", "h:9000"])
def test_bad_endpoints_are_refused(endpoint: str) -> None:
    """Only plain http(s) endpoints without credentials, query or fragment are accepted."""
    with pytest.raises(ValueError, match="endpoint"):
        QueryPresigner(ACCESS, SECRET, "us-east-1", endpoint, "reelhouse")


def test_from_settings_signs_for_public_endpoint_and_clamps(tmp_path: Path) -> None:
    """from_settings signs for the public endpoint and clamps lifetimes to the maximum."""
    settings = load_settings(
        state_dir=tmp_path,
        s3_endpoint_url="http://s3.internal:9000",
        s3_public_endpoint_url="https://media.example.com",
        s3_access_key_id=ACCESS,
        s3_secret_access_key=SECRET,
        s3_region="eu-west-3",
        s3_addressing_style="path",
        max_url_ttl_s=600,
    )
    public = QueryPresigner.from_settings(settings)
    internal = QueryPresigner.from_settings(settings, public=False)
    client = boto_client("https://media.example.com", "path", "eu-west-3")
    assert public.presign_get(KEYS[0], 10**6, now=NOW) == boto_url(client, KEYS[0], 600, NOW)
    assert public.presign_get(KEYS[0], 0, now=NOW) == boto_url(client, KEYS[0], 1, NOW)
    assert internal.presign_get(KEYS[0], 60, now=NOW).startswith(
        "http://s3.internal:9000/reelhouse/media/"
    )
