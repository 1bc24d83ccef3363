"""Versioned schema migrations, tracked in SQLite's `PRAGMA user_version`.

Each migration is a function applied once, in order, inside one transaction. Version 1 is the
baseline schema; later versions append to MIGRATIONS and never edit earlier entries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Connection, text

from desktoprec.storage.tables import Base

log = logging.getLogger(__name__)


def _baseline(conn: Connection) -> None:
    Base.metadata.create_all(conn)


def _candidate_evidence(conn: Connection) -> None:
    from desktoprec.storage.tables import CandidateEvidenceRow

    CandidateEvidenceRow.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "baseline schema", _baseline),
    (2, "candidate_evidence: why a track from outside the library is a candidate",
     _candidate_evidence),
]

LATEST_VERSION = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    return int(conn.execute(text("PRAGMA user_version")).scalar() or 0)


def migrate(conn: Connection) -> list[int]:
    """Bring the schema up to LATEST_VERSION; returns the versions applied."""
    applied: list[int] = []
    version = current_version(conn)
    if version > LATEST_VERSION:
        from desktoprec.errors import StorageError

        raise StorageError(
            f"The database was written by a newer desktoprec (schema {version}, "
            f"this version knows {LATEST_VERSION}).",
            hint="update desktoprec",
        )
    for number, description, apply in MIGRATIONS:
        if number <= version:
            continue
        log.info("migrating database to schema %d: %s", number, description)
        apply(conn)
        conn.execute(text(f"PRAGMA user_version = {int(number)}"))
        applied.append(number)
    return applied
