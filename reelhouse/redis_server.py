"""A private Redis (the cluster profile's Celery broker) from Debian's `redis-server` binary,
bound to 127.0.0.1 on a free port with its files in a directory.

    argv = redis_server.command(state_dir / "redis", port)   # for a supervised child
    redis_server.answers(url)                                # True once it replies to PING
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

from reelhouse.errors import ReelhouseError
from reelhouse.private import private_dir

log = logging.getLogger(__name__)

BINARY = "redis-server"


class RedisUnavailable(ReelhouseError, RuntimeError):
    """No redis-server here, and none could be installed (not root, or no apt-get)."""


def find_binary() -> str:
    """The redis-server on PATH; as root, Debian's package is installed when it is missing."""
    found = shutil.which(BINARY)
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log.warning("redis-server not found: installing Debian's package "
                    "(apt-get install -y redis-server)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        argv = ["apt-get", "install", "-y", "--no-install-recommends", "redis-server"]
        if subprocess.run(argv, env=env, capture_output=True).returncode != 0:
            # A fresh machine may have no package lists yet.
            subprocess.run(["apt-get", "update"], env=env, capture_output=True)
            subprocess.run(argv, env=env, capture_output=True)
        found = shutil.which(BINARY)
        if found:
            return found
    raise RedisUnavailable("redis-server: not on PATH (install Debian's `redis-server` "
                           "package, as root), or set REELHOUSE_CELERY_BROKER_URL")


def command(data_dir: Path, port: int, persistent: bool = True) -> list[str]:
    """argv of a foreground redis-server on 127.0.0.1:`port` keeping its files in `data_dir`.

    Persistent: an append-only file, so queued steps survive a restart of the stack;
    otherwise nothing is written (tests).
    """
    private_dir(data_dir)
    durability = (["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
                  if persistent else ["--appendonly", "no", "--save", ""])
    return [find_binary(), "--bind", "127.0.0.1", "--port", str(port),
            "--dir", str(data_dir.resolve()), "--daemonize", "no", "--protected-mode", "yes",
            *durability]


def url_for(port: int, db: int = 0) -> str:
    """The redis:// URL of database `db` on the private server at `port`."""
    return f"redis://127.0.0.1:{port}/{db}"


def answers(url: str) -> bool:
    """True once the server at `url` replies to PING."""
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1,
                                         socket_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False
