"""Finding 8: every HTTP request has a total deadline, and Cancel always works.

A real server on 127.0.0.1 that drips its answer one byte at a time (the attack used one byte
every 15 s; here one every 0.3 s against a deadline of a second or two) must not hold a request,
a sync or a sign-in for ever. No timing is asserted: the outcome is.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktoprec.errors import Cancelled, NetworkError
from desktoprec.httpdeadline import DeadlineExceeded
from desktoprec.spotify.client import SpotifyClient
from desktoprec.spotify.emulator import EmulatorServer, generate_account

from .conftest import StaticTokens

FAKE_BROWSER = Path(__file__).resolve().parents[1] / "fake_browser.py"
BODY = b'{"id": "me", "display_name": "' + b"x" * 2000 + b'"}'


class DripServer:
    """Answers every connection slowly: `where` = "headers" drips the status line and headers,
    "body" sends the headers at once and drips the body. One byte per `interval` seconds."""

    def __init__(self, where: str, interval: float = 0.3) -> None:
        self.where, self.interval = where, interval
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connected = threading.Event()
        self.stopped = threading.Event()
        self.bytes_sent = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(BODY)).encode() + b"\r\n\r\n")
        with connection:
            try:
                connection.recv(65536)
                self.connected.set()
                if self.where == "body":
                    connection.sendall(head)
                for byte in (head + BODY if self.where == "headers" else BODY):
                    if self.stopped.wait(self.interval):
                        return
                    connection.sendall(bytes([byte]))
                    self.bytes_sent += 1
            except OSError:
                return

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()


@pytest.fixture(params=["headers", "body"])
def drip(request: pytest.FixtureRequest) -> Iterator[DripServer]:
    server = DripServer(request.param)
    yield server
    server.stop()


def test_a_dripping_server_is_stopped_at_the_deadline(drip: DripServer) -> None:
    client = SpotifyClient(drip.url + "/v1", StaticTokens(), deadline=1.5, retries=2)
    with pytest.raises(DeadlineExceeded, match="within 1.5 s"):
        client.request("GET", "/me")
    assert client.requests_made == 1  # not retried: a server that drips would drip again
    assert drip.bytes_sent < len(BODY)


def test_cancel_stops_a_request_in_the_middle_of_an_answer(drip: DripServer) -> None:
    client = SpotifyClient(drip.url + "/v1", StaticTokens(), deadline=3600)
    client.cancel = threading.Event()
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            client.request("GET", "/me")
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            outcome.append(exc)

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    assert drip.connected.wait(30)
    time.sleep(0.5)  # a few bytes into the answer
    client.cancel.set()
    worker.join(60)
    assert not worker.is_alive(), "Cancel did not stop the request"
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)


def test_sync_through_the_cli_ends_with_one_line_at_the_deadline(tmp_path: Path) -> None:
    drip = DripServer("body")
    env = {**os.environ, "DESKTOPREC_HOME": str(tmp_path / "home")}
    try:
        with EmulatorServer(account=generate_account(seed=2, saved_tracks=3,
                                                     playlists=1)) as emulator:
            env["DESKTOPREC_SPOTIFY_ACCOUNTS_URL"] = emulator.accounts_url
            env["DESKTOPREC_SPOTIFY_API_URL"] = emulator.api_url
            login = subprocess.run(
                [sys.executable, "-m", "desktoprec", "login", "--client-id", "emu-client",
                 "--open-with", f"{sys.executable} {FAKE_BROWSER}", "--timeout", "60"],
                env=env, capture_output=True, text=True, timeout=120, check=False)
            assert login.returncode == 0, login.stderr
            env["DESKTOPREC_SPOTIFY_API_URL"] = drip.url + "/v1"  # now Spotify drips
            env["DESKTOPREC_HTTP_DEADLINE_S"] = "2"
            done = subprocess.run([sys.executable, "-m", "desktoprec", "sync"], env=env,
                                  capture_output=True, text=True, timeout=120, check=False)
    finally:
        drip.stop()
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("desktoprec: ") and "within 2 s" in lines[-1], done.stderr
    assert "Traceback" not in done.stderr


def test_the_deadline_error_is_a_network_error() -> None:
    assert issubclass(DeadlineExceeded, NetworkError)
