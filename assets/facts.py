"""Facts each product leaves in storage as JSON beside it, so later assets (and a catalog
rebuild) read them from the bucket rather than from Dagster's own storage.

The probe describes the upload and lies beside every version; the others describe what one
processing made and lie inside its version."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import dagster as dg

from reelhouse import keys
from reelhouse.errors import ObjectNotFound
from reelhouse.media.hls import HlsResult, Rendition
from reelhouse.media.probe import AudioInfo, Probe, VideoInfo
from reelhouse.storage import Storage

UPLOAD_FACTS = ("probe",)
VERSION_FACTS = ("hls", "thumbnails", "progressive", "quality")


def facts_key(video_id: str, name: str, version: str | None = None) -> str:
    """Where a facts document lies: `version` is required for (and only for) products."""
    if name in UPLOAD_FACTS and version is None:
        return f"{keys.facts_prefix(video_id)}{name}.json"
    if name in VERSION_FACTS and version is not None:
        return f"{keys.version_prefix(video_id, version)}facts/{name}.json"
    raise ValueError(f"facts: unknown document {name!r} (version {version!r})")


def write_facts(storage: Storage, video_id: str, name: str, data: dict[str, Any],
                version: str | None = None) -> str:
    key = facts_key(video_id, name, version)
    storage.put_bytes(key, json.dumps(data, indent=1, default=str).encode(),
                      "application/json", cache_control="no-cache")
    return key


def read_facts(storage: Storage, video_id: str, name: str,
               version: str | None = None) -> dict[str, Any] | None:
    """The document, or None when the product has not been made yet."""
    try:
        return json.loads(storage.get_bytes(facts_key(video_id, name, version)))
    except ObjectNotFound:
        return None


def need_facts(storage: Storage, video_id: str, name: str, asset: str,
               version: str | None = None) -> dict[str, Any]:
    """The document, or a non-retried failure that names the asset to materialize first."""
    data = read_facts(storage, video_id, name, version)
    if data is None:
        raise dg.Failure(f"no {name} facts for {video_id}: materialize {asset} first",
                         allow_retries=False)
    return data


def probe_from_dict(data: dict[str, Any]) -> Probe:
    video = VideoInfo(**data["video"]) if data.get("video") else None
    audio = AudioInfo(**data["audio"]) if data.get("audio") else None
    return Probe(**{**data, "video": video, "audio": audio})


def accepted_probe(storage: Storage, video_id: str) -> tuple[Probe, dict[str, Any]]:
    """The probe of an accepted source and its facts; a non-retried failure otherwise."""
    data = need_facts(storage, video_id, "probe", "source_probe")
    if data["status"] != "accepted":
        raise dg.Failure(f"the source was rejected: {data.get('reason')}", allow_retries=False)
    return probe_from_dict(data["probe"]), data


def hls_to_dict(result: HlsResult, stamp: dict[str, str]) -> dict[str, Any]:
    return {"stamp": stamp, "ladder_version": result.ladder_version,
            "segment_s": result.segment_s, "duration_s": result.duration_s,
            "renditions": [asdict(r) for r in result.renditions],
            "audio": asdict(result.audio) if result.audio else None,
            "elapsed_s": result.elapsed_s, "realtime_x": round(result.realtime_x, 3)}


def renditions(hls: dict[str, Any]) -> list[Rendition]:
    return [Rendition(**r) for r in hls["renditions"]]


def audio(hls: dict[str, Any]) -> Rendition | None:
    return Rendition(**hls["audio"]) if hls.get("audio") else None
