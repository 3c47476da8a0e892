"""Benchmark: the SDK's `Client.upload` against boto3's `upload_file` for the same file.

Baseline: boto3's `upload_file` (s3transfer's TransferManager) with the same part size and
concurrency, straight to the embedded S3 with the storage credentials, twice over: with the
same per-part checksum as the SDK (SHA-256; none with --no-checksum), which is the ratio the
target is about, and with boto3's own defaults (CRC32 per part), printed beside it.
Ours: `reelhouse.client.Client.upload` through the signing API (its own uvicorn process, as
`reelhouse up` runs it: one call to start, one signing per part with the part's SHA-256
signed in, one to complete), bytes sent to the same embedded S3 with presigned URLs.
After one small warm-up upload each, every round runs both (who goes first alternates) and
the best time of each counts, as load from other processes only ever slows a run down;
every object is deleted after its run.
Peak memory is the growth of this process's RSS during a run (sampled every 20 ms); CPU is
counted for this process (the client) and for the S3 server.

Usage: .venv/bin/python bench/upload.py [--size-mib 1024] [--part-mib 64] [--concurrency 4]
                                       [--rounds 3] [--no-checksum]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import psutil
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

from reelhouse import accounts
from reelhouse.client import Client
from reelhouse.config import load_settings
from reelhouse.db import Database
from reelhouse.ports import free_port, free_s3_port
from reelhouse.stack import Supervisor, api_service, s3_service
from reelhouse.storage import Storage

MIB = 1024 * 1024


class PeakRss:
    """Highest resident memory of this process seen while the block runs."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.baseline = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mib(self) -> float:
        return (self.peak - self.baseline) / MIB


def write_random_file(path: Path, size: int) -> None:
    rng = random.Random(7)
    with path.open("wb") as f:
        left = size
        while left:
            chunk = min(left, 8 * MIB)
            f.write(rng.randbytes(chunk))
            left -= chunk


def cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def timed(work: Callable[[], Callable[[], None]],
          server: psutil.Process) -> tuple[float, float, float, float]:
    """Run `work` (which returns its own cleanup): seconds, peak RSS growth in MiB, and the
    CPU seconds spent by this process (the client) and by the S3 server."""
    process = psutil.Process()
    with PeakRss() as rss:
        before = cpu_s(process), cpu_s(server)
        start = time.perf_counter()
        cleanup = work()
        seconds = time.perf_counter() - start
        after = cpu_s(process), cpu_s(server)
    cleanup()
    return seconds, rss.growth_mib, after[0] - before[0], after[1] - before[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--part-mib", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-checksum", action="store_true",
                        help="Send SDK parts without a signed SHA-256 (not the default).")
    args = parser.parse_args()
    size, part = args.size_mib * MIB, args.part_mib * MIB

    with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp:
        root = Path(tmp)
        state = root / "state"
        settings = load_settings(state_dir=state, s3_port=free_s3_port(),
                                 database_url=f"sqlite:///{root / 'api.db'}",
                                 part_size_bytes=part, seed_sample=False)
        supervisor = Supervisor(state / "logs")
        supervisor.start(s3_service(settings), timeout_s=60)
        try:
            storage = Storage(settings)
            storage.ensure_bucket(settings.allowed_origins)
            db = Database(settings)
            db.upgrade()
            with db.session() as session:
                user = accounts.create_user(session, "bench", "bench-password-1")
                token, _ = accounts.issue_token(session, user, 3600)
            api = api_service(settings, port=free_port())
            supervisor.start(api, timeout_s=60)
            api_url = api.url

            source = root / "source.bin"
            started = time.monotonic()
            write_random_file(source, size)
            print(f"file: {args.size_mib} MiB of random bytes, written in "
                  f"{time.monotonic() - started:.1f}s; parts of {args.part_mib} MiB, "
                  f"{args.concurrency} in flight")

            client = Client(api_url, token, resume_dir=root / "resume")
            access, secret = settings.s3_credentials
            def boto3_client(checksums: str) -> Any:
                return boto3.client("s3", endpoint_url=settings.s3_endpoint,
                                    region_name=settings.s3_region, aws_access_key_id=access,
                                    aws_secret_access_key=secret,
                                    config=Config(signature_version="s3v4",
                                                  s3={"addressing_style": "path"},
                                                  request_checksum_calculation=checksums,
                                                  max_pool_connections=args.concurrency * 2))

            s3 = boto3_client("when_supported")  # boto3's default: CRC32 on every part
            s3_bare = boto3_client("when_required")  # no checksum unless asked for one
            transfer = TransferConfig(multipart_threshold=part, multipart_chunksize=part,
                                      max_concurrency=args.concurrency, use_threads=True)

            def ours(path: Path = source) -> Callable[[], None]:
                video = client.upload(path, concurrency=args.concurrency, progress=False,
                                      checksum=not args.no_checksum)
                assert video.source_size == path.stat().st_size
                return lambda: client.delete(video.id)

            def boto3_upload(client: Any, extra: dict[str, str]) -> Callable[..., Any]:
                def upload(path: Path = source) -> Callable[[], None]:
                    key = "bench/boto3-upload"
                    client.upload_file(str(path), settings.s3_bucket, key, ExtraArgs=extra,
                                       Config=transfer)
                    head = client.head_object(Bucket=settings.s3_bucket, Key=key)
                    assert head["ContentLength"] == path.stat().st_size
                    return lambda: client.delete_object(Bucket=settings.s3_bucket, Key=key)
                return upload

            # The like-for-like baseline checksums parts as the SDK does.
            same = (boto3_upload(s3_bare, {}) if args.no_checksum
                    else boto3_upload(s3, {"ChecksumAlgorithm": "SHA256"}))
            defaults = boto3_upload(s3, {})

            # Warm-up: first requests pay for connection pools and lazy imports on both sides.
            warm = root / "warm.bin"
            write_random_file(warm, part + 1)
            contenders = [("sdk", ours), ("boto3", same), ("boto3-crc32", defaults)]
            for _, work in contenders:
                work(warm)()

            s3_process = psutil.Process(supervisor.services[0].process.pid)
            results: dict[str, list[tuple[float, float, float, float]]] = {
                name: [] for name, _ in contenders}
            for round_no in range(1, args.rounds + 1):
                # Rotate who goes first, so none always meets a warmer server.
                shift = (round_no - 1) % len(contenders)
                for name, work in contenders[shift:] + contenders[:shift]:
                    seconds, growth, cpu, server_cpu = timed(work, s3_process)
                    results[name].append((seconds, growth, cpu, server_cpu))
                    print(f"  round {round_no} {name:11}: {seconds:6.2f}s "
                          f"{size / MIB / seconds:6.1f} MiB/s, peak RSS +{growth:.0f} MiB, "
                          f"CPU client {cpu:.1f}s, S3 server {server_cpu:.1f}s")
            client.close()
        finally:
            supervisor.stop()

    best = {name: min(r[0] for r in runs) for name, runs in results.items()}
    middle = {name: statistics.median(r[0] for r in runs) for name, runs in results.items()}
    ratio, median_ratio = best["boto3"] / best["sdk"], middle["boto3"] / middle["sdk"]
    crc_ratio = best["boto3-crc32"] / best["sdk"]
    checksum = "none" if args.no_checksum else "sha256 per part"
    mib_s = {name: size / MIB / seconds for name, seconds in best.items()}
    print(f"SDK {mib_s['sdk']:.1f} MiB/s vs boto3 {mib_s['boto3']:.1f} MiB/s with the same "
          f"checksum ({checksum}): throughput ratio {ratio:.2f} best of {args.rounds}, "
          f"{median_ratio:.2f} by medians (target >= 1.0)")
    print(f"vs boto3's defaults (CRC32 per part, {mib_s['boto3-crc32']:.1f} MiB/s): "
          f"{crc_ratio:.2f}")
    print(json.dumps({
        "bench": "upload", "size_bytes": size, "part_size_bytes": part,
        "concurrency": args.concurrency, "rounds": args.rounds, "checksum": checksum,
        "sdk_s": round(best["sdk"], 3), "boto3_s": round(best["boto3"], 3),
        "boto3_crc32_s": round(best["boto3-crc32"], 3),
        "sdk_mib_s": round(mib_s["sdk"], 1), "boto3_mib_s": round(mib_s["boto3"], 1),
        "throughput_ratio": round(ratio, 3), "throughput_ratio_median": round(median_ratio, 3),
        "ratio_vs_boto3_defaults": round(crc_ratio, 3),
        "target_ratio": 1.0, "meets_target": ratio >= 1.0,
        **{f"{name.replace('-', '_')}_peak_rss_mib": round(max(r[1] for r in runs), 1)
           for name, runs in results.items()},
        **{f"{name.replace('-', '_')}_client_cpu_s": round(min(r[2] for r in runs), 2)
           for name, runs in results.items()},
        **{f"{name.replace('-', '_')}_server_cpu_s": round(min(r[3] for r in runs), 2)
           for name, runs in results.items()},
        "cpu_count": os.cpu_count(),
    }))


if __name__ == "__main__":
    main()
