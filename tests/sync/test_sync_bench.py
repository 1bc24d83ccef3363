"""`desktoprec bench sync` on a small account: page counts meet ceil(N/50); re-sync ≤ 10."""

from __future__ import annotations

import argparse

from desktoprec.benchmarks import sync as bench
from desktoprec.services import Services


def test_bench_sync_small_account(services: Services) -> None:
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(["--saved", "230", "--playlists", "12", "--per-playlist", "55"])
    figures = bench.run(args, services)
    assert figures["saved_pages"] == figures["saved_pages_ideal"] == 5
    assert figures["playlist_item_pages"] == figures["playlist_item_pages_ideal"]
    assert figures["goal_full_pages_met"] and figures["goal_incremental_le_10"]
    assert figures["stored_saved_tracks"] == 230
    assert figures["incremental_requests"] <= 10
