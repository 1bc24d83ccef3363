"""What the command line prints when things go wrong — one line, or with --debug a traceback —
never carries a token, even when the error itself does."""

from __future__ import annotations

import pytest

from desktoprec import cli, logs
from desktoprec.errors import NetworkError

TOKEN = "BQDcli-output-token_0123456789abcdefXYZ"


def _failing_status(error: BaseException):
    def status(self: object) -> dict:
        raise error

    return status


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("error", [
    RuntimeError(f"GET /v1/me Authorization: Bearer {TOKEN}"),
    NetworkError(f"no connection for refresh_token={TOKEN}"),
], ids=["bug", "expected"])
def test_errors_on_the_command_line_carry_no_token(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        error: BaseException, debug: bool) -> None:
    from desktoprec.sync.service import SyncService

    monkeypatch.setattr(logs, "configure_logging", lambda *a, **k: None)
    monkeypatch.setattr(SyncService, "status", _failing_status(error))
    monkeypatch.delenv("DESKTOPREC_DEBUG", raising=False)
    code = cli.main([*(["--debug"] if debug else []), "status"])
    err = capsys.readouterr().err
    assert code in (cli.EXIT_FAILED, cli.EXIT_BUG)
    assert TOKEN not in err
    assert "RuntimeError" in err or "no connection" in err  # still says what went wrong
    if debug:
        assert "Traceback" in err  # --debug still gives a useful report
    else:
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
