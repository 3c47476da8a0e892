"""What our S3 (embedded or cluster) accepts and refuses: signatures, expiry, type, CORS."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from reelhouse.config import Settings
from reelhouse.storage import Storage

pytestmark = pytest.mark.integration


def test_presigned_put_with_signed_content_type_is_accepted(storage: Storage) -> None:
    """A PUT to a presigned URL with exactly the signed content type stores the bytes."""
    url = storage.presign_put("tests/ok.bin", "video/mp4", ttl_s=60)
    response = httpx.put(url, content=b"hello", headers={"Content-Type": "video/mp4"})
    assert response.status_code == 200, response.text
    assert storage.get_bytes("tests/ok.bin") == b"hello"


def test_presigned_put_with_other_content_type_is_refused(storage: Storage) -> None:
    """S3 refuses a PUT whose Content-Type differs from the one signed into the URL."""
    url = storage.presign_put("tests/ctype.bin", "video/mp4", ttl_s=60)
    response = httpx.put(url, content=b"x", headers={"Content-Type": "text/html"})
    assert response.status_code == 403
    assert not storage.exists("tests/ctype.bin")


def test_tampered_presigned_url_is_refused(storage: Storage) -> None:
    """Changing the key of a signed URL breaks its signature."""
    url = storage.presign_put("tests/mine.bin", "video/mp4", ttl_s=60)
    tampered = url.replace("tests/mine.bin", "tests/yours.bin")
    response = httpx.put(tampered, content=b"x", headers={"Content-Type": "video/mp4"})
    assert response.status_code == 403
    assert not storage.exists("tests/yours.bin")


def test_tampered_expiry_is_refused(storage: Storage) -> None:
    """Stretching X-Amz-Expires after signing is caught by the signature."""
    storage.put_bytes("tests/get.bin", b"data")
    url = storage.presign_get("tests/get.bin", ttl_s=60)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["X-Amz-Expires"] = "604800"
    forged = urlunsplit(parts._replace(query=urlencode(query)))
    assert httpx.get(url).status_code == 200
    assert httpx.get(forged).status_code == 403


def test_expired_presigned_url_is_refused(storage: Storage) -> None:
    """A URL used after its lifetime is refused even though its signature is right."""
    storage.put_bytes("tests/expiring.bin", b"data")
    url = storage.presign_get("tests/expiring.bin", ttl_s=1)
    time.sleep(2.5)
    assert httpx.get(url).status_code == 403


def test_presign_lifetime_is_clamped(s3_settings: Settings, storage: Storage) -> None:
    """No caller can ask for a URL that outlives the configured maximum."""
    url = storage.presign_get("tests/get.bin", ttl_s=10**9)
    expires = int(parse_qs(urlsplit(url).query)["X-Amz-Expires"][0])
    assert expires == s3_settings.max_url_ttl_s <= 7 * 24 * 3600


def _preflight(settings: Settings, origin: str) -> httpx.Response:
    return httpx.options(
        f"{settings.s3_endpoint}/{settings.s3_bucket}/raw/x/source",
        headers={"Origin": origin, "Access-Control-Request-Method": "PUT",
                 "Access-Control-Request-Headers": "content-type"})


def test_cors_preflight_from_dashboard_origin_is_allowed(s3_settings: Settings) -> None:
    """The dashboard's origin may PUT and can read the ETag of each part."""
    response = _preflight(s3_settings, s3_settings.dashboard_url)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == s3_settings.dashboard_url
    assert "ETag" in response.headers["access-control-expose-headers"]


def test_cors_preflight_from_other_origin_is_refused(s3_settings: Settings) -> None:
    """A page on any other origin gets no CORS grant."""
    response = _preflight(s3_settings, "https://evil.example")
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers


def test_multipart_round_trip(storage: Storage) -> None:
    """Parts PUT to presigned part URLs are listed, completed and read back whole."""
    key = "tests/multi.bin"
    upload_id = storage.create_multipart(key, "video/mp4")
    chunks = [b"a" * (5 * 1024 * 1024), b"b" * 1024]
    for number, chunk in enumerate(chunks, start=1):
        url = storage.presign_part(key, upload_id, number, ttl_s=60)
        assert httpx.put(url, content=chunk).status_code == 200
    parts = storage.list_parts(key, upload_id)
    assert [p.number for p in parts] == [1, 2]
    storage.complete_multipart(key, upload_id, parts)
    assert storage.get_bytes(key) == b"".join(chunks)


def test_lifecycle_aborts_incomplete_multipart(storage: Storage) -> None:
    """The bucket carries a rule that cleans up abandoned multipart uploads."""
    rules = storage.client.get_bucket_lifecycle_configuration(Bucket=storage.bucket)["Rules"]
    assert any("AbortIncompleteMultipartUpload" in rule for rule in rules)
