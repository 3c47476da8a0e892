"""A static file server for the harness page and the bundled widget modules."""

from __future__ import annotations

import posixpath
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

HARNESS = Path(__file__).resolve().parent
STATIC = HARNESS.parents[2] / "reelhouse" / "static"
ROOTS = {"/harness/": HARNESS, "/static/": STATIC}


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}

    def translate_path(self, path: str) -> str:
        clean = urlsplit(path).path
        for prefix, root in ROOTS.items():
            if clean.startswith(prefix):
                relative = posixpath.normpath(unquote(clean[len(prefix):])).lstrip("/")
                if relative.startswith(".."):
                    break
                return str(root / relative)
        return str(HARNESS / "__missing__")

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_harness(port: int) -> Iterator[str]:
    """Serve the harness at http://127.0.0.1:<port> (page at /harness/index.html) meanwhile."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    thread = threading.Thread(target=server.serve_forever, name="widget-harness", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
