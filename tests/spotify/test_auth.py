"""The loopback callback server under hostile requests, and token exchange/refresh against the
emulator."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from desktoprec.errors import AuthError, Cancelled, NetworkError, SignInRequired
from desktoprec.spotify import pkce
from desktoprec.spotify.auth import (
    EXPIRED_MESSAGE,
    LoopbackServer,
    exchange_code,
    opener_for,
    refresh_tokens,
    run_login,
)
from desktoprec.spotify.emulator import EmulatorServer, generate_account


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(generate_account(seed=2, saved_tracks=10, playlists=2)) as server:
        yield server


def _wait_in_thread(server: LoopbackServer, timeout: float = 10.0,
                    cancel: threading.Event | None = None) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def wait() -> None:
        try:
            outcome["result"] = server.wait(timeout, cancel)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=wait)
    thread.start()
    return thread, outcome


def _base(server: LoopbackServer) -> str:
    return f"http://127.0.0.1:{server.address[1]}"


def test_binds_to_127_0_0_1_on_an_ephemeral_port() -> None:
    with LoopbackServer("s") as server:
        host, port = server.address
        assert host == "127.0.0.1" and port > 0
        assert server.redirect_uri == f"http://127.0.0.1:{port}/callback"


def test_one_valid_callback_then_closed() -> None:
    server = LoopbackServer("good-state").start()
    thread, outcome = _wait_in_thread(server)
    base = _base(server)
    assert httpx.get(f"{base}/favicon.ico").status_code == 404  # does not end the flow
    page = httpx.get(f"{base}/callback", params={"code": "secret-code-123", "state": "good-state"})
    thread.join(10)
    assert page.status_code == 200
    assert "close this tab" in page.text
    assert "secret-code-123" not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert outcome["result"].code == "secret-code-123"
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{base}/callback", params={"code": "x", "state": "good-state"}, timeout=2)


def test_second_request_during_close_is_refused() -> None:
    with LoopbackServer("st") as server:
        base = _base(server)
        first = httpx.get(f"{base}/callback", params={"code": "c1", "state": "st"})
        second = httpx.get(f"{base}/callback", params={"code": "c2", "state": "st"})
        assert first.status_code == 200 and second.status_code == 410
        assert server.wait(1).code == "c1"


@pytest.mark.parametrize("params", [{"code": "the-code-value", "state": "wrong"},
                                    {"code": "the-code-value"},
                                    {"code": "the-code-value", "state": ""}])
def test_wrong_or_missing_state_fails_clearly(params: dict[str, str]) -> None:
    server = LoopbackServer("expected").start()
    thread, outcome = _wait_in_thread(server)
    page = httpx.get(f"{_base(server)}/callback", params=params)
    thread.join(10)
    assert page.status_code == 400 and "the-code-value" not in page.text
    error = outcome["error"]
    assert isinstance(error, AuthError) and "state" in str(error)


def test_access_denied_is_a_clear_auth_error() -> None:
    server = LoopbackServer("st").start()
    thread, outcome = _wait_in_thread(server)
    httpx.get(f"{_base(server)}/callback", params={"error": "access_denied", "state": "st"})
    thread.join(10)
    assert isinstance(outcome["error"], AuthError)
    assert "cancelled" in str(outcome["error"]) and "not granted" in str(outcome["error"])


def test_timeout_and_cancel() -> None:
    server = LoopbackServer("st").start()
    with pytest.raises(AuthError, match="timed out"):
        server.wait(0.3)
    with pytest.raises(OSError):  # closed afterwards
        socket.create_connection(server.address, timeout=1).close()
    cancel = threading.Event()
    other = LoopbackServer("st").start()
    thread, outcome = _wait_in_thread(other, timeout=30, cancel=cancel)
    cancel.set()
    thread.join(5)
    assert isinstance(outcome["error"], Cancelled)


# --- token endpoint ----------------------------------------------------------------------------


def _follow(url: str) -> None:
    threading.Thread(target=lambda: httpx.get(url, follow_redirects=True, timeout=10),
                     daemon=True).start()


def test_run_login_against_the_emulator(emulator: EmulatorServer) -> None:
    shown: list[str] = []
    tokens = run_login(emulator.accounts_url, "my-client", open_url=_follow, timeout=10,
                       allow_plain_http=True,
                       on_url=shown.append)
    assert tokens.access_token.startswith("EMU-AT-") and tokens.refresh_token
    assert tokens.expires_at > 0 and "user-library-read" in tokens.scope
    assert "code_challenge_method=S256" in shown[0]
    assert tokens.access_token not in repr(tokens)
    profile = httpx.get(f"{emulator.api_url}/me",
                        headers={"Authorization": f"Bearer {tokens.access_token}"})
    assert profile.status_code == 200


def test_run_login_denied(emulator: EmulatorServer) -> None:
    emulator.deny = True
    try:
        with pytest.raises(AuthError, match="cancelled"):
            run_login(emulator.accounts_url, "my-client", open_url=_follow, timeout=10,
                      allow_plain_http=True)
    finally:
        emulator.deny = False


def test_run_login_with_a_command_opener(emulator: EmulatorServer, tmp_path) -> None:
    import sys
    from pathlib import Path

    browser = Path(__file__).resolve().parents[1] / "fake_browser.py"
    opener = opener_for(f"{sys.executable} {browser}")
    tokens = run_login(emulator.accounts_url, "my-client", open_url=opener, timeout=20,
                       allow_plain_http=True)
    assert tokens.refresh_token


def test_opener_errors_are_auth_errors() -> None:
    with pytest.raises(AuthError):
        opener_for("'unclosed")
    with pytest.raises(AuthError, match="could not be started"):
        opener_for("/nonexistent/browser-binary")("http://127.0.0.1/")


def test_refresh_keeps_the_old_refresh_token(emulator: EmulatorServer) -> None:
    issued = emulator.issue_tokens(client_id="cid")
    fresh = refresh_tokens(emulator.accounts_url, "cid", issued["refresh_token"])
    assert fresh.refresh_token == issued["refresh_token"]
    assert fresh.access_token != issued["access_token"]


def test_invalid_grant_means_sign_in_again(emulator: EmulatorServer) -> None:
    with pytest.raises(SignInRequired) as caught:
        refresh_tokens(emulator.accounts_url, "cid", "EMU-RT-not-a-real-one")
    assert str(caught.value) == EXPIRED_MESSAGE
    verifier = pkce.make_verifier()
    with pytest.raises(SignInRequired):
        exchange_code(emulator.accounts_url, "cid", "made-up", "http://127.0.0.1:1/callback",
                      verifier)


@pytest.mark.parametrize("fault", [
    lambda e: e.faults.add("/api/token", status=503),
    lambda e: e.faults.add("/api/token", mode="drop"),
])
def test_token_service_trouble_is_a_network_error(emulator: EmulatorServer,
                                                  fault: Callable) -> None:
    issued = emulator.issue_tokens(client_id="cid")
    fault(emulator)
    with pytest.raises(NetworkError):
        refresh_tokens(emulator.accounts_url, "cid", issued["refresh_token"])


def test_no_server_at_all_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(NetworkError):
        refresh_tokens(f"http://127.0.0.1:{port}", "cid", "whatever")


def test_malformed_token_answer_is_an_auth_error(emulator: EmulatorServer) -> None:
    issued = emulator.issue_tokens(client_id="cid")
    emulator.faults.add("/api/token", mode="malformed")
    with pytest.raises(AuthError):
        refresh_tokens(emulator.accounts_url, "cid", issued["refresh_token"])


def test_an_opener_that_fails_is_fatal_unless_the_address_was_shown(
        emulator: EmulatorServer) -> None:
    def broken(url: str) -> None:
        raise AuthError("No web browser could be opened for the Spotify sign-in.")

    with pytest.raises(AuthError, match="No web browser"):
        run_login(emulator.accounts_url, "my-client", open_url=broken, timeout=5,
                  allow_plain_http=True)
    # shown to the user, who opens it by hand (here: a thread playing the user)
    tokens = run_login(emulator.accounts_url, "my-client", open_url=broken, timeout=10,
                       allow_plain_http=True,
                       on_url=_follow)
    assert tokens.refresh_token


def test_auth_service_sign_in_shared_client_and_sign_out(
        emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktoprec.errors import ConfigError
    from desktoprec.services import Services

    monkeypatch.setenv("DESKTOPREC_SPOTIFY_API_URL", emulator.api_url)
    monkeypatch.setenv("DESKTOPREC_SPOTIFY_ACCOUNTS_URL", emulator.accounts_url)
    services = Services()
    auth = services.auth
    assert not auth.is_signed_in()
    with pytest.raises(ConfigError):
        auth.login(open_url=_follow, timeout=5)  # no client ID yet
    assert "127.0.0.1/callback" in auth.client_id_help()
    with pytest.raises(ConfigError):
        auth.set_client_id("no spaces allowed")
    auth.set_client_id("service-client")
    profile = auth.login(open_url=_follow, timeout=10)
    assert profile["id"] == emulator.account.user_id
    assert auth.is_signed_in()
    assert auth.api() is auth.api()
    assert auth.api().me()["id"] == emulator.account.user_id
    assert auth.keyring_backend()
    from desktoprec.storage.tables import AccountRow

    with services.db.read() as session:
        row = session.get(AccountRow, emulator.account.user_id)
        assert row is not None and row.display_name == emulator.account.display_name
    auth.set_client_id("another-client")  # another app: the old app's tokens are dropped
    assert not auth.is_signed_in()
    auth.set_client_id("service-client")
    assert not auth.is_signed_in()
    auth.login(open_url=_follow, timeout=10)
    assert auth.is_signed_in()
    auth.logout()
    assert not auth.is_signed_in()
    with pytest.raises(SignInRequired):
        auth.token_provider().access_token()
    services.close()


def test_sign_in_of_a_user_not_on_the_allow_list_says_so(
        emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktoprec.services import Services

    monkeypatch.setenv("DESKTOPREC_SPOTIFY_API_URL", emulator.api_url)
    monkeypatch.setenv("DESKTOPREC_SPOTIFY_ACCOUNTS_URL", emulator.accounts_url)
    monkeypatch.setenv("DESKTOPREC_CLIENT_ID", "allow-list-client")
    services = Services()
    emulator.registered = False
    try:
        with pytest.raises(AuthError, match="allow list"):
            services.auth.login(open_url=_follow, timeout=10)
    finally:
        emulator.registered = True
        services.close()


def test_a_late_request_is_refused_cleanly_never_reset() -> None:
    """Right after the deciding callback the server closes; a request landing meanwhile gets
    410 (or no connection at all), not a connection reset mid-request."""
    outcomes = set()
    for _ in range(15):
        server = LoopbackServer("st").start()
        thread, _outcome = _wait_in_thread(server)
        with socket.create_connection(server.address) as raw:
            host = f"127.0.0.1:{server.address[1]}".encode()
            raw.sendall(b"GET /callback?state=wrong&code=x HTTP/1.1\r\nHost: " + host
                        + b"\r\n\r\n")
            raw.shutdown(socket.SHUT_WR)
            raw.recv(65536)
        try:
            late = httpx.get(f"{_base(server)}/callback", params={"code": "c", "state": "st"},
                             timeout=5)
            outcomes.add(late.status_code)
        except httpx.ConnectError:
            outcomes.add("refused")
        thread.join(10)
    assert outcomes <= {410, "refused"}


def test_open_with_command_lines_split_per_platform() -> None:
    from desktoprec.spotify.auth import split_command

    assert split_command("curl -s -L -o /dev/null", windows=False) == [
        "curl", "-s", "-L", "-o", "/dev/null"]
    assert split_command("'/opt/my browser/run' --new-tab", windows=False) == [
        "/opt/my browser/run", "--new-tab"]
    assert split_command(r'"C:\Program Files\Browser\b.exe" --new', windows=True) == [
        r"C:\Program Files\Browser\b.exe", "--new"]
