"""The SQLite database: engine in WAL mode, migrations, one writer, and recovery from corruption."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from desktoprec.errors import StorageError
from desktoprec.storage.migrations import migrate

log = logging.getLogger(__name__)


def _set_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _describe_disk_error(exc: BaseException) -> str:
    text_ = str(exc).lower()
    if "disk is full" in text_ or "database or disk is full" in text_:
        return "The disk is full; nothing was half-written. Free some space and try again."
    if "readonly" in text_ or "read-only" in text_:
        return "The database folder is read-only."
    return f"The database could not be written: {exc}"


class Database:
    """One SQLite file. Reads may run anywhere; writes go through `write()`, one at a time."""

    def __init__(self, path: Path, engine: Engine, recovered_from: Path | None = None) -> None:
        self.path = path
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._write_lock = threading.RLock()
        # Set when a corrupt file was moved aside at start-up; the UI/CLI tell the user once.
        self.recovered_from = recovered_from

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed as a whole or rolled back as a whole."""
        with self._write_lock:
            session = self._sessions()
            try:
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                raise StorageError(_describe_disk_error(exc)) from exc
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def close(self) -> None:
        self.engine.dispose()


def _check_integrity(path: Path) -> bool:
    """True when the file is a readable SQLite database (or does not exist yet)."""
    if not path.exists() or path.stat().st_size == 0:
        return True
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            row = conn.execute("PRAGMA quick_check").fetchone()
            return bool(row) and row[0] == "ok"
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False


def _move_aside(path: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    shutil.move(str(path), target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            shutil.move(str(side), target.with_name(target.name + suffix))
    return target


def open_database(path: Path) -> Database:
    """Open (creating and migrating as needed); a corrupt file is moved aside and started fresh."""
    path.parent.mkdir(parents=True, exist_ok=True)
    recovered_from: Path | None = None
    if not _check_integrity(path):
        recovered_from = _move_aside(path)
        log.error("the database %s was corrupt; moved aside to %s", path, recovered_from)
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _set_pragmas)
    try:
        with engine.begin() as conn:
            migrate(conn)
    except DatabaseError as exc:
        engine.dispose()
        if recovered_from is None and path.exists():
            recovered_from = _move_aside(path)
            engine = create_engine(f"sqlite:///{path}", future=True)
            event.listen(engine, "connect", _set_pragmas)
            with engine.begin() as conn:
                migrate(conn)
        else:
            raise StorageError(_describe_disk_error(exc)) from exc
    db = Database(path, engine, recovered_from)
    with db.read() as session:
        session.execute(text("SELECT 1"))
    return db
