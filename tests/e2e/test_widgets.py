"""The notebook widgets' JavaScript in headless Chromium, against real S3 and the signing API.

Jupyter is not needed: tests/e2e/harness/ implements anywidget's model interface and renders
each bundled module (reelhouse/static/widget_*.js) the way a notebook front end does. The
harness is served on its own port, which the stack allows in its (API and bucket) CORS rules.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reelhouse import keys
from tests.e2e.conftest import screenshot
from tests.e2e.harness.media import RUNGS, SECONDS, publish_ready_video
from tests.e2e.harness.server import serve_harness
from tests.e2e.harness.stack import ApiStack, api_stack
from tests.helpers import free_port

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
PART = 5 * MIB
Page = Any  # playwright.sync_api.Page, plus the `errors` / `external` lists conftest adds


# --- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def harness() -> Iterator[str]:
    with serve_harness(free_port()) as origin:
        yield origin


@pytest.fixture(scope="module")
def stack(harness: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiStack]:
    with api_stack(tmp_path_factory.mktemp("widgets") / "state", harness) as running:
        yield running


@pytest.fixture(scope="module")
def ready_video(stack: ApiStack, tmp_path_factory: pytest.TempPathFactory) -> str:
    return publish_ready_video(stack, tmp_path_factory.mktemp("ladder"), "Ladder test pattern")


@pytest.fixture
def hpage(page: Page, harness: str) -> Page:
    page.goto(f"{harness}/harness/index.html")
    page.wait_for_function("() => window.rh !== undefined")
    return page


# --- helpers -------------------------------------------------------------------------------
def random_file(path: Path, size: int) -> str:
    """Write `size` random bytes to `path`; return their SHA-256."""
    data = os.urandom(size)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def mount(page: Page, name: str, state: dict[str, Any], view: str | None = None) -> str:
    return page.evaluate("([n, s, v]) => rh.mountWidget(n, s, v)", [name, state, view or name])


def model(page: Page, view: str, name: str) -> Any:
    return page.evaluate("([v, n]) => rh.model(v).get(n)", [view, name])


def wait_upload(page: Page, condition: str, timeout_s: float = 60) -> dict[str, Any]:
    """Wait until the first upload row (as the kernel would see it) satisfies `condition`."""
    page.wait_for_function(f"() => {{ const u = rh.model('uploader').get('uploads')[0];"
                           f" return !!u && ({condition}); }}", timeout=timeout_s * 1000)
    return model(page, "uploader", "uploads")[0]


def uploader_state(stack: ApiStack, concurrency: int = 4) -> dict[str, Any]:
    return {"api_url": stack.api_url, "token": stack.token, "concurrency": concurrency,
            "visibility": "private", "uploads": []}


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
    assert page.errors == []
    assert page.external == []


# --- Uploader ------------------------------------------------------------------------------
def test_uploader_sends_parts_to_s3_with_progress(hpage: Page, stack: ApiStack,
                                                  tmp_path: Path) -> None:
    """A picked 12 MiB file goes to S3 as three 5 MiB-part PUTs (URLs for part 3 fetched in a
    second batch), shows progress and speed, and lands byte for byte."""
    path = tmp_path / "first-clip.mp4"
    digest = random_file(path, 12 * MIB)
    throttle_uploads(hpage, 4 * MIB)
    puts = s3_puts(hpage, stack)
    batches: list[str] = []
    hpage.on("request", lambda r: r.url.endswith("/parts") and batches.append(r.post_data or ""))
    mount(hpage, "uploader", uploader_state(stack))
    hpage.set_input_files(".rh-file-input", str(path))
    hpage.fill(".rh-upload-title", "First upload")
    hpage.fill(".rh-upload-description", "twelve random mebibytes")
    hpage.click(".rh-upload-start")

    hpage.wait_for_function("() => { const p = document.querySelector('.rh-upload-progress');"
                            " return p.value > p.max / 3 && p.value < p.max; }", timeout=20_000)
    status = hpage.text_content(".rh-upload-status") or ""
    assert re.search(r"Uploading · [\d.]+ MB of 12\.6 MB · [\d.]+ MB/s", status), status
    screenshot(hpage, "widget-uploader-progress")
    row = wait_upload(hpage, "u.state === 'done'")

    assert stored_sha256(stack, row["video_id"]) == digest
    assert part_numbers(puts) == [1, 2, 3]
    assert batches == ['{"parts":[{"part_number":3}]}']
    seen = hpage.evaluate("() => rh.model('uploader').saved"
                          ".filter((d) => d.uploads?.length).map((d) => d.uploads[0])")
    assert any(0 < s["sent"] < s["total"] and s["speed"] > 0 for s in seen), seen
    with stack.api() as api:
        video = api.get(f"/videos/{row['video_id']}").json()
    assert (video["status"], video["title"], video["source_size"]) == \
        ("uploaded", "First upload", 12 * MIB)
    assert video["description"] == "twelve random mebibytes"
    screenshot(hpage, "widget-uploader-done")
    clean(hpage)


def test_uploader_resumes_after_a_reload(hpage: Page, stack: ApiStack, tmp_path: Path) -> None:
    """After a reload mid-upload, picking the same file sends only the parts S3 lacks."""
    path = tmp_path / "reloaded.mp4"
    digest = random_file(path, 12 * MIB)
    cut = re.compile(r"[?&]partNumber=[23](&|$)")
    hpage.route(cut, lambda route: route.abort("connectionreset"))
    mount(hpage, "uploader", uploader_state(stack))
    hpage.set_input_files(".rh-file-input", str(path))
    hpage.click(".rh-upload-start")
    video_id = wait_upload(hpage, "!!u.video_id", 20)["video_id"]
    with stack.api() as api:
        deadline = time.monotonic() + 20
        while [p["part_number"] for p in api.get(f"/uploads/{video_id}").json()["held"]] != [1]:
            assert time.monotonic() < deadline, "part 1 never reached S3"
            time.sleep(0.2)

    hpage.reload()
    hpage.unroute(cut)
    hpage.wait_for_function("() => window.rh !== undefined")
    mount(hpage, "uploader", uploader_state(stack))
    interrupted = hpage.locator(".rh-upload-row[data-state='interrupted']")
    assert "reloaded.mp4" in interrupted.text_content()
    assert "choose the same file again" in interrupted.text_content()
    screenshot(hpage, "widget-uploader-interrupted")
    puts = s3_puts(hpage, stack)
    hpage.set_input_files(".rh-file-input", str(path))
    row = wait_upload(hpage, "u.state === 'done'")

    assert row["video_id"] == video_id and row["resumed"] is True
    assert part_numbers(puts) == [2, 3]
    assert stored_sha256(stack, video_id) == digest
    assert hpage.evaluate("() => Object.keys(localStorage)") == []  # the resume record is gone
    assert hpage.errors == [] and hpage.external == []


def test_uploader_rides_out_a_dropped_connection(hpage: Page, stack: ApiStack,
                                                 tmp_path: Path) -> None:
    """Cut off mid-upload, the uploader's requests fail and it waits for the network; back
    online it carries on and the object's bytes match."""
    path = tmp_path / "offline.mp4"
    digest = random_file(path, 12 * MIB)
    network = throttle_uploads(hpage, 2 * MIB)
    puts = s3_puts(hpage, stack)
    failed: list[str] = []
    hpage.on("requestfailed", lambda r: failed.append(r.url))
    mount(hpage, "uploader", uploader_state(stack, concurrency=1))
    hpage.set_input_files(".rh-file-input", str(path))
    hpage.click(".rh-upload-start")
    wait_upload(hpage, f"u.sent > {PART + MIB // 2}", 30)  # part 2 is on the wire

    network(False)
    wait_upload(hpage, "u.state === 'offline'", 20)
    assert "waiting for the network" in (hpage.text_content(".rh-upload-status") or "")
    screenshot(hpage, "widget-uploader-offline")
    time.sleep(1.0)
    network(True)
    row = wait_upload(hpage, "u.state === 'done'")

    assert stored_sha256(stack, row["video_id"]) == digest
    assert failed, "nothing failed while offline"
    assert set(part_numbers(puts)) == {1, 2, 3}
    assert hpage.external == []


