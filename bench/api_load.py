"""Load on the signing API over loopback: 64 concurrent clients on the presign and playlist paths.

Starts the embedded S3 and the API (uvicorn, `api_workers` processes) in a temporary state
directory, seeds a ready video whose rung playlist has 1,800 segments (two hours of 4 s
segments), then runs the clients for a bounded time and prints requests/s, p50/p99 and errors
per endpoint, ending with one JSON line. Target: 0 errors and p99 under 100 ms at 64 clients
on 2 cores.

    .venv/bin/python bench/api_load.py [--clients 64] [--seconds 15] [--segments 1800] [--workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil
import uvloop
from _http_load import Connection, HttpError  # bench/_http_load.py, beside this script

from reelhouse import accounts, keys
from reelhouse.config import Settings, load_settings
from reelhouse.db import Database, Video, new_id, utcnow
from reelhouse.ports import free_port, free_s3_port
from reelhouse.records import VideoStatus, Visibility
from reelhouse.stack import Supervisor, api_service, s3_service
from reelhouse.storage import Storage

MASTER = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720\n720p/index.m3u8\n"


def media_playlist(segments: int) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:4",
             "#EXT-X-PLAYLIST-TYPE:VOD", '#EXT-X-MAP:URI="init.mp4"']
    for n in range(1, segments + 1):
        lines += ["#EXTINF:4.000,", f"seg_{n:05d}.m4s"]
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


def seed(settings: Settings, segments: int) -> tuple[str, str]:
    """A user with a token and a ready public video with its playlists; returns both ids."""
    storage = Storage(settings)
    storage.ensure_bucket()
    db = Database(settings)
    db.upgrade()
    with db.session() as session:
        user = accounts.create_user(session, "bench", "bench-password")
        token, _ = accounts.issue_token(session, user, 3600)
        video = Video(id=new_id(), owner_id=user.id, title="Bench",
                      visibility=Visibility.PUBLIC, status=VideoStatus.READY,
                      filename="bench.mp4", content_type="video/mp4",
                      uploaded_at=utcnow(), upload_version=1, media_version=new_id())
        session.add(video)
    version = video.media_version
    assert version is not None
    storage.put_bytes(keys.master_key(video.id, version), MASTER.encode())
    storage.put_bytes(keys.hls_prefix(video.id, version) + "720p/index.m3u8",
                      media_playlist(segments).encode())
    storage.put_bytes(keys.progressive_key(video.id, version), b"mp4")
    return token, video.id


async def run_load(base: str, token: str, video_id: str, clients: int, seconds: float,
                   only: str | None = None,
                   server_pid: int | None = None) -> dict[str, list[float] | int | float]:
    """Each client loops: presign-download, playback, master and rung playlists."""
    async with httpx.AsyncClient(base_url=base) as probe:
        urls = (await probe.get(f"/api/v1/videos/{video_id}/playback")).json()
        rung = urls["hls"].replace("master.m3u8", "720p/index.m3u8")
        first = time.perf_counter()
        (await probe.get(rung)).raise_for_status()  # fetched from S3 and signed: a cold start
        cold_ms = (time.perf_counter() - first) * 1000
    headers = {"Authorization": f"Token {token}"}
    # What a browser sends for playlists: gzip accepted (the API caches both forms).
    player = {"Accept-Encoding": "gzip"}
    targets = {
        "presign-download": (f"/api/videos/{video_id}/presign-download/", headers),
        "playback": (f"/api/v1/videos/{video_id}/playback", headers),
        "master.m3u8": (_target(urls["hls"]), player),
        "rung playlist (1800 seg)": (_target(rung), player),
    }
    if only:
        targets = {name: target for name, target in targets.items() if only in name}
    results: dict[str, list[float] | int | float] = {name: [] for name in targets}
    results["errors"] = 0
    results["cold_rung_ms"] = cold_ms
    # Connections are open before the clock starts; see bench/_http_load.py for why the load
    # comes from a lean client rather than httpx.
    split = urlsplit(base)
    pool = [Connection(split.hostname or "127.0.0.1", split.port or 80) for _ in range(clients)]
    await asyncio.gather(*(connection.get("/api/health") for connection in pool))
    # The client's own garbage collections would pause every request in flight and count
    # as server latency: collect now, then not again until the clock stops.
    gc.collect()
    gc.disable()
    started, client_cpu = time.monotonic(), cpu_s()
    server_cpu = cpu_s(server_pid) if server_pid else 0.0
    stop = started + seconds

    async def one_client(connection: Connection, offset: int) -> None:
        names = list(targets)
        i = offset
        while time.monotonic() < stop:
            name = names[i % len(names)]
            url, extra = targets[name]
            started = time.perf_counter()
            try:
                status, body = await connection.get(url, extra)
                ok = status == 200 and bool(body)
            except HttpError:
                ok = False
            elapsed = time.perf_counter() - started
            if ok:
                results[name].append(elapsed)  # type: ignore[union-attr]
            else:
                results["errors"] += 1  # type: ignore[operator]
            i += 1

    try:
        await asyncio.gather(*(one_client(connection, n) for n, connection in enumerate(pool)))
        results["wall_s"] = time.monotonic() - started
        results["client_cpu_s"] = round(cpu_s() - client_cpu, 2)
        results["server_cpu_s"] = round(cpu_s(server_pid) - server_cpu, 2) if server_pid else 0
    finally:
        gc.enable()
        await asyncio.gather(*(connection.close() for connection in pool))
    return results


def _target(url: str) -> str:
    """The path and query of an absolute URL, as a request line wants them."""
    split = urlsplit(url)
    return split.path + (f"?{split.query}" if split.query else "")


def cpu_s(pid: int | None = None) -> float:
    """CPU seconds (user + system) used so far by this process, or by `pid` and its children
    (the API's worker processes)."""
    if pid is None:
        return sum(os.times()[:2])
    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=Settings().api_workers,
                        help="API processes (default: the api_workers setting)")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--segments", type=int, default=1800)
    parser.add_argument("--only", help="only endpoints whose name contains this")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reelhouse-bench-") as tmp:
        state = Path(tmp)
        settings = load_settings(state_dir=state, s3_port=free_s3_port(),
                                 database_url=f"sqlite:///{state / 'api.db'}",
                                 api_workers=args.workers)
        supervisor = Supervisor(state / "logs")
        supervisor.start(s3_service(settings), timeout_s=60)
        api = None
        try:
            token, video_id = seed(settings, args.segments)
            api = api_service(settings, port=free_port())
            supervisor.start(api, timeout_s=60)
            assert api.process is not None
            results = uvloop.run(run_load(api.url, token, video_id, args.clients, args.seconds,
                                           args.only, api.process.pid))
        finally:
            supervisor.stop()
    report(results, args)


