"""The SQLite database: engine in WAL mode, migrations, one writer, and recovery from corruption."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import (
    DatabaseError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)
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
    if "disk is full" in text_ or "database or disk is full" in text_ or "no space" in text_:
        return "The disk is full; nothing was half-written. Free some space and try again."
    if "readonly" in text_ or "read-only" in text_:
        return "The database folder is read-only."
    if "locked" in text_ or "busy" in text_:
        return "The database is busy in another desktoprec window or process; try again."
    if "malformed" in text_ or "not a database" in text_ or "corrupt" in text_:
        return ("The database file is damaged. Restart desktoprec: it moves the damaged file "
                "aside and a sync rebuilds your library.")
    if "unable to open" in text_:
        return "The database file could not be opened (check the folder exists and is writable)."
    first_line = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
    return f"The database could not be used: {first_line}"


# SQLite's primary result codes for faults of the disk or the file, not of the query.
_STORAGE_FAULT_CODES = {
    sqlite3.SQLITE_PERM, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_NOMEM,
    sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_NOLFS, sqlite3.SQLITE_NOTADB,
}


def _is_storage_fault(exc: DBAPIError) -> bool:
    """Faults of the disk or file (full, locked, damaged), not bugs in a query or constraint."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _STORAGE_FAULT_CODES
    return isinstance(exc, OperationalError) and not isinstance(
        exc, (IntegrityError, ProgrammingError, InterfaceError)
    )


class Database:
    """One SQLite file. Reads may run anywhere; writes go through `write()`, one at a time."""

    def __init__(self, path: Path, engine: Engine, recovered_from: Path | None = None) -> None:
        self.path = path
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._write_lock = threading.RLock()
        # Set when a corrupt file was moved aside at start-up; the UI/CLI tell the user once.
        self.recovered_from = recovered_from

    def recovery_notice(self) -> str | None:
        """The one message to show when a damaged database was replaced at start-up."""
        if self.recovered_from is None:
            return None
        return (f"The database was damaged and has been moved aside to {self.recovered_from}; "
                "a fresh one was started. Sync again to rebuild your library.")

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
        except DBAPIError as exc:
            if not _is_storage_fault(exc):
                raise
            raise StorageError(_describe_disk_error(exc)) from exc
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
            except DBAPIError as exc:
                session.rollback()
                if not _is_storage_fault(exc):
                    raise
                log.error("database write failed and was rolled back: %s", exc.orig)
                raise StorageError(_describe_disk_error(exc)) from exc
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def close(self) -> None:
        self.engine.dispose()


def _check_integrity(path: Path) -> bool:
    """True when the file is a sound SQLite database (or does not exist yet); False when damaged.

    A database that is busy or cannot be opened is not damaged: that raises StorageError, so a
    healthy file held by another process is never moved aside.
    """
    if not path.exists() or path.stat().st_size == 0:
        return True
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
            return bool(rows) and rows[0][0] == "ok"
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if _is_damage(exc):
            return False
        raise StorageError(_describe_disk_error(exc)) from exc


def _move_aside(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    shutil.move(str(path), target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            shutil.move(str(side), target.with_name(target.name + suffix))
    return target


def _is_damage(exc: BaseException) -> bool:
    """A damaged file (as opposed to a busy, full or read-only one, which must be left alone)."""
    text_ = str(exc).lower()
    return "malformed" in text_ or "not a database" in text_ or "corrupt" in text_


def _new_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _set_pragmas)
    return engine


def _migrated_engine(path: Path) -> Engine:
    """An engine on `path` with the schema brought up to date; disposed again on any failure."""
    engine = _new_engine(path)
    try:
        with engine.begin() as conn:
            migrate(conn)
    except BaseException:
        engine.dispose()
        raise
    return engine


def open_database(path: Path) -> Database:
    """Open (creating and migrating as needed); a corrupt file is moved aside and started fresh.

    Raises StorageError for what cannot be fixed here: a database written by a newer desktoprec
    (kept untouched), a read-only or full disk.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"The data folder {path.parent} could not be created: {exc.strerror or exc}"
        ) from exc
    recovered_from: Path | None = None
    try:
        if not _check_integrity(path):
            recovered_from = _move_aside(path)
            log.error("the database %s was corrupt; moved aside to %s", path, recovered_from)
        try:
            engine = _migrated_engine(path)
        except DatabaseError as exc:
            if recovered_from is not None or not path.exists() or not _is_damage(exc):
                raise StorageError(_describe_disk_error(exc)) from exc
            # Damage the quick check did not see (it shows once the schema is read): start afresh.
            recovered_from = _move_aside(path)
            log.error("the database %s was corrupt; moved aside to %s", path, recovered_from)
            engine = _migrated_engine(path)
    except OSError as exc:
        raise StorageError(
            f"The database {path} could not be opened: {exc.strerror or exc}"
        ) from exc
    except DatabaseError as exc:
        raise StorageError(_describe_disk_error(exc)) from exc
    db = Database(path, engine, recovered_from)
    with db.read() as session:
        session.execute(text("SELECT 1"))
    return db
