"""The command line: usage errors exit 2, errors are one line without a traceback."""

from __future__ import annotations

import subprocess
import sys


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktoprec", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("desktoprec ")


def test_unknown_command_is_a_usage_error() -> None:
    result = run_cli("no-such-command")
    assert result.returncode == 2
    assert "desktoprec:" in result.stderr
    assert "Traceback" not in result.stderr
