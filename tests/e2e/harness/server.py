"""The harness page's server: the page, the bundled widget modules and, like a Jupyter
server, the way to the kernel's widgets (tests/e2e/harness/kernel.py)."""

from __future__ import annotations

import json
import posixpath
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.e2e.harness.kernel import Bridge

HARNESS = Path(__file__).resolve().parent
STATIC = HARNESS.parents[2] / "reelhouse" / "static"
ROOTS = {"/harness/": HARNESS, "/static/": STATIC}


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}
    server: _Server

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/kernel/events":
            after = int(parse_qs(urlsplit(self.path).query).get("after", ["-1"])[0])
            following, messages = self.server.bridge.events(after)
            return self._json({"next": following, "messages": messages})
        if path.startswith("/kernel/state/"):
            try:
                state = self.server.bridge.state(path.rsplit("/", 1)[1])
            except KeyError:
                return self.send_error(404)
            return self._json(state)
        return super().do_GET()

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/kernel/msg":
            return self.send_error(404)
        length = int(self.headers.get("Content-Length") or 0)
        self.server.bridge.receive(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def _json(self, data: Any) -> None:
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away (reloaded) while its long poll waited

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


class _Server(ThreadingHTTPServer):
    bridge: Bridge


@contextmanager
def serve_harness(port: int, bridge: Bridge) -> Iterator[str]:
    """Serve the harness at http://127.0.0.1:<port> (page at /harness/index.html), with
    `bridge`'s widgets, meanwhile."""
    server = _Server(("127.0.0.1", port), _Handler)
    server.bridge = bridge
    thread = threading.Thread(target=server.serve_forever, name="widget-harness", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
