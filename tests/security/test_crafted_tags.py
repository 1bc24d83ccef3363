"""Finding 2: a crafted MP3 must not stall `scan`.

An ID3v2.4 TIT2 frame of megabytes of NUL bytes takes mutagen's text parser quadratic time (1 MB:
16 s, 4 MB: 4 minutes, a 300 MB sparse file: 11 minutes at 1.3 GB). The scan must finish with
such files reported and the others read, and Cancel must stop it in the middle of one.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from desktoprec.errors import Cancelled
from desktoprec.library.scan import scan_folders
from desktoprec.library.tags import id3_tag_problem, read_tags
from desktoprec.services import Services

MPEG_FRAME = b"\xff\xfb\x90\x64" + b"\x00" * 413  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz


def _syncsafe(n: int) -> bytes:
    return bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])


def _frame(frame_id: bytes, body: bytes) -> bytes:
    return frame_id + _syncsafe(len(body)) + b"\x00\x00" + body


def write_crafted(path: Path, nul_bytes: int, frames: int = 1) -> Path:
    """An ID3v2.4 tag with `frames` TIT2 frames of `nul_bytes` NULs (UTF-8), then MPEG audio."""
    body = b"".join(_frame(b"TIT2", b"\x03" + b"\x00" * nul_bytes) for _ in range(frames))
    path.write_bytes(b"ID3\x04\x00\x00" + _syncsafe(len(body)) + body + MPEG_FRAME * 40)
    return path


def write_sparse(path: Path, total: int = 300_000_000) -> Path:
    """A 300 MB sparse file: a tag of 256 MB that is one NUL-filled TIT2 frame (no disk used)."""
    size = (1 << 28) - 64
    header = b"ID3\x04\x00\x00" + _syncsafe(size + 10) + b"TIT2" + _syncsafe(size) + b"\x00\x00\x03"
    with path.open("wb") as handle:
        handle.write(header)
        handle.seek(total - len(MPEG_FRAME))
        handle.write(MPEG_FRAME)
    return path


def write_normal(path: Path, title: str) -> Path:
    from mutagen.id3 import ID3, TIT2, TPE1

    path.write_bytes(MPEG_FRAME * 40)
    tags = ID3()
    tags.add(TIT2(encoding=3, text=title))
    tags.add(TPE1(encoding=3, text="Some Artist"))
    tags.save(str(path))
    return path


def _titles(database: Path) -> dict[str, tuple[str | None, str | None]]:
    with sqlite3.connect(database) as db:
        return {Path(p).name: (t, e) for p, t, e in
                db.execute("SELECT path, title, tag_error FROM local_files")}


def test_crafted_files_are_reported_and_the_rest_scanned_through_the_cli(tmp_path: Path) -> None:
    music = tmp_path / "music"
    music.mkdir()
    write_normal(music / "a-normal.mp3", "A normal song")
    write_crafted(music / "b-1mb.mp3", 1_000_000)
    write_crafted(music / "c-4mb.mp3", 4_000_000)
    write_sparse(music / "d-sparse.mp3")
    write_crafted(music / "e-many-small.mp3", 60_000, frames=6)  # each under the frame cap
    write_normal(music / "f-normal.mp3", "Another song")
    home = tmp_path / "home"
    env = {**os.environ, "DESKTOPREC_HOME": str(home)}
    done = subprocess.run([sys.executable, "-m", "desktoprec", "scan", str(music), "--json"],
                          env=env, capture_output=True, text=True, timeout=280, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["found"] == 6 and report["new"] == 6 and report["tag_errors"] == 4
    reasons = {Path(p["path"]).name: p["reason"] for p in report["tag_problems"]}
    assert set(reasons) == {"b-1mb.mp3", "c-4mb.mp3", "d-sparse.mp3", "e-many-small.mp3"}
    assert "TIT2" in reasons["c-4mb.mp3"] and "4.0 MB" in reasons["c-4mb.mp3"]
    assert "TIT2" in reasons["d-sparse.mp3"]
    assert "text frames hold more than" in reasons["e-many-small.mp3"]
    titles = _titles(home / "data" / "library.sqlite3")
    assert titles["a-normal.mp3"] == ("A normal song", None)
    assert titles["f-normal.mp3"] == ("Another song", None)
    assert titles["c-4mb.mp3"][0] is None and titles["c-4mb.mp3"][1]  # kept, by file name
    # the plain text output names each one on its own line
    again = subprocess.run([sys.executable, "-m", "desktoprec", "scan", str(music)], env=env,
                           capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0 and "6 unchanged" in again.stdout


def test_real_tags_pass_the_frame_walk(tmp_path: Path) -> None:
    normal = write_normal(tmp_path / "n.mp3", "x" * 5000)
    assert id3_tag_problem(normal) is None
    assert read_tags(normal).title == "x" * 300
    assert id3_tag_problem(write_crafted(tmp_path / "small.mp3", 1000)) is None
    (tmp_path / "empty.mp3").write_bytes(b"")
    assert id3_tag_problem(tmp_path / "empty.mp3") is None
    (tmp_path / "lying.mp3").write_bytes(b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f")  # 256 MB, no frames
    assert id3_tag_problem(tmp_path / "lying.mp3") is None


READER = '''
from dataclasses import asdict
from pathlib import Path

from desktoprec.library.tags import read_tags


def read_unchecked(path):
    """mutagen on the whole file, as before the frame walk (to reach the worker limits)."""
    return asdict(read_tags(Path(path), check_id3=False))
'''


@pytest.fixture()
def unchecked_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A tag reader without the frame walk, so the crafted file really stalls mutagen in the
    worker (spawned workers import it from the parent's sys.path)."""
    folder = tmp_path / "reader"
    folder.mkdir()
    (folder / "crafted_reader.py").write_text(READER)
    monkeypatch.syspath_prepend(str(folder))
    return "crafted_reader:read_unchecked"


