"""bench sources end to end on a small Spotify-only account: coverage, candidates, and For you."""

from __future__ import annotations

import argparse

from desktoprec.benchmarks import sources as bench_sources
from desktoprec.services import Services


def test_spotify_only_account_gets_sound_genre_and_new_artists_in_for_you() -> None:
    parser = argparse.ArgumentParser()
    bench_sources.add_arguments(parser)
    args = parser.parse_args(["--saved", "120", "--playlists", "4", "--clip-seconds", "6"])
    figures = bench_sources.run(args, Services())  # DESKTOPREC_HOME: the test's own
    assert figures["sound_coverage"]["own_file"] == 0  # no music folder: previews only
    assert figures["goal_sound_80"] and figures["goal_genre_80"], figures
    assert figures["cluster_genre_rows"] == 0
    assert figures["candidates_by_new_artists"] > 0
    assert figures["candidates_with_evidence"] == figures["new_artist_candidates"]
    assert figures["for_you_picks"] == 20
    # the bar: at least 30 % new-artist picks at the default familiar/new setting,
    # each saying what brought it
    assert figures["for_you_new_artist_picks"] >= 6, figures
    assert figures["for_you_new_artist_picks_with_evidence"] == figures[
        "for_you_new_artist_picks"]
