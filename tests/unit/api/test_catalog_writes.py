"""Batches: catalog writes arriving while one is applied go into the next batch, whole."""

from __future__ import annotations

import threading
import time

from signing_api.catalog_writes import Batches


def test_what_arrives_during_a_batch_is_applied_together_in_the_next() -> None:
    applied: list[list[int]] = []
    first_started, release = threading.Event(), threading.Event()

    def apply(batch: list[int]) -> None:
        applied.append(sorted(batch))
        if batch == [0]:
            first_started.set()
            release.wait(5)

    batches: Batches[int] = Batches(apply)
    first = threading.Thread(target=batches.submit, args=(0,))
    first.start()
    assert first_started.wait(5)
    later = [threading.Thread(target=batches.submit, args=(n,)) for n in (1, 2, 3)]
    for thread in later:
        thread.start()
    time.sleep(0.2)  # all three are waiting for the first batch
    release.set()
    for thread in (first, *later):
        thread.join(5)
    assert applied == [[0], [1, 2, 3]]


def test_a_failing_batch_does_not_stop_the_next() -> None:
    applied: list[list[str]] = []

    def apply(batch: list[str]) -> None:
        applied.append(batch)
        if batch == ["bad"]:
            raise RuntimeError("catalog down")

    batches: Batches[str] = Batches(apply)
    try:
        batches.submit("bad")
    except RuntimeError:
        pass
    batches.submit("good")
    assert applied == [["bad"], ["good"]]
