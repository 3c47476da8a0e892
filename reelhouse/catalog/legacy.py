"""The catalog as today's main left it: loose Parquet parts and compacted files per table,
read once to migrate them into the Delta tables (see `tables.ensure_table`)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from reelhouse.catalog.errors import CatalogError
from reelhouse.catalog.schemas import conform, schema_for
from reelhouse.config import Settings
from reelhouse.storage import Storage

FILE = "_file"
_LEGACY_NAME = re.compile(r"(part|compacted)-[0-9A-HJKMNP-TV-Z]{26}\.parquet")


def table_prefix(table: str) -> str:
    schema_for(table)
    return f"catalog/{table}/"


def is_legacy_file(key: str) -> bool:
    """A part (`part-{video id}.parquet`) or compacted file (`compacted-{ULID}.parquet`) of
    the pre-Delta catalog; Delta's own data files (`part-00000-{uuid}-c000...`) are not."""
    return _LEGACY_NAME.fullmatch(key.rsplit("/", 1)[-1]) is not None


def list_files(storage: Storage, table: str) -> list[dict[str, Any]]:
    """The table's pre-Delta data files, as S3 lists them, sorted by key."""
    listing = storage.list_keys(table_prefix(table))
    return sorted((o for o in listing if is_legacy_file(o["Key"])), key=lambda o: o["Key"])


@lru_cache(maxsize=8)
def _filesystem(endpoint: str, region: str, access_key: str, secret_key: str,
                virtual: bool) -> pafs.S3FileSystem:
    url = urlsplit(endpoint)
    return pafs.S3FileSystem(
        access_key=access_key, secret_key=secret_key, region=region,
        endpoint_override=url.netloc + url.path.rstrip("/"), scheme=url.scheme or "https",
        force_virtual_addressing=virtual, connect_timeout=5, request_timeout=60)


def filesystem(settings: Settings) -> pafs.S3FileSystem:
    """pyarrow's S3 filesystem for our endpoint and credentials (shared per configuration)."""
    access_key, secret_key = settings.s3_credentials
    return _filesystem(settings.s3_endpoint, settings.s3_region, access_key, secret_key,
                       settings.s3_addressing_style == "virtual")


def read_keys(storage: Storage, table: str, keys: list[str]) -> pa.Table:
    """Rows of the given files in the current schema, plus `_file` naming each row's file."""
    schema = schema_for(table)
    tagged_schema = schema.append(pa.field(FILE, pa.string()))
    if not keys:
        return tagged_schema.empty_table()
    bucket = storage.bucket
    dataset = ds.dataset([f"{bucket}/{k}" for k in keys], schema=schema, format="parquet",
                         filesystem=filesystem(storage.settings))
    batches = []
    try:
        for tagged in dataset.scanner().scan_batches():
            batch = tagged.record_batch
            key = tagged.fragment.path.removeprefix(f"{bucket}/")
            file = pa.repeat(pa.scalar(key, pa.string()), batch.num_rows)
            batches.append(pa.RecordBatch.from_arrays([*batch.columns, file],
                                                      schema=tagged_schema))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as e:
        raise CatalogError(f"catalog: cannot read legacy {table}: {e}") from e
    return pa.Table.from_batches(batches, schema=tagged_schema)


def dedupe(raw: pa.Table) -> pa.Table:
    """Per video, only the rows of its newest file (newest `written_at`, then greatest key):
    how the pre-Delta reader resolved a rerun's part against an older compacted copy."""
    if raw.num_rows == 0:
        return raw.drop_columns([FILE])
    files = raw.group_by(["video_id", FILE]).aggregate([("written_at", "max")])
    files = files.sort_by([("video_id", "ascending"), ("written_at_max", "descending"),
                           (FILE, "descending")])
    ids = files.column("video_id").combine_chunks()
    mask = pa.concat_arrays([pa.array([True]), pc.not_equal(ids[1:], ids[:-1])])
    best = files.filter(mask).select(["video_id", FILE])
    kept = raw.join(best, keys=["video_id", FILE], join_type="left semi")
    return kept.select(raw.column_names).cast(raw.schema).drop_columns([FILE])


def load_legacy(storage: Storage, table: str) -> tuple[pa.Table, list[str]]:
    """The rows the pre-Delta files of `table` held, de-duplicated, and those files' keys."""
    keys = [o["Key"] for o in list_files(storage, table)]
    return conform(table, dedupe(read_keys(storage, table, keys))), keys