def test_a_stalling_file_costs_itself_only_under_the_time_limit(
        tmp_path: Path, unchecked_reader: str) -> None:
    music = tmp_path / "music"
    music.mkdir()
    write_normal(music / "a.mp3", "Fine")
    write_crafted(music / "b.mp3", 4_000_000)
    services = Services()
    try:
        report = scan_folders(services.db, [music], tag_time_limit_s=1.0,
                              tag_reader=unchecked_reader)
    finally:
        services.close()
    assert report.new == 2 and report.tag_errors == 1
    assert Path(report.tag_problems[0]["path"]).name == "b.mp3"
    assert "took longer than 1 s" in report.tag_problems[0]["reason"]
    assert _titles(services.paths.database)["a.mp3"] == ("Fine", None)


def test_cancel_stops_the_scan_inside_a_stalling_file(tmp_path: Path,
                                                      unchecked_reader: str) -> None:
    music = tmp_path / "music"
    music.mkdir()
    write_normal(music / "a.mp3", "Fine")
    write_crafted(music / "b.mp3", 8_000_000)  # quadratic: far longer than this test may take
    services = Services()
    cancel = threading.Event()
    outcome: list[BaseException | object] = []

    def progress(phase: str, done: int, total: int) -> None:
        if done == 1 and total == 2:  # a.mp3 is read; b.mp3 is being parsed right now
            cancel.set()

    def scan() -> None:
        try:
            outcome.append(scan_folders(services.db, [music], progress, cancel,
                                        tag_reader=unchecked_reader))
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            outcome.append(exc)

    worker = threading.Thread(target=scan)
    worker.start()
    worker.join(timeout=150)
    try:
        assert not worker.is_alive(), "cancel did not stop the scan inside the file"
        assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)
        assert multiprocessing.active_children() == []  # the worker was stopped
        titles = _titles(services.paths.database)
        assert titles == {"a.mp3": ("Fine", None)}  # finished work kept, b.mp3 next time
    finally:
        cancel.set()
        worker.join()
        services.close()
