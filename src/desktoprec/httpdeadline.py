"""A total deadline (and Cancel) for one HTTP request, whatever the server does meanwhile.

httpx's timeouts bound each read, not a request: a server that sends one byte every 15 s never
trips a 20 s read timeout and can hold a sync for ever. `RequestDeadline` watches one request
from a small thread; when the deadline passes or `cancel` is set it shuts the request's socket
down, which wakes the blocked read at once (httpx then raises a TransportError), and the caller
asks `raise_if_stopped()` which of the two it was. The socket is learned from httpcore's trace
hook when the connection is opened, and from the response once its headers are in (a reused
keep-alive connection).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, Self

from desktoprec.errors import Cancelled, NetworkError

DEFAULT_DEADLINE_S = 120.0
DEADLINE_ENV = "DESKTOPREC_HTTP_DEADLINE_S"  # tests: a short deadline for every request
_POLL_S = 0.1


def default_deadline(seconds: float | None = None) -> float:
    """`seconds`, else the environment's DESKTOPREC_HTTP_DEADLINE_S, else 120 s."""
    if seconds is not None:
        return seconds
    try:
        value = float(os.environ.get(DEADLINE_ENV, ""))
    except ValueError:
        return DEFAULT_DEADLINE_S
    return value if value > 0 else DEFAULT_DEADLINE_S


class DeadlineExceeded(NetworkError):
    """The server did not finish answering in time."""


class RequestDeadline:
    """Use as a context manager around one request; pass `extensions={"trace": d.trace}`."""

    def __init__(self, seconds: float, cancel: threading.Event | None = None,
                 what: str = "The server") -> None:
        self.seconds = seconds
        self.cancel = cancel
        self.what = what
        self.expired = False
        self.cancelled = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._end = time.monotonic() + seconds
        self._thread = threading.Thread(target=self._watch, name="http-deadline", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()

    # --- learning the socket -------------------------------------------------------------------

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self._remember(info.get("return_value"))

    def attach(self, response: Any) -> None:
        """The response's own connection (kept alive from an earlier request, perhaps)."""
        self._remember(getattr(response, "extensions", {}).get("network_stream"))

    def _remember(self, stream: Any) -> None:
        try:
            sock = stream.get_extra_info("socket") if stream is not None else None
        except Exception:  # noqa: BLE001 - an unknown stream type: nothing to watch
            sock = None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
            if self.expired or self.cancelled:
                self._cut()

    # --- watching ---------------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._done.wait(_POLL_S):
            if self.cancel is not None and self.cancel.is_set():
                self.cancelled = True
            elif time.monotonic() >= self._end:
                self.expired = True
            else:
                continue
            self._cut()
            return

    def _cut(self) -> None:
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def check(self) -> None:
        """Between chunks: stop as soon as the deadline has passed or Cancel was pressed."""
        if self.cancel is not None and self.cancel.is_set():
            self.cancelled = True
        elif time.monotonic() >= self._end:
            self.expired = True
        self.raise_if_stopped()

    def raise_if_stopped(self) -> None:
        if self.cancelled:
            raise Cancelled()
        if self.expired:
            raise DeadlineExceeded(
                f"{self.what} did not finish answering within {self.seconds:g} s; the request "
                "was stopped.")

    def iter_bytes(self, response: Any) -> Iterator[bytes]:
        """The body, chunk by chunk, within the deadline."""
        self.attach(response)
        for chunk in response.iter_bytes():
            self.check()
            yield chunk
        self.check()
