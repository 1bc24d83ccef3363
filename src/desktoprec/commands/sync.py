"""`desktoprec sync`, `status` and `export`: library sync, what is stored, playlists out."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from desktoprec.errors import Cancelled, DesktopRecError, ExportError
from desktoprec.spotify.uris import parse as parse_spotify_ref
from desktoprec.spotify.uris import uri as spotify_uri

if TYPE_CHECKING:
    from desktoprec.services import Services


def register(subparsers: Any) -> None:
    sync = subparsers.add_parser("sync", help="pull your Spotify library into the local database")
    sync.add_argument("--json", action="store_true", help="print the sync report as JSON")
    sync.add_argument("--full", action="store_true",
                      help="re-read everything instead of only what changed")
    sync.set_defaults(handler=handle_sync)

    status = subparsers.add_parser("status", help="what is stored and how the last sync went")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.set_defaults(handler=handle_status)

    export = subparsers.add_parser("export", help="save a track list as a Spotify playlist or file")
    export.add_argument("--name", required=True, help="playlist name (exporting again updates it)")
    visibility = export.add_mutually_exclusive_group()
    visibility.add_argument("--private", dest="public", action="store_false",
                            help="a private playlist (the default)")
    visibility.add_argument("--public", dest="public", action="store_true",
                            help="a public playlist")
    source = export.add_mutually_exclusive_group(required=True)
    source.add_argument("--uris-file", type=Path, help="a file with one Spotify URI per line")
    source.add_argument("--from-last", action="store_true",
                        help="the last recommendation list")
    export.add_argument("--to-file", type=Path, metavar="PATH.m3u|.csv",
                        help="write a file instead of a Spotify playlist")
    export.add_argument("--json", action="store_true", help="print the result as JSON")
    export.set_defaults(handler=handle_export, public=False)


# --- sync -----------------------------------------------------------------------------------------


class TerminalProgress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._last = 0.0
        self._phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if phase == self._phase and now - self._last < 0.1 and done < total:
            return
        self._phase, self._last = phase, now
        width = 30
        filled = int(width * done / total) if total else 0
        bar = "#" * filled + "-" * (width - filled)
        label = phase.replace("_", " ")
        self.stream.write(f"\r{label:<18} [{bar}] {done}/{total}   ")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 70 + "\r")
            self.stream.flush()


def interrupted(progress: TerminalProgress, cancel: threading.Event, message: str) -> int:
    """Ctrl-C in a long command: stop its workers, clear the bar, say `message`; exit 130."""
    cancel.set()
    progress.finish()
    print(f"desktoprec: {message}", file=sys.stderr)
    return 130


def handle_sync(args: argparse.Namespace, services: Services) -> int:
    progress = TerminalProgress()
    cancel = threading.Event()
    enrich = bool(services.settings.enabled_source_names())
    try:
        if enrich:
            # sources enabled: the same one workflow the app runs after each sync
            after = services.sync.sync_and_enrich(progress=progress, cancel=cancel,
                                                  full=args.full)
            data, lines, warnings = after.to_json(), after.summaries(), list(after.warnings)
        else:
            report = services.sync.sync(progress=progress, cancel=cancel, full=args.full)
            data, lines, warnings = report.to_dict(), [report.summary()], report.warnings
    except Cancelled as exc:  # an interruption, not a failure
        return interrupted(progress, cancel, exc.user_text())
    except DesktopRecError as exc:
        progress.finish()
        partial = getattr(exc, "report", None)
        if args.json and partial is not None:
            print(json.dumps(partial.to_dict()))
        print(f"desktoprec: {exc.user_text()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return interrupted(progress, cancel, "sync interrupted; what was finished is kept and "
                                             "the next sync continues.")
    progress.finish()
    if args.json:
        print(json.dumps(data, default=str))
        return 0
    for line in lines:
        print(line)
    for warning in warnings:
        print(f"warning: {warning}")
    return 0


# --- status ---------------------------------------------------------------------------------------


def handle_status(args: argparse.Namespace, services: Services) -> int:
    data = services.sync.status().to_json()
    if args.json:
        print(json.dumps(data, default=str))
        return 0
    user = data.get("user") or {}
    print(f"signed in: {'yes' if data['signed_in'] else 'no'}"
          + (f" as {user.get('display_name') or user.get('id')}" if user else ""))
    for key in ("tracks", "saved_tracks", "playlists", "playlists_skipped", "playlist_items",
                "local_items", "unavailable_items", "followed_artists", "artists", "local_files",
                "matched_files", "pending_exports", "new_artist_candidates"):
        print(f"{key.replace('_', ' ')}: {data.get(key)}")
    for key in ("sound_coverage", "genre_coverage"):
        parts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in (data.get(key) or {}).items())
        print(f"{key.replace('_', ' ')}: {parts}")
    print(f"sources: {', '.join(data.get('sources_enabled') or []) or 'none enabled'}")
    print(f"last sync: {data.get('last_sync') or 'never'}")
    if data.get("last_error"):
        print(f"last error: {data['last_error']}")
    print(f"keyring: {data.get('keyring')}")
    audio = data.get("audio_features_available")
    print("Spotify's sound data (audio features): " + (
        "not checked yet" if audio is None else "offered to this app" if audio
        else "not offered to new apps; desktoprec analyses the sound itself"))
    return 0


# --- export ---------------------------------------------------------------------------------------


def _read_uris(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportError(f"The URI file {path} could not be read: {exc}") from exc
    uris = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parsed = parse_spotify_ref(line)
        if parsed is not None and parsed[0] == "track":
            line = spotify_uri(*parsed)
        uris.append(line)
    return uris


def handle_export(args: argparse.Namespace, services: Services) -> int:
    recipe: dict[str, Any] | None = None
    if args.from_last:
        last = services.recommend.last_list()
        if last is None or not last.items:
            raise ExportError("There is no recommendation list yet.",
                              hint="run `desktoprec recommend` first")
        uris = [item.track.uri or f"spotify:track:{item.track.id}" for item in last.items]
        track_ids = [item.track.id for item in last.items]
        recipe = last.recipe
    else:
        uris = _read_uris(args.uris_file)
        track_ids = uris
    if not uris:
        raise ExportError("There are no tracks to export.")
    if args.to_file is not None:
        path = services.export.to_file(args.to_file, track_ids)
        if args.json:
            print(json.dumps({"file": str(path), "tracks": len(track_ids)}))
        else:
            print(f"wrote {len(track_ids)} tracks to {path}")
        return 0
    result = services.export.to_spotify(args.name, uris, public=args.public, recipe=recipe)
    if args.json:
        print(json.dumps(result, default=str))
    elif result.get("queued"):
        print(result["message"])
    else:
        verb = "created" if result["created"] else "updated"
        print(f"{verb} playlist {result['name']!r} ({result['uri']}) with {result['tracks']} "
              "tracks")
    return 0
