"""DemoService steps that need no other area: the demo audio on disk, and the real-account guard."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktoprec.errors import Cancelled, ConfigError, DesktopRecError
from desktoprec.services import Services
from desktoprec.storage.tables import (
    PlaylistEntryRow,
    PlaylistRow,
    SavedTrackRow,
    TrackRow,
    TrackSoundRow,
)


def test_audio_is_written_once_and_repaired_when_damaged() -> None:
    services = Services()
    demo = services.demo
    catalog = demo.catalog(tracks_per_style=1)
    phases: list[tuple[str, int, int]] = []
    assert demo.ensure_audio(catalog, progress=lambda *p: phases.append(p)) == len(catalog.tracks)
    assert phases[-1] == ("demo audio", len(catalog.tracks), len(catalog.tracks))
    files = sorted(demo.music_dir.rglob("*.flac"))
    assert len(files) == len(catalog.tracks)
    assert demo.ensure_audio(catalog) == 0  # nothing to do the second time
    files[0].write_bytes(b"truncated")
    files[1].unlink()
    stray = demo.music_dir / "Old Artist" / "gone.flac"
    stray.parent.mkdir()
    stray.write_bytes(b"left over from a bigger demo")
    assert demo.ensure_audio(catalog) == 2
    assert not stray.exists()
    assert sorted(demo.music_dir.rglob("*.flac")) == files
    services.close()


def test_cancel_stops_writing_audio() -> None:
    services = Services()
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        services.demo.ensure_audio(services.demo.catalog(tracks_per_style=1), cancel=cancel)
    services.close()


def test_a_cancelled_write_keeps_the_files_already_finished() -> None:
    services = Services()
    demo = services.demo
    catalog = demo.catalog(tracks_per_style=1)
    cancel = threading.Event()

    def progress(phase: str, done: int, total: int) -> None:
        if done >= 3:
            cancel.set()

    with pytest.raises(Cancelled):
        demo.ensure_audio(catalog, progress=progress, cancel=cancel)
    finished = len(list(demo.music_dir.rglob("*.flac")))
    assert 3 <= finished < len(catalog.tracks)
    assert demo.ensure_audio(catalog) == len(catalog.tracks) - finished
    services.close()


def test_demo_refuses_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKTOPREC_SPOTIFY_API_URL", "http://127.0.0.1:9/v1")
    services = Services()
    with pytest.raises(ConfigError, match="DESKTOPREC_SPOTIFY_API_URL"):
        services.demo.prepare(tracks_per_style=1)
    services.close()


def test_demo_does_not_replace_a_real_account_or_mix_into_own_music(tmp_path: Path) -> None:
    services = Services()
    services.settings.client_id = "0123456789abcdef0123456789abcdef"
    with pytest.raises(ConfigError, match="own Spotify account"):
        services.demo.prepare(tracks_per_style=1)
    services.settings.client_id = ""
    services.settings.music_folders = [str(tmp_path)]
    with pytest.raises(ConfigError, match="own music folders"):
        services.demo.prepare(tracks_per_style=1)
    assert not services.demo.music_dir.exists()
    services.close()


def test_emulator_sign_in_and_sync_use_a_fresh_port_each_start(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a proxy in the environment (common at work) must not swallow calls to 127.0.0.1
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    services = Services()
    demo = services.demo
    catalog = demo.catalog(tracks_per_style=3)
    server = demo.start_emulator(catalog)
    try:
        settings = services.settings
        assert settings.demo_mode and settings.client_id == "desktoprec-demo"
        assert settings.effective_api_url() == server.api_url.rstrip("/")
        assert str(demo.music_dir) in settings.music_folders
        first_port = server.api_url
        profile = demo.sign_in()
        assert profile["display_name"] == "Demo Listener"
        assert services.auth.is_signed_in()
        report = services.sync.sync()
        status = services.sync.status()
        assert report is not None and status
        paths = {r.path for r in server.requests}
        assert "/authorize" in paths and "/api/token" in paths and "/v1/me/tracks" in paths
        with services.db.read() as session:
            playlists = {p.name: p for p in session.scalars(select(PlaylistRow))}
            saved = session.scalar(select(func.count()).select_from(SavedTrackRow))
            entry_kinds = set(session.scalars(select(PlaylistEntryRow.kind)))
        assert saved == len(server.account.saved)
        assert len(playlists) == len(server.account.playlists)
        # the editor's playlist is listed but its items are not readable, as on Spotify
        assert not playlists["Fresh Finds: Electronic"].readable
        assert playlists["Party Mix (with friends)"].readable
        assert entry_kinds == {"track", "episode", "local", "unavailable"}
    finally:
        demo.stop()
    assert demo.emulator is None
    # a second start serves on a new port, and the settings follow it (no stale port)
    second = demo.start_emulator(catalog)
    try:
        assert second.api_url != first_port
        # the same account as before: same history, so a sync adds nothing twice
        assert second.account.recently_played == server.account.recently_played
        assert second.account.saved == server.account.saved
        assert services.settings.effective_api_url() == second.api_url.rstrip("/")
        # the emulator's address is the demo's state in this process, never in the settings file
        reloaded = Services()
        assert "127.0.0.1" not in services.paths.settings_file.read_text()
        assert reloaded.settings.effective_api_url() == "https://api.spotify.com/v1"
        reloaded.close()
    finally:
        demo.stop()
        services.close()


def test_prepare_can_be_cancelled_and_then_finishes() -> None:
    services = Services()
    demo = services.demo
    cancel = threading.Event()
    phases: list[str] = []

    first_index: list[int] = []

    def progress(phase: str, done: int, total: int) -> None:
        phases.append(phase)
        if phase == "scan":
            cancel.set()  # the user presses Cancel once the music is written

    def on_first_index() -> None:  # account synced and indexed; no music written yet
        first_index.append(len(list(demo.music_dir.rglob("*.flac"))))

    try:
        with pytest.raises(Cancelled):
            demo.prepare(progress, cancel, tracks_per_style=1, on_first_index=on_first_index)
        assert first_index == [0]  # the first list comes before the audio
        assert phases.index("sign-in") < phases.index("demo audio")
        assert not demo.is_prepared()
        assert len(list(demo.music_dir.rglob("*.flac"))) == 12  # finished work is kept
        phases.clear()
        summary = demo.prepare(lambda phase, done, total: phases.append(phase),
                               threading.Event(), tracks_per_style=1)
        assert demo.is_prepared() and summary.files_written == 0
        for phase in ("demo audio", "emulator", "sign-in", "analyze"):
            assert phase in phases
        assert summary.analysis.analyzed == 12
        with services.db.read() as session:
            sounds = session.scalar(select(func.count()).select_from(TrackSoundRow).where(
                TrackSoundRow.source == "own_file"))
        assert sounds == 12
        # connecting a real account afterwards: the demo steps aside and takes its data with it
        demo.leave()
        settings = Services().settings
        assert not settings.demo_mode and settings.client_id == ""
        assert settings.api_url == "https://api.spotify.com/v1" and settings.music_folders == []
        assert demo.emulator is None and not demo.is_prepared() and not demo.music_dir.exists()
        with services.db.read() as session:
            assert session.scalar(select(func.count()).select_from(TrackRow)) == 0
        assert not services.auth.is_signed_in()
    finally:
        demo.stop()
        services.close()


def test_a_second_prepare_while_one_runs_is_refused() -> None:
    services = Services()
    demo = services.demo
    started, release, cancel = threading.Event(), threading.Event(), threading.Event()
    outcome: list[object] = []

    def progress(phase: str, done: int, total: int) -> None:
        started.set()
        release.wait(30)

    def first() -> None:
        try:
            outcome.append(demo.prepare(progress, cancel, tracks_per_style=1))
        except DesktopRecError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=first)
    worker.start()
    try:
        assert started.wait(30) and demo.is_preparing()
        with pytest.raises(ConfigError, match="already being prepared"):
            demo.prepare(tracks_per_style=1)
    finally:
        cancel.set()
        release.set()
        worker.join(60)
        demo.stop()
        services.close()
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)
    assert not demo.is_preparing()  # free again once the first one ended
