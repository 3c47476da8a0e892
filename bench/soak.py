"""Soak: 16 clients upload, play, edit, flip visibility and delete against a real stack, then
every object, catalog row and database row is audited.

The stack is `reelhouse up` as a user starts it (fresh state dir, free ports; `--profile
cluster` for the cluster profile). Each client signs in as one of a few users and loops over
weighted operations with a short think time; uploads are rate-limited (`--uploads-per-minute`)
so the pipeline can keep up, and deletes pick any of the client's own videos, processing or
not. A 4xx is an expected answer in a race (a video deleted or made private under a player);
a 5xx is an error (`errors_5xx`), and so is no answer at all (a timeout: `no_answer`).

When the clock runs out the clients stop, the pipeline drains (every video `ready` or
`failed`), the sweeper runs when the CLI has one, and the audit counts:
- lost: a video a client completed and did not delete that is missing, not `ready`, has no
  playable master, or has no catalog row (the clips are valid, so `failed` is lost too);
- orphaned: an object under raw/ or media/ of a video with no row, an object of a media
  version its row names neither live nor retired (in its grace period), a catalog row of a
  video with no row, a row of a video whose DELETE was answered 2xx.
Baseline: none to compare against; the figures are absolute and `errors_5xx`, `lost` and
`orphaned` must be 0.
Usage: .venv/bin/python bench/soak.py [--minutes 10] [--clients 16] [--profile embedded]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from _stack import REELHOUSE, Stack  # bench/_stack.py, beside this script

from reelhouse.client import Client
from reelhouse.client.errors import ApiError
from reelhouse.media.samples import make_test_clip
from reelhouse.records import VideoStatus, Visibility

USERS = 4
USER_PASSWORD = "soak-user-password"
# Weights of each client's next operation.
OPERATIONS = {"play": 35, "list": 20, "edit": 15, "visibility": 10, "upload": 12, "delete": 8}
THINK_S = (0.1, 0.6)
_URL = re.compile(r"^(?!#)(\S+)$", re.M)


@dataclass
class Ledger:
    """What the clients did and believe, shared by all of them."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    ops: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    alive: dict[str, str] = field(default_factory=dict)  # video id -> owner username
    deleted: set[str] = field(default_factory=set)
    uncertain: set[str] = field(default_factory=set)  # deletes that got no answer

    def note(self, op: str, answer: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.ops[op] += 1
            self.answers[answer] += 1
            self.latencies.setdefault(op, []).append(seconds)
            if error is not None:
                self.errors.append(f"{op}: {error}")

    def own(self, username: str) -> list[str]:
        with self.lock:
            return [v for v, owner in self.alive.items() if owner == username]

    def anyone(self) -> list[str]:
        with self.lock:
            return list(self.alive)


class Uploads:
    """A token bucket shared by the clients: at most `per_minute` uploads start a minute."""

    def __init__(self, per_minute: float) -> None:
        self._gap = 60.0 / per_minute
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if now < self._next:
                return False
            self._next = now + self._gap
            return True


def _get(http: httpx.Client, url: str) -> httpx.Response:
    response = http.get(url, headers={"Range": "bytes=0-4095"})
    if response.status_code >= 500:
        raise RuntimeError(f"{response.status_code} from {url.split('?')[0]}")
    return response


def play(api: Client, http: httpx.Client, video_id: str) -> str:
    """What a player does: playback URLs, the master, one rung playlist, its first segment."""
    urls = api.playback(video_id)
    master = _get(http, urls.hls)
    if master.status_code != 200:
        return f"master {master.status_code}"
    rung = _URL.findall(master.text)
    if not rung:
        raise RuntimeError(f"master of {video_id} names no playlist")
    playlist = _get(http, httpx.URL(str(master.url)).join(rung[0]).__str__())
    if playlist.status_code != 200:
        return f"playlist {playlist.status_code}"
    media = _URL.findall(playlist.text)
    if media:
        segment = _get(http, httpx.URL(str(playlist.url)).join(media[0]).__str__())
        return f"segment {segment.status_code}"
    return "playlist 200"


class Player(threading.Thread):
    """One client: its own SDK session as `username`, looping until `stop` is set."""

    def __init__(self, stack: Stack, username: str, password: str, clips: list[Path],
                 ledger: Ledger, uploads: Uploads, stop: threading.Event, seed: int) -> None:
        super().__init__(daemon=True)
        self.stack, self.username, self.password = stack, username, password
        self.clips, self.ledger, self.uploads, self.stop = clips, ledger, uploads, stop
        self.random = random.Random(seed)

    def run(self) -> None:
        with self.stack.client(self.username, self.password) as api, \
                httpx.Client(timeout=30, follow_redirects=True) as http:
            names, weights = zip(*OPERATIONS.items(), strict=True)
            while not self.stop.is_set():
                op = self.random.choices(names, weights)[0]
                started = time.monotonic()
                try:
                    answer = getattr(self, op)(api, http)
                    error = None
                except ApiError as e:
                    answer = f"{e.status}"
                    error = str(e) if e.status >= 500 else None
                except Exception as e:  # noqa: BLE001 - every other failure is counted
                    answer, error = "error", f"{type(e).__name__}: {e}"
                if answer is not None:
                    self.ledger.note(op, answer, time.monotonic() - started, error)
                self.stop.wait(self.random.uniform(*THINK_S))

    def upload(self, api: Client, _http: httpx.Client) -> str | None:
        if len(self.ledger.own(self.username)) >= 3 or not self.uploads.take():
            return None
        clip = self.random.choice(self.clips)
        video = api.upload(clip, title=f"soak {clip.stem}", progress=False,
                           visibility=self.random.choice(list(Visibility)))
        with self.ledger.lock:
            self.ledger.alive[video.id] = self.username
        return "201"

    def play(self, api: Client, http: httpx.Client) -> str | None:
        videos = self.ledger.anyone()
        return play(api, http, self.random.choice(videos)) if videos else None

    def list(self, api: Client, _http: httpx.Client) -> str:
        api.videos_page(q=self.random.choice([None, "soak", "clip"]), limit=24)
        return "200"

    def edit(self, api: Client, _http: httpx.Client) -> str | None:
        own = self.ledger.own(self.username)
        if not own:
            return None
        api.update(self.random.choice(own), title=f"soak edited {self.random.randrange(10**6)}",
                   description="edited by the soak")
        return "200"

    def visibility(self, api: Client, _http: httpx.Client) -> str | None:
        own = self.ledger.own(self.username)
        if not own:
            return None
        api.update(self.random.choice(own), visibility=self.random.choice(list(Visibility)))
        return "200"

    def delete(self, api: Client, _http: httpx.Client) -> str | None:
        own = self.ledger.own(self.username)
        if len(own) < 2:  # keep one: the audit must have live videos to check too
            return None
        video_id = self.random.choice(own)
        with self.ledger.lock:  # gone from the clients' view before the call: no new plays
            del self.ledger.alive[video_id]
        try:
            api.delete(video_id)
        except ApiError:
            with self.ledger.lock:  # refused: it is still there, and still audited
                self.ledger.alive[video_id] = self.username
            raise
        except Exception:
            with self.ledger.lock:  # no answer: it may have gone through; the audit asks
                self.ledger.uncertain.add(video_id)
            raise
        with self.ledger.lock:
            self.ledger.deleted.add(video_id)
        return "204"


def drain(stack: Stack, video_ids: list[str], timeout_s: float) -> dict[str, str]:
    """Wait until every video is `ready` or `failed`; their final statuses."""
    final: dict[str, str] = {}
    deadline = time.monotonic() + timeout_s
    with stack.client() as api:
        while time.monotonic() < deadline:
            for video_id in set(video_ids) - set(final):
                try:
                    status = api.video(video_id).status
                except ApiError as e:
                    final[video_id] = f"missing ({e.status})"
                    continue
                if status in (VideoStatus.READY, VideoStatus.FAILED):
                    final[video_id] = str(status)
            if len(final) == len(video_ids):
                break
            time.sleep(1)
    stack.wait_idle(max(60.0, deadline - time.monotonic()))
    return final


def sweep(stack: Stack) -> str:
    """Run the sweeper when this version has one (it removes what aborted uploads left)."""
    try:
        return stack.cli("sweep").strip()
    except RuntimeError as e:
        return f"no sweep: {e}"


def audit(stack: Stack, ledger: Ledger, final: dict[str, str]) -> dict[str, list[str]]:
    """Every object, catalog row and database row against what the clients believe."""
    from reelhouse import keys
    from reelhouse.catalog.reader import connect
    from reelhouse.db import Database, Video
    from reelhouse.storage import Storage

    settings = stack.settings()
    storage = Storage(settings)
    with Database(settings).session() as session:
        rows = {v.id: v for v in session.query(Video)}
    lost, orphaned = [], []
    catalog = {r[0] for r in connect(storage).sql("select video_id from videos").fetchall()}
    for video_id in ledger.uncertain:  # gone or still there: both are whole
        row = rows.get(video_id)
        if row is not None and row.status not in (VideoStatus.READY, VideoStatus.FAILED):
            lost.append(f"{video_id}: {row.status} after a delete that got no answer")
    for video_id, status in final.items():
        row = rows.get(video_id)
        if row is None or status != VideoStatus.READY:
            reason = row.failure_reason if row is not None else ""
            lost.append(f"{video_id}: {status} {reason}".strip())
        elif not row.media_version or not storage.exists(
                keys.master_key(video_id, row.media_version)):
            lost.append(f"{video_id}: ready without a master")
        elif video_id not in catalog:
            lost.append(f"{video_id}: ready without a catalog row")
    for prefix in ("raw/", "media/"):
        for item in storage.list_keys(prefix):
            video_id = item["Key"].split("/")[1]
            row = rows.get(video_id)
            if row is None:
                orphaned.append(item["Key"])
                continue
            version = keys.version_of(video_id, item["Key"]) if prefix == "media/" else None
            if version is not None and version not in (row.media_version,
                                                       row.retired_version):
                orphaned.append(item["Key"])  # a version no row points at (a crashed run's)
    orphaned += [f"catalog row of {v}" for v in catalog - set(rows)]
    orphaned += [f"row of deleted {v}" for v in ledger.deleted & set(rows)]
    return {"lost": lost, "orphaned": orphaned}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--uploads-per-minute", type=float, default=4)
    parser.add_argument("--profile", choices=["embedded", "cluster"], default="embedded")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-soak-", ignore_cleanup_errors=True) as tmp:
        root = Path(tmp)
        clips = [make_test_clip(root / f"clip-{n}.mp4", seconds=s, width=320, height=180)
                 for n, s in enumerate((1, 2, 3))]
        argv = [REELHOUSE, "up", *(["--profile", "cluster"] if args.profile == "cluster" else [])]
        stack = Stack(root / "state", argv, {})
        try:
            stack.wait_up()
            users = [f"soak{n}" for n in range(USERS)]
            for name in users:
                stack.cli("users", "add", name, "--password", USER_PASSWORD)
            ledger, stop = Ledger(), threading.Event()
            uploads = Uploads(args.uploads_per_minute)
            players = [Player(stack, users[n % USERS], USER_PASSWORD, clips, ledger, uploads,
                              stop, args.seed * 1000 + n) for n in range(args.clients)]
            print(f"{datetime.now():%H:%M:%S} {args.clients} clients for {args.minutes:g} min "
                  f"on the {args.profile} profile")
            started = time.monotonic()
            for player in players:
                player.start()
            stop.wait(args.minutes * 60)
            stop.set()
            for player in players:
                player.join(120)
            elapsed = time.monotonic() - started
            print(f"{datetime.now():%H:%M:%S} {sum(ledger.ops.values())} operations; draining")
            final = drain(stack, list(ledger.alive), timeout_s=1800)
            swept = sweep(stack)
            found = audit(stack, ledger, final)
        finally:
            stack.stop()
    errors_5xx = sum(n for answer, n in ledger.answers.items() if answer.startswith("5"))
    # No answer at all (a timeout, a reset): the user saw a failure too, counted apart.
    no_answer = ledger.answers.get("error", 0)
    print(f"\n{sum(ledger.ops.values())} operations in {elapsed:.0f} s "
          f"({sum(ledger.ops.values()) / elapsed:.1f}/s) by {args.clients} clients:")
    for op, count in sorted(ledger.ops.items()):
        p50 = statistics.median(ledger.latencies[op]) * 1000
        print(f"  {op:<11}{count:6d}   median {p50:7.1f} ms")
    print(f"  answers: {dict(sorted(ledger.answers.items()))}")
    print(f"  sweeper: {swept}")
    for kind in ("lost", "orphaned"):
        print(f"  {kind}: {len(found[kind])}")
        for line in found[kind][:20]:
            print(f"    {line}")
    for line in ledger.errors[:20]:
        print(f"  error: {line}")
    ops = sum(ledger.ops.values())
    print(json.dumps({"bench": "soak", "profile": args.profile, "minutes": args.minutes,
                      "clients": args.clients, "ops": ops, "ops_per_s": round(ops / elapsed, 2),
                      "errors_5xx": errors_5xx, "no_answer": no_answer,
                      "lost": len(found["lost"]),
                      "orphaned": len(found["orphaned"]), "videos": len(final),
                      "deleted": len(ledger.deleted),
                      "answers": dict(sorted(ledger.answers.items())),
                      "ok": errors_5xx == 0 and not no_answer and not found["lost"]
                      and not found["orphaned"]}))


if __name__ == "__main__":
    main()
