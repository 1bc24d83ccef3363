"""UI test fixtures: real Services on a small real library, an inline task runner, the window,
and a private X server for the tests that look at the app from outside (Xvfb)."""

from __future__ import annotations

import math
import os
import struct
import subprocess
import wave
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from desktoprec.services import Services
from desktoprec.storage.tables import (
    AccountRow,
    AlbumRow,
    ArtistRow,
    FeedbackRow,
    LocalFileRow,
    PlaylistEntryRow,
    PlaylistRow,
    RecentlyPlayedRow,
    TrackArtistRow,
    TrackGenreRow,
    TrackRow,
    TrackSoundRow,
)

os.environ["DESKTOPREC_NONMODAL_ERRORS"] = "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """No pytest-qt message capture in UI tests: its Python message handler is called from
    Qt Multimedia's threads (e.g. "No audio device detected"), which then wait for the GIL while
    the main thread holds it inside QMediaPlayer.stop() — a deadlock only tests can cause."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.no_qt_log)
            if item.get_closest_marker("timeout") is None:
                # a hang inside Qt keeps the GIL: only the thread method can report it
                item.add_marker(pytest.mark.timeout(240, method="thread"))

HOSTILE_TITLE = "<img src=x onerror=alert(1)><b>bold</b>"
LONG_NAME = "L" * 10_000
GENRES = ["indie pop", "techno", "jazz", "ambient", "metal"]


def write_wav(path: Path, seconds: float = 1.0, freq: float = 440.0, rate: int = 8000) -> Path:
    frames = b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i / rate)))
                      for i in range(int(seconds * rate)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


def seed_library(services: Services, music_dir: Path, n_tracks: int = 24) -> list[str]:
    """A small library: artists, albums, tracks (one hostile, one local file), sound, genres."""
    rng = np.random.default_rng(7)
    music_dir.mkdir(parents=True, exist_ok=True)
    ids = []
    now = datetime(2026, 11, 1)
    with services.db.write() as s:
        s.add(AccountRow(id="tester", display_name="Test Listener", uri="spotify:user:tester"))
        for a in range(8):
            s.add(ArtistRow(id=f"ar{a}", name=f"Artist {a}", genres=[]))
        for b in range(6):
            s.add(AlbumRow(id=f"al{b}", name=f"Album {b}", release_year=2000 + b,
                           image_url=None, artist_ids=[f"ar{b}"]))
        s.flush()
        for i in range(n_tracks):
            track_id = f"t{i:02d}"
            ids.append(track_id)
            name = HOSTILE_TITLE if i == 3 else (LONG_NAME if i == 4 else f"Song {i}")
            s.add(TrackRow(id=track_id, uri=f"spotify:track:{track_id}", name=name,
                           album_id=f"al{i % 6}", duration_ms=180_000 + i * 1000,
                           source="local" if i == 5 else "spotify"))
            s.flush()
            s.add(TrackArtistRow(track_id=track_id, position=0, artist_id=f"ar{i % 8}"))
            genre = GENRES[i % len(GENRES)]
            s.add(TrackGenreRow(track_id=track_id, genre=genre, source="tags", weight=1.0))
            s.add(TrackGenreRow(track_id=track_id, genre=f"cluster {i % 3}", source="cluster",
                                weight=0.5))
            vector = rng.normal(size=8).astype(np.float32) + (i % 3)
            s.add(TrackSoundRow(track_id=track_id, source="own_file" if i % 2 else "none",
                                descriptors={"tempo": 90.0 + i, "brightness": 0.1 * (i % 7),
                                             "energy": 0.05 * i},
                                vector=vector.tobytes()))
        local = write_wav(music_dir / "song5.wav", seconds=1.0)
        s.add(LocalFileRow(path=str(local), size=local.stat().st_size, mtime=0.0,
                           title="Song 5", artist="Artist 5", track_id="t05", format="wav"))
        s.add(PlaylistRow(id="pl1", name="Evening mix", uri="spotify:playlist:pl1",
                          owner_id="tester", total=5, readable=True, list_position=0))
        s.add(PlaylistRow(id="pl2", name="Someone else's", uri="spotify:playlist:pl2",
                          owner_id="other", total=9, readable=False, list_position=1,
                          skipped_reason="Only playlists you own can be read."))
        s.flush()
        for pos in range(5):
            s.add(PlaylistEntryRow(playlist_id="pl1", position=pos, track_id=ids[pos]))
        for k in range(3):
            s.add(RecentlyPlayedRow(played_at=(now - timedelta(hours=k)).isoformat(),
                                    track_id=ids[k + 6]))
    return ids


def stored_feedback(services: Services) -> list[tuple[str, str]]:
    """(track id, kind) of every feedback signal the database holds, oldest first."""
    with services.db.read() as session:
        return [(row.track_id, row.kind)
                for row in session.scalars(select(FeedbackRow).order_by(FeedbackRow.id))]


def stored_skip_positions(services: Services) -> list[int | None]:
    """Where in its track each stored skip happened (ms), oldest first."""
    with services.db.read() as session:
        return list(session.scalars(select(FeedbackRow.position_ms)
                                    .where(FeedbackRow.kind == "skip").order_by(FeedbackRow.id)))


@pytest.fixture
def services(desktoprec_home: Path) -> Iterator[Services]:
    svc = Services()
    yield svc
    svc.close()


@pytest.fixture
def library(services: Any, tmp_path: Path) -> list[str]:
    return seed_library(services, tmp_path / "music")


@pytest.fixture
def ctx(qtbot: Any, services: Any) -> Any:
    from desktoprec.ui.context import AppContext
    from desktoprec.ui.tasks import TaskRunner

    runner = TaskRunner(inline=True)
    context = AppContext(services, runner)
    context.open_url_hook = lambda url: None
    return context


@pytest.fixture
def window(qtbot: Any, ctx: Any, library: list[str]) -> Any:
    from desktoprec.ui.main_window import MainWindow

    win = MainWindow(ctx, show_wizard=False)
    qtbot.addWidget(win)
    win.start()
    yield win
    win._quitting = True
    win.player.stop()
    win.player_window.close()


def emulator_services(server: Any) -> Services:
    from emulator_auth import EmulatorAuth

    class _EmulatorServices(Services):
        @property
        def auth(self) -> Any:
            return self.memo("auth", lambda: EmulatorAuth(server))

    return _EmulatorServices()


@pytest.fixture
def x_server() -> Iterator[Callable[[str], str]]:
    """`x_server("1024x700x24")` starts a private Xvfb with that screen and gives its display
    (":N"); every server started is stopped after the test."""
    started: list[subprocess.Popen[bytes]] = []

    def start(screen: str) -> str:
        read_fd, write_fd = os.pipe()
        xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", screen,
                                 "-nolisten", "tcp"], pass_fds=(write_fd,),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(xvfb)
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        assert number, "Xvfb did not start"
        return f":{number}"

    yield start
    for xvfb in started:
        xvfb.terminate()
        xvfb.wait(timeout=10)
