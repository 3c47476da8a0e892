"""HLS playlist rewriting: every URI becomes a signed (or mapped) one, never outside the video."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# An attribute list is comma-separated NAME=VALUE pairs; a quoted value may hold commas, never '"'.
_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"\r\n]*"|[^",]*)(,|$)')


def resolve_relative(uri: str) -> str:
    """The object path a playlist URI names relative to the playlist; ValueError if it escapes.

    Absolute URIs (scheme, leading `/`), `..`, queries, fragments and backslashes are refused,
    so a playlist can never make us sign a key outside the video's prefix.
    """
    if not uri or uri[0] == "/" or _SCHEME.match(uri):
        raise ValueError(f"playlist URI: not relative: {uri[:80]!r}")
    if "?" in uri or "#" in uri or "\\" in uri:
        raise ValueError(f"playlist URI: query, fragment or backslash: {uri[:80]!r}")
    # URIs are percent-encoded (RFC 3986); check the decoded path, where %2e%2e is "..".
    path = unquote(uri, errors="strict") if "%" in uri else uri
    if ".." in path or "\\" in path or path[0] == "/" or not path.isprintable():
        raise ValueError(f"playlist URI: escapes the video prefix: {uri[:80]!r}")
    if "./" in path or path == ".":
        path = "/".join(part for part in path.split("/") if part != ".")
    if not path or "//" in path or path.endswith("/"):
        raise ValueError(f"playlist URI: empty path segment: {uri[:80]!r}")
    return path


def _rewrite_attrs(line: str, fn: Callable[[str], str]) -> str:
    """A tag line with each URI="..." attribute replaced by fn(resolved path)."""
    head, sep, attrs = line.partition(":")
    out, pos = [], 0
    while pos < len(attrs):
        m = _ATTR.match(attrs, pos)
        if m is None:
            raise ValueError(f"playlist: malformed attribute list: {line[:120]!r}")
        name, value, comma = m.groups()
        if name == "URI":
            if len(value) < 2 or value[0] != '"':
                raise ValueError(f"playlist: unquoted URI attribute: {line[:120]!r}")
            value = '"' + fn(resolve_relative(value[1:-1])) + '"'
        out.append(f"{name}={value}{comma}")
        pos = m.end()
    return head + sep + "".join(out)


def _rewrite(text: str, fn: Callable[[str], str], forbidden: str, kind: str) -> str:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "#EXTM3U":
        raise ValueError("playlist: does not start with #EXTM3U")
    out: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            out.append(line)
        elif line[0] != "#":
            out.append(fn(resolve_relative(line)))
        elif line.startswith(forbidden):
            raise ValueError(f"playlist: {forbidden} in a {kind} playlist")
        elif "URI=" not in line or not line.startswith("#EXT") or line.startswith("#EXTINF:"):
            # Comments and EXTINF's free-text title are no attribute lists: left as they are.
            out.append(line)
        else:
            out.append(_rewrite_attrs(line, fn))
    return "\n".join(out) + "\n"


def rewrite_media_playlist(text: str, sign: Callable[[str], str]) -> str:
    """The media playlist with every segment, map, key and part URI replaced by sign(path)."""
    return _rewrite(text, sign, "#EXT-X-STREAM-INF", "media")


def rewrite_master_playlist(text: str, map_uri: Callable[[str], str]) -> str:
    """The master playlist with variant and rendition URIs replaced by map_uri(path)."""
    return _rewrite(text, map_uri, "#EXTINF", "master")


_VTT_IMAGE = re.compile(r"([A-Za-z0-9_.-]{1,100}\.(?:jpg|jpeg|png|webp))(#xywh=\d+,\d+,\d+,\d+)?")


def rewrite_storyboard_vtt(text: str, sign: Callable[[str], str]) -> str:
    """The storyboard WebVTT with each sprite reference (`img.jpg#xywh=...`) made absolute."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("WEBVTT"):
        raise ValueError("storyboard: not a WebVTT file")
    out = []
    for line in lines:
        match = _VTT_IMAGE.fullmatch(line.strip())
        out.append(sign(match.group(1)) + (match.group(2) or "") if match else line)
    return "\n".join(out) + "\n"
