"""A process of the stack killed (SIGKILL) at the exact line a stage is most fragile at, via
reelhouse.faults: the API mid-complete, a run mid-publish and mid-catalog write. Afterwards
the video is `ready` and plays, and no player was ever handed a half-published version."""

from __future__ import annotations

import struct
import threading
from pathlib import Path

import pytest

from reelhouse.client.errors import NotReady
from reelhouse.records import VideoStatus
from tests.reliability.conftest import FaultStack, assert_plays, wait_final


@pytest.fixture(scope="session")
def big_clip(clip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clip with a 6 MiB `free` box after it: still a valid MP4, but two parts of the
    stack's 5 MiB (see fault_stack)."""
    out = tmp_path_factory.mktemp("big") / "big.mp4"
    pad = 6 * 1024 * 1024
    out.write_bytes(clip.read_bytes() + struct.pack(">I", pad) + b"free" + bytes(pad - 8))
    return out


def test_the_api_killed_after_assembling_an_upload_completes_it_on_retry(
        fault_stack: FaultStack, big_clip: Path) -> None:
    """The API dies after S3 assembled the parts, before the video was marked uploaded: the
    SDK's retried complete (the API started again meanwhile) finds the object and finishes."""
    fault_stack.arm("upload.assembled")
    with fault_stack.client() as api:
        video = api.upload(big_clip, title="api killed mid complete", progress=False)
        fault_stack.wait_fired("upload.assembled", timeout_s=5)
        assert wait_final(api, video.id) == VideoStatus.READY, api.video(video.id)
        assert api.video(video.id).source_size == big_clip.stat().st_size
        assert_plays(api, video.id)


def _never_half_published(fault_stack: FaultStack, video_id: str, stop: threading.Event,
                          seen: list[str]) -> None:
    """Play the video as often as it lets us until `stop`: every master it hands out plays."""
    with fault_stack.client() as api:
        while not stop.is_set():
            try:
                assert_plays(api, video_id)
                seen.append("played")
            except NotReady:
                seen.append("not ready")
            except Exception as e:  # noqa: BLE001 - reported by the test
                seen.append(f"broken: {e}")
            stop.wait(0.5)


@pytest.mark.parametrize("point", ["publish.before_master", "catalog.before_ready"])
def test_a_run_killed_mid_publish_or_mid_catalog_write_is_retried_to_ready(
        fault_stack: FaultStack, clip: Path, point: str) -> None:
    """The run dies with its segments and playlists written but no master (or with its
    catalog row written but the video not yet ready); run monitoring and run retries carry
    it to ready, and meanwhile a player is refused or plays, never gets a broken master."""
    fault_stack.arm(point)
    stop, seen = threading.Event(), []
    with fault_stack.client() as api:
        video_id = api.upload(clip, title=f"killed at {point}", progress=False).id
        player = threading.Thread(target=_never_half_published,
                                  args=(fault_stack, video_id, stop, seen))
        player.start()
        try:
            fault_stack.wait_fired(point, timeout_s=300)
            assert wait_final(api, video_id) == VideoStatus.READY, api.video(video_id)
        finally:
            stop.set()
            player.join(60)
        assert_plays(api, video_id)
    assert not [s for s in seen if s.startswith("broken")], seen
    runs = fault_stack.runs(video_id)
    assert len(runs) == 2, [r.status for r in runs]
