"""The dashboard in Chromium against a live stack: sign-in, library, search, privacy, safety."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard_support import (
    PHONE,
    XSS,
    clean,
    login,
    make_user,
    open_library,
    search,
    upload_via_api,
    wait_library,
)
from tests.stack_process import ADMIN_PASSWORD, StackProcess

pytestmark = pytest.mark.e2e
# The shared fixtures (admin_token, clips, public_video, word, ...) live beside the helpers.
pytest_plugins = ["tests.e2e.test_dashboard_support"]


def test_sign_in_and_out(page, live_stack: StackProcess, public_video: str) -> None:
    """Anonymous visitors see public videos and are asked to sign in to upload; a wrong
    password is explained; signing in leads on to Upload, and a reload keeps the session;
    signing out returns to the public view."""
    open_library(page, live_stack)
    expect(page.locator("a.rh-card").first).to_be_visible()
    expect(page.get_by_text("Only my videos")).to_be_hidden()
    screenshot(page, "dashboard-library-anonymous")
    page.locator(".nav-upload button").click()
    expect(page.get_by_text("Sign in to upload videos.")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Drop videos here")).to_have_count(0)
    page.locator(".rh-username input").fill("admin")
    page.locator(".rh-password input").fill("not-the-password")
    page.locator(".rh-login button").click()
    expect(page.get_by_text("wrong username or password")).to_be_visible(timeout=20_000)
    screenshot(page, "dashboard-login-error")
    page.locator(".rh-password input").fill(ADMIN_PASSWORD)
    page.locator(".rh-login button").click()
    expect(page.get_by_text("Drop videos here")).to_be_visible(timeout=20_000)
    page.reload()
    expect(page.get_by_text("Sign out")).to_be_visible(timeout=30_000)
    page.locator(".nav-library button").click()
    expect(page.get_by_text("Only my videos")).to_be_visible(timeout=20_000)
    screenshot(page, "dashboard-library-admin")
    page.get_by_text("Sign out").click()
    expect(page.get_by_text("You are signed out")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Only my videos")).to_be_hidden()
    clean(page)


def test_search_finds_a_word_of_the_title(page, live_stack: StackProcess, public_video: str,
                                          word: str) -> None:
    """Searching one word of a title finds that video and nothing else; no match says so."""
    open_library(page, live_stack)
    search(page, word)
    cards = page.locator("a.rh-card")
    expect(cards).to_have_count(1, timeout=20_000)
    expect(cards.first).to_contain_text(f"Grey {word} at dawn")
    assert cards.first.get_attribute("data-video-id") == public_video
    search(page, "no-such-word-" + word)
    expect(page.get_by_text("No videos match")).to_be_visible(timeout=20_000)
    clean(page)


def test_private_video_stays_private(page, live_stack: StackProcess, admin_token: str,
                                     clips: Callable[..., Path], word: str) -> None:
    """Another user finds a private video neither in the library nor by its link."""
    video_id = upload_via_api(live_stack, admin_token, clips("private.mp4", 2),
                              f"Private diary {word}", visibility="private")
    name, password = f"bob{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    make_user(live_stack, name, password)
    login(page, live_stack, name, password)
    wait_library(page)
    search(page, "diary")
    expect(page.get_by_text("No videos match")).to_be_visible(timeout=20_000)
    page.goto(f"{live_stack.settings.dashboard_url}/app?page=video&video={video_id}")
    expect(page.get_by_text("does not exist, was deleted, or is private")).to_be_visible(
        timeout=20_000)
    screenshot(page, "dashboard-private-refused")
    page.get_by_text("Sign out").click()
    expect(page.get_by_text("You are signed out")).to_be_visible(timeout=20_000)
    login(page, live_stack)
    wait_library(page)
    search(page, "diary")
    expect(page.locator("a.rh-card")).to_have_count(1, timeout=20_000)
    clean(page)


def test_markup_title_is_shown_as_text(page, live_stack: StackProcess, admin_token: str,
                                       clips: Callable[..., Path]) -> None:
    """A title of `<img src=x onerror=alert(1)>` is displayed literally and runs nothing."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    video_id = upload_via_api(live_stack, admin_token, clips("xss.mp4", 2), XSS)
    open_library(page, live_stack)
    search(page, "onerror")
    card = page.locator(f'a.rh-card[data-video-id="{video_id}"]')
    expect(card.locator(".rh-title")).to_have_text(XSS, timeout=20_000)
    screenshot(page, "dashboard-xss-library")
    card.click()
    expect(page.locator("h1.rh-title")).to_have_text(XSS, timeout=20_000)
    screenshot(page, "dashboard-xss-video")
    assert page.locator('img[src="x"]').count() == 0
    assert dialogs == []
    clean(page)


def test_owner_edits_shares_and_deletes(page, live_stack: StackProcess, admin_token: str,
                                        clips: Callable[..., Path], word: str) -> None:
    """The owner renames a video, makes it unlisted and gets a share link that works for
    anyone; unlisted videos stay out of listings; Delete asks first, then removes it."""
    video_id = upload_via_api(live_stack, admin_token, clips("share.mp4", 2), f"Draft {word}")
    login(page, live_stack)
    page.goto(f"{live_stack.settings.dashboard_url}/app?page=video&video={video_id}")
    title = page.locator(".rh-edit-title input")
    title.fill(f"Shared {word}")
    page.locator(".rh-editor select").select_option(label="Unlisted (anyone with the link)")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved.")).to_be_visible(timeout=20_000)
    share = page.locator("code.rh-share")
    expect(share).to_contain_text(f"video={video_id}")
    screenshot(page, "dashboard-video-owner")
    link = share.inner_text()
    anonymous = page.context.browser.new_context()
    other = anonymous.new_page()
    other.goto(link)
    expect(other.locator("h1.rh-title")).to_have_text(f"Shared {word}", timeout=30_000)
    expect(other.get_by_role("button", name="Delete video")).to_have_count(0)
    anonymous.close()
    page.get_by_role("button", name="Delete video").click()
    page.get_by_role("button", name="Yes, delete it").click()
    expect(page.get_by_text("The video was deleted.")).to_be_visible(timeout=20_000)
    search(page, word)
    expect(page.locator(f'a.rh-card[data-video-id="{video_id}"]')).to_have_count(0)
    clean(page)


def test_insights_and_phone_layout(page, live_stack: StackProcess) -> None:
    """Insights show charts (or say when they will); on a phone nothing scrolls sideways."""
    open_library(page, live_stack)
    page.locator(".nav-insights button").click()
    charts = page.locator(".bk-Canvas, canvas").or_(page.get_by_text("No insights yet"))
    expect(charts.first).to_be_visible(timeout=30_000)
    screenshot(page, "dashboard-insights")
    page.set_viewport_size(PHONE)
    open_library(page, live_stack)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1
    screenshot(page, "dashboard-phone-library")
    clean(page)
