"""One running app per DESKTOPREC_HOME: a second launch asks the first to show its window.

The socket lives in a folder only this user can enter (the user's runtime directory, else a 0700
folder of the profile, else a checked 0700 /tmp/desktoprec-<uid>), never under a predictable name
in /tmp where another user could listen first. A QLockFile beside it makes check-and-listen one
step, so two quick launches cannot both become the running app.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import sys
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

SHOW_MESSAGE = b"show\n"
MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux, 104 on macOS
LOCK_WAIT_MS = 5000


def _private_folder(folder: Path) -> Path | None:
    """`folder`, created 0700 if missing, when it is a real folder of ours that nobody else can
    enter; None otherwise."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        return None
    if info.st_mode & 0o077:
        try:
            folder.chmod(0o700)
        except OSError:
            return None
    return folder


def socket_folder(data_dir: Path) -> Path | None:
    """Where the socket and its lock go (None on Windows: named pipes need no folder)."""
    if sys.platform == "win32":
        return None
    import platformdirs

    candidates = []
    if os.environ.get("XDG_RUNTIME_DIR") or sys.platform == "darwin":
        candidates.append(Path(platformdirs.user_runtime_dir("desktoprec", appauthor=False)))
    candidates.append(Path(data_dir) / "run")
    candidates.append(Path("/tmp") / f"desktoprec-{os.getuid()}")
    for candidate in candidates:
        if len(str(candidate)) + 30 > MAX_SOCKET_PATH:
            continue
        folder = _private_folder(candidate)
        if folder is not None:
            return folder
    return None


def server_name(data_dir: Path) -> str:
    digest = hashlib.sha1(str(Path(data_dir).resolve()).encode("utf-8")).hexdigest()[:16]
    name = f"desktoprec-{digest}"
    folder = socket_folder(data_dir)
    return str(folder / name) if folder is not None else name


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

    def claim(self) -> bool:
        """Become the running app, or hand over to the one that is (then False). The check and
        the listen happen under one lock, so of two launches at the same moment exactly one
        listens and the other finds it."""
        lock = QLockFile(self.name + ".lock" if os.sep in self.name
                         else str(Path(os.path.expanduser("~")) / f".{self.name}.lock"))
        lock.setStaleLockTime(30_000)
        locked = lock.tryLock(LOCK_WAIT_MS)
        if not locked:
            log.warning("the single-instance lock could not be taken (%s)", lock.error())
        try:
            if self.another_is_running():
                return False
            self.listen()
            return True
        finally:
            if locked:
                lock.unlock()

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
