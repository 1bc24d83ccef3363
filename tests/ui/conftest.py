"""UI test fixtures: a real Services on a small real library, an inline task runner, the window.

The recommend area may not be in the build yet; `LibraryRecommender` stands in for it with a
plain, deterministic ranking over the real database (it implements the contract's methods).
"""

from __future__ import annotations

import math
import os
import struct
import wave
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from desktoprec.domain import Explanation, Reason, Recommendation, RecommendationList
from desktoprec.recommend.results import FeedbackResult
from desktoprec.services import Services
from desktoprec.storage.tables import (
    AccountRow,
    AlbumRow,
    ArtistRow,
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


class LibraryRecommender:
    """Stands in for RecommendService: ranks the real database's tracks, records the calls."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.calls: list[dict[str, Any]] = []
        self.feedback_calls: list[tuple[str, str]] = []
        self.skip_positions: list[int | None] = []
        self.fail_with: BaseException | None = None

    def recommend(self, mode: str = "for_you", seeds: tuple[str, ...] = (),
                  playlist_id: str | None = None, n: int = 20, mood: str | None = None,
                  activity: str | None = None, diversity: float | None = None,
                  include_saved: bool | None = None, new: float | None = None,
                  avoid: tuple[str, ...] = ()) -> RecommendationList:
        self.calls.append({"mode": mode, "seeds": tuple(seeds), "playlist_id": playlist_id,
                           "n": n, "mood": mood, "activity": activity, "diversity": diversity,
                           "include_saved": include_saved, "new": new, "avoid": tuple(avoid)})
        if self.fail_with is not None:
            raise self.fail_with
        items = self.services.browse.library_items(limit=200)
        skipped = {t for t, k in self.feedback_calls if k in ("dislike", "skip")}
        pool = [i for i in items if i.track.id not in seeds and i.track.id not in skipped
                and i.track.id not in avoid]
        offset = int((diversity or 0) * 10) % max(1, len(pool))
        pool = pool[offset:] + pool[:offset]
        recs = []
        for rank, item in enumerate(pool[:n]):
            reasons = (Reason(f"{100 + rank} BPM, close to your seeds' 101", "sound", 0.6),
                       Reason(f"shares the genre {item.genres[0] if item.genres else 'none'}",
                              "genre", 0.3))
            recs.append(Recommendation(
                track=item.track, score=1.0 - rank / 100,
                explanation=Explanation(summary=f"Close in sound to what you play ({mode}).",
                                        reasons=reasons,
                                        block_shares={"sound": 0.6, "genre": 0.3, "colisten": 0.1},
                                        sources={"sound": item.sound_source}),
                diversity_pick=rank % 5 == 4, genres=item.genres,
                sources={"sound": item.sound_source, "genre": "tags"},
                sound={"tempo": 100.0 + rank, "brightness": 0.4, "energy": 0.5},
                seed_sound={"tempo": 101.0, "brightness": 0.5, "energy": 0.45}))
        recipe = {"mode": mode, "seeds": list(seeds), "diversity": diversity, "mood": mood,
                  "activity": activity, "n": n}
        return RecommendationList(items=tuple(recs), recipe=recipe,
                                  figures={"distinct_artists": len({r.track.artists for r in recs}),
                                           "distinct_genres": len({g for r in recs
                                                                   for g in r.genres}),
                                           "largest_artist_share": 0.15})

    def path(self, from_id: str, to_id: str, n: int) -> RecommendationList:
        result = self.recommend(mode="path", seeds=(from_id, to_id), n=n)
        return result

    def feedback(self, track_id: str, kind: str, position_ms: int | None = None,
                 context: str | None = None) -> FeedbackResult:
        """Like the real service: a second quick skip in a row answers with a fresh list."""
        self.feedback_calls.append((track_id, kind))
        from desktoprec.storage.tables import FeedbackRow

        with self.services.db.write() as session:  # stored as the real service stores it
            session.add(FeedbackRow(track_id=track_id, kind=kind, at=datetime.now(),
                                    position_ms=position_ms))
        quick = position_ms is None or position_ms < 30_000
        if kind == "skip":
            self.skip_positions.append(position_ms)
        kinds = [k for _, k in self.feedback_calls if k != "play"][-2:]
        if kind == "skip" and quick and kinds == ["skip", "skip"]:
            return FeedbackResult(track_id=track_id, kind=kind, refreshed=True,
                                  fresh=self.recommend(n=7))
        return FeedbackResult(track_id=track_id, kind=kind)

    def rebuild_index(self, progress: Any = None, cancel: Any = None) -> None:
        if progress:
            progress("index", 1, 1)


class UiServices(Services):
    """Real Services with the recommend area stood in (until its service lands)."""

    stub_recommend: LibraryRecommender

    @property
    def recommend(self) -> Any:
        return self.memo("recommend", lambda: LibraryRecommender(self))


@pytest.fixture
def services(desktoprec_home: Path) -> Any:
    svc = UiServices()
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


def emulator_services(server: Any) -> Any:
    from emulator_auth import EmulatorAuth

    class _EmulatorServices(UiServices):
        @property
        def auth(self) -> Any:
            return self.memo("auth", lambda: EmulatorAuth(server))

    return _EmulatorServices()
