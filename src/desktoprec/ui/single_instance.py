"""One running app per DESKTOPREC_HOME: a second launch asks the first to show its window."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

SHOW_MESSAGE = b"show\n"


def server_name(data_dir: Path) -> str:
    digest = hashlib.sha1(str(Path(data_dir).resolve()).encode("utf-8")).hexdigest()[:16]
    return f"desktoprec-{digest}"


def ask_running_instance(name: str, timeout_ms: int = 500) -> bool:
    """True when another instance answered (and was asked to show itself)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    socket.write(SHOW_MESSAGE)
    socket.flush()
    socket.waitForBytesWritten(timeout_ms)
    socket.disconnectFromServer()
    return True


class SingleInstance(QObject):
    """Listens for later launches; emits `activation_requested` when one knocks."""

    activation_requested = Signal()

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.name = server_name(data_dir)
        self.server: QLocalServer | None = None
        self._sockets: list[QLocalSocket] = []

    def another_is_running(self) -> bool:
        return ask_running_instance(self.name)

    def listen(self) -> bool:
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # A stale socket file from a crashed run: nobody answered, so take it over.
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                log.warning("single-instance server not started: %s", server.errorString())
                return False
        server.newConnection.connect(self._on_connection)
        self.server = server
        return True

    def _on_connection(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            self._sockets.append(socket)
            socket.readyRead.connect(self._on_ready)

    def _on_ready(self) -> None:
        for socket in list(self._sockets):
            data = bytes(socket.readAll().data())
            if SHOW_MESSAGE.strip() in data:
                socket.abort()
                self._sockets.remove(socket)
                self.activation_requested.emit()

    def close(self) -> None:
        # Sockets are closed here rather than with deleteLater: a deferred delete still queued
        # when the application ends crashes Qt.
        for socket in self._sockets:
            socket.abort()
        self._sockets.clear()
        if self.server is not None:
            self.server.close()
            self.server = None
