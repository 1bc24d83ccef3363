"""`desktoprec demo [--headless]`: the offline demo account, with or without the window."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import TYPE_CHECKING, Any

from desktoprec.errors import ConfigError

if TYPE_CHECKING:
    from desktoprec.services import Services


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo", help="try desktoprec on a generated demo account (no Spotify account needed)",
        description="Generates a demo library with synthesized music, serves it from the built-in "
                    "Spotify emulator, signs in, syncs, analyzes and indexes it, then opens the "
                    "app (or, with --headless, exits so that `desktoprec recommend` can be run).")
    parser.add_argument("--headless", action="store_true",
                        help="prepare everything without a window, then exit")
    parser.add_argument("--json", action="store_true", help="with --headless: print one JSON "
                                                            "summary")
    parser.add_argument("--leave", action="store_true",
                        help="end the demo: remove its library, music and settings from this "
                             "profile, so your own Spotify account can be connected")
    parser.add_argument("--tracks-per-style", type=int, default=None, metavar="N",
                        help="a smaller or larger demo (default 18 per style, 216 tracks)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, services: Services) -> int:
    if args.tracks_per_style is not None and not 1 <= args.tracks_per_style <= 200:
        raise ConfigError("--tracks-per-style must be between 1 and 200.")
    if args.leave:
        if not services.settings.demo_mode:
            print("This profile is not running the demo; nothing was changed.")
            return 0
        services.demo.leave()
        print("The demo was removed from this profile. Connect your own Spotify account with "
              "`desktoprec login --client-id ID`.")
        return 0
    services.demo.requested_tracks_per_style = args.tracks_per_style
    if args.headless:
        return _headless(args, services)
    try:
        from desktoprec.ui.app import run
    except ImportError as exc:
        raise ConfigError("The desktop window is not available in this installation.",
                          hint="use `desktoprec demo --headless`") from exc
    try:
        return int(run(services, demo=True,
                       crash_dialog=not getattr(args, "no_crash_dialog", False)) or 0)
    finally:
        services.demo.stop()


def _headless(args: argparse.Namespace, services: Services) -> int:
    cancel = threading.Event()
    last_phase: list[str] = []

    def progress(phase: str, done: int, total: int) -> None:
        if args.json:
            return
        if not last_phase or last_phase[0] != phase:
            last_phase[:] = [phase]
            print(f"desktoprec demo: {phase} …", file=sys.stderr, flush=True)

    try:
        summary = services.demo.prepare(progress=progress, cancel=cancel,
                                        tracks_per_style=args.tracks_per_style)
    except KeyboardInterrupt:
        cancel.set()
        raise
    finally:
        services.demo.stop()
    if args.json:
        print(json.dumps(summary.to_json(), default=str))
    else:
        print(f"The demo is ready: {summary.tracks} tracks by {summary.artists} artists, "
              f"signed in as {summary.signed_in_as or 'the demo listener'} "
              f"({sum(summary.seconds.values()):.0f} s).")
        print("Next: `desktoprec recommend` (same DESKTOPREC_HOME), or `desktoprec demo` for the "
              "window.")
    return 0
