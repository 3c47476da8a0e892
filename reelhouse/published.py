"""What one published media version holds in storage, and whether players can play it."""

from __future__ import annotations

from dataclasses import dataclass, field
from posixpath import dirname, normpath

from reelhouse import keys
from reelhouse.media.playlists import parse_master_playlist, parse_media_playlist
from reelhouse.storage import Storage


@dataclass
class HlsTree:
    """What the published HLS tree of one version holds, and what is wrong with it."""

    problems: list[str] = field(default_factory=list)
    durations: dict[str, float] = field(default_factory=dict)  # media playlist -> seconds
    segments: int = 0


def _key(base: str, uri: str, prefix: str) -> str | None:
    """The key a playlist URI names, or None when it is a URL or leaves the prefix."""
    if "://" in uri or uri.startswith("/") or "?" in uri:
        return None
    key = normpath(f"{base}/{uri}")
    return key if key.startswith(prefix) else None


def read_tree(storage: Storage, video_id: str, version: str) -> HlsTree:
    """Every URI the master lists, and every file each playlist lists, looked up in S3."""
    prefix, tree = keys.hls_prefix(video_id, version), HlsTree()
    present = {o["Key"]: o["Size"] for o in storage.list_keys(prefix)}
    master_key = keys.master_key(video_id, version)
    if master_key not in present:
        return HlsTree(["master.m3u8 is missing"])
    try:
        master = parse_master_playlist(storage.get_bytes(master_key).decode())
    except ValueError as e:
        return HlsTree([f"master.m3u8: {e}"])
    if not master.variants:
        tree.problems.append("master.m3u8 lists no variants")
    uris = [v.uri for v in master.variants] + [r.uri for r in master.renditions if r.uri]
    for uri in uris:
        key = _key(dirname(master_key), uri, prefix)
        if key is None or key not in present:
            tree.problems.append(f"{uri}: missing (listed by master.m3u8)")
            continue
        try:
            media = parse_media_playlist(storage.get_bytes(key).decode())
        except ValueError as e:
            tree.problems.append(f"{uri}: {e}")
            continue
        tree.durations[uri] = media.duration_s
        if not media.ended:
            tree.problems.append(f"{uri}: no #EXT-X-ENDLIST")
        files = ([media.init_uri] if media.init_uri else []) + [s.uri for s in media.segments]
        tree.segments += len(media.segments)
        for name in files:
            target = _key(dirname(key), name, prefix)
            if target is None or not present.get(target):
                tree.problems.append(f"{uri}: {name} is missing or empty")
    return tree


def playable_problems(storage: Storage, video_id: str, version: str) -> list[str]:
    """Why `version` is not playable yet (empty when it is): the whole HLS tree, the MP4 and
    the poster must be in place before the database may point players at it."""
    problems = read_tree(storage, video_id, version).problems
    if not storage.exists(keys.progressive_key(video_id, version)):
        problems.append("download.mp4 is missing")
    if not storage.exists(keys.poster_key(video_id, version)):
        problems.append("poster.jpg is missing")
    return problems


def stored_media(storage: Storage, video_id: str) -> dict[str | None, list[str]]:
    """The video's media keys by version, in one listing; under None the layout before
    versions (`media/{id}/hls/...`, `thumbs/`, `download.mp4`), the upload's facts left out."""
    facts = keys.facts_prefix(video_id)
    found: dict[str | None, list[str]] = {}
    for item in storage.list_keys(keys.media_prefix(video_id)):
        if not item["Key"].startswith(facts):
            found.setdefault(keys.version_of(video_id, item["Key"]), []).append(item["Key"])
    return found


def stored_versions(storage: Storage, video_id: str) -> set[str]:
    """Every media version with objects under the video's prefix."""
    return {v for v in stored_media(storage, video_id) if v is not None}


def unversioned_keys(storage: Storage, video_id: str) -> list[str]:
    """Media of the layout before versions: keys under the video's prefix in no version and
    not its upload's facts."""
    return stored_media(storage, video_id).get(None, [])
