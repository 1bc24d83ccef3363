"""The `self-test` command from a source install: real Qt offscreen, SQLite, FAISS, audio, keyring."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktoprec import selftest
from desktoprec.selftest import CHECK_NAMES, run_check, run_checks


def _run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktoprec", "self-test", *args],
        check=False, capture_output=True, text=True, timeout=240,
        env={**os.environ, **(env or {})},
    )


def _last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_json_last_line_has_each_chosen_check_and_exit_zero_when_all_pass(tmp_path: Path) -> None:
    out_file = tmp_path / "report" / "selftest.json"
    result = _run_cli("--json", "--only", "qt,database,index", "--output", str(out_file))
    assert result.returncode == 0, result.stdout + result.stderr
    payload = _last_json(result.stdout)
    assert list(payload) == ["qt", "database", "index"]
    for name, entry in payload.items():
        assert entry["ok"] is True, (name, entry)
        assert isinstance(entry["detail"], str) and entry["detail"]
    assert "window shown" in payload["qt"]["detail"]
    assert "schema" in payload["database"]["detail"]
    assert json.loads(out_file.read_text(encoding="utf-8")) == payload


def test_without_json_prints_one_line_per_check_and_a_summary() -> None:
    result = _run_cli("--only", "database,index")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("ok   database") for line in lines)
    assert any(line.startswith("ok   index") for line in lines)
    assert lines[-1] == "all checks passed"


def test_no_keyring_backend_is_a_failed_check_with_advice_and_exit_one() -> None:
    result = _run_cli("--json", "--only", "index,keyring",
                      env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert result.returncode == 1
    payload = _last_json(result.stdout)
    assert payload["index"]["ok"] is True
    assert payload["keyring"]["ok"] is False
    detail = payload["keyring"]["detail"]
    assert "keyring.backends.fail.Keyring" in detail
    assert "Secret Service" in detail  # the advice
    assert "FAIL keyring" in result.stderr


def test_null_keyring_backend_fails_too() -> None:
    import keyring
    from keyring.backends import null

    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    try:
        result = run_check("keyring")
    finally:
        keyring.set_keyring(previous)
    assert not result.ok
    assert "keyring.backends.null.Keyring" in result.detail


@pytest.mark.keyring
def test_real_secret_service_round_trip() -> None:
    # scripts/run-tests.sh gives the suite a D-Bus session with an unlocked GNOME Keyring
    result = _run_cli("--json", "--only", "keyring")
    payload = _last_json(result.stdout)
    assert result.returncode == 0, payload
    assert "SecretService" in payload["keyring"]["detail"]


def test_dsp_analyzes_the_bundled_clip_at_its_known_tempo() -> None:
    result = run_check("dsp")
    assert result.ok, result.detail
    assert "clip.flac" in result.detail


def test_missing_clip_fails_the_dsp_check_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selftest, "CLIP_RESOURCE", "resources/selftest/no-such-clip.flac")
    result = run_check("dsp")
    assert not result.ok
    assert "missing" in result.detail


def test_tempo_tolerance_accepts_octave_errors_only() -> None:
    assert selftest._tempo_matches(117.5)
    assert selftest._tempo_matches(60.5)
    assert selftest._tempo_matches(236.0)
    assert not selftest._tempo_matches(90.0)
    assert not selftest._tempo_matches(150.0)


def test_a_check_that_raises_becomes_a_failed_result(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> str:
        raise ImportError("libfoo.so: cannot open shared object file")

    monkeypatch.setitem(selftest.CHECKS, "index", broken)
    seen = []
    results = run_checks(["index"], on_result=seen.append)
    assert results["index"].ok is False
    assert "ImportError: libfoo.so" in results["index"].detail
    assert seen == [results["index"]]


def test_unknown_check_name_is_a_usage_error() -> None:
    result = _run_cli("--only", "qt,warp-drive")
    assert result.returncode == 1
    assert "warp-drive" in result.stderr
    assert set(CHECK_NAMES) == {"qt", "database", "dsp", "index", "keyring"}
