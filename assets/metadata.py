"""Metadata the Dagster UI shows for a video: rung and score tables, links, column schemas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import dagster as dg

from reelhouse import keys
from reelhouse.config import Settings
from reelhouse.media.hls import Rendition

if TYPE_CHECKING:
    import pyarrow as pa

# Dagster's own keys: the UI shows these as the table's columns and its row count.
COLUMN_SCHEMA = "dagster/column_schema"
ROW_COUNT = "dagster/row_count"

RUNG_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn("rung"), dg.TableColumn("resolution"),
    dg.TableColumn("avg_kbps", "int", "average bitrate, kbit/s"),
    dg.TableColumn("peak_kbps", "int", "peak bitrate, kbit/s"),
    dg.TableColumn("size_mb", "float", "bytes of all its segments, MB"),
    dg.TableColumn("segments", "int")])
SCORE_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn("rung"), dg.TableColumn("vmaf", "float"),
    dg.TableColumn("vmaf_min", "float"), dg.TableColumn("ssim", "float"),
    dg.TableColumn("psnr_db", "float"), dg.TableColumn("frames", "int")])


def rung_table(renditions: Sequence[Rendition], audio: Rendition | None = None
               ) -> dg.TableMetadataValue:
    """One row per rung (and the audio group): resolution, bitrates, size and segments."""
    return dg.MetadataValue.table([dg.TableRecord({
        "rung": r.name, "resolution": f"{r.width}x{r.height}" if r.width else "audio",
        "avg_kbps": round(r.bitrate / 1000), "peak_kbps": round(r.peak_bitrate / 1000),
        "size_mb": round(r.total_bytes / 1e6, 2), "segments": r.segment_count,
    }) for r in [*renditions, *([audio] if audio else [])]], RUNG_SCHEMA)


def score_table(scores: Mapping[str, Mapping[str, Any]]) -> dg.TableMetadataValue:
    """One row per rung: its quality against the source (None where a metric did not run)."""
    return dg.MetadataValue.table([dg.TableRecord({
        "rung": name, "vmaf": s["vmaf"], "vmaf_min": s["vmaf_min"], "ssim": s["ssim"],
        "psnr_db": s["psnr"], "frames": s["frames"],
    }) for name, s in scores.items()], SCORE_SCHEMA)


def column_schema(schema: pa.Schema) -> dg.TableSchema:
    """A catalog table's Arrow schema as Dagster's column schema (type names as Arrow's)."""
    return dg.TableSchema(columns=[
        dg.TableColumn(f.name, str(f.type),
                       constraints=dg.TableColumnConstraints(nullable=f.nullable))
        for f in schema])


def catalog_metadata(table: str, rows: int, key: str) -> dict[str, Any]:
    """What a catalog asset reports for one video: its columns, its row count, its part."""
    from reelhouse.catalog import SCHEMAS  # pyarrow: imported on use, as the writer is

    return {COLUMN_SCHEMA: dg.MetadataValue.table_schema(column_schema(SCHEMAS[table])),
            ROW_COUNT: dg.MetadataValue.int(rows), "key": dg.MetadataValue.path(key)}


def play_url(settings: Settings, video_id: str) -> str:
    """Where a person watches the video: the dashboard's player for this id."""
    return f"{settings.dashboard_url}/?video={keys.check_video_id(video_id)}"


def poster_url(settings: Settings, video_id: str) -> str:
    """The API's poster route, which never expires: it signs a fresh link on every visit."""
    return f"{settings.api_url}/api/v1/videos/{keys.check_video_id(video_id)}/poster"


def video_summary(settings: Settings, video_id: str, duration_s: float,
                  renditions: Sequence[Rendition] = (), audio: Rendition | None = None
                  ) -> dict[str, dg.MetadataValue]:
    out: dict[str, dg.MetadataValue] = {
        "duration_s": dg.MetadataValue.float(round(duration_s, 3)),
        "play": dg.MetadataValue.url(play_url(settings, video_id)),
    }
    if renditions:
        out["rungs"] = rung_table(renditions, audio)
    return out
