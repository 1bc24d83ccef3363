"""Every file location desktoprec uses; DESKTOPREC_HOME moves all of them under one folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desktoprec import APP_NAME

HOME_ENV = "DESKTOPREC_HOME"


@dataclass(frozen=True)
class AppPaths:
    """The folders and files of one desktoprec installation (or one DESKTOPREC_HOME)."""

    data_dir: Path
    config_dir: Path
    cache_dir: Path
    log_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "library.sqlite3"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "desktoprec.log"

    @property
    def covers_dir(self) -> Path:
        return self.cache_dir / "covers"

    @property
    def demo_dir(self) -> Path:
        return self.data_dir / "demo"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    def ensure(self) -> AppPaths:
        """Create the folders, private to this user: they hold listening data and logs."""
        for folder in (self.data_dir, self.config_dir, self.cache_dir, self.log_dir):
            try:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError:
                # a read-only profile: whatever needs this folder says so when it is used
                # (the log file is simply not written, the database names the problem)
                continue
            if os.name == "posix":
                try:
                    mode = folder.stat().st_mode & 0o777
                    if mode & 0o077:
                        folder.chmod(mode & 0o700)
                except OSError:
                    pass  # not ours to change (a shared or read-only folder): leave it
        return self


def app_paths() -> AppPaths:
    """Paths from platformdirs, or all under $DESKTOPREC_HOME when it is set."""
    home = os.environ.get(HOME_ENV)
    if home:
        root = Path(home).expanduser().resolve()
        return AppPaths(
            data_dir=root / "data",
            config_dir=root / "config",
            cache_dir=root / "cache",
            log_dir=root / "logs",
        )
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return AppPaths(
        data_dir=Path(dirs.user_data_dir),
        config_dir=Path(dirs.user_config_dir),
        cache_dir=Path(dirs.user_cache_dir),
        log_dir=Path(dirs.user_log_dir),
    )
