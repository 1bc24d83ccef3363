"""The evaluation on the real TidyTuesday file, on a sample of playlists: protocol and honesty."""

from __future__ import annotations

import gzip
import json
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

import desktoprec.recommend.evaluate as evaluate_module
from desktoprec.errors import RecommendError
from desktoprec.recommend.engine import Engine
from desktoprec.recommend.evaluate import (
    Split,
    check_split_honesty,
    evaluate,
    ndcg_at,
    r_precision,
    recall_at,
)


@pytest.fixture(scope="module")
def dataset(shared_data: Path) -> Path:
    return shared_data / "datasets" / "spotify_songs.csv.gz"


def read_playlists(path: Path) -> dict[str, list[str]]:
    import csv

    playlists: dict[str, list[str]] = defaultdict(list)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["track_id"] not in playlists[row["playlist_id"]]:
                playlists[row["playlist_id"]].append(row["track_id"])
    return playlists


def test_metrics() -> None:
    hidden = {"a", "b"}
    assert r_precision(["a", "x", "b"], hidden) == 0.5
    assert recall_at(["x", "y", "b"], hidden) == 0.5
    assert ndcg_at(["a", "b"], hidden) == pytest.approx(1.0)
    assert ndcg_at(["x", "a"], hidden) < 1.0


def test_split_honesty_check_catches_a_leak() -> None:
    split = Split(0, "p", seeds=(1, 2), hidden=(3, 4))
    check_split_honesty([np.asarray([1, 2])], [split])
    with pytest.raises(RecommendError, match="not honest"):
        check_split_honesty([np.asarray([1, 2, 4])], [split])


def test_eval_sample_is_honest_and_reproducible(dataset: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    seen_queries: list[list[int]] = []
    built: list[Engine] = []

    class RecordingEngine(Engine):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            built.append(self)

        def ranked_ids(self, query, state=None):  # type: ignore[no-untyped-def]
            seen_queries.append(list(query.seeds))
            return super().ranked_ids(query, state)

    monkeypatch.setattr(evaluate_module, "Engine", RecordingEngine)
    dump = tmp_path / "dump.jsonl"
    result = evaluate(dataset, split_seed=7, limit_playlists=12, dump=dump)
    assert result["split_honest"] is True and result["playlists"] == 12
    assert result["eligible_playlists"] > 400

    rows = [json.loads(line) for line in dump.read_text().splitlines()]
    assert len(rows) == 12
    assert set(rows[0]) == {"playlist_id", "seeds", "hidden", "recs_default", "recs_diversity0",
                            "recs_new_artists"}
    playlists = read_playlists(dataset)
    # Split seed 7 is not the shipped model's: a model was fitted first, on the seed halves only.
    assert result["ranker"]["source"] == "fitted in this run"
    assert result["ranker"]["split_seed"] == 7
    fit_engine, engine = built[0], built[-1]
    assert len(built) == 2
    cat = engine.catalog
    artist_of = {tid: cat.artist_keys[i][0] for i, tid in enumerate(cat.ids)}
    for row in rows:
        # Fitting saw no hidden track: not in any co-listening context, nor as a label.
        context = cat.context_ids.index(row["playlist_id"])
        fit_members = {cat.ids[i] for i in fit_engine.contexts[context].indices}
        assert not fit_members & set(row["hidden"])
        assert fit_members < set(row["seeds"])
    for row, seeds in zip(rows, seen_queries[::3]):
        tracks = list(playlists[row["playlist_id"]])
        # The protocol, recomputed independently: shuffle with the seed, first half = seeds.
        random.Random(7).shuffle(tracks)
        half = len(tracks) // 2
        assert row["seeds"] == tracks[:half] and row["hidden"] == tracks[half:]
        hidden = set(row["hidden"])
        # Only the seeds reached the engine, and its co-listening data holds no hidden track of
        # this playlist.
        assert {cat.ids[s] for s in seeds} == set(row["seeds"])
        context = cat.context_ids.index(row["playlist_id"])
        assert not hidden & {cat.ids[i] for i in engine.contexts[context].indices}
        for key in ("recs_default", "recs_diversity0", "recs_new_artists"):
            assert len(row[key]) == 100 and len(set(row[key])) == 100
            assert not set(row[key]) & set(row["seeds"])
        seed_artists = {artist_of[t] for t in row["seeds"]}
        assert not {artist_of[t] for t in row["recs_new_artists"]} & seed_artists
    # The figures can be recomputed from the dump alone.
    mean_rp = np.mean([r_precision(r["recs_default"], set(r["hidden"])) for r in rows])
    assert result["default"]["r_precision"] == pytest.approx(mean_rp, abs=1e-4)
    mean_rp0 = np.mean([r_precision(r["recs_diversity0"], set(r["hidden"])) for r in rows])
    assert result["diversity0"]["r_precision"] == pytest.approx(mean_rp0, abs=1e-4)
    new_rp = []
    for r in rows:
        seed_artists = {artist_of[t] for t in r["seeds"]}
        new_hidden = {t for t in r["hidden"] if artist_of[t] not in seed_artists}
        if new_hidden:
            new_rp.append(r_precision(r["recs_new_artists"], new_hidden))
    assert result["new_artist_r_precision"] == pytest.approx(np.mean(new_rp), abs=1e-4)
    assert result["new_artist_playlists"] == len(new_rp)
    # Default dial: the list is varied; the engine beats popularity by far.
    assert result["default"]["max_artist_share_top20"] <= 0.2
    assert result["default"]["min_distinct_artists_top20"] >= 12
    assert result["diversity0"]["r_precision"] > result["baselines"]["popularity"]["r_precision"]
    assert set(result["baselines"]) == {"popularity", "audio_centroid", "same_artists"}


def test_eval_command_json(dataset: Path, tmp_path: Path) -> None:
    dump = tmp_path / "d.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "desktoprec", "eval", "--dataset", str(dataset), "--split-seed",
         "3", "--json", "--limit-playlists", "4", "--dump", str(dump)],
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["playlists"] == 4
    for key in ("r_precision", "recall_at_100", "ndcg_at_100", "distinct_artists_top20",
                "largest_artist_share_top20"):
        assert key in result["default"] and key in result["diversity0"]
        assert key in result["baselines"]["same_artists"]
    assert 0 <= result["new_artist_r_precision"] <= 1
    assert 0 <= result["new_artist_recall_at_100"] <= 1
    assert len(dump.read_text().splitlines()) == 4


def test_eval_bad_dataset_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(b"not gzip at all")
    proc = subprocess.run(
        [sys.executable, "-m", "desktoprec", "eval", "--dataset", str(bad)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("desktoprec: ") and "Traceback" not in proc.stderr
    assert "could not be read" in proc.stderr
