"""Findings 6 and 9a through the real CLI: a log folder that cannot be written, a profile that
cannot be created, and a reader that closes the pipe early (`desktoprec … | head`).

Tests run as root, so permissions do not stop anything; what fails for root too is a path
under a regular file (ENOTDIR) or a file where a folder should be (EEXIST).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DESKTOPREC = [sys.executable, "-m", "desktoprec"]


def _run(home: Path, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DESKTOPREC_HOME": str(home)}
    return subprocess.run([*DESKTOPREC, *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False, **kwargs)  # type: ignore[call-overload]


def test_an_unwritable_log_folder_costs_one_line_and_nothing_else(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "logs").write_text("a file where the log folder should be")
    done = _run(home, "status", "--json")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "log" in lines[0] and lines[0].startswith("desktoprec: warning:")
    assert '"signed_in"' in done.stdout  # the command did its work
    scan = _run(home, "scan", str(tmp_path / "nothing-here"), "--json")
    assert scan.returncode == 0 and len(scan.stderr.splitlines()) == 1, scan.stderr


def test_a_profile_that_cannot_be_created_is_one_clear_line_per_problem(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = _run(blocker / "home", "status")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "unexpected error" not in done.stderr
    lines = done.stderr.splitlines()
    assert 1 <= len(lines) <= 2 and all(line.startswith("desktoprec: ") for line in lines)


def test_a_reader_that_leaves_early_is_not_an_error(tmp_path: Path) -> None:
    """`desktoprec status --json | head -c0`, made certain: the reading end of the pipe is
    closed before the command writes, so its first write meets EPIPE."""
    for args in (("status", "--json"), ("status",), ("emulator", "--help")):
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            done = subprocess.run([*DESKTOPREC, *args], stdout=write_end,
                                  stderr=subprocess.PIPE, text=True, timeout=120, check=False,
                                  env={**os.environ, "DESKTOPREC_HOME": str(tmp_path / "h")})
        finally:
            os.close(write_end)
        assert "BrokenPipe" not in done.stderr and "unexpected error" not in done.stderr, \
            (args, done.stderr)
        assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, \
            (args, done.stderr)
        assert done.returncode in (0, 141), (args, done.returncode, done.stderr)
