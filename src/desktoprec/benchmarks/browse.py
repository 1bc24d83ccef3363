"""Search benchmark: the one search box on a generated library (first search, then warm ones).

A temporary DESKTOPREC home gets `--tracks` tracks (Latin, accented and Japanese names, several
artists and albums); the first search builds the folded index, the others reuse it. The figures
are milliseconds of `BrowseService.search`, the whole call the search page makes in its worker
lane (index check, matching, reading the found rows): wall time and this process's CPU time (on
a shared machine the CPU figure is the steadier one).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktoprec.services import Services

QUERIES = ("love", "beyonce", "東京", "サディスティック", "the night", "zz no match", "remix",
           "sigur ros", "album 12", "café")
_WORDS = ("Love", "Night", "Summer", "Rain", "Fire", "Dream", "Heart", "Light", "Road", "Blue",
          "Café", "Über", "Sigur Rós", "群青", "東京", "夜", "サディスティック", "丸の内", "Remix")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tracks", type=int, default=30_000, help="library size (30000)")
    parser.add_argument("--rounds", type=int, default=5, help="warm rounds over the queries (5)")


def fill(services: Services, tracks: int) -> None:
    """A deterministic library of `tracks` tracks, an artist per 10 and an album per 12."""
    from sqlalchemy import insert

    from desktoprec.storage.tables import AlbumRow, ArtistRow, TrackArtistRow, TrackRow

    n_artists, n_albums = max(1, tracks // 10), max(1, tracks // 12)
    with services.db.write() as s:
        s.execute(insert(ArtistRow), [
            {"id": f"ar{i}", "name": f"{_WORDS[i % len(_WORDS)]} Artist {i}", "genres": []}
            for i in range(n_artists)])
        s.execute(insert(AlbumRow), [
            {"id": f"al{i}", "name": f"Album {i} {_WORDS[(i * 7) % len(_WORDS)]}",
             "artist_ids": [f"ar{i % n_artists}"]} for i in range(n_albums)])
        s.execute(insert(TrackRow), [
            {"id": f"t{i}", "name": f"{_WORDS[i % len(_WORDS)]} {_WORDS[(i * 3) % len(_WORDS)]}"
             f" {i}", "album_id": f"al{i % n_albums}", "duration_ms": 120_000 + i % 200_000,
             "source": "spotify"} for i in range(tracks)])
        s.execute(insert(TrackArtistRow), [
            {"track_id": f"t{i}", "position": 0, "artist_id": f"ar{i % n_artists}"}
            for i in range(tracks)])


def run(args: argparse.Namespace, services: Services) -> dict[str, Any]:
    from desktoprec.paths import AppPaths
    from desktoprec.services import Services

    with tempfile.TemporaryDirectory(prefix="desktoprec-bench-") as tmp:
        root = Path(tmp)
        bench = Services(AppPaths(data_dir=root / "data", config_dir=root / "config",
                                  cache_dir=root / "cache", log_dir=root / "logs"))
        try:
            fill(bench, args.tracks)
            start, cpu = time.perf_counter(), time.process_time()
            first = bench.browse.search(QUERIES[0])
            first_ms = (time.perf_counter() - start) * 1000
            first_cpu_ms = (time.process_time() - cpu) * 1000
            warm: list[float] = []
            warm_cpu: list[float] = []
            found = 0
            for _ in range(max(1, args.rounds)):
                for query in QUERIES:
                    start, cpu = time.perf_counter(), time.process_time()
                    result = bench.browse.search(query)
                    warm.append((time.perf_counter() - start) * 1000)
                    warm_cpu.append((time.process_time() - cpu) * 1000)
                    found += result.track_total
        finally:
            bench.close()
    return {
        "tracks": args.tracks,
        "first_search_ms": round(first_ms, 1),
        "first_search_cpu_ms": round(first_cpu_ms, 1),
        "warm_search_median_ms": round(statistics.median(warm), 1),
        "warm_search_median_cpu_ms": round(statistics.median(warm_cpu), 1),
        "warm_search_max_ms": round(max(warm), 1),
        "searches": len(warm),
        "first_query_tracks_found": first.track_total,
        "tracks_found_per_round": found // max(1, args.rounds),
    }
