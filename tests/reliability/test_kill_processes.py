"""kill -9 each part of a running stack at a stage that matters: every video still ends `ready`
(retried) or `failed` with a reason, and what players get is whole."""

from __future__ import annotations

from pathlib import Path

import psutil

from reelhouse.records import VideoStatus
from tests.reliability.conftest import FaultStack, assert_plays, wait_final, wait_for


def _transcoding(stack: FaultStack, video_id: str) -> bool:
    """The hls step has reported progress: ffmpeg is mid-ladder."""
    with stack.client() as api:
        video = api.video(video_id)
    return video.status == VideoStatus.PROCESSING and (video.progress or 0) > 0


def test_a_run_killed_mid_transcode_is_noticed_and_retried_to_ready(fault_stack: FaultStack,
                                                                      clip: Path) -> None:
    """Its process gone, the run is marked failed by run monitoring and run retries start it
    again from the failed step; the video never sits in `processing` for ever, and no
    ffmpeg of the dead run goes on writing."""
    with fault_stack.client() as api:
        video_id = api.upload(clip, title="killed mid transcode", progress=False).id
        wait_for(lambda: _transcoding(fault_stack, video_id), 300, "the transcode to start")
        (run,) = fault_stack.runs(video_id)
        pid = fault_stack.run_pid(run.run_id)
        assert pid is not None
        worker = psutil.Process(pid)
        ffmpegs = [p for p in worker.children(recursive=True) if "ffmpeg" in p.name()]
        worker.kill()
        assert wait_final(api, video_id) == VideoStatus.READY, api.video(video_id)
        assert_plays(api, video_id)
    runs = fault_stack.runs(video_id)
    assert len(runs) == 2
    retry = next(r for r in runs if r.run_id != run.run_id)
    assert retry.tags.get("dagster/parent_run_id") == run.run_id
    # ffmpeg's progress pipe broke with its parent: it stopped rather than race the retry.
    wait_for(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE
                             for p in ffmpegs), 30, "the dead run's ffmpeg to stop")


def test_the_daemon_killed_after_an_upload_is_started_again_and_the_video_gets_ready(
        fault_stack: FaultStack, clip: Path) -> None:
    """The stack starts the daemon again; the sensor finds the waiting upload (the API's
    database says what waits, not a cursor), and one run per upload makes it ready."""
    with fault_stack.client() as api:
        video_id = api.upload(clip, title="daemon killed", progress=False).id
        old = fault_stack.kill("daemon")
        fault_stack.wait_restarted("daemon", old)
        assert wait_final(api, video_id) == VideoStatus.READY, api.video(video_id)
        assert_plays(api, video_id)
    succeeded = [r for r in fault_stack.runs(video_id) if r.status.value == "SUCCESS"]
    assert len(succeeded) == 1


def test_the_api_killed_is_started_again_and_serves_without_losing_a_video(
        fault_stack: FaultStack, clip: Path) -> None:
    """uvicorn's master killed: its workers are cleared off the port, the API starts again,
    a video uploaded before is still there and plays, and a new upload goes through."""
    with fault_stack.client() as api:
        before = api.upload(clip, title="before the API died", progress=False).id
        assert wait_final(api, before) == VideoStatus.READY
    old = fault_stack.kill("api")
    fault_stack.wait_restarted("api", old)
    with fault_stack.client() as api:
        assert api.video(before).status == VideoStatus.READY
        assert_plays(api, before)
        after = api.upload(clip, title="after the API came back", progress=False).id
        assert wait_final(api, after) == VideoStatus.READY


def test_seaweedfs_killed_mid_processing_is_started_again_and_nothing_is_lost(
        fault_stack: FaultStack, clip: Path) -> None:
    """Storage gone mid-transcode and back: the steps' storage retries (or the run's retry)
    carry the video to ready, and the video uploaded before still plays."""
    with fault_stack.client() as api:
        first = api.upload(clip, title="stored before", progress=False).id
        assert wait_final(api, first) == VideoStatus.READY
        second = api.upload(clip, title="processing while storage restarts", progress=False).id
        wait_for(lambda: _transcoding(fault_stack, second), 300, "the transcode to start")
        old = fault_stack.kill("s3")
        fault_stack.wait_restarted("s3", old)
        assert wait_final(api, second) in (VideoStatus.READY, VideoStatus.FAILED)
        video = api.video(second)
        assert video.status == VideoStatus.READY or video.failure_reason, video
        assert_plays(api, first)
