"""Access-log redaction: signed paths and signature queries never reach the logs."""

from __future__ import annotations

import logging

from signing_api.logs import RedactFilter, redact


def test_playback_tokens_are_redacted() -> None:
    """The token segment of a signed playback path is replaced, the rest kept."""
    path = "/api/v1/play/01ARZ3NDEKTSV4RRFFQ69G5FAV/1800000000/abcDEF_-123/hls/master.m3u8"
    assert redact(path) == ("/api/v1/play/01ARZ3NDEKTSV4RRFFQ69G5FAV/1800000000/<redacted>/"
                            "hls/master.m3u8")


def test_sensitive_queries_are_dropped_and_plain_ones_kept() -> None:
    """Queries with signatures, credentials or tokens are dropped; list filters stay."""
    assert redact("/x?X-Amz-Signature=abc&a=1") == "/x?<redacted>"
    assert redact("/x?token=abc") == "/x?<redacted>"
    assert redact("/api/v1/videos?status=ready") == "/api/v1/videos?status=ready"


def test_filter_rewrites_uvicorn_access_records() -> None:
    """The filter changes the path argument of uvicorn's access-log record in place."""
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/a?Signature=x", "1.1", 200), None)
    assert RedactFilter().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /a?<redacted> HTTP/1.1" 200'
