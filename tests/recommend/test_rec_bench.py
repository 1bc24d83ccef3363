"""`bench recommend` runs end to end on a small synthesized catalog and reports its figures."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktoprec.benchmarks import recommend as bench
from desktoprec.services import Services


def test_bench_recommend_small(shared_data: Path) -> None:
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(["--tracks", "3000", "--queries", "12", "--playlists", "120",
                              "--dataset", str(shared_data / "datasets" / "spotify_songs.csv.gz")])
    services = Services()
    try:
        figures = bench.run(args, services)
    finally:
        services.close()
    assert figures["tracks"] == 3000 and figures["queries"] == 12
    assert figures["list_length_min"] == 20
    for key in ("index_build_seconds", "recommend_ms_p95", "peak_rss_mb", "vectors_mb"):
        assert figures[key] > 0
    assert figures["recommend_ms_p50"] <= figures["recommend_ms_p95"] <= figures[
        "recommend_ms_max"]
    # A→B between sound families: the route's largest step is below the direct distance and
    # below the straight-line method's largest step
    assert figures["path_pairs"] == 12
    assert figures["path_largest_step_ratio_median"] < 1.0
    assert figures["path_largest_step_ratio_median"] < figures[
        "straight_path_largest_step_ratio_median"]


def test_synthesized_catalog_follows_the_dataset(shared_data: Path) -> None:
    catalog = bench.synthesize_catalog(2000, 50, 0, shared_data / "datasets" /
                                       "spotify_songs.csv.gz")
    tempo = catalog.sound[:, catalog.sound_names.index("tempo")]
    assert 90 < float(tempo.mean()) < 150  # the dataset's tempo range, not uniform noise
    assert len(catalog.artist_vocab) < len(catalog)  # artists have several tracks
    assert all(len(c) >= 5 for c in catalog.contexts)
