"""Tokens, refresh tokens, auth codes and verifiers never reach a log line, in any shape."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from desktoprec import logs
from desktoprec.logs import (
    REDACTED,
    RedactingFilter,
    forget_secrets,
    format_exception_redacted,
    redact,
    register_secret,
)

ACCESS = "BQDx7fK2_access-Token.With~Odd+Chars/9aZ"
REFRESH = "AQCrefresh_TOKEN-0123456789abcdefABCDEF"
CODE = "AQBcode-from-callback_0123456789"
VERIFIER = "v3rifier~with.dots_and-dashes0123456789abcdefghijklmnop"


@pytest.fixture(autouse=True)
def _clean_registry() -> None:
    forget_secrets()
    yield
    forget_secrets()


SHAPES = [
    f"Authorization: Bearer {ACCESS}",
    f"authorization: bearer {ACCESS}",
    f"headers={{'Authorization': 'Bearer {ACCESS}'}}",
    json.dumps({"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 3600}),
    json.dumps({"access_token": ACCESS}, indent=2),
    str({"access_token": ACCESS, "refresh_token": REFRESH}),
    urlencode({"grant_type": "authorization_code", "code": CODE, "code_verifier": VERIFIER}),
    urlencode({"grant_type": "refresh_token", "refresh_token": REFRESH, "client_id": "x"}),
    f"GET http://127.0.0.1:4567/callback?code={CODE}&state=abcdef",
    f"GET http://127.0.0.1:4567/callback?state=abc&code={CODE}",
    f"TokenSet(access_token='{ACCESS}', refresh_token='{REFRESH}', expires_at=1.0)",
    f"TokenSet(access_token=b'{ACCESS}')",
    f"refresh_token = {REFRESH}",
    f"Basic {ACCESS}",
    "code=" + CODE.replace("-", "%2D"),
]


@pytest.mark.parametrize("line", SHAPES)
def test_every_shape_of_secret_is_redacted(line: str) -> None:
    clean = redact(line)
    for secret in (ACCESS, REFRESH, CODE, VERIFIER, CODE.replace("-", "%2D")):
        assert secret not in clean
    # Long enough tails of a secret must not survive either (a partial leak is still a leak).
    for secret in (ACCESS, REFRESH, CODE, VERIFIER):
        assert secret[-12:] not in clean
    assert REDACTED in clean


@pytest.mark.parametrize(
    "line",
    [
        "status_code=404 for GET /v1/me/tracks",
        "synced 1234 tracks in 12 pages",
        "barcode=0123456789 isn't a secret",
        "error code: 429, retry after 3600 s",
        "spotify:track:6rqhFgbbKwnb9MLmUQDhG6 matched by ISRC USUM71703861",
        "player state: playing on device Kitchen",
        "/home/user/Music/Some Artist - Some Long Title (Remastered 2011).flac",
        "a" * 120,  # long, but not token-like (one case, no digits)
        "sha256 " + "0123456789abcdef" * 4,
    ],
)
def test_ordinary_lines_stay_readable(line: str) -> None:
    assert redact(line) == line


def test_registered_secrets_are_removed_wherever_they_appear() -> None:
    bare = "tok3nWithoutAnyKeyNearby"
    register_secret(bare)
    assert bare not in redact(f"saved {bare} to the store; {bare}!")
    register_secret("short")  # too short to register: would redact ordinary words
    assert redact("a short note") == "a short note"


def test_long_opaque_runs_are_redacted_even_without_a_key() -> None:
    token = "BQ" + "Ab3" * 60
    assert token not in redact(f"unexpected value {token} in response")


def test_filter_redacts_messages_args_and_tracebacks(tmp_path: Path) -> None:
    log_file = tmp_path / "x.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("desktoprec.test.redaction")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.info("token response %s", {"access_token": ACCESS, "refresh_token": REFRESH})
        logger.debug("callback %s", f"/callback?code={CODE}&state=s")
        logger.info("bad format %s %s", "only one")  # noqa: PLE1206 - must not lose the record
        try:
            try:
                raise ValueError(f"refused refresh_token={REFRESH}")
            except ValueError as inner:
                raise RuntimeError(f"request failed: Bearer {ACCESS}") from inner
        except RuntimeError:
            logger.exception("sync failed")
        logger.warning("stack", stack_info=True, extra={})
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = log_file.read_text(encoding="utf-8")
    assert "sync failed" in text and "RuntimeError" in text and "ValueError" in text
    assert "bad format" in text
    for secret in (ACCESS, REFRESH, CODE):
        assert secret not in text


def test_crash_report_text_is_redacted() -> None:
    try:
        raise ConnectionError(f"POST /api/token refresh_token={REFRESH}")
    except ConnectionError as exc:
        report = format_exception_redacted(exc)
        report_from_tuple = format_exception_redacted((type(exc), exc, exc.__traceback__))
    assert "ConnectionError" in report
    assert REFRESH not in report and REFRESH not in report_from_tuple


def test_configure_logging_file_is_redacted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    monkeypatch.setattr(logs, "_configured", False)
    log_file = tmp_path / "logs" / "desktoprec.log"
    try:
        logs.configure_logging(log_file, debug=True)
        logging.getLogger("desktoprec.spotify.auth").debug("exchanged code=%s", CODE)
        logging.getLogger("desktoprec.spotify.client").info("Authorization: Bearer %s", ACCESS)
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in list(root.handlers):
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
        logging.captureWarnings(False)
    text = log_file.read_text(encoding="utf-8")
    assert "exchanged code=" in text
    assert CODE not in text and ACCESS not in text


_token_alphabet = st.sampled_from(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
)


@settings(max_examples=300, deadline=None)
@given(
    token=st.text(_token_alphabet, min_size=20, max_size=300),
    key=st.sampled_from(["access_token", "refresh_token", "code", "code_verifier", "id_token"]),
    shape=st.sampled_from(["json", "form", "url", "repr", "kv"]),
    before=st.text(max_size=40),
    after=st.text(max_size=40),
)
def test_fuzz_keyed_secrets_never_survive(
    token: str, key: str, shape: str, before: str, after: str
) -> None:
    assume(token not in before and token not in after)
    if shape == "json":
        body = json.dumps({key: token, "expires_in": 3600})
    elif shape == "form":
        body = urlencode({"grant_type": "x", key: token})
    elif shape == "url":
        body = f"http://127.0.0.1:1/callback?{key}={token}&state=s"
    elif shape == "repr":
        body = repr({key: token})
    else:
        body = f"{key}={token}"
    assert token not in redact(before + " " + body + " " + after)


@settings(max_examples=200, deadline=None)
@given(token=st.text(_token_alphabet, min_size=8, max_size=200), noise=st.text(max_size=200))
def test_fuzz_registered_and_bearer_tokens_never_survive(token: str, noise: str) -> None:
    assume(token not in REDACTED and token not in noise)
    assert token not in redact(f"{noise} Authorization: Bearer {token}\n{noise}")
    register_secret(token)
    assert token not in redact(f"{noise}{token}{noise}")
