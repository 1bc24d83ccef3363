"""Shared test set-up: offscreen Qt, a private DESKTOPREC_HOME per test, and paths to shared data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared_location import find_shared_data

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# librosa (the reference of tests/features, not used by the app) compiles numba kernels: cached
# once per machine, not per test home.
os.environ.setdefault(
    "NUMBA_CACHE_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / "desktoprec-test-numba")
)
for var in ("DESKTOPREC_CLIENT_ID", "DESKTOPREC_SPOTIFY_API_URL", "DESKTOPREC_SPOTIFY_ACCOUNTS_URL"):
    os.environ.pop(var, None)

REPO_ROOT = Path(__file__).resolve().parent.parent

SHARED_DATA = find_shared_data()


@pytest.fixture(autouse=True)
def desktoprec_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("DESKTOPREC_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def shared_data() -> Path:
    assert SHARED_DATA.is_dir(), f"shared data expected at {SHARED_DATA}"
    return SHARED_DATA
