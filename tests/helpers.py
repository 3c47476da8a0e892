"""Small helpers shared by fixtures and tests: free ports."""

from __future__ import annotations

import random
import socket
from pathlib import Path

from reelhouse import seaweed
from reelhouse.config import load_settings
from reelhouse.stack import port_free


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_s3_port() -> int:
    """An S3 port whose derived SeaweedFS ports (and their gRPC twins) are all free."""
    for _ in range(200):
        port = random.randrange(20_000, 40_000)
        probe = load_settings(s3_port=port, state_dir=Path("/nonexistent"))
        if all(port_free("127.0.0.1", p) for p in seaweed.ports(probe).values()):
            return port
    raise RuntimeError("no free port range for SeaweedFS")


CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autoplay-policy=no-user-gesture-required", "--mute-audio",
]
