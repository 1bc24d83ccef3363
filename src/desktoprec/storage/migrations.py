"""Versioned schema migrations, tracked in SQLite's `PRAGMA user_version`.

A new database is created at the latest schema straight from the models (`tables.py`) and marked
with LATEST_VERSION; the migrations run only on files of an older version, each once, in order,
inside the one transaction of `migrate`. To change the schema: append a migration that takes a file
of the previous version to the new one (never edit an earlier entry), change the models to match,
and keep the previous version's schema as `tests/storage/schemas/vN.sql` so the test can migrate it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Connection, text

from desktoprec.errors import StorageError
from desktoprec.storage.tables import Base

log = logging.getLogger(__name__)

# Version 1 is the first schema ever written; there is nothing older to migrate from.
BASELINE_VERSION = 1


def _candidate_evidence(conn: Connection) -> None:
    from desktoprec.storage.tables import CandidateEvidenceRow

    CandidateEvidenceRow.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]


def _catalog_sources(conn: Connection) -> None:
    from desktoprec.storage.tables import (
        CatalogAnswerRow,
        SoundEvidenceRow,
        TrackSoundFamilyRow,
    )

    for row in (CatalogAnswerRow, SoundEvidenceRow, TrackSoundFamilyRow):
        row.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]
    # Sound clusters used to be stored as genres: they are sound families now, never genres.
    conn.execute(text("DELETE FROM track_genres WHERE source = 'cluster'"))


# (the version a migration brings a file to, what it does, the step)
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (2, "candidate_evidence: why a track from outside the library is a candidate",
     _candidate_evidence),
    (3, "catalogue answers, sound evidence, sound families apart from genres", _catalog_sources),
]

LATEST_VERSION = MIGRATIONS[-1][0] if MIGRATIONS else BASELINE_VERSION


def current_version(conn: Connection) -> int:
    return int(conn.execute(text("PRAGMA user_version")).scalar() or 0)


def _set_version(conn: Connection, version: int) -> None:
    conn.execute(text(f"PRAGMA user_version = {int(version)}"))


def migrate(conn: Connection) -> list[int]:
    """Bring the schema up to LATEST_VERSION; returns the migrations applied (none when new)."""
    version = current_version(conn)
    if version > LATEST_VERSION:
        raise StorageError(
            f"The database was written by a newer desktoprec (schema {version}, "
            f"this version knows {LATEST_VERSION}).",
            hint="update desktoprec",
        )
    if version == 0:  # a new file: the models are the latest schema
        Base.metadata.create_all(conn)
        _set_version(conn, LATEST_VERSION)
        log.info("new database at schema %d", LATEST_VERSION)
        return []
    applied: list[int] = []
    for number, description, apply in MIGRATIONS:
        if number <= version:
            continue
        log.info("migrating database from schema %d to %d: %s", version, number, description)
        apply(conn)
        _set_version(conn, number)
        version = number
        applied.append(number)
    return applied
