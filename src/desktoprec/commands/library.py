"""`desktoprec scan DIR...` and `desktoprec analyze [--json] PATH... | --library`."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktoprec.services import Services


def register(subparsers: Any) -> None:
    scan = subparsers.add_parser("scan", help="scan music folders and match files to tracks")
    scan.add_argument("dirs", nargs="*", metavar="DIR",
                      help="folders to scan (remembered as music folders); default: the saved ones")
    scan.add_argument("--analyze", action="store_true",
                      help="also analyse new files and refresh sound and genre sources")
    scan.add_argument("--json", action="store_true", help="print one JSON object")
    scan.set_defaults(handler=_scan)

    analyze = subparsers.add_parser("analyze", help="analyse audio files (tempo, key, loudness...)")
    analyze.add_argument("paths", nargs="*", metavar="PATH",
                         help="audio files (or folders of them) to analyse")
    analyze.add_argument("--library", action="store_true",
                         help="analyse every scanned file not yet analysed, with progress")
    analyze.add_argument("--json", action="store_true", help="print one JSON array (or object)")
    analyze.add_argument("--no-cache", action="store_true", help="analyse again even if cached")
    analyze.add_argument("--retry-failed", action="store_true",
                         help="with --library: try files that failed before once more")
    analyze.add_argument("--workers", type=int, default=None, help="worker processes (all cores)")
    analyze.set_defaults(handler=_analyze, parser=analyze)


def _progress_printer(enabled: bool) -> Any:
    state: dict[str, Any] = {"phase": None, "last": -1}

    def show(phase: str, done: int, total: int) -> None:
        if not enabled:
            return
        percent = int(100 * done / total) if total else 0
        if phase != state["phase"] or percent != state["last"]:
            state["phase"], state["last"] = phase, percent
            text = f"{phase}: {done}/{total}" if total else f"{phase}…"
            print(f"\r{text:<60}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    return show


def _scan(args: argparse.Namespace, services: Services) -> int:
    library = services.library
    if args.dirs:
        library.remember_folders(args.dirs)
        folders = args.dirs
    else:
        folders = list(services.settings.music_folders)
        if not folders:
            print("desktoprec: no music folders yet; run `desktoprec scan DIR`", file=sys.stderr)
            return 2
    progress = _progress_printer(sys.stderr.isatty() and not args.json)
    report = library.scan(folders, progress=progress)
    result: dict[str, Any] = report.to_dict()
    if args.analyze:
        result["analysis"] = library.analyze_library(progress=progress).to_json()
    if args.json:
        print(json.dumps(result, default=str))
    else:
        print(f"{report.found} audio files: {report.new} new, {report.changed} changed, "
              f"{report.unchanged} unchanged, {report.removed} removed; "
              f"{report.matched} matched to Spotify tracks, {report.local_tracks} local tracks")
        for folder in report.missing_folders:
            print(f"  not found: {folder}")
        if report.tag_errors:
            print(f"  {report.tag_errors} files with unreadable tags (kept, named by file name)")
        for problem in report.tag_problems:
            print(f"  {problem['path']}: {problem['reason']}")
    return 0


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def _expand(paths: list[str]) -> list[str]:
    """Files as given; a folder stands for the audio files under it."""
    from pathlib import Path

    from desktoprec.library.scan import iter_audio_files

    out: list[str] = []
    for text in paths:
        if Path(text).is_dir():
            out.extend(str(p) for p in iter_audio_files([Path(text)]))
        else:
            out.append(text)
    return out


def _analyze(args: argparse.Namespace, services: Services) -> int:
    if args.library == bool(args.paths):
        args.parser.error("give audio files to analyse, or --library (not both)")
    if args.workers is not None and args.workers < 1:
        args.parser.error("--workers must be at least 1")
    progress = _progress_printer(sys.stderr.isatty())
    if args.library:
        summary = services.library.analyze_library(progress=progress, workers=args.workers,
                                                   retry_failed=args.retry_failed)
        if args.json:
            print(json.dumps(_json_safe(summary.to_json()), default=str))
        else:
            print(f"{summary.analyzed} analysed, {summary.failed} failed, "
                  f"{summary.already_analyzed} already analysed "
                  f"({summary.seconds} s)")
            for failure in summary.failures:
                print(f"  {failure.path}: {failure.error}")
        return 0
    paths = _expand(args.paths)
    if not paths:
        print("desktoprec: no audio files found in the folders given", file=sys.stderr)
        return 1
    results = services.library.analyze_files(paths, use_cache=not args.no_cache,
                                             progress=progress, workers=args.workers)
    if args.json:
        print(json.dumps(_json_safe([item.to_json() for item in results]), default=str))
    else:
        for item in results:
            if not item.ok:
                print(f"{item.path}: error: {item.error}")
                continue
            tempo = f"{item.tempo_bpm:.1f} BPM" if item.tempo_bpm else "no tempo"
            key = f"{item.key} {item.mode}" if item.key else "no key"
            loud = item.loudness_db
            centroid = item.spectral_centroid_hz
            print(f"{item.path}: {item.duration_s or 0.0:.1f} s, {tempo}, {key}, "
                  f"{loud if loud is not None else '?'} dB, "
                  f"centroid {centroid if centroid is not None else '?'} Hz")
    return 0 if all(item.ok for item in results) else 1
