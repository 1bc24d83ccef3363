"""The catalogue answer cache in the database: hits kept, misses for 30 days, rejects for 7.

Every answer an external service gave (trimmed to what we use) is stored under (service, key), so
an interrupted enrich continues where it stopped and a second run asks nothing it already knows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert

from desktoprec.storage.tables import CatalogAnswerRow

NOT_FOUND_RETRY_S = 30 * 24 * 3600.0
REJECTED_RETRY_S = 7 * 24 * 3600.0
FLUSH_EVERY = 200

_MISSING = object()


class AnswerCache:
    """A read-through view of `catalog_answers` with buffered writes (`flush()` to store)."""

    def __init__(self, db: Any, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock
        self._rows: dict[tuple[str, str], tuple[str, Any, float]] = {}
        self._loaded: set[str] = set()
        self._pending: dict[tuple[str, str], tuple[str, Any, float]] = {}

    def _load(self, service: str) -> None:
        if service in self._loaded:
            return
        with self.db.read() as session:
            for key, status, value, at in session.execute(
                    select(CatalogAnswerRow.key, CatalogAnswerRow.status, CatalogAnswerRow.value,
                           CatalogAnswerRow.fetched_at)
                    .where(CatalogAnswerRow.service == service)):
                stamp = at.replace(tzinfo=UTC).timestamp() if at else 0.0
                self._rows[(service, key)] = (status, value, stamp)
        self._loaded.add(service)

    def lookup(self, service: str, key: str) -> Any:
        """The stored value (None for a remembered miss), or `MISSING` when it must be asked."""
        self._load(service)
        entry = self._rows.get((service, key))
        if entry is None:
            return _MISSING
        status, value, at = entry
        age = self.clock() - at
        if status == "found":
            return value
        if status == "not_found" and age < NOT_FOUND_RETRY_S:
            return None
        if status == "rejected" and age < REJECTED_RETRY_S:
            return None
        return _MISSING

    def peek(self, service: str, key: str) -> Any:
        """The stored value of a hit, else None (never asks)."""
        value = self.lookup(service, key)
        return None if value is _MISSING else value

    def keys(self, service: str) -> Iterable[str]:
        self._load(service)
        return [k for (s, k) in self._rows if s == service]

    def put(self, service: str, key: str, status: str, value: Any = None) -> None:
        entry = (status, value, self.clock())
        self._rows[(service, key)] = entry
        self._pending[(service, key)] = entry
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        rows = [{"service": s, "key": k, "status": status, "value": value,
                 "fetched_at": datetime.fromtimestamp(at, UTC).replace(tzinfo=None)}
                for (s, k), (status, value, at) in self._pending.items()]
        with self.db.write() as session:
            for start in range(0, len(rows), 300):
                stmt = insert(CatalogAnswerRow)
                session.execute(stmt.on_conflict_do_update(
                    index_elements=[CatalogAnswerRow.service, CatalogAnswerRow.key],
                    set_={"status": stmt.excluded.status, "value": stmt.excluded.value,
                          "fetched_at": stmt.excluded.fetched_at}), rows[start:start + 300])
        self._pending.clear()


MISSING = _MISSING
