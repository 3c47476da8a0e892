"""Asset checks over what players will fetch: they read the bucket, not local files."""


import warnings
from dataclasses import dataclass, field
from posixpath import dirname, normpath

import dagster as dg

from assets.facts import read_facts
from assets.hls import hls_renditions
from assets.partitions import videos_partitions
from assets.resources import StorageResource
from assets.thumbnails import thumbnails
from reelhouse import keys
from reelhouse.media.hls import SEGMENT_S
from reelhouse.media.playlists import parse_master_playlist, parse_media_playlist
from reelhouse.storage import Storage

# Partitioned asset checks are a Dagster "preview" feature; the warning says only that.
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec",
                        category=dg.PreviewWarning)


@dataclass
class HlsTree:
    """What the published HLS tree of one video holds, and what is wrong with it."""

    problems: list[str] = field(default_factory=list)
    durations: dict[str, float] = field(default_factory=dict)  # media playlist -> seconds
    segments: int = 0


def _key(base: str, uri: str, prefix: str) -> str | None:
    """The key a playlist URI names, or None when it is a URL or leaves the prefix."""
    if "://" in uri or uri.startswith("/") or "?" in uri:
        return None
    key = normpath(f"{base}/{uri}")
    return key if key.startswith(prefix) else None


def read_tree(storage: Storage, video_id: str) -> HlsTree:
    """Every URI the master lists, and every file each playlist lists, looked up in S3."""
    prefix, tree = keys.hls_prefix(video_id), HlsTree()
    present = {o["Key"]: o["Size"] for o in storage.list_keys(prefix)}
    master_key = keys.master_key(video_id)
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


def _result(problems: list[str], **metadata: object) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=not problems, metadata={
        "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems[:20]) or "none"),
        "problem_count": len(problems), **metadata})


@dg.asset_check(asset=hls_renditions, partitions_def=videos_partitions, blocking=True)
def hls_master_complete(context: dg.AssetCheckExecutionContext,
                        storage: StorageResource) -> dg.AssetCheckResult:
    """The master playlist exists and every playlist, init section and segment it leads to
    is in the bucket; blocking, so a broken ladder never reaches the catalog or `ready`."""
    tree = read_tree(storage.client(), context.partition_key)
    return _result(tree.problems, playlists=len(tree.durations), segments=tree.segments)


@dg.asset_check(asset=hls_renditions, partitions_def=videos_partitions)
def hls_durations_match(context: dg.AssetCheckExecutionContext,
                        storage: StorageResource) -> dg.AssetCheckResult:
    """Every rendition lasts as long as the source, within one segment."""
    s3 = storage.client()
    probe = read_facts(s3, context.partition_key, "probe") or {}
    source_s = ((probe.get("probe") or {}).get("duration_s")) or 0.0
    tree = read_tree(s3, context.partition_key)
    problems = list(tree.problems)
    problems += [f"{uri}: lasts {d:.2f}s, the source {source_s:.2f}s"
                 for uri, d in tree.durations.items() if abs(d - source_s) > SEGMENT_S]
    return _result(problems, source_s=float(source_s),
                   durations=dg.MetadataValue.json(tree.durations))


@dg.asset_check(asset=thumbnails, partitions_def=videos_partitions)
def poster_present(context: dg.AssetCheckExecutionContext,
                   storage: StorageResource) -> dg.AssetCheckResult:
    """The poster is a non-empty JPEG and the storyboard's WebVTT exists."""
    s3, video_id = storage.client(), context.partition_key
    problems = []
    head = s3.head(keys.poster_key(video_id))
    if head is None or not head.get("ContentLength"):
        problems.append("poster.jpg is missing or empty")
    elif head.get("ContentType") != "image/jpeg":
        problems.append(f"poster.jpg is served as {head.get('ContentType')}")
    if not s3.exists(keys.storyboard_vtt_key(video_id)):
        problems.append("storyboard.vtt is missing")
    return _result(problems)
