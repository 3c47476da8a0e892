"""A notebook kernel's widget side, in the test process: the real Python widgets, whose comms
reach the harness page through its own server (page -> kernel: POST /kernel/msg; kernel ->
page: long polls of /kernel/events over a numbered log, so a page that was offline for a
while misses nothing), the way a front end reaches its kernel through the Jupyter server.
Messages from the page are handled one at a time on one thread, as a kernel's shell does."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import comm
import ipywidgets
from comm.base_comm import BaseComm


class Bridge:
    """The widgets shown to the page, the kernel's messages to it (numbered) and its inbox."""

    def __init__(self) -> None:
        self.comms: dict[str, BaseComm] = {}
        self.shown: dict[str, ipywidgets.Widget] = {}
        self._log: list[dict[str, Any]] = []
        self._logged = threading.Condition()
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._shell = threading.Thread(target=self._run, name="harness-kernel", daemon=True)
        self._shell.start()

    def display(self, widget: ipywidgets.Widget) -> str:
        """Make `widget` (and a box's children) mountable in the page; returns its model id."""
        for child in getattr(widget, "children", ()):
            self.display(child)
        self.shown[widget.model_id] = widget
        return str(widget.model_id)

    def state(self, model_id: str) -> dict[str, Any]:
        """What the page's model starts from: the widget's synced state (module aside)."""
        state = self.shown[model_id].get_state()
        return {k: v for k, v in state.items() if k not in ("_esm", "_css")}

    # kernel -> page
    def publish(self, message: dict[str, Any]) -> None:
        with self._logged:
            self._log.append(message)
            self._logged.notify_all()

    def events(self, after: int, wait_s: float = 10) -> tuple[int, list[dict[str, Any]]]:
        """Messages numbered `after` and later (waiting up to `wait_s` for one) and the next
        number; `after` < 0 asks only for the next number (a page that just loaded)."""
        with self._logged:
            if after < 0:
                return len(self._log), []
            self._logged.wait_for(lambda: len(self._log) > after, wait_s)
            return len(self._log), self._log[after:]

    # page -> kernel
    def receive(self, message: dict[str, Any]) -> None:
        self._inbox.put(message)

    def _run(self) -> None:
        while (message := self._inbox.get()) is not None:
            target = self.comms.get(str(message.get("comm_id")))
            if target is not None:
                target.handle_msg({"content": {"comm_id": target.comm_id,
                                               "data": message.get("data")}, "buffers": []})

    def close(self) -> None:
        self._inbox.put(None)
        self._shell.join(5)


class BridgeComm(BaseComm):
    """A comm whose messages go to the harness page's event streams."""

    def __init__(self, bridge: Bridge, **kwargs: Any) -> None:
        self.bridge = bridge
        super().__init__(**kwargs)
        bridge.comms[self.comm_id] = self

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None,
                    buffers: Any = None, **keys: Any) -> None:
        if msg_type == "comm_msg":
            self.bridge.publish({"comm_id": self.comm_id, "data": json.loads(json.dumps(data))})


@contextmanager
def widget_kernel() -> Iterator[Bridge]:
    """Widgets made meanwhile talk to the harness page instead of a Jupyter front end."""
    bridge = Bridge()
    saved = comm.create_comm
    comm.create_comm = lambda *args, **kwargs: BridgeComm(bridge, *args, **kwargs)
    try:
        yield bridge
    finally:
        comm.create_comm = saved
        bridge.close()
