"""Migrations from every past schema: a file at each old version, built from its SQL, reaches the
latest schema with its rows kept; a new file is created at the latest schema without migrating."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktoprec.storage import open_database, repo
from desktoprec.storage.migrations import BASELINE_VERSION, LATEST_VERSION, MIGRATIONS

SCHEMAS = Path(__file__).with_name("schemas")
PAST_VERSIONS = list(range(BASELINE_VERSION, LATEST_VERSION))


def _schema(path: Path) -> dict[str, object]:
    """Tables (columns: name, type, not null, primary key) and indexes of a SQLite file."""
    conn = sqlite3.connect(path)
    try:
        shape: dict[str, object] = {}
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        for table in tables:
            columns = sorted((r[1], r[2].upper(), r[3], r[5])
                             for r in conn.execute(f"PRAGMA table_info('{table}')"))
            indexes = sorted(
                (r[1], r[2], tuple(c[2] for c in conn.execute(f"PRAGMA index_info('{r[1]}')")))
                for r in conn.execute(f"PRAGMA index_list('{table}')"))
            shape[table] = (columns, indexes)
        return shape
    finally:
        conn.close()


def _user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def _old_file(path: Path, version: int) -> None:
    """A database as desktoprec of schema `version` wrote it, with a few rows in it."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript((SCHEMAS / f"v{version}.sql").read_text(encoding="utf-8"))
        conn.execute("INSERT INTO account (id, display_name) VALUES ('listener', 'Listener')")
        conn.execute("INSERT INTO sync_state (key, value) VALUES ('last_sync', '{\"at\": \"x\"}')")
        conn.execute(f"PRAGMA user_version = {version}")
        conn.commit()
    finally:
        conn.close()


def test_every_past_version_has_its_schema() -> None:
    """Adding migration N needs the schema of version N-1 kept here, or it is never tested."""
    assert [n for n, _, _ in MIGRATIONS] == list(range(BASELINE_VERSION + 1, LATEST_VERSION + 1))
    missing = [v for v in PAST_VERSIONS if not (SCHEMAS / f"v{v}.sql").is_file()]
    assert missing == []


def test_a_new_database_is_created_at_the_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    open_database(path).close()
    assert _user_version(path) == LATEST_VERSION
    assert "candidate_evidence" in _schema(path)


@pytest.mark.parametrize("version", PAST_VERSIONS)
def test_an_old_database_migrates_to_the_latest_schema(tmp_path: Path, version: int) -> None:
    fresh = tmp_path / "fresh.sqlite3"
    open_database(fresh).close()
    old = tmp_path / f"v{version}.sqlite3"
    _old_file(old, version)
    assert _schema(old) != _schema(fresh)

    db = open_database(old)
    try:
        with db.read() as session:
            assert repo.get_state(session, "last_sync") == {"at": "x"}
    finally:
        db.close()
    assert _user_version(old) == LATEST_VERSION
    assert _schema(old) == _schema(fresh)
    # opening it again migrates nothing and changes nothing
    open_database(old).close()
    assert _schema(old) == _schema(fresh) and _user_version(old) == LATEST_VERSION


def test_the_migrated_file_is_usable(tmp_path: Path) -> None:
    from desktoprec.domain import CandidateEvidence

    old = tmp_path / "v1.sqlite3"
    _old_file(old, BASELINE_VERSION)
    db = open_database(old)
    try:
        with db.write() as session:
            repo.upsert_candidate_evidence(session, "t1", [
                CandidateEvidence("deezer", "related", "a1", "Artist", "Other", 0.5)])
        with db.read() as session:
            assert repo.candidate_evidence(session, ["t1"])["t1"][0].service == "deezer"
    finally:
        db.close()
