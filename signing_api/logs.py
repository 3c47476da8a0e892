"""Log hygiene: access-log lines never carry signed paths, signatures or tokens."""

from __future__ import annotations

import logging
import re

from signing_api.signer.paths import PLAY_PREFIX

_PLAY = re.compile(re.escape(PLAY_PREFIX) + r"/([^/]+)/(\d+)/[^/]+/")
_SECRET_QUERY = re.compile(r"(?i)(signature|credential|security-token|token|policy|key-pair-id)")


def redact(path: str) -> str:
    """`path` with a playback token replaced and any sensitive query dropped."""
    path = _PLAY.sub(lambda m: f"{PLAY_PREFIX}/{m.group(1)}/{m.group(2)}/<redacted>/", path)
    head, sep, query = path.partition("?")
    return f"{head}?<redacted>" if sep and _SECRET_QUERY.search(query) else path


class RedactFilter(logging.Filter):
    """Rewrites uvicorn access records (client, method, path, version, status) in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], redact(args[2]), args[3], args[4])
        return True


def install() -> None:
    """Attach the filter to uvicorn's access logger once."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactFilter) for f in logger.filters):
        logger.addFilter(RedactFilter())
