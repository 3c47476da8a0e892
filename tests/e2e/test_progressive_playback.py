"""Progressive playback in Chromium: hls.js plays a video while it is still being built (its
playlists are EVENT playlists that grow as chunks are stored, whatever their order) from its
start, through every chunk join to the end with no stall over a second and no error, and
switches rungs cleanly at joins; the notebook widget and the dashboard keep their player
mounted until the video is ready.

The video is built without Dagster (tests/e2e/harness/growing.py): a 30 s clip encoded once
per module as chunks of 2, 4, 8, 8 and 8 s, published by the tests as the pipeline's steps
publish them. Players are read through their `element.player` handle (frontend/src/lib/
player.js: the video element, hls.js, and `health()`: stalls, hls.js errors, rung switches).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from reelhouse.widgets import Player
from tests.e2e.conftest import screenshot
from tests.e2e.harness.growing import ChunkedLadder, GrowingVideo, encode_ladder
from tests.e2e.harness.kernel import Bridge, widget_kernel
from tests.e2e.harness.server import serve_harness
from tests.e2e.harness.stack import ApiStack, api_stack
from tests.helpers import free_port

pytestmark = pytest.mark.e2e

Page = Any  # playwright.sync_api.Page, plus the `errors` / `external` lists conftest adds
MAX_STALL_S = 1.0
RATE = 2  # playback rate: the 30 s clip plays in about 15 s
PLAYER = "document.querySelector('.rh-player')?.player"
STATE = f"""() => {{
  const p = {PLAYER};
  if (!p) return null;
  const v = p.video;
  return {{ t: v.currentTime, ended: v.ended, height: v.videoHeight, growing: p.growing(),
            health: p.health(), label: p.el.querySelector('.rh-player-time').textContent }};
}}"""


# --- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def kernel() -> Iterator[Bridge]:
    with widget_kernel() as bridge:
        yield bridge


@pytest.fixture(scope="module")
def harness(kernel: Bridge) -> Iterator[str]:
    with serve_harness(free_port(), kernel) as origin:
        yield origin


@pytest.fixture(scope="module")
def encoding(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Future[ChunkedLadder]]:
    """The clip's chunked ladder, encoded once in the background: every test publishes it as
    a video of its own."""
    with ThreadPoolExecutor(1) as pool:
        yield pool.submit(encode_ladder, Path(tmp_path_factory.mktemp("chunks")))


@pytest.fixture(scope="module")
def stack(encoding: Future[ChunkedLadder],
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiStack]:
    """S3, the API and the dashboard, started while the ladder encodes."""
    with api_stack(tmp_path_factory.mktemp("progressive") / "state", dashboard=True) as running:
        yield running


@pytest.fixture(scope="module")
def ladder(encoding: Future[ChunkedLadder], stack: ApiStack) -> ChunkedLadder:
    encoded = encoding.result(timeout=300)
    assert encoded.joins_s == (2.0, 6.0, 14.0, 22.0) and encoded.length_s == 30.0
    assert [r.height for r in encoded.plan.rungs] == [360, 240]
    return encoded


@pytest.fixture
def hpage(page: Page, harness: str) -> Page:
    page.goto(f"{harness}/harness/index.html")
    page.wait_for_function("() => window.rh !== undefined")
    return page


# --- helpers -------------------------------------------------------------------------------
def play_in_widget(page: Page, kernel: Bridge, stack: ApiStack, video_id: str,
                   rate: float = 1) -> Player:
    """The notebook Player widget for `video_id`, autoplaying muted at `rate` in the page."""
    player = Player(video_id, api_url=stack.api_url, token=stack.token, autoplay=True,
                    muted=True, poll_s=0.5)
    page.evaluate("([i]) => rh.mountWidget('player', i)", [kernel.display(player)])
    page.wait_for_function(f"() => {PLAYER} !== undefined", timeout=30_000)
    page.evaluate(f"([r]) => {{ const v = {PLAYER}.video; v.defaultPlaybackRate = r;"
                  " v.playbackRate = r; }", [rate])
    return player


def state(page: Page) -> dict[str, Any]:
    """The player's video element, whether its playlists still grow, and its health."""
    return page.evaluate(STATE)  # type: ignore[no-any-return]


def wait_time(page: Page, seconds: float, timeout_s: float = 30) -> dict[str, Any]:
    """The player's state once its video has played past `seconds`."""
    page.wait_for_function(f"([s]) => {PLAYER}?.video.currentTime > s", arg=[seconds],
                           timeout=timeout_s * 1000)
    return state(page)


def eventually(page: Page, check: Any, timeout_s: float, what: str) -> Any:
    """The first truthy value of `check()`, letting the page run meanwhile."""
    deadline = time.monotonic() + timeout_s
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        page.wait_for_timeout(100)
    return value


def long_stalls(health: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in health["stalls"] if s["seconds"] > MAX_STALL_S]


def clean(page: Page) -> None:
    assert page.errors == []
    assert page.external == []


