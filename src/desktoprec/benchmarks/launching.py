"""What the benchmarks that start the app as a new process share: their options, its environment."""

from __future__ import annotations

import argparse
import os


def add_launch_options(parser: argparse.ArgumentParser, launches: int, launches_help: str,
                       timeout_help: str) -> None:
    """--launches (how many times the app is started) and --timeout (seconds, 600 by default)."""
    parser.add_argument("--launches", type=int, default=launches, help=launches_help)
    parser.add_argument("--timeout", type=float, default=600.0, help=timeout_help)


def platform_env() -> dict[str, str]:
    """This process's environment, with Qt's offscreen platform where there is no display."""
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env
