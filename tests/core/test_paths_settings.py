"""Paths follow DESKTOPREC_HOME; settings round-trip, reject bad values and survive corruption."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktoprec.paths import app_paths
from desktoprec.settings import Settings, load_settings, save_settings


def test_desktoprec_home_moves_everything(desktoprec_home: Path) -> None:
    paths = app_paths().ensure()
    for path in (paths.database, paths.settings_file, paths.log_file, paths.index_dir,
                 paths.covers_dir, paths.exports_dir):
        assert desktoprec_home.resolve() in path.resolve().parents


def test_without_home_paths_come_from_platformdirs(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    monkeypatch.delenv("DESKTOPREC_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    paths = app_paths()
    assert paths.data_dir == tmp_path / "xdg-data" / "desktoprec"
    assert paths.config_dir == tmp_path / "xdg-config" / "desktoprec"


def test_settings_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    settings = Settings(client_id="abc", music_folders=["/m"], diversity=0.3, theme="dark")
    save_settings(settings, path)
    loaded = load_settings(path)
    assert (loaded.client_id, loaded.music_folders, loaded.diversity, loaded.theme) == (
        "abc", ["/m"], 0.3, "dark")
    assert "schema_version = 1" in path.read_text()


def test_bad_values_fall_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('diversity = "lots"\nclose_to_tray = 3\nclient_id = "x"\nmusic_folders = [1]\n')
    loaded = load_settings(path)
    assert loaded.diversity == Settings().diversity
    assert loaded.close_to_tray is True
    assert loaded.music_folders == []
    assert loaded.client_id == "x"


def test_corrupt_settings_give_defaults_a_warning_and_keep_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b"client_id = \"abc\n\xff\xfe[[[")
    loaded = load_settings(path)
    assert loaded.client_id == ""
    assert loaded.load_warning and "defaults" in loaded.load_warning
    assert (tmp_path / "settings.toml.corrupt").exists()


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(client_id="from-file")
    monkeypatch.setenv("DESKTOPREC_CLIENT_ID", "from-env")
    monkeypatch.setenv("DESKTOPREC_SPOTIFY_API_URL", "http://127.0.0.1:9/v1/")
    monkeypatch.setenv("DESKTOPREC_SPOTIFY_ACCOUNTS_URL", "http://127.0.0.1:9")
    assert settings.effective_client_id() == "from-env"
    assert settings.effective_api_url() == "http://127.0.0.1:9/v1"
    assert settings.effective_accounts_url() == "http://127.0.0.1:9"
    monkeypatch.delenv("DESKTOPREC_SPOTIFY_API_URL")
    assert settings.effective_api_url() == "https://api.spotify.com/v1"


def test_settings_changed_from_threads_are_saved_whole(desktoprec_home: Path) -> None:
    """Each change_settings block is one step: the file never holds half of a change."""
    import threading

    from desktoprec.services import Services

    services = Services()
    pairs = [(f"https://api{k}.example/v1", k) for k in range(40)]

    def change(url: str, k: int) -> None:
        with services.change_settings() as settings:
            settings.api_url = url
            settings.diversity = k / 100

    threads = [threading.Thread(target=change, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = load_settings(services.paths.settings_file)
    assert (saved.api_url, round(saved.diversity * 100)) in pairs
    assert (services.settings.api_url, round(services.settings.diversity * 100)) == (
        saved.api_url, round(saved.diversity * 100))
    services.close()
