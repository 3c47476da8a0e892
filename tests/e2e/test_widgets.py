"""The notebook widgets in headless Chromium, against real S3 and the signing API, from a
page on an origin that no setting names (as a VS Code webview's is).

Jupyter is not needed: tests/e2e/harness/ implements anywidget's model interface and renders
each bundled module (reelhouse/static/widget_*.js) the way a notebook front end does, wired to
the real Python widgets in this process (tests/e2e/harness/kernel.py), which call the API. The
API gives the page's origin no CORS grant: the page reaches only storage's presigned URLs and
the API's signed playlist paths, which answer any origin.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reelhouse import keys
from reelhouse.db import Video, VideoProgress
from reelhouse.widgets import Browser, Player, Uploader
from tests.e2e.conftest import screenshot
from tests.e2e.harness.kernel import Bridge, widget_kernel
from tests.e2e.harness.media import (
    RUNGS,
    SECONDS,
    add_admin_video,
    publish_media,
    publish_ready_video,
)
from tests.e2e.harness.server import serve_harness
from tests.e2e.harness.stack import ApiStack, api_stack
from tests.helpers import MEDIA_VERSION, free_port

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
PART = 5 * MIB
Page = Any  # playwright.sync_api.Page, plus the `errors` / `external` lists conftest adds


# --- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def kernel() -> Iterator[Bridge]:
    """Widgets made in these tests talk to the harness page."""
    with widget_kernel() as bridge:
        yield bridge


@pytest.fixture(scope="module")
def harness(kernel: Bridge) -> Iterator[str]:
    with serve_harness(free_port(), kernel) as origin:
        yield origin


@pytest.fixture(scope="module")
def stack(harness: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiStack]:
    with api_stack(tmp_path_factory.mktemp("widgets") / "state") as running:
        assert harness not in running.settings.allowed_origins
        yield running


@pytest.fixture(scope="module")
def ready_video(stack: ApiStack, tmp_path_factory: pytest.TempPathFactory) -> str:
    return publish_ready_video(stack, tmp_path_factory.mktemp("ladder"), "Ladder test pattern")


@pytest.fixture
def hpage(page: Page, harness: str, stack: ApiStack) -> Page:
    """The harness page; `api_calls` records what it asks of the API directly."""
    page.api_calls = []
    page.on("request", lambda r: r.url.startswith(stack.api_url) and page.api_calls.append(r.url))
    page.goto(f"{harness}/harness/index.html")
    page.wait_for_function("() => window.rh !== undefined")
    return page


# --- helpers -------------------------------------------------------------------------------
def random_file(path: Path, size: int) -> str:
    """Write `size` random bytes to `path`; return their SHA-256."""
    data = os.urandom(size)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def mount(page: Page, kernel: Bridge, name: str, widget: Any, view: str | None = None) -> str:
    """Show the Python `widget` in the page with the `widget_<name>` front end."""
    return page.evaluate("([n, i, v]) => rh.mountWidget(n, i, v)",
                         [name, kernel.display(widget), view or name])


def eventually(page: Page, check: Callable[[], Any], timeout_s: float = 60,
               what: str = "") -> Any:
    """The first truthy value `check` returns, polling until `timeout_s`; the page's events
    (requests seen) are delivered meanwhile, as Playwright does only while it is called."""
    deadline = time.monotonic() + timeout_s
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what or check}"
        page.wait_for_timeout(100)
    return value


def wait_upload(page: Page, uploader: Uploader, condition: Callable[[dict[str, Any]], bool],
                timeout_s: float = 60) -> dict[str, Any]:
    """The first upload row, as the kernel sees it, once it satisfies `condition`."""
    return eventually(page, lambda: uploader.uploads and condition(uploader.uploads[0])
                      and uploader.uploads[0], timeout_s, "the upload row")


def new_uploader(stack: ApiStack, concurrency: int = 4) -> Uploader:
    return Uploader(api_url=stack.api_url, token=stack.token, concurrency=concurrency)


def kernel_calls(page: Page, view: str, suffix: str) -> list[dict[str, Any]]:
    """The API requests the page's view sent to the kernel whose path ends with `suffix`."""
    return [m for m in page.evaluate("([v]) => rh.model(v).sent", [view])
            if m.get("type") == "api" and m["path"].endswith(suffix)]


