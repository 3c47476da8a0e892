"""What the API returns, as small typed records: videos (the core's one record), lists of them,
playback URLs, upload sessions."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reelhouse.records import Video


def _time(value: Any) -> datetime | None:
    """An API timestamp as an aware datetime; the API's naive ones are UTC."""
    if value in (None, ""):
        return None
    moment = value if isinstance(value, datetime) else \
        datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    # Fields the API adds later are ignored rather than breaking older clients.
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


class VideoList(list[Video]):
    """Videos in the order the API listed them; `to_pandas()` makes a DataFrame of them."""

    COLUMNS = tuple(name for name, f in Video.model_fields.items() if not f.exclude)

    def to_records(self) -> list[dict[str, Any]]:
        return [v.to_dict() for v in self]

    def to_pandas(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.to_records(), columns=list(self.COLUMNS))

    def _repr_html_(self) -> str:
        if not self:
            return "<em>no videos</em>"
        return self.to_pandas()[["id", "title", "owner", "status", "visibility",
                                 "source_size", "created_at"]].to_html(index=False)


@dataclass(frozen=True)
class Playback:
    """Signed URLs for a playable video; every one works until `expires_at`."""

    video_id: str
    hls: str
    poster: str = ""
    storyboard_vtt: str = ""
    # None while the video is still processing (playable before its MP4 is made).
    mp4: str | None = ""
    download: str | None = ""
    mode: str = ""
    expires_at: datetime | None = None
    cdn_hls: str | None = None
    cookies: dict[str, str] | None = None
    # False while the live version is still being built (its playlists grow).
    complete: bool = True
    # While it is built: how long the version will play (its playlists still grow).
    duration_s: float | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Playback:
        values = _known(cls, data)
        values["expires_at"] = _time(values.get("expires_at"))
        return cls(**values)


@dataclass(frozen=True)
class SignedPut:
    """One presigned PUT: send exactly these headers (and body length) before `expires_at`."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    expires_at: datetime | None = None
    part_number: int | None = None
    size: int | None = None
    method: str = "PUT"

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> SignedPut:
        values = _known(cls, data)
        values["expires_at"] = _time(values.get("expires_at"))
        values["headers"] = dict(values.get("headers") or {})
        return cls(**values)


@dataclass(frozen=True)
class UploadState:
    """An upload session: how it is cut into parts and, on resume, which parts S3 holds."""

    video_id: str
    mode: str
    size: int
    part_size: int
    part_count: int
    put: SignedPut | None = None
    parts: tuple[SignedPut, ...] = ()
    held: tuple[int, ...] = ()
    missing: tuple[int, ...] | None = None
    uploaded_bytes: int = 0

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> UploadState:
        put = data.get("put")
        missing = data.get("missing")
        return cls(
            video_id=data["video_id"], mode=data["mode"], size=int(data["size"]),
            part_size=int(data["part_size"]), part_count=int(data["part_count"]),
            put=SignedPut.from_api(put) if put else None,
            parts=tuple(SignedPut.from_api(p) for p in data.get("parts") or ()),
            held=tuple(int(p["part_number"]) for p in data.get("held") or ()),
            missing=tuple(int(n) for n in missing) if missing is not None else None,
            uploaded_bytes=int(data.get("uploaded_bytes") or 0))

    def to_send(self) -> list[int]:
        """Part numbers still to send: all of them for a new upload, else those missing."""
        if self.missing is not None:
            return list(self.missing)
        return list(range(1, self.part_count + 1))
