"""`desktoprec app` (the default) opens the window; `launch` picks the app or the offline demo."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING, Any

from desktoprec.errors import ConfigError

if TYPE_CHECKING:
    from desktoprec.services import Services

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    app = subparsers.add_parser("app", help="open the desktop app (the default)")
    app.add_argument("--tray", action="store_true",
                     help="start in the system tray without showing the window (autostart)")
    app.set_defaults(handler=_app)
    launch = subparsers.add_parser(
        "launch", help="open the app, or the offline demo when no client ID is configured")
    launch.set_defaults(handler=_launch)


def _start(args: argparse.Namespace, services: Services, *, demo: bool) -> int:
    try:
        from desktoprec.ui.app import run
    except ImportError as exc:  # PySide6 or a Qt system library is missing
        raise ConfigError(
            f"The desktop app cannot start: {exc}.",
            hint="on Debian/Ubuntu run `make run` (it installs libxcb-cursor0 and friends)",
        ) from exc
    return run(services, demo=demo, crash_dialog=not getattr(args, "no_crash_dialog", False),
               start_in_tray=bool(getattr(args, "tray", False)))


def _app(args: argparse.Namespace, services: Services) -> int:
    return _start(args, services, demo=False)


def _launch(args: argparse.Namespace, services: Services) -> int:
    demo = not services.settings.effective_client_id()
    if demo:
        log.info("no Spotify client ID configured: starting the offline demo")
    return _start(args, services, demo=demo)