# --- tests ---------------------------------------------------------------------------------
def test_plays_processing_video_from_start(hpage: Page, kernel: Bridge, stack: ApiStack,
                                           ladder: ChunkedLadder) -> None:
    """With 22 s of a processing video published (hls.js would start 12 s before that live
    edge), the widget and the dashboard both play it from 0, show the whole length and the
    progress under the player; once it is ready both players play on, never remounted."""
    video = GrowingVideo(stack, ladder, "Still encoding")
    video.begin(2, 1, 3)  # chunk 2 stored before chunk 1: the playlists reach 22 s at once
    video.report_progress(40.0)
    widget = play_in_widget(hpage, kernel, stack, video.video_id)
    first = wait_time(hpage, 0)
    assert first["t"] < 2, f"started at {first['t']:.1f} s, not at the beginning"
    assert first["growing"] and first["label"].endswith("/ 0:30")
    eventually(hpage, lambda: (widget.status, widget.progress) == ("processing", 40.0), 10,
               "the widget's status")
    hpage.wait_for_function("() => document.querySelector('.rh-player-progress').value === 40")
    assert "Processing: 40% done… The first 0:22 can be played." == \
        hpage.text_content(".rh-message-text")
    hpage.evaluate(f"() => {{ const p = {PLAYER}; p.video.dataset.first = 'yes'; }}")

    dash = hpage.context.new_page()
    dash.errors = []
    dash.on("pageerror", lambda error: dash.errors.append(str(error)))
    dash.goto(f"{stack.settings.dashboard_url}/app?page=video&video={video.video_id}")
    line = dash.locator(".rh-progress-line")
    line.locator("text=Processing: 40% done.").wait_for(timeout=30_000)
    player = dash.locator(".rh-player")
    player.wait_for(state="attached", timeout=30_000)
    player.evaluate("el => { const v = el.player.video; v.muted = true;"
                    " v.dataset.first = 'yes'; v.play().catch(() => {}); }")
    dash.wait_for_function("el => el.player.video.currentTime > 0",
                           arg=player.element_handle(), timeout=30_000)
    assert player.evaluate("el => el.player.video.currentTime") < 2
    screenshot(dash, "dashboard-video-processing")
    screenshot(hpage, "widget-player-processing-playing")

    video.reveal(4)
    video.finish()
    eventually(hpage, lambda: (widget.status, widget.progress) == ("ready", None), 10,
               "the widget to see the video ready")
    hpage.wait_for_function("() => document.querySelector('.rh-player-progress').hidden"
                            " && document.querySelector('.rh-message').textContent === ''")
    line.wait_for(state="hidden", timeout=20_000)  # the page's own refresh, every 4 s
    for page in (hpage, dash):
        assert page.locator(".rh-player").count() == 1
        assert page.locator(".rh-player").evaluate(
            "el => el.player.video.dataset.first") == "yes", "the player was mounted anew"
        at = page.locator(".rh-player").evaluate("el => el.player.video.currentTime")
        page.wait_for_function("([el, t]) => el.player.video.currentTime > t",
                               arg=[page.locator(".rh-player").element_handle(), at],
                               timeout=10_000)
    assert dash.errors == []
    clean(hpage)


def test_plays_through_every_join_without_stall(hpage: Page, kernel: Bridge, stack: ApiStack,
                                                ladder: ChunkedLadder) -> None:
    """Chunks stored while the video plays (chunk 4 before chunk 3), then its final playlists:
    hls.js plays from 0 across all four joins to the end, no wait over a second, no error."""
    video = GrowingVideo(stack, ladder, "Growing while watched")
    video.begin(2, 1)  # 14 s published
    play_in_widget(hpage, kernel, stack, video.video_id, RATE)
    assert wait_time(hpage, 0)["growing"]
    video.reveal(4)  # nothing new for players: chunk 3 is missing
    video.reveal(3)  # now every chunk: the playlists reach 30 s, still without ENDLIST
    wait_time(hpage, ladder.joins_s[-1] - 4)
    video.finish()
    hpage.wait_for_function(f"() => {PLAYER}.video.ended", timeout=40_000)

    end = state(hpage)
    assert end["t"] >= ladder.length_s - 0.5 and not end["growing"]
    assert long_stalls(end["health"]) == [], end["health"]["stalls"]
    assert end["health"]["errors"] == []
    clean(hpage)


def test_rung_switch_at_join_is_clean(hpage: Page, kernel: Bridge, stack: ApiStack,
                                      ladder: ChunkedLadder) -> None:
    """Rungs forced just before joins (immediately with currentLevel, at the next segment
    with nextLevel) switch, the new rung plays across the join, no media error, playback
    goes on."""
    video = GrowingVideo(stack, ladder, "Switching rungs")
    video.begin(1, 2)
    play_in_widget(hpage, kernel, stack, video.video_id, RATE)
    heights = hpage.wait_for_function(f"() => {PLAYER}?.levels().length === 2"
                                      f" && {PLAYER}.levels().map((l) => l.height)",
                                      timeout=30_000).json_value()
    index = {height: i for i, height in enumerate(heights)}
    video.reveal(3)
    video.reveal(4)
    switches = [(ladder.joins_s[1], 240, "currentLevel"), (ladder.joins_s[2], 360, "nextLevel"),
                (ladder.joins_s[3], 240, "nextLevel")]
    for join, height, how in switches:
        asked = wait_time(hpage, join - 2)["t"]
        hpage.evaluate(f"([i, how]) => {{ const p = {PLAYER}; p.hls[how] = i; }}",
                       [index[height], how])
        wait_time(hpage, join + 1)
        switched = hpage.wait_for_function(
            f"([i, t]) => {PLAYER}.health().switches.find((s) => s.level === i && s.at >= t)",
            arg=[index[height], asked - 0.1], timeout=10_000).json_value()
        # The new rung plays the join itself (LEVEL_SWITCHED comes with the player's next tick).
        assert switched["at"] <= join + 1, f"{height}p only from {switched['at']:.1f} s"
        hpage.wait_for_function(f"([h]) => {PLAYER}.video.videoHeight === h", arg=[height],
                                timeout=10_000)
    video.finish()
    end = wait_time(hpage, ladder.joins_s[-1] + 3)
    assert [e for e in end["health"]["errors"] if e["type"] == "mediaError" or e["fatal"]] == []
    clean(hpage)
