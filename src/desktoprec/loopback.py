"""A threaded HTTP server on a loopback port, served from a daemon thread (the local emulators).

`LoopbackServer` owns the life cycle the Spotify emulator and the catalogue emulator share: start
(again on the same port after a stop: the network "returns"), stop (open keep-alive connections
are shut too, so nothing is answered after stop()), use as a context manager, and the bound port
(still known after stop(), so tests can see the network go away). `LoopbackHandler` is the request
handler base that lets the server see its connections.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Self, TypeVar

ServerT = TypeVar("ServerT", bound="LoopbackServer")


class LoopbackHandler(BaseHTTPRequestHandler, Generic[ServerT]):
    """Registers its connection with `owner`, the server that runs it, while the connection is
    open. HTTP/1.1 keep-alive, answers sent without Nagle's delay."""

    owner: ServerT
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        self.owner._opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.owner._closed(self.connection)


class LoopbackServer:
    """Serve `handler` (a LoopbackHandler subclass) on host:port; port 0 picks a free one."""

    thread_name = "loopback-server"

    def __init__(self, handler: type[LoopbackHandler[Any]], host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self._handler = handler
        self._host = host
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._bound_port: int | None = None
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        handler = type(self._handler.__name__, (self._handler,), {"owner": self})
        httpd = ThreadingHTTPServer((self._host, self._bound_port or self._port), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self._bound_port = int(httpd.server_address[1])
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"{self.thread_name}-{self._bound_port}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        # kept-alive connections would otherwise still be answered after stop()
        with self._connections_lock:
            open_connections, self._connections = list(self._connections), set()
        for connection in open_connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (still known after stop())."""
        if self._bound_port is None:
            raise RuntimeError("the server has not been started")
        return self._bound_port

    def _opened(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def _closed(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)
