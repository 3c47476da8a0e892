"""An in-memory stand-in for `reelhouse.storage.Storage` that records the order of writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelhouse.errors import ObjectNotFound

VIDEO_ID = "01JABCDEFGHJKMNPQRSTVWXYZ0"


@dataclass
class Stored:
    data: bytes
    content_type: str
    cache_control: str | None
    metadata: dict[str, str]


@dataclass
class FakeStorage:
    """Objects in a dict; `log` lists ("put" | "delete", key) in the order they happened."""

    objects: dict[str, Stored] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)

    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream",
                  cache_control: str | None = None,
                  metadata: dict[str, str] | None = None) -> None:
        self.objects[key] = Stored(data, content_type, cache_control, metadata or {})
        self.log.append(("put", key))

    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream",
                 cache_control: str | None = None,
                 metadata: dict[str, str] | None = None) -> None:
        self.put_bytes(key, Path(path).read_bytes(), content_type, cache_control, metadata)

    def get_bytes(self, key: str) -> bytes:
        if key not in self.objects:
            raise ObjectNotFound(f"s3: no object {key!r}")
        return self.objects[key].data

    def head(self, key: str) -> dict[str, Any] | None:
        obj = self.objects.get(key)
        if obj is None:
            return None
        return {"ContentLength": len(obj.data), "ContentType": obj.content_type,
                "CacheControl": obj.cache_control, "Metadata": obj.metadata}

    def exists(self, key: str) -> bool:
        return key in self.objects

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)
        self.log.append(("delete", key))

    def list_keys(self, prefix: str) -> list[dict[str, Any]]:
        return [{"Key": k, "Size": len(v.data)} for k, v in sorted(self.objects.items())
                if k.startswith(prefix)]

    def delete_prefix(self, prefix: str) -> int:
        found = [o["Key"] for o in self.list_keys(prefix)]
        for key in found:
            self.delete(key)
        return len(found)
