"""The loopback sign-in server against hostile local clients (beyond tests/spotify/test_auth.py):
reachable only on 127.0.0.1, not stalled by an idle connection, not broken by garbage, and the
sign-in never completes with a code the user's browser did not bring."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from desktoprec.errors import AuthError
from desktoprec.spotify.auth import LoopbackServer


def _wait_in_thread(server: LoopbackServer, timeout: float = 20.0) -> tuple[threading.Thread,
                                                                           dict]:
    outcome: dict = {}

    def wait() -> None:
        try:
            outcome["result"] = server.wait(timeout)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    return thread, outcome


@pytest.fixture()
def server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer("the-right-state").start()
    yield srv
    srv.close()


def _other_local_addresses() -> list[str]:
    """Addresses of this machine that are not 127.0.0.1 (127.0.0.2 always routes locally)."""
    addresses = {"127.0.0.2"}
    try:
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a source address
        addresses.add(probe.getsockname()[0])
        probe.close()
    except OSError:
        pass
    addresses.discard("127.0.0.1")
    addresses.discard("0.0.0.0")
    return sorted(addresses)


def test_not_reachable_on_any_other_address(server: LoopbackServer) -> None:
    port = server.address[1]
    others = _other_local_addresses()
    assert others
    for address in others:
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=2).close()
    # …while 127.0.0.1 itself answers (the check above is not vacuous).
    socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_an_idle_connection_does_not_block_the_real_callback(server: LoopbackServer) -> None:
    """A local process that connects and sends nothing must not hold the sign-in hostage."""
    thread, outcome = _wait_in_thread(server)
    idle = socket.create_connection(server.address, timeout=30)
    try:
        page = httpx.get(f"http://127.0.0.1:{server.address[1]}/callback",
                         params={"code": "real-code-from-browser", "state": "the-right-state"},
                         timeout=30)
    finally:
        idle.close()
    thread.join(30)
    assert page.status_code == 200
    assert outcome.get("result") is not None and outcome["result"].code == "real-code-from-browser"


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS ClientHello
        b"GET /" + b"A" * 70_000 + b" HTTP/1.1\r\n\r\n",  # an enormous request line
        b"GET /callback HTTP/1.1\r\n" + b"X-Junk: y\r\n" * 200 + b"\r\n",  # too many headers
        b"\xff\xfe\xfd garbage\r\n\r\n",
        b"POST /callback HTTP/1.1\r\nContent-Length: 99999999\r\n\r\nabc",
        b"GET /callback?state=%ZZ%00&code=%ff%fe HTTP/1.1\r\n\r\n",
    ],
    ids=["tls", "long-line", "many-headers", "binary", "huge-post", "bad-escapes"],
)
def test_garbage_requests_do_not_break_the_sign_in(server: LoopbackServer, garbage: bytes) -> None:
    thread, outcome = _wait_in_thread(server)
    with socket.create_connection(server.address, timeout=10) as raw:
        try:
            raw.sendall(garbage)
            raw.shutdown(socket.SHUT_WR)
            raw.recv(65536)
        except OSError:
            pass  # the server may hang up on it: that is fine
    try:
        page: httpx.Response | None = httpx.get(
            f"http://127.0.0.1:{server.address[1]}/callback",
            params={"code": "real-code", "state": "the-right-state"}, timeout=30)
    except httpx.ConnectError:
        page = None  # the garbage already ended the flow and the server closed
    thread.join(30)
    if "error" in outcome:  # the garbage decided the flow: it must have failed it
        assert isinstance(outcome["error"], AuthError), outcome
    else:  # or it was ignored, and the real callback signed in — with the real code only
        assert page is not None and page.status_code == 200
        assert outcome["result"].code == "real-code"


def test_a_forged_callback_never_signs_in_and_shows_nothing(server: LoopbackServer) -> None:
    """A hostile web page that found the port sends its own code without the state."""
    thread, outcome = _wait_in_thread(server)
    # a DNS-rebinding page names its own host: refused, and it decides nothing
    rebound = httpx.get(f"http://127.0.0.1:{server.address[1]}/callback",
                        params={"code": "attacker-code-0123", "state": "guess"},
                        headers={"Origin": "http://evil.example", "Host": "evil.example"})
    assert rebound.status_code == 421 and "attacker-code-0123" not in rebound.text
    assert thread.is_alive()
    page = httpx.get(f"http://127.0.0.1:{server.address[1]}/callback",
                     params={"code": "attacker-code-0123", "state": "guess"},
                     headers={"Origin": "http://evil.example"})
    thread.join(10)
    assert page.status_code == 400
    assert "attacker-code-0123" not in page.text and "the-right-state" not in page.text
    assert isinstance(outcome["error"], AuthError)
    assert "Access-Control-Allow-Origin" not in page.headers  # nothing readable cross-origin
