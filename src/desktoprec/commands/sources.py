"""`desktoprec sources` (which catalogue sources may be contacted) and `desktoprec enrich`."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import Any

from desktoprec.errors import ConfigError


def _names(text: str) -> list[str]:
    from desktoprec.catalogs import SOURCE_NAMES

    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    if "all" in names:
        return list(SOURCE_NAMES)
    unknown = [n for n in names if n not in SOURCE_NAMES]
    if unknown:
        raise ConfigError(f"Unknown source {', '.join(unknown)}.",
                          hint=f"choose from {','.join(SOURCE_NAMES)}")
    return names


def register(subparsers: Any) -> None:
    sources = subparsers.add_parser(
        "sources", help="choose the online catalogues used for sound, genres and new artists")
    sources.add_argument("--enable", metavar="NAMES", default="",
                         help="comma-separated: deezer,itunes,musicbrainz,listenbrainz (or all)")
    sources.add_argument("--disable", metavar="NAMES", default="", help="comma-separated")
    sources.add_argument("--list", action="store_true",
                         help="what each source contacts and what is sent (the default)")
    sources.add_argument("--json", action="store_true", help="print one JSON object")
    sources.set_defaults(handler=handle_sources)

    enrich = subparsers.add_parser(
        "enrich", help="fetch sound, genres and new-artist candidates from the enabled sources")
    enrich.add_argument("--json", action="store_true", help="print the report as JSON")
    enrich.set_defaults(handler=handle_enrich)


def handle_sources(args: argparse.Namespace, services: Any) -> int:
    library = services.library
    enable, disable = _names(args.enable), _names(args.disable)
    if set(enable) & set(disable):
        raise ConfigError("A source cannot be enabled and disabled at once.")
    if enable or disable:
        library.set_sources(enable=enable, disable=disable)
    choices = library.source_choices()
    if args.json:
        print(json.dumps({"sources": [item.to_json() for item in choices]}))
        return 0
    for item in choices:
        state = "on " if item.enabled else "off"
        print(f"[{state}] {item.name:<13} {item.label}")
        print(f"      contacts: {item.contacts}")
        print(f"      sends:    {item.sends}")
        print(f"      for:      {item.gives}")
    if not any(item.enabled for item in choices):
        print("All sources are off. Turn some on with: desktoprec sources --enable "
              "deezer,itunes,musicbrainz,listenbrainz")
    return 0


def handle_enrich(args: argparse.Namespace, services: Any) -> int:
    from desktoprec.commands.sync import TerminalProgress, interrupted

    progress = TerminalProgress()
    cancel = threading.Event()
    try:
        report = services.library.enrich(progress=progress, cancel=cancel)
    except KeyboardInterrupt:
        return interrupted(progress, cancel, "enrich interrupted; what was fetched is kept and "
                                             "the next run continues.")
    progress.finish()
    if args.json:
        print(json.dumps(report.to_dict(), default=str))
    else:
        print(report.summary())
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0
