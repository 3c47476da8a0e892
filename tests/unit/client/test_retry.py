"""When a storage PUT is retried, renewed or given up, and how long the client waits."""

from __future__ import annotations

import pytest

from reelhouse.client.retry import Outcome, RetryPolicy, classify, s3_message


def _xml(code: str) -> str:
    return f"<Error><Code>{code}</Code><Message>it went wrong</Message></Error>"


@pytest.mark.parametrize(("status", "body", "outcome"), [
    (200, "", Outcome.DONE),
    (204, "", Outcome.DONE),
    (500, _xml("InternalError"), Outcome.RETRY),
    (503, _xml("SlowDown"), Outcome.RETRY),
    (429, "", Outcome.RETRY),
    (408, "", Outcome.RETRY),
    (403, _xml("AccessDenied"), Outcome.RESIGN),
    (403, _xml("SignatureDoesNotMatch"), Outcome.RESIGN),
    (400, _xml("BadDigest"), Outcome.FAIL),
    (400, _xml("XAmzContentSHA256Mismatch"), Outcome.FAIL),
    (404, _xml("NoSuchUpload"), Outcome.FAIL),
    (400, _xml("EntityTooSmall"), Outcome.FAIL),
    (411, "", Outcome.FAIL),
])
def test_classify(status: int, body: str, outcome: Outcome) -> None:
    """Transient answers retry, refused signatures renew the URL, changed bytes fail."""
    assert classify(status, body) is outcome


def test_delay_doubles_up_to_the_cap() -> None:
    """With the largest jitter the waits are base, 2x base, 4x base ... up to the cap."""
    policy = RetryPolicy(attempts=8, base_s=0.5, cap_s=5)
    assert [policy.delay(n, rng=lambda: 1.0) for n in range(6)] == [0.5, 1, 2, 4, 5, 5]


def test_delay_is_full_jitter() -> None:
    """The wait is uniform between zero and the ceiling (so workers spread out)."""
    policy = RetryPolicy(base_s=1, cap_s=60)
    assert policy.delay(3, rng=lambda: 0.0) == 0
    assert policy.delay(3, rng=lambda: 0.25) == 2
    assert policy.delay(10_000, rng=lambda: 1.0) == 60


def test_s3_message_explains_checksum_failures() -> None:
    """A BadDigest answer is explained as bytes that changed, other codes are quoted."""
    assert "did the file change" in s3_message(400, _xml("BadDigest"))
    assert s3_message(503, _xml("SlowDown")) == "HTTP 503 SlowDown: it went wrong"
    assert s3_message(502, "") == "HTTP 502"
