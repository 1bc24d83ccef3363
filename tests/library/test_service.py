"""LibraryService end to end: analysis cache and resumption, sound and genre sources, the CLI."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from desktoprec.cli import main
from desktoprec.errors import Cancelled
from desktoprec.features.dsp import ANALYZER_VERSION
from desktoprec.features.sources import SOUND_NAMES
from desktoprec.services import Services
from desktoprec.storage.tables import (
    AnalysisRow,
    ArtistRow,
    AudioFeaturesRow,
    LocalFileRow,
    SoundClusterRow,
    TrackArtistRow,
    TrackGenreRow,
    TrackRow,
    TrackSoundFamilyRow,
    TrackSoundRow,
)


@pytest.fixture
def services() -> Services:
    services = Services()
    yield services
    services.close()


def _library(folder: Path, tagged: Callable[..., Path]) -> list[Path]:
    """Six short files: three fast and bright-ish, three slow; two carry genre tags."""
    files = []
    for i in range(3):
        files.append(tagged(folder / f"fast{i}.flac", artist=f"Fast {i}", title=f"Quick {i}",
                            bpm=150 + i, seconds=6))
        files.append(tagged(folder / f"slow{i}.ogg", artist=f"Slow {i}", title=f"Calm {i}",
                            bpm=70 + i, seconds=6, genre="Ambient; Drone" if i == 0 else None))
    return files


def test_analyze_library_resumes_and_fills_sources(tmp_path: Path, services: Services,
                                                   tagged: Callable[..., Path]) -> None:
    music = tmp_path / "music"
    _library(music, tagged)
    (music / "broken.mp3").write_bytes(b"ID3" + b"\x00" * 20)
    services.library.scan([music])

    cancel = threading.Event()
    done_before_cancel: list[int] = []

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "analyze" and done >= 2:
            done_before_cancel.append(done)
            cancel.set()

    with pytest.raises(Cancelled):
        services.library.analyze_library(progress=progress, cancel=cancel, workers=1)
    with services.db.read() as session:
        saved = session.scalar(select(func.count()).select_from(AnalysisRow))
    assert 2 <= saved < 7  # what finished before the cancel was kept

    summary = services.library.analyze_library(workers=2)
    assert summary.already_analyzed == saved
    assert summary.analyzed + summary.failed + summary.already_analyzed == 7
    with services.db.read() as session:
        outcomes = {r.ok for r in session.scalars(select(AnalysisRow))}
        broken = session.scalars(select(AnalysisRow).where(AnalysisRow.ok.is_(False))).one()
    assert outcomes == {True, False} and broken.error  # the failure is remembered too
    again = services.library.analyze_library(workers=2)
    assert again.analyzed == 0 and again.already_analyzed == 7

    with services.db.read() as session:
        sounds = {r.track_id: r for r in session.scalars(select(TrackSoundRow))}
        files = {Path(r.path).name: r for r in session.scalars(select(LocalFileRow))}
        genres = list(session.scalars(select(TrackGenreRow)))
        clusters = list(session.scalars(select(SoundClusterRow)))
    fast = sounds[files["fast0.flac"].track_id]
    assert fast.source == "own_file"
    assert fast.descriptors["tempo"] == pytest.approx(150, abs=2)
    vector = np.frombuffer(fast.vector, dtype=np.float32)
    assert vector.shape == (len(SOUND_NAMES),)
    assert vector[SOUND_NAMES.index("tempo")] == pytest.approx(150, abs=2)
    assert sounds[files["broken.mp3"].track_id].source == "none"

    by_track: dict[str, list[TrackGenreRow]] = {}
    for row in genres:
        by_track.setdefault(row.track_id, []).append(row)
    tagged_genres = sorted(r.genre for r in by_track[files["slow0.ogg"].track_id])
    assert tagged_genres == ["ambient", "drone"]
    assert {r.source for r in by_track[files["slow0.ogg"].track_id]} == {"tags"}
    # untagged files have no genre: their sound family is stored apart and is never a genre
    assert {r.source for r in genres} <= {"spotify", "tags", "deezer", "musicbrainz", "itunes"}
    with services.db.read() as session:
        family = {r.track_id: r.name for r in session.scalars(select(TrackSoundFamilyRow))}
    untagged = ("fast0.flac", "fast1.flac", "slow1.ogg", "slow2.ogg")
    assert not any(files[f].track_id in by_track for f in untagged)
    cluster_of = {Path(f).name: family[files[f].track_id] for f in untagged}
    assert cluster_of["fast0.flac"] == cluster_of["fast1.flac"] != cluster_of["slow1.ogg"]
    assert "fast" in cluster_of["fast0.flac"] and "slow" in cluster_of["slow1.ogg"]
    assert len(clusters) >= 2 and sum(c.size for c in clusters) == 6


def test_spotify_sources_win_where_there_is_no_file(services: Services) -> None:
    with services.db.write() as session:
        session.add(ArtistRow(id="a1", name="Artist", genres=["indie rock", "dream pop"]))
        session.add(TrackRow(id="t1", name="Song", source="spotify"))
        session.add(TrackRow(id="t2", name="Other", source="spotify"))
        session.flush()
        session.add(TrackArtistRow(track_id="t1", position=0, artist_id="a1"))
        session.add(AudioFeaturesRow(track_id="t1", features={
            "tempo": 123.0, "energy": 0.8, "danceability": 0.7, "mode": 1, "loudness": -6.0}))
    result = services.library.refresh_sources()
    assert result.sound == {"own_file": 0, "spotify": 1, "preview": 0, "none": 1}
    with services.db.read() as session:
        t1 = session.get(TrackSoundRow, "t1")
        genres = list(session.scalars(select(TrackGenreRow).where(TrackGenreRow.track_id == "t1")
                                      .order_by(TrackGenreRow.weight.desc())))
    assert t1.source == "spotify" and t1.descriptors["tempo"] == 123.0
    assert [(g.genre, g.source) for g in genres] == [("indie rock", "spotify"),
                                                      ("dream pop", "spotify")]


def test_analyze_json_cli(tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str],
                          tagged: Callable[..., Path]) -> None:
    good = tagged(tmp_path / "good.wav", seconds=6, bpm=90)
    empty = tmp_path / "empty.flac"
    empty.write_bytes(b"")
    text = tmp_path / "readme.mp3"
    text.write_text("not music at all\n" * 50)
    clip = shared_data / "audio" / "muldjord-chaos-god-excerpt-20s.ogg"
    paths = [good, empty, tmp_path / "missing.ogg", text, clip]
    code = main(["analyze", "--json", *map(str, paths)])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [item["path"] for item in out] == [str(p) for p in paths]
    assert [item["ok"] for item in out] == [True, False, False, False, True]
    assert [item["error"] for item in out[1:4]] == ["empty file", "file not found",
                                                    "not an audio file"]
    for item in out:
        for key in ("path", "ok", "error", "duration_s", "tempo_bpm", "key", "mode",
                    "loudness_db", "spectral_centroid_hz"):
            assert key in item
    assert out[0]["tempo_bpm"] == pytest.approx(90, abs=1.5)
    assert out[4]["duration_s"] == pytest.approx(20, abs=0.5)

    # the second time comes from the cache
    assert main(["analyze", "--json", str(good), str(clip)]) == 0
    again = json.loads(capsys.readouterr().out)
    assert [item["cached"] for item in again] == [True, True]
    assert again[0]["tempo_bpm"] == out[0]["tempo_bpm"]


def test_analyze_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["analyze"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["analyze", "--library", "x.mp3"])
    assert exc.value.code == 2


def test_scan_cli_remembers_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    tagged: Callable[..., Path]) -> None:
    tagged(tmp_path / "m" / "a.flac", artist="A", title="B")
    assert main(["scan", "--json", str(tmp_path / "m")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["found"] == 1 and report["new"] == 1 and report["local_tracks"] == 1
    assert main(["scan", "--json"]) == 0  # the remembered folder
    assert json.loads(capsys.readouterr().out)["unchanged"] == 1
    services = Services()
    try:
        assert services.settings.music_folders == [str((tmp_path / "m").resolve())]
        with services.db.read() as session:
            row = session.scalars(select(AnalysisRow)).first()
        assert row is None  # scanning alone does not analyse
        assert ANALYZER_VERSION
    finally:
        services.close()


def test_analyze_cli_expands_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     tagged: Callable[..., Path]) -> None:
    tagged(tmp_path / "album" / "one.flac", seconds=5, bpm=100)
    tagged(tmp_path / "album" / "two.mp3", seconds=5, bpm=140)
    assert main(["analyze", "--json", str(tmp_path / "album")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [Path(item["path"]).name for item in out] == ["one.flac", "two.mp3"]
    assert [round(item["tempo_bpm"] / 10) for item in out] == [10, 14]
    (tmp_path / "nothing").mkdir()
    assert main(["analyze", str(tmp_path / "nothing")]) == 1


def test_folders_and_sources_changed_from_many_threads_all_reach_the_settings_file(
        tmp_path: Path, services: Services) -> None:
    from desktoprec.settings import load_settings

    folders = [tmp_path / f"music-{n}" for n in range(12)]
    start = threading.Barrier(len(folders) + 2)

    def add(folder: Path) -> None:
        start.wait()
        services.library.remember_folders([folder, folder])

    def toggle(enable: str, disable: str) -> None:
        start.wait()
        for _ in range(20):
            services.library.set_sources(enable=[enable], disable=[disable])

    threads = [threading.Thread(target=add, args=(f,)) for f in folders]
    threads += [threading.Thread(target=toggle, args=("deezer", "itunes")),
                threading.Thread(target=toggle, args=("musicbrainz", "listenbrainz"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = {str(f.resolve()) for f in folders}
    assert set(services.settings.music_folders) == expected
    assert len(services.settings.music_folders) == len(folders)  # each once
    saved = load_settings(services.paths.settings_file)
    assert set(saved.music_folders) == expected
    assert {"deezer", "musicbrainz"} <= set(saved.enabled_source_names())
    assert not {"itunes", "listenbrainz"} & set(saved.enabled_source_names())
