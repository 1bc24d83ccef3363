"""Child process for test_player_xvfb.py: a real player window on the test's X server.

Reads commands on stdin (mini, full, offscreen, state, quit) and answers each with one JSON line,
so the test can look at the window from outside (xdotool, xprop) between steps.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication

from desktoprec.domain import Track
from desktoprec.services import Services
from desktoprec.ui.context import AppContext
from desktoprec.ui.player_window import PlaybackController, PlayerWindow
from desktoprec.ui.tasks import TaskRunner


def main() -> int:
    app = QApplication(sys.argv)
    services = Services()
    ctx = AppContext(services, TaskRunner(inline=True))
    controller = PlaybackController(ctx)
    window = PlayerWindow(ctx, controller)
    controller.play_queue([Track(id=f"x{i}", name=f"Xvfb tune {i}", artists=("Band",))
                           for i in range(3)], 0)
    window.move(40, 40)
    window.show()
    windows = [window]

    def state() -> dict[str, object]:
        window = windows[-1]
        frame = window.frameGeometry()
        area = window.screen().availableGeometry()
        return {"visible": window.isVisible(), "compact": window.compact,
                "title": window.windowTitle(), "wid": int(window.winId()),
                "geometry": [window.x(), window.y(), window.width(), window.height()],
                "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
                "area": [area.x(), area.y(), area.width(), area.height()],
                "on_screen": area.contains(frame)}

    def on_line() -> None:
        window = windows[-1]
        line = sys.stdin.readline().strip()
        if line in ("", "quit"):
            app.quit()
            return
        if line == "mini":
            window.set_compact(True)
        elif line == "full":
            window.set_compact(False)
        elif line == "offscreen":  # a player opened at a place mostly off the screen
            area = window.screen().availableGeometry()
            window.close()
            window = PlayerWindow(ctx, controller)
            windows.append(window)
            window.move(area.right() - 60, area.bottom() - 30)
            window.show()
        app.processEvents()
        print(json.dumps(state()), flush=True)

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(on_line)
    print(json.dumps(state()), flush=True)
    code = app.exec()
    controller.stop()
    services.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