def test_uploader_re_signs_a_refused_part_url(hpage: Page, stack: ApiStack, harness: str,
                                             tmp_path: Path) -> None:
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
    signed: list[str] = []
    hpage.on("request", lambda r: r.method == "POST" and r.url.endswith("/parts")
             and signed.append(r.post_data or ""))
    mount(hpage, "uploader", uploader_state(stack))
    hpage.set_input_files(".rh-file-input", str(path))
    hpage.click(".rh-upload-start")
    row = wait_upload(hpage, "u.state === 'done'")

    assert len(refused) == 1
    assert signed and '"part_number":1' in signed[0]
    assert stored_sha256(stack, row["video_id"]) == digest
    clean(hpage)


def test_uploader_cancel_aborts_the_upload(hpage: Page, stack: ApiStack, tmp_path: Path) -> None:
    """Cancel mid-way stops the part PUTs, aborts the session in the API and forgets the resume
    record: no video and no object remain."""
    path = tmp_path / "cancelled.mp4"
    random_file(path, 12 * MIB)
    throttle_uploads(hpage, 2 * MIB)
    mount(hpage, "uploader", uploader_state(stack))
    hpage.set_input_files(".rh-file-input", str(path))
    hpage.click(".rh-upload-start")
    video_id = wait_upload(hpage, f"!!u.video_id && u.sent > {MIB}", 30)["video_id"]
    hpage.click(".rh-upload-cancel")
    row = wait_upload(hpage, "u.state === 'cancelled'", 20)

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
def player_state(stack: ApiStack, video_id: str = "") -> dict[str, Any]:
    return {"api_url": stack.api_url, "token": stack.token, "video_id": video_id, "playback": {},
            "level": -1, "autoplay": True, "muted": True, "levels": [], "current_level": -1,
            "error": ""}


