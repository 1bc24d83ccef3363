"""The database and settings survive damage: moved aside or defaulted, told, never half-written."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from desktoprec.errors import StorageError
from desktoprec.settings import Settings, load_settings, save_settings
from desktoprec.storage import open_database
from desktoprec.storage.migrations import LATEST_VERSION
from desktoprec.storage.tables import ArtistRow


def _db_with_artists(path: Path, count: int) -> None:
    db = open_database(path)
    with db.write() as session:
        session.add_all(ArtistRow(id=f"artist{i:05d}", name=f"Artist {i}") for i in range(count))
    db.close()


def _artist_count(path: Path) -> int:
    db = open_database(path)
    try:
        with db.read() as session:
            return int(session.scalar(select(func.count()).select_from(ArtistRow)) or 0)
    finally:
        db.close()


def _assert_fresh_database_works(path: Path) -> None:
    db = open_database(path)
    try:
        assert db.recovered_from is None
        with db.write() as session:
            session.add(ArtistRow(id="new", name="After recovery"))
        with db.read() as session:
            assert session.get(ArtistRow, "new") is not None
    finally:
        db.close()


@pytest.mark.parametrize(
    "damage",
    ["random_bytes", "text_file", "zeroed_header", "truncated_half", "scribbled_pages"],
)
def test_damaged_database_is_moved_aside_and_a_fresh_one_works(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "library.sqlite3"
    _db_with_artists(path, 3000)
    size = path.stat().st_size
    original = path.read_bytes()
    if damage == "random_bytes":
        path.write_bytes(os.urandom(size))
    elif damage == "text_file":
        path.write_text("this is not a database\n" * 100)
    elif damage == "zeroed_header":
        path.write_bytes(b"\0" * 100 + original[100:])
    elif damage == "truncated_half":
        path.write_bytes(original[: size // 2])
    else:  # b-tree pages overwritten in the middle of the file: only an integrity check sees it
        data = bytearray(original)
        page = 4096
        for start in range(page * 2, len(data) - page, page * 3):
            data[start + 8 : start + 200] = os.urandom(192)
        path.write_bytes(bytes(data))
    damaged_bytes = path.read_bytes()

    db = open_database(path)
    try:
        assert db.recovered_from is not None
        assert db.recovered_from.exists()
        assert db.recovered_from.read_bytes() == damaged_bytes  # kept, byte for byte
        notice = db.recovery_notice()
        assert notice and str(db.recovered_from) in notice and "Sync" in notice
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(ArtistRow)) == 0
            assert session.execute(text("PRAGMA user_version")).scalar() == LATEST_VERSION
    finally:
        db.close()
    _assert_fresh_database_works(path)


def test_healthy_database_is_not_moved(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    _db_with_artists(path, 10)
    db = open_database(path)
    try:
        assert db.recovered_from is None and db.recovery_notice() is None
    finally:
        db.close()
    assert not list(tmp_path.glob("*.corrupt-*"))
    assert _artist_count(path) == 10


def test_truncated_wal_keeps_what_was_committed_before_it(tmp_path: Path) -> None:
    """A crash can leave a torn write-ahead log: SQLite drops the torn frames, nothing more."""
    path = tmp_path / "library.sqlite3"
    _db_with_artists(path, 50)  # checkpointed when the engine closed
    # A second writer commits into the WAL and "crashes" before a checkpoint: copy its files.
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    for i in range(200):
        conn.execute("INSERT INTO artists (id, name, genres) VALUES (?, ?, '[]')", (f"w{i}", "x"))
    conn.commit()
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    shutil.copy(path, crashed / path.name)
    shutil.copy(path.with_name(path.name + "-wal"), crashed / (path.name + "-wal"))
    conn.close()
    wal = crashed / (path.name + "-wal")
    assert wal.stat().st_size > 4096
    with wal.open("r+b") as handle:
        handle.truncate(wal.stat().st_size // 2 + 17)

    copy = crashed / path.name
    db = open_database(copy)
    try:
        assert db.recovered_from is None
        with db.read() as session:
            count = session.scalar(select(func.count()).select_from(ArtistRow))
        # The torn transaction is dropped as a whole; the earlier commit is intact.
        assert count in (50, 250)
    finally:
        db.close()
    _assert_fresh_database_works(copy)


def test_garbage_wal_is_ignored_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    _db_with_artists(path, 20)
    path.with_name(path.name + "-wal").write_bytes(os.urandom(50_000))
    assert _artist_count(path) == 20


def test_database_from_a_newer_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    _db_with_artists(path, 5)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 7}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StorageError) as caught:
        open_database(path)
    message = caught.value.user_text()
    assert "newer" in message and "update" in message
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_disk_full_is_reported_and_nothing_is_half_written(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    _db_with_artists(path, 100)
    db = open_database(path)
    try:
        with db.read() as session:
            pages = session.execute(text("PRAGMA page_count")).scalar()
        # SQLite's page cap makes every further page allocation fail with SQLITE_FULL — the same
        # error a full disk gives — on every connection of the pool.
        with db.engine.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA max_page_count = {int(pages) + 2}")
        with pytest.raises(StorageError) as caught, db.write() as session:
            session.add_all(
                ArtistRow(id=f"big{i}", name="x" * 2000) for i in range(2000)
            )
        assert "disk is full" in str(caught.value)
        assert "nothing was half-written" in str(caught.value)
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(ArtistRow)) == 100
        # Once space is back, the same database takes writes again.
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA max_page_count = 1073741823")
        with db.write() as session:
            session.add(ArtistRow(id="after", name="space again"))
    finally:
        db.close()
    assert _artist_count(path) == 101


def test_unwritable_data_folder_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(StorageError) as caught:
        open_database(blocker / "library.sqlite3")
    assert "could not" in str(caught.value)


def test_bugs_in_queries_are_not_disguised_as_disk_faults(tmp_path: Path) -> None:
    db = open_database(tmp_path / "library.sqlite3")
    try:
        with pytest.raises(Exception) as caught, db.read() as session:
            session.execute(text("SELECT no_such_column FROM artists"))
        assert not isinstance(caught.value, StorageError)
    finally:
        db.close()


# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"client_id = \"abc\n\xff\xfe[[[",
        b"\x00\x01\x02binary",
        b"[[[[[[[[[[" * 20000,  # deep nesting: must not blow the stack
        b"a = [" * 5000,
        b"client_id = 'x'\nclient_id = 'y'\n",  # duplicate key
        b"x" * 1_200_000,  # larger than any real settings file
    ],
)
def test_corrupt_settings_fall_back_to_defaults_with_a_warning(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(content)
    loaded = load_settings(path)
    assert loaded == Settings()
    assert loaded.load_warning and "defaults are used" in loaded.load_warning
    assert len(loaded.load_warning) < 600
    kept = tmp_path / "settings.toml.corrupt"
    assert kept.read_bytes() == content
    # The next save writes a clean file that loads without a warning.
    save_settings(loaded, path)
    assert load_settings(path).load_warning is None


def test_hostile_values_are_reset_each_on_its_own(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        'client_id = "keep-me"\n'
        "diversity = nan\n"
        "discovery_request_budget = -5\n"
        'api_url = "http://evil.example/v1"\n'
        'accounts_url = "http://user:pw@127.0.0.1:9"\n'
        "music_folders = [\"/music\", 7]\n"
        "unknown_key = 1\n"
        "schema_version = 999\n"
    )
    loaded = load_settings(path)
    assert loaded.client_id == "keep-me"
    assert 0.0 <= loaded.diversity <= 1.0
    assert loaded.discovery_request_budget == 0
    assert loaded.effective_api_url() == "https://api.spotify.com/v1"
    assert loaded.effective_accounts_url() == "https://accounts.spotify.com"
    assert loaded.music_folders == []


def test_plain_http_is_used_only_on_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    monkeypatch.setenv("DESKTOPREC_SPOTIFY_API_URL", "http://127.0.0.1:8765/v1")
    assert settings.effective_api_url() == "http://127.0.0.1:8765/v1"
    monkeypatch.setenv("DESKTOPREC_SPOTIFY_API_URL", "http://198.51.100.7/v1")
    assert settings.effective_api_url() == "https://api.spotify.com/v1"


def test_settings_save_on_a_full_disk_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from desktoprec import atomicfile

    path = tmp_path / "settings.toml"
    save_settings(Settings(client_id="old"), path)
    before = path.read_bytes()
    # The temporary file the save writes first is /dev/full: every write fails with ENOSPC.
    stand_in = tmp_path / "never-created.tmp"
    monkeypatch.setattr(atomicfile.tempfile, "mkstemp",
                        lambda **_: (os.open("/dev/full", os.O_WRONLY), str(stand_in)))
    with pytest.raises(StorageError) as caught:
        save_settings(Settings(client_id="new"), path)
    assert "disk is full" in str(caught.value)
    assert "unchanged" in str(caught.value)
    assert path.read_bytes() == before
    assert load_settings(path).client_id == "old"


def test_cli_tells_the_user_once_when_the_database_was_replaced(
    desktoprec_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from desktoprec import cli, logs
    from desktoprec.paths import app_paths

    monkeypatch.setattr(logs, "configure_logging", lambda *a, **k: None)
    paths = app_paths().ensure()
    paths.database.write_bytes(b"not a database at all" * 200)

    def opens_the_database(_args: argparse.Namespace, services: object) -> int:
        assert services.db is not None  # type: ignore[attr-defined]
        return 0

    assert cli._run(opens_the_database, argparse.Namespace(debug=False)) == 0
    first = capsys.readouterr().err
    assert first.count("moved aside") == 1 and "Sync again" in first
    assert cli._run(opens_the_database, argparse.Namespace(debug=False)) == 0
    assert "moved aside" not in capsys.readouterr().err
