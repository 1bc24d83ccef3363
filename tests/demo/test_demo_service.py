"""DemoService steps that need no other area: the demo audio on disk, and the real-account guard."""

from __future__ import annotations

import threading

import pytest

from desktoprec.errors import Cancelled, ConfigError
from desktoprec.services import Services


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


def test_demo_does_not_replace_a_real_account() -> None:
    services = Services()
    services.settings.client_id = "0123456789abcdef0123456789abcdef"
    with pytest.raises(ConfigError, match="own Spotify account"):
        services.demo.prepare(tracks_per_style=1)
    assert not services.demo.music_dir.exists()
    services.close()
