"""Benchmark: from upload completion to a playable master, beside the transcode's own time.

A real stack in miniature: the embedded S3 (SeaweedFS), a SQLite API database, a
`dagster-daemon` and the Dagster webserver over workspace.yaml with the instance config
Reelhouse expects (queued runs, a 1 s dequeue, the transcode pool). Each sample uploads a
generated clip, then marks the video `uploaded` as the API does when an upload completes and
launches its run through GraphQL as the API's complete does right after answering (with
`--no-direct-launch`: no webserver, the uploads sensor starts the run); the clock starts at the
commit and stops when the video's row points at a live version. Overhead = that time minus the
transcode's own wall time (as hls_renditions measured it): launch, queue, run start-up, probe,
publish.

Baseline: the transcode alone (overhead 0). Target: overhead under 10 s.
Usage: .venv/bin/python bench/time_to_playable.py [--samples 3] [--seconds 6] [--height 720]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import dagster as dg
import httpx

from assets.facts import read_facts
from reelhouse import keys
from reelhouse.config import Settings, load_settings
from reelhouse.dagster_instance import write_instance
from reelhouse.db import Database, User, Video, new_id, utcnow
from reelhouse.media.samples import make_test_clip
from reelhouse.ports import free_port, free_s3_port
from reelhouse.records import VideoStatus
from reelhouse.stack import Supervisor, daemon_service, s3_service, webserver_service
from reelhouse.storage import Storage
from signing_api.dagster_launch import DagsterLauncher

TARGET_OVERHEAD_S = 10.0


def _settings(state: Path, direct_launch: bool) -> Settings:
    return load_settings(state_dir=state, s3_port=free_s3_port(), seed_sample=False,
                         database_url=f"sqlite:///{state / 'api.db'}",
                         dagster_port=free_port(), direct_launch=direct_launch)


def _location_loaded(settings: Settings) -> bool:
    query = "query { workspaceOrError { ... on Workspace { locationEntries { loadStatus } } } }"
    try:
        entries = httpx.post(settings.dagster_graphql, json={"query": query}, timeout=5).json()[
            "data"]["workspaceOrError"]["locationEntries"]
    except (httpx.HTTPError, KeyError, TypeError):
        return False
    return bool(entries) and all(e["loadStatus"] == "LOADED" for e in entries)


def _wait(condition, timeout_s: float, what: str, step_s: float = 0.05) -> float:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(step_s)
    return time.time()


def _status(db: Database, video_id: str) -> str:
    with db.session() as session:
        video = session.get(Video, video_id)
        return video.status if video else ""


def _live(db: Database, video_id: str) -> str | None:
    with db.session() as session:
        video = session.get(Video, video_id)
        return video.media_version if video else None


def sample(settings: Settings, storage: Storage, db: Database, instance: dg.DagsterInstance,
           clip: Path, owner_id: int, launcher: DagsterLauncher | None) -> dict[str, float]:
    """One upload through the daemon; seconds from `uploaded` to each milestone."""
    video_id = new_id()
    storage.put_file(keys.source_key(video_id), clip, "video/mp4")
    with db.session() as session:
        session.add(Video(id=video_id, owner_id=owner_id, title="bench",
                          status=VideoStatus.UPLOADED,
                          upload_version=1, source_size=clip.stat().st_size,
                          uploaded_at=utcnow()))
    t0 = time.time()  # the upload is complete from here
    if launcher is not None:  # what the API's complete does once it has answered
        launcher.launch(video_id, 1, time.monotonic() + launcher.grace_s / 2)
    # Playable: the row points players at a version (published_media flipped it).
    playable = _wait(lambda: _live(db, video_id) is not None, 600, "a live version")
    finished = (VideoStatus.READY, VideoStatus.FAILED)
    ready = _wait(lambda: _status(db, video_id) in finished, 600, "ready", 0.2)
    if _status(db, video_id) != VideoStatus.READY:
        raise RuntimeError(f"{video_id} failed; see the Dagster run")
    [record] = instance.get_run_records(dg.RunsFilter(tags={"dagster/partition": video_id}))
    events = _milestones(instance, record.dagster_run.run_id)
    created = record.create_timestamp.timestamp()
    transcode_s = (read_facts(storage, video_id, "hls", _live(db, video_id)) or {})["elapsed_s"]
    to_playable = playable - t0
    return {"to_playable_s": round(to_playable, 2), "transcode_s": transcode_s,
            "overhead_s": round(to_playable - transcode_s, 2),
            "launch_s": round(created - t0, 2),
            "dequeue_s": round(events["RUN_STARTING"] - created, 2),
            "worker_start_s": round(events["RUN_START"] - events["RUN_STARTING"], 2),
            "probe_s": round(events["hls_renditions"] - events["RUN_START"], 2),
            "hls_step_s": round(playable - events["hls_renditions"], 2),
            "to_ready_s": round(ready - t0, 2)}


def _milestones(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    """Wall-clock times of the run's lifecycle events and of each step's start."""
    found: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        kind = event.event_type.name  # RUN_STARTING, RUN_START, STEP_START, ...
        found.setdefault((event.step_key if kind == "STEP_START" else kind) or "", entry.timestamp)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--no-direct-launch", dest="direct_launch", action="store_false",
                        help="no webserver: the uploads sensor starts every run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ttp-") as tmp:
        state = Path(tmp)
        settings = _settings(state, args.direct_launch)
        clip = make_test_clip(state / "clip.mp4", seconds=args.seconds,
                              width=args.height * 16 // 9 // 2 * 2, height=args.height)
        supervisor = Supervisor(state / "logs")
        try:
            supervisor.start(s3_service(settings), timeout_s=60)
            storage = Storage(settings)
            storage.ensure_bucket()
            db = Database(settings)
            db.upgrade()
            with db.session() as session:
                owner = User(username="bench", password_hash="-")
                session.add(owner)
                session.flush()
                owner_id = owner.id
            home = write_instance(settings, state / "dagster")
            supervisor.start(daemon_service(settings, home))
            launcher = DagsterLauncher.from_settings(settings)
            if launcher is not None:
                supervisor.start(webserver_service(settings, home), timeout_s=120)
                _wait(lambda: _location_loaded(settings), 120, "the webserver's code location")
            with dg.DagsterInstance.from_config(str(home)) as instance:
                print(f"{datetime.now():%H:%M:%S} warm-up run (daemon and code server start)")
                sample(settings, storage, db, instance, clip, owner_id, launcher)
                results = []
                for i in range(args.samples):
                    results.append(sample(settings, storage, db, instance, clip, owner_id,
                                          launcher))
                    print(f"sample {i + 1}: " + ", ".join(f"{k} {v}"
                                                          for k, v in results[-1].items()))
        finally:
            supervisor.stop(grace_s=5)
    median = {k: round(statistics.median(r[k] for r in results), 2) for k in results[0]}
    print(f"\n{args.seconds:g} s {args.height}p clip, {args.samples} samples (median):")
    print(f"  upload complete -> playable master  {median['to_playable_s']:6.2f} s")
    print(f"  transcode itself (baseline)         {median['transcode_s']:6.2f} s")
    print(f"  overhead                            {median['overhead_s']:6.2f} s "
          f"(target < {TARGET_OVERHEAD_S:g} s)")
    how = "direct launch" if args.direct_launch else "sensor tick"
    print(f"    {how} {median['launch_s']} s, dequeue {median['dequeue_s']} s, run worker "
          f"start {median['worker_start_s']} s, probe {median['probe_s']} s, hls step "
          f"{median['hls_step_s']} s (transcode + upload)")
    print(f"  upload complete -> ready            {median['to_ready_s']:6.2f} s")
    print(json.dumps({"bench": "time_to_playable", "clip_s": args.seconds,
                      "direct_launch": args.direct_launch,
                      "height": args.height, "samples": results, "median": median,
                      "target_overhead_s": TARGET_OVERHEAD_S,
                      "ok": median["overhead_s"] < TARGET_OVERHEAD_S}))


if __name__ == "__main__":
    main()
