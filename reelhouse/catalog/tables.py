"""The catalog's Delta tables in the bucket: where each lives, how delta-rs reaches it, and
the retry that turns a lost commit race into a rerun on the newer version.

Commits are atomic because delta-rs writes `_delta_log/{version}.json` with a conditional PUT
(`If-None-Match: *`): of two writers racing for one version exactly one wins, the other
re-reads the log, checks the winner against what it read and rebases or fails. SeaweedFS, AWS
S3, R2 and MinIO refuse a second create with 412, so no lock provider is needed (and
`AWS_S3_ALLOW_UNSAFE_RENAME` must never be set: it gives up exactly this guarantee).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError, TableNotFoundError

from reelhouse.catalog.errors import CatalogStorageError
from reelhouse.catalog.legacy import load_legacy
from reelhouse.catalog.schemas import schema_for
from reelhouse.errors import StorageError
from reelhouse.storage import Storage

log = logging.getLogger("reelhouse.catalog")
T = TypeVar("T")
# Enough for 20 writers racing for the same versions (each loser rebases and tries again).
COMMIT_ATTEMPTS = 40
# Only video ids and write times get min/max stats in the log: titles and descriptions of a
# deleted video must not live on in `_delta_log`, and id stats let a write for one video skip
# (and not conflict with) files holding only other videos.
TABLE_CONFIG = {"delta.dataSkippingStatsColumns": "video_id,written_at"}


def storage_options(storage: Storage) -> dict[str, str]:
    """delta-rs (object_store) options for our endpoint, credentials and addressing."""
    settings = storage.settings
    access_key, secret_key = settings.s3_credentials
    return {
        "AWS_ENDPOINT_URL": settings.s3_endpoint, "AWS_REGION": settings.s3_region,
        "AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key,
        "AWS_ALLOW_HTTP": str(settings.s3_endpoint.startswith("http://")).lower(),
        "AWS_VIRTUAL_HOSTED_STYLE_REQUEST": str(settings.s3_addressing_style == "virtual").lower(),
        # Commits are create-if-absent PUTs; stated here so no environment default turns it off.
        "conditional_put": "etag",
    }


def table_uri(storage: Storage, table: str) -> str:
    """Where `table` lives: s3://{bucket}/catalog/{table}."""
    schema_for(table)
    return f"s3://{storage.bucket}/catalog/{table}"


def open_table(storage: Storage, table: str) -> DeltaTable | None:
    """The table at its latest version, or None while nothing has been written to it."""
    try:
        return DeltaTable(table_uri(storage, table), storage_options=storage_options(storage))
    except TableNotFoundError:
        return None


def ensure_table(storage: Storage, table: str) -> DeltaTable:
    """The table, created on first use; version 0 holds whatever the pre-Delta Parquet files
    of today's main held, and those files are removed once it is committed."""
    found = open_table(storage, table)
    if found is not None:
        return found
    rows, legacy = load_legacy(storage, table)
    try:
        # mode="error": of writers creating the table at once only one commits version 0.
        write_deltalake(table_uri(storage, table), rows, mode="error",
                        configuration=TABLE_CONFIG, storage_options=storage_options(storage))
    except (DeltaError, CommitFailedError) as e:
        log.info("catalog %s: created by another writer meanwhile (%s)", table, e)
    else:
        for key in legacy:
            storage.delete(key)
        if legacy:
            log.info("catalog %s: migrated %d rows from %d Parquet files", table,
                     rows.num_rows, len(legacy))
    found = open_table(storage, table)
    if found is None:
        raise CatalogStorageError(f"catalog {table}: missing right after it was created")
    return found


def vanished(error: Exception) -> bool:
    """Whether `error` says an object of the table was gone when read (vacuumed meanwhile)."""
    text = str(error).lower()
    return "not found" in text or "notfound" in text or "no such key" in text


def committed(storage: Storage, table: str, change: Callable[[DeltaTable], T]) -> T:
    """`change(table)` on the latest version, rerun on a newer one whenever another writer's
    commit conflicts with it; what it returns once its commit landed."""
    dt: DeltaTable | None = None
    for attempt in range(COMMIT_ATTEMPTS):
        try:
            if dt is None:
                dt = ensure_table(storage, table)
            else:  # only the commits since the last try are read, not the log again
                dt.update_incremental()
            return change(dt)
        except CommitFailedError as e:
            if attempt == COMMIT_ATTEMPTS - 1:
                raise CatalogStorageError(f"catalog {table}: {e}") from e
            log.debug("catalog %s: commit lost a race (%s), retrying", table, e)
        except StorageError:
            raise
        except (OSError, DeltaError) as e:
            # A data file vacuumed between our snapshot and our read: read the newer version.
            if attempt == COMMIT_ATTEMPTS - 1 or not vanished(e):
                raise CatalogStorageError(f"catalog {table}: {e}") from e
            dt = None
        time.sleep(random.uniform(0.01, 0.05) * min(attempt + 1, 8))
    raise AssertionError("unreachable")