def report(results: dict[str, list[float] | int | float], args: argparse.Namespace) -> None:
    errors = int(results.pop("errors"))  # type: ignore[arg-type]
    wall = float(results.pop("wall_s"))  # type: ignore[arg-type]
    cold_ms = float(results.pop("cold_rung_ms"))  # type: ignore[arg-type]
    client_cpu, server_cpu = results.pop("client_cpu_s"), results.pop("server_cpu_s")
    every: list[float] = []
    print(f"{args.clients} clients for {wall:.1f} s on {os.cpu_count()} cores, "
          f"{args.workers} API worker(s) "
          f"(first rung fetch, S3 read + signing: {cold_ms:.0f} ms); CPU seconds used: "
          f"server {server_cpu}, clients {client_cpu}")
    print(f"{'endpoint':28} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, values in results.items():
        assert isinstance(values, list)
        every += values
        print(f"{name:28} {len(values):9d} {len(values) / wall:8.0f} "
              f"{percentile(values, 0.5) * 1000:8.1f} {percentile(values, 0.99) * 1000:8.1f}")
    total = {"bench": "api_load", "clients": args.clients, "workers": args.workers,
             "seconds": round(wall, 2),
             "segments": args.segments, "requests": len(every),
             "requests_per_s": round(len(every) / wall, 1),
             "p50_ms": round(statistics.median(every) * 1000, 2) if every else None,
             "p99_ms": round(percentile(every, 0.99) * 1000, 2) if every else None,
             "errors": errors, "target_p99_ms": 100,
             "server_cpu_s": server_cpu, "client_cpu_s": client_cpu,
             "cold_rung_ms": round(cold_ms, 1),
             "ok": errors == 0 and bool(every) and percentile(every, 0.99) < 0.1}
    print(f"{'all':28} {len(every):9d} {len(every) / wall:8.0f} "
          f"{total['p50_ms']:8.1f} {total['p99_ms']:8.1f}   errors: {errors}")
    print(json.dumps(total))


if __name__ == "__main__":
    main()
