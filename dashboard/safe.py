"""User text on screen: always escaped, never markup. Plus the few number formats we show.

Titles, descriptions, filenames and usernames reach HTML only through `text`/`text_pane`,
which escape every character HTML gives meaning to; nothing user-written goes into a
Markdown pane, a notification or a Tabulator formatter.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

import panel as pn

_TAGS = {"h1", "h2", "h3", "p", "span", "div", "strong", "small", "code"}


def text(value: object, tag: str = "span", cls: str = "") -> str:
    """`value` as literal text inside one element (the tag and class are ours, not the user's)."""
    if tag not in _TAGS:
        raise ValueError(f"tag: one of {sorted(_TAGS)}")
    attr = f' class="{html.escape(cls, quote=True)}"' if cls else ""
    return f"<{tag}{attr}>{html.escape(str(value), quote=True)}</{tag}>"


def text_pane(value: object, tag: str = "span", cls: str = "", **params: Any) -> pn.pane.HTML:
    """An HTML pane showing `value` literally."""
    params.setdefault("sizing_mode", "stretch_width")
    params.setdefault("margin", (2, 10))
    return pn.pane.HTML(text(value, tag, cls), **params)


def link(url: str, label: str, download: bool = False, cls: str = "") -> str:
    """An anchor to an http(s) URL we were given by the API (anything else becomes inert)."""
    safe = url if url.startswith(("http://", "https://", "?", "/")) else "#"
    extra = " download" if download else ' target="_blank" rel="noopener"'
    attr = f' class="{html.escape(cls, quote=True)}"' if cls else ""
    return (f'<a href="{html.escape(safe, quote=True)}"{attr}{extra}>'
            f"{html.escape(label)}</a>")


def duration(seconds: float | None) -> str:
    """`1:02:03`, `4:05`, or an empty string when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return ""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def size(num: float | None) -> str:
    """Bytes in the largest unit that keeps the number under 1024 (`12.3 MB`)."""
    if num is None:
        return ""
    value = float(num)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return ""


def bitrate(bits_per_s: float | None) -> str:
    if not bits_per_s:
        return ""
    kbps = bits_per_s / 1000
    return f"{kbps / 1000:.1f} Mb/s" if kbps >= 1000 else f"{kbps:.0f} kb/s"


def resolution(width: int | None, height: int | None) -> str:
    return f"{width}×{height}" if width and height else ""


def when(value: str | datetime | None) -> str:
    """An API timestamp as `2025-01-31 14:05` (UTC), or empty."""
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.strftime("%Y-%m-%d %H:%M")
