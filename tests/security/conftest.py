"""A scriptable hostile HTTP server on 127.0.0.1 for the security tests, and small shared helpers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Answer:
    """What the hostile server sends next: a status, headers and raw body bytes, or a drop."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    drop: bool = False  # close the connection without answering
    lie_about_length: int | None = None  # declare more bytes than are sent, then close


class HostileServer:
    """Answers every request with `self.answer` (or a per-path answer); records what it was asked."""

    def __init__(self, port: int = 0) -> None:
        self.answer = Answer()
        self.by_path: dict[str, Answer] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def log_message(self, *_args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                server.requests.append((self.command, self.path, dict(self.headers)))
                answer = server.by_path.get(self.path.split("?")[0], server.answer)
                if answer.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                declared = answer.lie_about_length or len(answer.body)
                self.send_header("Content-Length", str(declared))
                if answer.lie_about_length:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(answer.body)
                if answer.lie_about_length:
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> HostileServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def hostile_server() -> Iterator[HostileServer]:
    server = HostileServer().start()
    yield server
    server.stop()


class StaticTokens:
    """A token provider with fixed tokens; counts refreshes (the client's side of the contract)."""

    def __init__(self, token: str = "static-access-token-0123456789") -> None:
        self.token = token
        self.refreshes = 0

    def access_token(self) -> str:
        return self.token

    def refresh(self) -> str:
        self.refreshes += 1
        return self.token
