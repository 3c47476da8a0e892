"""Sending an upload's bytes to S3 with presigned PUTs: parts in parallel, each retried.

Memory stays bounded whatever the file size: each worker streams its part from the source
one chunk at a time, so at most `concurrency` chunks (plus the HTTP stack's buffers) are
held; only a stream that cannot seek keeps whole parts in memory.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

import httpx

from reelhouse.client.errors import BadRequest, TransferError
from reelhouse.client.models import SignedPut, UploadState
from reelhouse.client.progress import Reporter
from reelhouse.client.retry import Outcome, RetryPolicy, classify, s3_message
from reelhouse.client.sources import Body, Source, part_range

# A URL this close to its expiry is renewed before use rather than risked.
EXPIRY_MARGIN = timedelta(seconds=60)


class Signer(Protocol):
    """The API calls a transfer needs: part URLs (with checksums signed in) and status."""

    def sign_parts(self, video_id: str,
                   wanted: list[tuple[int, str | None]]) -> list[SignedPut]: ...

    def upload_status(self, video_id: str) -> UploadState: ...


class Cancelled(Exception):
    """Another worker failed or the caller interrupted: stop sending."""


def fresh(signed: SignedPut | None, now: datetime | None = None) -> bool:
    """True if `signed` can still be used (it does not expire within the margin)."""
    if signed is None:
        return False
    if signed.expires_at is None:
        return True
    now = now or datetime.now(UTC)
    expires = signed.expires_at if signed.expires_at.tzinfo else \
        signed.expires_at.replace(tzinfo=UTC)
    return expires - now > EXPIRY_MARGIN


class Transfer:
    """Sends the missing parts of one upload session; `run()` returns when S3 holds them all."""

    def __init__(self, signer: Signer, http: httpx.Client, source: Source, state: UploadState,
                 reporter: Reporter, *, concurrency: int = 4, checksum: bool = True,
                 retry: RetryPolicy | None = None, batch: int = 20) -> None:
        self.signer = signer
        self.http = http
        self.source = source
        self.state = state
        self.reporter = reporter
        self.concurrency = max(1, int(concurrency))
        self.checksum = checksum
        self.retry = retry or RetryPolicy()
        self.batch = max(1, batch)
        self.cancel = threading.Event()
        self.sent: list[int] = []  # part numbers S3 accepted, in order of completion
        self._lock = threading.Lock()
        self._urls: dict[int, SignedPut] = {p.part_number: p for p in state.parts
                                            if p.part_number is not None}
        self._queue: deque[int] = deque()

    # --- URLs --------------------------------------------------------------------------
    def _url(self, number: int, sha256: str | None, renew: bool = False) -> SignedPut:
        if self.state.mode == "single":
            put = None if renew else self.state.put
            if not fresh(put):
                put = self.signer.upload_status(self.state.video_id).put
                if put is None:
                    raise TransferError("the API offers no PUT URL: is the upload complete?")
                self.state = replace(self.state, put=put)
            assert put is not None
            return put
        if sha256 is not None:
            # The checksum is signed into the URL, so each part needs its own signing.
            return self.signer.sign_parts(self.state.video_id, [(number, sha256)])[0]
        with self._lock:
            cached = self._urls.pop(number, None)
            if cached is not None and not renew and fresh(cached):
                return cached
            wanted = [number, *[n for n in self._queue if n not in self._urls]][:self.batch]
        signed = self._sign_batch(wanted)
        with self._lock:
            for put in signed:
                if put.part_number is not None and put.part_number != number:
                    self._urls[put.part_number] = put
        return next(p for p in signed if p.part_number == number)

    def _sign_batch(self, wanted: list[int]) -> list[SignedPut]:
        try:
            return self.signer.sign_parts(self.state.video_id, [(n, None) for n in wanted])
        except BadRequest:
            if len(wanted) == 1:
                raise
            self.batch = 1  # the API allows fewer per request than we guessed
            return self.signer.sign_parts(self.state.video_id, [(wanted[0], None)])

    # --- sending -----------------------------------------------------------------------
    def _stream(self, body: Body, counted: list[int]) -> Iterator[bytes]:
        for chunk in body.chunks():
            if self.cancel.is_set():
                raise Cancelled()
            yield chunk
            counted[0] += len(chunk)
            self.reporter.advance(len(chunk))

    def send_part(self, number: int, body: Body) -> None:
        """PUT one part until S3 takes it: transient failures wait and retry, expired URLs
        are renewed, anything else raises `TransferError`."""
        sha256 = body.sha256_b64() if self.checksum and self.state.mode == "multipart" else None
        signed = self._url(number, sha256)
        what = f"part {number}" if self.state.mode == "multipart" else "the file"
        last = ""
        for attempt in range(self.retry.attempts):
            counted = [0]
            outcome = Outcome.RETRY
            try:
                headers = {**signed.headers, "Content-Length": str(body.length)}
                response = self.http.put(signed.url, content=self._stream(body, counted),
                                         headers=headers)
                outcome = classify(response.status_code, response.text)
                last = s3_message(response.status_code, response.text)
            except httpx.TransportError as e:
                last = f"{type(e).__name__}: {e}"
            except Cancelled:
                self.reporter.advance(-counted[0])
                raise
            if outcome is Outcome.DONE:
                with self._lock:
                    self.sent.append(number)
                return
            self.reporter.advance(-counted[0])
            if outcome is Outcome.FAIL:
                raise TransferError(f"{what}: storage refused it: {last}")
            if self.cancel.wait(self.retry.delay(attempt)):
                raise Cancelled()
            if outcome is Outcome.RESIGN or not fresh(signed):
                signed = self._url(number, sha256, renew=True)
        raise TransferError(f"{what}: gave up after {self.retry.attempts} attempts: {last}")

    def _worker(self) -> None:
        while not self.cancel.is_set():
            with self._lock:
                if not self._queue:
                    return
                number = self._queue.popleft()
                offset, length = part_range(number, self.state.part_size, self.state.size)
                # Taking the part under the lock keeps a stream that cannot seek in order.
                body = self.source.part(offset, length)
            self.send_part(number, body)

    def run(self, numbers: list[int]) -> None:
        """Send `numbers` with up to `concurrency` parts in flight; the first failure stops all."""
        self._queue.extend(numbers)
        if not numbers:
            return
        workers = min(self.concurrency, len(numbers))
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reelhouse-upload")
        futures = [pool.submit(self._worker) for _ in range(workers)]
        try:
            while True:
                done, pending = wait(futures, timeout=0.5, return_when=FIRST_EXCEPTION)
                failed = [f for f in done if f.exception() is not None
                          and not isinstance(f.exception(), Cancelled)]
                if failed:
                    self.cancel.set()
                    error = failed[0].exception()
                    assert error is not None
                    raise error
                if not pending:
                    break
        except BaseException:
            self.cancel.set()  # also on Ctrl-C: workers stop between chunks
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if self.cancel.is_set():
            raise Cancelled()