def throttle_uploads(page: Page, bytes_per_s: int) -> Callable[[bool], None]:
    """Cap the page's upload rate (so progress shows on a loopback network); return a switch
    that cuts the network (failing requests in flight) and restores it."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")

    def network(online: bool) -> None:
        cdp.send("Network.emulateNetworkConditions", {
            "offline": not online, "latency": 0, "downloadThroughput": -1,
            "uploadThroughput": bytes_per_s})

    network(True)
    return network


def part_numbers(urls: list[str]) -> list[int]:
    return sorted(int(m.group(1)) for u in urls if (m := re.search(r"[?&]partNumber=(\d+)", u)))


def stored_sha256(stack: ApiStack, video_id: str) -> str:
    return hashlib.sha256(stack.storage.get_bytes(keys.source_key(video_id))).hexdigest()


def s3_puts(page: Page, stack: ApiStack) -> list[str]:
    """Start recording the URLs of PUTs the page sends to S3."""
    urls: list[str] = []
    endpoint = stack.settings.s3_public_endpoint
    page.on("request", lambda r: r.method == "PUT" and r.url.startswith(endpoint)
            and urls.append(r.url))
    return urls


def clean(page: Page) -> None:
    """No page errors, nothing off this machine, and of the API only signed playlist paths."""
    assert page.errors == []
    assert page.external == []
    assert [u for u in page.api_calls if "/api/v1/play/" not in u] == []


def test_the_page_origin_gets_no_cors_grant_from_the_api(harness: str, stack: ApiStack) -> None:
    """The API answers the harness origin's preflight without a grant: had the widgets called
    the API from the page, the browser would have blocked them."""
    response = httpx.options(f"{stack.api_url}/api/v1/videos", headers={
        "Origin": harness, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert "access-control-allow-origin" not in response.headers


# --- Uploader ------------------------------------------------------------------------------
def test_uploader_sends_parts_to_s3_with_progress(hpage: Page, kernel: Bridge, stack: ApiStack,
                                                  tmp_path: Path) -> None:
    """A picked 12 MiB file goes to S3 as three 5 MiB-part PUTs (URLs for part 3 fetched in a
    second batch), shows progress and speed, and lands byte for byte."""
    path = tmp_path / "first-clip.mp4"
    digest = random_file(path, 12 * MIB)
    throttle_uploads(hpage, 4 * MIB)
    puts = s3_puts(hpage, stack)
    uploader = new_uploader(stack)
    seen: list[dict[str, Any]] = []
    uploader.observe(lambda change: seen.extend(change["new"][:1]), names="uploads")
    mount(hpage, kernel, "uploader", uploader)
    hpage.set_input_files(".rh-file-input", str(path))
    hpage.fill(".rh-upload-title", "First upload")
    hpage.fill(".rh-upload-description", "twelve random mebibytes")
    hpage.click(".rh-upload-start")

    hpage.wait_for_function("() => { const p = document.querySelector('.rh-upload-progress');"
                            " return p.value > p.max / 3 && p.value < p.max; }", timeout=20_000)
    status = hpage.text_content(".rh-upload-status") or ""
    assert re.search(r"Uploading · [\d.]+ MB of 12\.6 MB · [\d.]+ MB/s", status), status
    screenshot(hpage, "widget-uploader-progress")
    row = wait_upload(hpage, uploader, lambda u: u["state"] == "done")

    assert stored_sha256(stack, row["video_id"]) == digest
    assert part_numbers(puts) == [1, 2, 3]
    assert [c["body"] for c in kernel_calls(hpage, "uploader", "/parts")] == \
        [{"parts": [{"part_number": 3}]}]
    assert any(0 < s["sent"] < s["total"] and s["speed"] > 0 for s in seen), seen
    assert uploader.done == [row["video_id"]]
    with stack.api() as api:
        video = api.get(f"/videos/{row['video_id']}").json()
    assert (video["status"], video["title"], video["source_size"]) == \
        ("uploaded", "First upload", 12 * MIB)
    assert video["description"] == "twelve random mebibytes"
    screenshot(hpage, "widget-uploader-done")
    clean(hpage)


def test_uploader_resumes_after_a_reload(hpage: Page, kernel: Bridge, stack: ApiStack,
                                         tmp_path: Path) -> None:
    """After a reload mid-upload, picking the same file sends only the parts S3 lacks."""
    path = tmp_path / "reloaded.mp4"
    digest = random_file(path, 12 * MIB)
    cut = re.compile(r"[?&]partNumber=[23](&|$)")
    hpage.route(cut, lambda route: route.abort("connectionreset"))
    uploader = new_uploader(stack)
    mount(hpage, kernel, "uploader", uploader)
    hpage.set_input_files(".rh-file-input", str(path))
    hpage.click(".rh-upload-start")
    video_id = wait_upload(hpage, uploader, lambda u: bool(u["video_id"]), 20)["video_id"]
    with stack.api() as api:
        deadline = time.monotonic() + 20
        while [p["part_number"] for p in api.get(f"/uploads/{video_id}").json()["held"]] != [1]:
            assert time.monotonic() < deadline, "part 1 never reached S3"
            time.sleep(0.2)

    hpage.reload()
    hpage.unroute(cut)
    hpage.wait_for_function("() => window.rh !== undefined")
    mount(hpage, kernel, "uploader", uploader)  # the kernel's widget, drawn by the new page
    interrupted = hpage.locator(".rh-upload-row[data-state='interrupted']")
    assert "reloaded.mp4" in interrupted.text_content()
    assert "choose the same file again" in interrupted.text_content()
    screenshot(hpage, "widget-uploader-interrupted")
    puts = s3_puts(hpage, stack)
    hpage.set_input_files(".rh-file-input", str(path))
    row = wait_upload(hpage, uploader, lambda u: u["state"] == "done")

    assert row["video_id"] == video_id and row["resumed"] is True
    assert part_numbers(puts) == [2, 3]
    assert stored_sha256(stack, video_id) == digest
    assert hpage.evaluate("() => Object.keys(localStorage)") == []  # the resume record is gone
    clean(hpage)


def test_uploader_rides_out_a_dropped_connection(hpage: Page, kernel: Bridge, stack: ApiStack,
                                                 tmp_path: Path) -> None:
    """Cut off mid-upload, the uploader's requests fail and it waits for the network; back
    online it carries on and the object's bytes match."""
    path = tmp_path / "offline.mp4"
    digest = random_file(path, 12 * MIB)
    network = throttle_uploads(hpage, 2 * MIB)
    puts = s3_puts(hpage, stack)
    failed: list[str] = []
    hpage.on("requestfailed", lambda r: failed.append(r.url))
    uploader = new_uploader(stack, concurrency=1)
    states: list[str] = []
    uploader.observe(lambda c: states.extend(u["state"] for u in c["new"][:1]), names="uploads")
    mount(hpage, kernel, "uploader", uploader)
    hpage.set_input_files(".rh-file-input", str(path))
    hpage.click(".rh-upload-start")
    # Part 2 is on the wire (watched in the page: the kernel hears of progress a little later).
    hpage.wait_for_function("([b]) => { const p = document.querySelector('.rh-upload-progress');"
                            " return p && p.value / p.max > b; }",
                            arg=[(PART + MIB // 2) / (12 * MIB)], timeout=30_000)

    network(False)
    # The page cannot tell the kernel while offline: it shows the state itself.
    hpage.wait_for_selector(".rh-upload-row[data-state='offline']", timeout=20_000)
    assert "waiting for the network" in (hpage.text_content(".rh-upload-status") or "")
    screenshot(hpage, "widget-uploader-offline")
    hpage.wait_for_timeout(1000)
    network(True)
    row = wait_upload(hpage, uploader, lambda u: u["state"] == "done")

    assert stored_sha256(stack, row["video_id"]) == digest
    assert failed, "nothing failed while offline"
    assert "offline" in states  # told to the kernel once the page was back
    assert set(part_numbers(puts)) == {1, 2, 3}
    assert hpage.external == []


def test_uploader_re_signs_a_refused_part_url(hpage: Page, kernel: Bridge, stack: ApiStack,
                                             harness: str, tmp_path: Path) -> None:
    """A part PUT that S3 refuses as expired (403) gets a fresh URL from the API and succeeds."""
    path = tmp_path / "expired.mp4"
    digest = random_file(path, 6 * MIB)
    refused: list[str] = []

    def expire_once(route: Any) -> None:
        if refused:
            route.continue_()
            return
        refused.append(route.request.url)
        route.fulfill(status=403, headers={"Access-Control-Allow-Origin": harness},
                      content_type="application/xml",
                      body="<Error><Code>AccessDenied</Code><Message>Request has expired"
                           "</Message></Error>")

    hpage.route(re.compile(r"[?&]partNumber=1(&|$)"), expire_once)
    uploader = new_uploader(stack)
    mount(hpage, kernel, "uploader", uploader)
    hpage.set_input_files(".rh-file-input", str(path))
    hpage.click(".rh-upload-start")
    row = wait_upload(hpage, uploader, lambda u: u["state"] == "done")

    assert len(refused) == 1
    signed = kernel_calls(hpage, "uploader", "/parts")
    assert signed and {"part_number": 1} in signed[0]["body"]["parts"]
    assert stored_sha256(stack, row["video_id"]) == digest
    clean(hpage)


def test_uploader_cancel_aborts_the_upload(hpage: Page, kernel: Bridge, stack: ApiStack,
                                           tmp_path: Path) -> None:
    """Cancel mid-way stops the part PUTs, aborts the session in the API and forgets the resume
    record: no video and no object remain."""
    path = tmp_path / "cancelled.mp4"
    random_file(path, 12 * MIB)
    throttle_uploads(hpage, 2 * MIB)
    uploader = new_uploader(stack)
    mount(hpage, kernel, "uploader", uploader)
    hpage.set_input_files(".rh-file-input", str(path))
    hpage.click(".rh-upload-start")
    video_id = wait_upload(hpage, uploader, lambda u: bool(u["video_id"]) and u["sent"] > MIB,
                           30)["video_id"]
    uploader.cancel_all()  # from Python, as a notebook user would
    row = wait_upload(hpage, uploader, lambda u: u["state"] == "cancelled", 20)

    assert row["sent"] < row["total"]
    with stack.api() as api:
        deadline = time.monotonic() + 10
        while api.get(f"/videos/{video_id}").status_code != 404:
            assert time.monotonic() < deadline, "the API still has the cancelled video"
            time.sleep(0.2)
        assert api.get(f"/uploads/{video_id}").status_code == 404
    assert stack.storage.head(keys.source_key(video_id)) is None
    assert hpage.evaluate("() => Object.keys(localStorage).length") == 0
    assert "Cancelled" in (hpage.text_content(".rh-upload-status") or "")
    clean(hpage)


# --- Player --------------------------------------------------------------------------------
def new_player(stack: ApiStack, video_id: str = "") -> Player:
    return Player(video_id, api_url=stack.api_url, token=stack.token, autoplay=True, muted=True)


def wait_playing(page: Page, after: float = 0.0) -> float:
    page.wait_for_function("([t]) => document.querySelector('.rh-player-video')?.currentTime > t",
                           arg=[after], timeout=30_000)
    return float(page.evaluate("() => document.querySelector('.rh-player-video').currentTime"))


def test_player_plays_switches_rungs_and_previews(hpage: Page, kernel: Bridge, stack: ApiStack,
                                                  ready_video: str) -> None:
    """The player streams a signed ladder, switches to the rung forced from Python, and shows
    storyboard thumbnails over the seek bar."""
    player = new_player(stack, ready_video)
    mount(hpage, kernel, "player", player)
    levels = eventually(hpage, lambda: len(player.levels) == 2 and player.levels, 30, "two rungs")
    hpage.evaluate("() => { document.querySelector('.rh-player-video').loop = true; }")
    by_height = {level["height"]: level["index"] for level in levels}
    assert sorted(by_height) == sorted(h for _, h, _ in RUNGS.values())
    started = wait_playing(hpage, 0.5)

    for height in sorted(by_height):  # low rung, then high
        player.level = by_height[height]
        hpage.wait_for_function(
            "([h]) => document.querySelector('.rh-player-video').videoHeight === h",
            arg=[height], timeout=30_000)
        wanted = by_height[height]
        eventually(hpage, lambda: player.current_level == wanted, 30, "the rung switch")  # noqa: B023
        assert player.rung == levels[by_height[height]]
        assert hpage.text_content(".rh-player-rung") == f"{height}p"
    assert wait_playing(hpage, started + 1.0) > started

    low = min(by_height)
    hpage.select_option(".rh-player-quality", str(by_height[low]))  # the viewer picks a rung
    hpage.wait_for_function("([h]) => document.querySelector('.rh-player-video').videoHeight"
                            " === h", arg=[low], timeout=30_000)
    eventually(hpage, lambda: player.level == by_height[low], 10, "the picked rung in Python")
    assert hpage.text_content(".rh-player-rung") == f"{low}p"
    hpage.select_option(".rh-player-quality", "-1")
    eventually(hpage, lambda: player.level == -1, 10, "level back to auto in Python")
    assert "(auto)" in (hpage.text_content(".rh-player-rung") or "")

    box = hpage.locator(".rh-player-seek").bounding_box()
    hpage.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    preview = hpage.locator(".rh-player-preview")
    preview.wait_for(state="visible")
    style = hpage.evaluate("() => { const s = document.querySelector('.rh-player-thumb').style;"
                           " return [s.backgroundImage, s.backgroundPosition]; }")
    assert "storyboard_000.jpg" in style[0] and "X-Amz-Signature" in style[0]
    assert style[1] == "-320px 0px"  # 60% of 10 s = 6 s: the third tile
    assert preview.text_content() == "0:06"
    assert hpage.get_attribute(".rh-player-video", "poster")
    screenshot(hpage, "widget-player")
    assert player.error == "" and player.status == "ready"
    muted = "() => document.querySelector('.rh-player-video').muted"
    assert hpage.evaluate(muted) is True
    player.muted = False  # after display: takes effect in the page
    hpage.wait_for_function(f"() => !({muted})()", timeout=10_000)
    clean(hpage)


# --- Browser -------------------------------------------------------------------------------
def add_video(stack: ApiStack, title: str) -> str:
    with stack.api() as api:
        response = api.post("/uploads", json={"filename": "clip.mp4", "size": 1000,
                                              "content_type": "video/mp4", "title": title,
                                              "visibility": "public"})
    response.raise_for_status()
    return response.json()["video_id"]


def cards(page: Page) -> list[str]:
    return page.locator(".rh-card .rh-card-title").all_text_contents()


def test_browser_filters_and_opens_a_video(hpage: Page, kernel: Bridge, stack: ApiStack,
                                           ready_video: str) -> None:
    """The grid lists the catalog with poster and duration, filters by text and status, shows
    titles as text, and selecting a card plays it in the linked player."""
    hostile = "<img src=x onerror=alert(1)>"
    for title in ("Harbour at dawn", "Harbour at night", "Mountain pass", hostile):
        add_video(stack, title)
    dialogs: list[str] = []
    hpage.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    browser = Browser(api_url=stack.api_url, token=stack.token, muted=True)
    chosen: list[str] = []
    browser.observe(lambda change: chosen.append(change["new"]), names="selected")
    mount(hpage, kernel, "browser", browser.grid)
    mount(hpage, kernel, "player", browser.player)
    hpage.wait_for_function("() => document.querySelectorAll('.rh-card').length >= 5")
    assert hostile in cards(hpage)
    assert hpage.locator("img[src='x']").count() == 0

    hpage.fill(".rh-search", "harbour")
    hpage.wait_for_function("() => document.querySelectorAll('.rh-card').length === 2")
    assert sorted(cards(hpage)) == ["Harbour at dawn", "Harbour at night"]
    eventually(hpage, lambda: browser.query == "harbour" and len(browser.videos) == 2, 10,
               "the search reaching Python")

    hpage.fill(".rh-search", "")
    hpage.select_option(".rh-status-filter", "ready")
    hpage.wait_for_function("() => document.querySelectorAll('.rh-card').length === 1"
                            " && document.querySelector('.rh-card-duration')")
    card = hpage.locator(f".rh-card[data-id='{ready_video}']")
    assert card.locator(".rh-card-duration").text_content() == f"0:{SECONDS:02d}"
    hpage.wait_for_function("() => document.querySelector('.rh-card img')?.naturalWidth > 0")

    card.click()
    eventually(hpage, lambda: browser.selected == ready_video, 10, "the selection reaching Python")
    assert chosen == [ready_video] and browser.player.video_id == ready_video
    wait_playing(hpage, 0.5)
    browser.status = ""  # from Python: the grid lists every status again
    hpage.wait_for_function("() => document.querySelectorAll('.rh-card').length >= 5")
    browser.page_size = 2  # after display: the grid pages by two
    hpage.wait_for_function("() => document.querySelectorAll('.rh-card').length === 2"
                            " && !document.querySelector('.rh-more').hidden")
    screenshot(hpage, "widget-browser")
    assert dialogs == []
    clean(hpage)


# --- a video on its way to ready ------------------------------------------------------------
def set_processing(stack: ApiStack, video_id: str, percent: float | None = None,
                   status: str = "processing") -> None:
    """Move the video along as the pipeline does: its status, and the transcode's percent."""
    with stack.db.session() as session:
        video = session.get(Video, video_id)
        video.status = status
        if status == "ready":
            video.media_version = MEDIA_VERSION
        if percent is not None:
            session.merge(VideoProgress(video_id=video_id, percent=percent))


def test_player_and_browser_follow_a_video_until_it_is_ready(
        hpage: Page, kernel: Bridge, stack: ApiStack,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """A processing video shows its percent in the player and on its card, both refreshing
    through the kernel by themselves; once ready the player plays it and the card says so."""
    video_id = add_admin_video(stack, "Still cooking", "uploaded")
    player = Player(video_id, api_url=stack.api_url, token=stack.token, muted=True,
                    autoplay=True, poll_s=0.5)
    browser = Browser(api_url=stack.api_url, token=stack.token, query="cooking", refresh_s=0.5)
    mount(hpage, kernel, "player", player)
    mount(hpage, kernel, "browser", browser.grid)
    hpage.wait_for_function("() => document.querySelector('.rh-message')?.textContent"
                            ".includes('waiting for processing to start')")
    badge = f".rh-card[data-id='{video_id}'] .rh-badge"

    set_processing(stack, video_id, 42.0)
    hpage.wait_for_function("() => document.querySelector('.rh-message').textContent"
                            ".includes('Processing: 42% done')", timeout=10_000)
    hpage.wait_for_function(f"() => document.querySelector(\"{badge}\")?.textContent"
                            " === 'processing 42%'", timeout=10_000)
    eventually(hpage, lambda: (player.status, player.progress) == ("processing", 42.0), 10,
               "the player's status in Python")
    screenshot(hpage, "widget-player-processing")
    set_processing(stack, video_id, 80.5)
    hpage.wait_for_function("() => document.querySelector('.rh-player-progress')?.value === 80.5",
                            timeout=10_000)

    publish_media(stack, tmp_path_factory.mktemp("cooked"), video_id)
    set_processing(stack, video_id, status="ready")
    eventually(hpage, lambda: len(player.levels) == 2, 30, "the player loading the ladder")
    wait_playing(hpage, 0.3)
    assert (player.status, player.progress, player.error) == ("ready", None, "")
    hpage.wait_for_function(f"() => document.querySelector(\"{badge}\")?.textContent === 'ready'",
                            timeout=10_000)
    eventually(hpage, lambda: [v["status"] for v in browser.videos] == ["ready"], 10,
               "the browser's videos in Python")
    clean(hpage)
