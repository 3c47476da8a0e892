"""Small helpers shared by fixtures and tests."""

from __future__ import annotations

from reelhouse.ports import free_port, free_s3_port

__all__ = ["CHROMIUM_ARGS", "free_port", "free_s3_port"]

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autoplay-policy=no-user-gesture-required", "--mute-audio",
]
