"""Benchmark: from upload completion to the first frame a player can fetch, and to `ready`.

A real stack in miniature: the embedded S3 (SeaweedFS), a SQLite API database, the signing
API, a `dagster-daemon` and the Dagster webserver over workspace.yaml with the instance config
Reelhouse expects (queued runs, a 1 s dequeue, the transcode pool). Each sample uploads a
generated clip, then marks the video `uploaded` as the API does when an upload completes and
launches its run through GraphQL as the API's complete does right after answering (with
`--no-direct-launch`: no webserver, the uploads sensor starts the run); the clock starts at the
commit. First frame (`first_frame_s`): the API hands out playback, and the master, the top
rung's playlist and its first segment all download, as a player fetches them. Ready
(`to_ready_s`): the whole ladder, MP4, thumbnails and catalog rows are done.

Baseline: the one-process transcode of the whole clip (`transcode_s`, what a viewer waited
for before progressive publishing; with --no-baseline, the chunked ladder's own wall time).
Target: first_frame_s <= 10 s (goal 8) at any length.
Usage: .venv/bin/python bench/time_to_playable.py [--samples 3] [--seconds 6] [--height 720]
       [--no-direct-launch] [--no-baseline]
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
from reelhouse.accounts import create_user
from reelhouse.client import Client
from reelhouse.client.errors import NotReady
from reelhouse.config import Settings, load_settings
from reelhouse.dagster_instance import write_instance
from reelhouse.db import Database, Video, new_id, utcnow
from reelhouse.media.playlists import parse_master_playlist, parse_media_playlist
from reelhouse.media.samples import make_test_clip
from reelhouse.ports import free_port, free_s3_port
from reelhouse.records import VideoStatus
from reelhouse.stack import (
    Supervisor,
    api_service,
    daemon_service,
    s3_service,
    webserver_service,
)
from reelhouse.storage import Storage
from signing_api.dagster_launch import DagsterLauncher

TARGET_FIRST_FRAME_S = 10.0
PASSWORD = "bench-password"


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


def _first_frame(api: Client, video_id: str) -> bool:
    """A player could show the first frame now: playback URLs, the master, the top rung's
    playlist and its first segment (and init section) all download."""
    try:
        playback = api.playback(video_id)
    except NotReady:
        return False
    with httpx.Client(timeout=10) as http:
        master = http.get(playback.hls)
        if master.status_code != 200:
            return False
        variants = parse_master_playlist(master.text).variants
        rung = http.get(str(master.url.join(variants[0].uri)))
        if rung.status_code != 200:
            return False
        media = parse_media_playlist(rung.text)
        if not media.segments or media.init_uri is None:
            return False
        return all(http.get(str(rung.url.join(uri))).status_code == 200
                   for uri in (media.init_uri, media.segments[0].uri))


def sample(settings: Settings, storage: Storage, db: Database, instance: dg.DagsterInstance,
           clip: Path, owner_id: int, launcher: DagsterLauncher | None,
           api: Client) -> dict[str, float]:
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
    first = _wait(lambda: _first_frame(api, video_id), 900, "the first frame", 0.1)
    finished = (VideoStatus.READY, VideoStatus.FAILED)
    ready = _wait(lambda: _status(db, video_id) in finished, 7200, "ready", 0.5)
    if _status(db, video_id) != VideoStatus.READY:
        raise RuntimeError(f"{video_id} failed; see the Dagster run")
    [record] = instance.get_run_records(dg.RunsFilter(tags={"dagster/partition": video_id}))
    events = _milestones(instance, record.dagster_run.run_id)
    created = record.create_timestamp.timestamp()
    hls = read_facts(storage, video_id, "hls", _live(db, video_id)) or {}
    return {"first_frame_s": round(first - t0, 2), "to_ready_s": round(ready - t0, 2),
            "launch_s": round(created - t0, 2),
            "dequeue_s": round(events["RUN_STARTING"] - created, 2),
            "worker_start_s": round(events["RUN_START"] - events["RUN_STARTING"], 2),
            "probe_s": round(events[PLAN] - events["RUN_START"], 2),
            "plan_s": round(events[HEAD] - events[PLAN], 2),
            "head_to_first_frame_s": round(first - events[HEAD], 2),
            "ladder_s": hls.get("elapsed_s", 0.0), "encode_s": hls.get("encode_s", 0.0),
            "chunks": hls.get("chunks", 0)}


PLAN, HEAD = "hls_renditions.hls_plan", "hls_renditions.hls_head"


def one_process_s(clip: Path) -> dict[str, float]:
    """The baseline: the whole ladder in one ffmpeg process, as viewers waited for it."""
    from reelhouse.media.hls import transcode_hls
    from reelhouse.media.ladder import plan_ladder
    from reelhouse.media.probe import probe

    with tempfile.TemporaryDirectory(prefix="bench-ttp-one-") as out:
        source = probe(clip)
        result = transcode_hls(clip, source, plan_ladder(source), Path(out) / "hls")
    return {"transcode_s": result.elapsed_s}


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
    parser.add_argument("--no-baseline", dest="baseline", action="store_false",
                        help="skip the one-process transcode of the clip")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ttp-") as tmp:
        state = Path(tmp)
        settings = _settings(state, args.direct_launch)
        clip = make_test_clip(state / "clip.mp4", seconds=args.seconds,
                              width=args.height * 16 // 9 // 2 * 2, height=args.height)
        warmup = make_test_clip(state / "warmup.mp4", seconds=2, width=320, height=180)
        supervisor = Supervisor(state / "logs")
        try:
            supervisor.start(s3_service(settings), timeout_s=60)
            storage = Storage(settings)
            storage.ensure_bucket()
            db = Database(settings)
            db.upgrade()
            with db.session() as session:
                owner = create_user(session, "bench", PASSWORD)
                session.flush()
                owner_id = owner.id
            api_port = free_port()
            supervisor.start(api_service(settings, api_port), timeout_s=120)
            api = Client(f"http://127.0.0.1:{api_port}", username="bench", password=PASSWORD)
            home = write_instance(settings, state / "dagster")
            supervisor.start(daemon_service(settings, home))
            launcher = DagsterLauncher.from_settings(settings)
            if launcher is not None:
                supervisor.start(webserver_service(settings, home), timeout_s=120)
                _wait(lambda: _location_loaded(settings), 120, "the webserver's code location")
            with dg.DagsterInstance.from_config(str(home)) as instance:
                print(f"{datetime.now():%H:%M:%S} warm-up run (daemon and code server start)")
                sample(settings, storage, db, instance, warmup, owner_id, launcher, api)
                results = []
                for i in range(args.samples):
                    results.append(sample(settings, storage, db, instance, clip, owner_id,
                                          launcher, api))
                    print(f"sample {i + 1}: " + ", ".join(f"{k} {v}"
                                                          for k, v in results[-1].items()))
        finally:
            supervisor.stop(grace_s=5)
        # On the quiet machine, after the stack has stopped.
        baseline = one_process_s(clip) if args.baseline else {"transcode_s": 0.0}
    median = {k: round(statistics.median(r[k] for r in results), 2) for k in results[0]}
    print(f"\n{args.seconds:g} s {args.height}p clip, {args.samples} sample(s) (median):")
    print(f"  upload complete -> first frame      {median['first_frame_s']:7.2f} s "
          f"(target <= {TARGET_FIRST_FRAME_S:g} s)")
    how = "direct launch" if args.direct_launch else "sensor tick"
    print(f"    {how} {median['launch_s']} s, dequeue {median['dequeue_s']} s, run worker "
          f"start {median['worker_start_s']} s, probe {median['probe_s']} s, plan "
          f"{median['plan_s']} s, head chunk + first audio + fetch "
          f"{median['head_to_first_frame_s']} s")
    print(f"  upload complete -> ready            {median['to_ready_s']:7.2f} s "
          f"(ladder {median['ladder_s']} s in {median['chunks']:g} chunks)")
    if args.baseline:
        ratio = baseline["transcode_s"] / median["first_frame_s"]
        print(f"  one-process ladder (baseline)       {baseline['transcode_s']:7.2f} s: the "
              f"first frame comes {ratio:.1f}x sooner")
    else:  # without progressive publishing, viewers waited for the whole ladder
        ratio = median["ladder_s"] / median["first_frame_s"]
        print(f"  whole ladder (baseline)             {median['ladder_s']:7.2f} s: the "
              f"first frame comes {ratio:.1f}x sooner")
    print(json.dumps({"bench": "time_to_playable", "clip_s": args.seconds,
                      "direct_launch": args.direct_launch, "height": args.height,
                      "first_frame_s": median["first_frame_s"],
                      "to_ready_s": median["to_ready_s"],
                      "one_process_transcode_s": baseline["transcode_s"],
                      "sooner_x": round(ratio, 2),
                      "samples": results, "median": median,
                      "target_first_frame_s": TARGET_FIRST_FRAME_S,
                      "ok": median["first_frame_s"] <= TARGET_FIRST_FRAME_S}))


if __name__ == "__main__":
    main()
