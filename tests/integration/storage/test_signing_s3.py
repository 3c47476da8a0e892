"""What our S3 makes of QueryPresigner URLs: fresh ones serve, altered or old do not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from reelhouse.config import Settings
from reelhouse.signing.playlist import rewrite_media_playlist
from reelhouse.signing.sigv4 import QueryPresigner
from reelhouse.storage import Storage

pytestmark = pytest.mark.integration

KEY = "tests/signing/a b+c~d/ünï.txt"


@pytest.fixture(scope="module")
def presigner(s3_settings: Settings, storage: Storage) -> QueryPresigner:
    """A presigner for the S3 under test, with one awkwardly named object in the bucket."""
    storage.put_bytes(KEY, b"signed bytes", content_type="text/plain")
    return QueryPresigner.from_settings(s3_settings)


def test_presigned_get_serves_the_object(presigner: QueryPresigner) -> None:
    """A fresh URL for a key with spaces, `+`, `~` and non-ASCII returns the object's bytes."""
    response = httpx.get(presigner.presign_get(KEY, 60))
    assert response.status_code == 200, response.text
    assert response.content == b"signed bytes"


def test_response_override_is_applied(presigner: QueryPresigner) -> None:
    """A signed response-content-disposition override comes back as the header."""
    disposition = 'attachment; filename="clip.txt"'
    url = presigner.presign_get(KEY, 60, response_headers={"Content-Disposition": disposition})
    response = httpx.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == disposition


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/a%20b", "/a%20c"),
        ("X-Amz-Expires=60", "X-Amz-Expires=61"),
        ("X-Amz-Signature=", "X-Amz-Signature=0"),
    ],
)
def test_tampered_url_is_refused(presigner: QueryPresigner, old: str, new: str) -> None:
    """Changing the key, the lifetime or the signature of a URL gets 403."""
    url = presigner.presign_get(KEY, 60)
    assert old in url
    assert httpx.get(url.replace(old, new, 1)).status_code == 403


def test_expired_url_is_refused(presigner: QueryPresigner) -> None:
    """A URL whose lifetime ended an hour ago gets 403."""
    url = presigner.presign_get(KEY, 60, now=datetime.now(UTC) - timedelta(hours=1))
    assert httpx.get(url).status_code == 403


def test_rewritten_playlist_urls_all_serve(presigner: QueryPresigner, storage: Storage) -> None:
    """Every URI of a rewritten media playlist is a URL the storage serves."""
    prefix = "tests/signing/hls/720p/"
    for name in ("init.mp4", "seg_00001.m4s", "seg_00002.m4s"):
        storage.put_bytes(prefix + name, name.encode())
    playlist = (
        '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.0,\nseg_00001.m4s\n'
        "#EXTINF:4.0,\nseg_00002.m4s\n#EXT-X-ENDLIST\n"
    )
    signed = rewrite_media_playlist(playlist, lambda p: presigner.presign_get(prefix + p, 60))
    urls = [
        line.split('"')[1] if "URI=" in line else line
        for line in signed.splitlines()
        if line.startswith(("http", "#EXT-X-MAP"))
    ]
    assert [httpx.get(url).content for url in urls] == [
        b"init.mp4",
        b"seg_00001.m4s",
        b"seg_00002.m4s",
    ]