def wait_playing(page: Page, after: float = 0.0) -> float:
    page.wait_for_function("([t]) => document.querySelector('.rh-player-video')?.currentTime > t",
                           arg=[after], timeout=30_000)
    return float(page.evaluate("() => document.querySelector('.rh-player-video').currentTime"))


def test_player_plays_switches_rungs_and_previews(hpage: Page, stack: ApiStack,
                                                  ready_video: str) -> None:
    """The player streams a signed ladder, switches to the rung forced from Python, and shows
    storyboard thumbnails over the seek bar."""
    mount(hpage, "player", player_state(stack, ready_video))
    hpage.wait_for_function("() => rh.model('player').get('levels').length === 2", timeout=30_000)
    hpage.evaluate("() => { document.querySelector('.rh-player-video').loop = true; }")
    levels = model(hpage, "player", "levels")
    by_height = {level["height"]: level["index"] for level in levels}
    assert sorted(by_height) == sorted(h for _, h, _ in RUNGS.values())
    started = wait_playing(hpage, 0.5)

    for height in sorted(by_height):  # low rung, then high
        hpage.evaluate("([i]) => rh.model('player').kernelSet('level', i)", [by_height[height]])
        hpage.wait_for_function(
            "([i, h]) => rh.model('player').get('current_level') === i"
            " && document.querySelector('.rh-player-video').videoHeight === h",
            arg=[by_height[height], height], timeout=30_000)
        assert hpage.text_content(".rh-player-rung") == f"{height}p"
    assert wait_playing(hpage, started + 1.0) > started

    hpage.select_option(".rh-player-quality", "-1")
    assert model(hpage, "player", "level") == -1
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
    assert model(hpage, "player", "error") == ""
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


def test_browser_filters_and_opens_a_video(hpage: Page, stack: ApiStack,
                                           ready_video: str) -> None:
    """The grid lists the catalog with poster and duration, filters by text and status, shows
    titles as text, and selecting a card plays it in the linked player."""
    hostile = "<img src=x onerror=alert(1)>"
    for title in ("Harbour at dawn", "Harbour at night", "Mountain pass", hostile):
        add_video(stack, title)
    dialogs: list[str] = []
    hpage.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    grid_state = {"api_url": stack.api_url, "token": stack.token, "query": "", "status": "",
                  "visibility": "", "mine": False, "page_size": 24, "selected": "", "videos": []}
    mount(hpage, "browser", grid_state)
    mount(hpage, "player", {**player_state(stack), "autoplay": True})
    hpage.evaluate("() => rh.link('browser', 'selected', 'player', 'video_id')")
    hpage.wait_for_function("() => document.querySelectorAll('.rh-card').length >= 5")
    assert hostile in cards(hpage)
    assert hpage.locator("img[src='x']").count() == 0

    hpage.fill(".rh-search", "harbour")
    hpage.wait_for_function("() => document.querySelectorAll('.rh-card').length === 2")
    assert sorted(cards(hpage)) == ["Harbour at dawn", "Harbour at night"]
    assert model(hpage, "browser", "query") == "harbour"
    assert len(model(hpage, "browser", "videos")) == 2

    hpage.fill(".rh-search", "")
    hpage.select_option(".rh-status-filter", "ready")
    hpage.wait_for_function("() => document.querySelectorAll('.rh-card').length === 1"
                            " && document.querySelector('.rh-card-duration')")
    card = hpage.locator(f".rh-card[data-id='{ready_video}']")
    assert card.locator(".rh-card-duration").text_content() == f"0:{SECONDS:02d}"
    hpage.wait_for_function("() => document.querySelector('.rh-card img')?.naturalWidth > 0")

    card.click()
    assert model(hpage, "browser", "selected") == ready_video
    assert model(hpage, "player", "video_id") == ready_video
    wait_playing(hpage, 0.5)
    hpage.evaluate("() => rh.model('browser').kernelSet('status', '')")
    hpage.wait_for_function("() => document.querySelectorAll('.rh-card').length >= 5")
    screenshot(hpage, "widget-browser")
    assert dialogs == []
    clean(hpage)
