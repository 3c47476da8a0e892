"""Signing in through the SDK waits out a short 429/503 the API asks it to, and no more."""

from __future__ import annotations

import httpx
import pytest

from reelhouse.client import Client
from reelhouse.client.errors import RateLimited


def _api(answers: list[httpx.Response]) -> tuple[Client, list[httpx.Request]]:
    asked: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return answers.pop(0)

    return Client("http://api.test", transport=httpx.MockTransport(handle),
                  env_token=False), asked


def _busy(status: int, code: str, retry_after: str) -> httpx.Response:
    return httpx.Response(status, headers={"Retry-After": retry_after},
                          json={"error": code, "message": "wait"})


def test_a_short_wait_is_waited_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parallel sign-ins of one account count until checked: the one refused for a second
    (or told every checker is busy) signs in on its next try."""
    slept: list[float] = []
    monkeypatch.setattr("reelhouse.client.api.time.sleep", slept.append)
    client, asked = _api([_busy(429, "rate_limited", "1"), _busy(503, "signin_busy", "1"),
                          httpx.Response(201, json={"token": "rh_a_b"})])
    with client:
        assert client.login("ada", "pw") == "rh_a_b"
    assert slept == [1.0, 1.0] and len(asked) == 3


def test_a_long_wait_is_the_callers_to_decide(monkeypatch: pytest.MonkeyPatch) -> None:
    """An account in a real backoff (minutes) raises at once, with how long to wait."""
    monkeypatch.setattr("reelhouse.client.api.time.sleep", pytest.fail)
    client, asked = _api([_busy(429, "rate_limited", "900")])
    with client, pytest.raises(RateLimited) as raised:
        client.login("ada", "pw")
    assert raised.value.retry_after == 900 and len(asked) == 1
