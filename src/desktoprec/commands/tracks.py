"""`desktoprec tracks --search TEXT`: look tracks up (title, artist, album, length, id), to name
them in `recommend --seed-track` and `path` (which also take "Artist – Title")."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktoprec.services import Services


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def register(subparsers: Any) -> None:
    tracks = subparsers.add_parser("tracks", help="look tracks up in your library")
    tracks.add_argument("--search", required=True, metavar="TEXT",
                        help="words of the title, an artist, the album or a genre")
    tracks.add_argument("--limit", type=_positive, default=50, metavar="N",
                        help="at most this many (default 50)")
    tracks.add_argument("--json", action="store_true", help="print one JSON array")
    tracks.set_defaults(handler=handle_tracks)


def handle_tracks(args: argparse.Namespace, services: Services) -> int:
    from desktoprec.library.lookup import format_duration

    found = services.library.find_tracks(args.search, limit=args.limit)
    if args.json:
        print(json.dumps([{"id": t.id, "title": t.name, "artists": list(t.artists),
                           "album": t.album, "duration_ms": t.duration_ms, "uri": t.uri}
                          for t in found], ensure_ascii=False))
        return 0
    if not found:
        print(f"No track in your library matches {args.search!r}.")
        return 0
    rows = [(t.name, ", ".join(t.artists), t.album or "", format_duration(t.duration_ms), t.id)
            for t in found]
    widths = [min(40, max(len(r[i]) for r in rows)) for i in range(4)]
    for row in rows:
        cells = [(row[i][: widths[i] - 1] + "…") if len(row[i]) > widths[i] else row[i]
                 for i in range(4)]
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + "  " + row[4])
    print(f"{len(found)} track{'s' if len(found) != 1 else ''}; name one by its id (last column) "
          "or as “Artist – Title” in recommend --seed-track and path.")
    return 0
