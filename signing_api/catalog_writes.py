"""The API's catalog writes, after the answer and in batches.

An owner's edit and the end of a delete are the API's only writes to the catalog. Each is a
Delta commit of the `videos` table (a delete: of every table, plus a vacuum), and commits to
one table are serialised by their log: with every request committing on its own, sixteen
editors kept a delete losing commit races for longer than a client waits. So the database
takes the change inside the request (it is the truth the API answers from), the request
answers, and the catalog change runs afterwards (a FastAPI background task), folded with every
other change that arrived meanwhile into one commit per table.

Nothing is lost when a batch fails or the process dies before it ran: an edit reaches the
catalog again when the pipeline next writes the video's row from the database, and a delete
leaves its row `deleting` (hidden everywhere), which the sweeper finishes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from reelhouse import videos
from reelhouse.db import Database
from reelhouse.errors import ReelhouseError
from reelhouse.storage import Storage

if TYPE_CHECKING:
    from reelhouse.catalog.writer import Edit

log = logging.getLogger("signing_api.catalog")
T = TypeVar("T")


class Batches(Generic[T]):
    """Items submitted from many threads, applied a batch at a time: `submit` returns once a
    batch holding its item was applied, by this thread or by another that took it along.
    Whatever arrives while a batch is being applied goes into the next one, whole."""

    def __init__(self, apply: Callable[[list[T]], None]) -> None:
        self._apply = apply
        self._pending: list[T] = []
        self._taking = threading.Lock()
        self._applying = threading.Lock()

    def submit(self, item: T) -> None:
        with self._taking:
            self._pending.append(item)
        with self._applying:
            with self._taking:
                batch, self._pending = self._pending, []
            if batch:
                self._apply(batch)


class CatalogWrites:
    """The two batched writes: owners' edits of `videos` rows and finishing deletes."""

    def __init__(self, db: Database, storage: Storage) -> None:
        self.db, self.storage = db, storage
        self.edits: Batches[Edit] = Batches(self._edit)
        self.deletes: Batches[str] = Batches(self._finish_deletes)

    def edit(self, video_id: str, fields: dict[str, Any], updated_at: datetime) -> None:
        # Imported here: the catalog pulls in pyarrow and deltalake on first use only.
        from reelhouse.catalog.writer import Edit

        self.edits.submit(Edit(video_id, fields, updated_at))

    def finish_delete(self, video_id: str) -> None:
        self.deletes.submit(video_id)

    def _edit(self, edits: list[Edit]) -> None:
        from reelhouse.catalog.writer import update_videos

        try:
            update_videos(self.storage, edits)
        except (ReelhouseError, OSError, RuntimeError) as e:
            log.warning("catalog edits of %d videos not written (the pipeline writes them "
                        "with the video's next row): %s", len(edits), e)

    def _finish_deletes(self, video_ids: list[str]) -> None:
        try:
            videos.finish_deletes(self.db, self.storage, list(dict.fromkeys(video_ids)))
        except (ReelhouseError, OSError, RuntimeError) as e:
            log.warning("deletes of %s not finished (the sweeper finishes them): %s",
                        ", ".join(video_ids), e)
