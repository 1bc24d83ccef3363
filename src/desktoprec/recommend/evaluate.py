"""Playlist-continuation evaluation on the TidyTuesday file, with baselines and an honest split.

Protocol: every playlist with at least 20 unique tracks is shuffled with `random.Random(seed)`;
its first floor(n/2) tracks are the seeds and the rest is hidden. The hidden halves never reach the
engine: the co-listening data holds the seed half of each evaluated playlist and the other
playlists whole, and `check_split_honesty` proves that before anything is recommended. Each
playlist gets 100 recommendations as "continue this playlist", at the default dial and at 0.
"""

from __future__ import annotations

import json
import logging
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from desktoprec.domain import Progress
from desktoprec.errors import Cancelled, RecommendError
from desktoprec.numeric import standardize
from desktoprec.recommend.catalog import Catalog
from desktoprec.recommend.dataset import Dataset
from desktoprec.recommend.engine import Engine, Query
from desktoprec.recommend.model import FEATURES, Ranker, file_sha256, fit_logistic, load_ranker
from desktoprec.recommend.rerank import DEFAULT_DIVERSITY

log = logging.getLogger(__name__)

MIN_PLAYLIST_TRACKS = 20
RECOMMEND_COUNT = 100
TOP = 20


@dataclass(frozen=True)
class Split:
    context: int  # position of the playlist among the catalog's contexts
    playlist_id: str
    seeds: tuple[int, ...]
    hidden: tuple[int, ...]


def make_splits(playlists: Sequence[Sequence[int]], ids: Sequence[str], seed: int) -> list[Split]:
    splits = []
    for context, (pid, tracks) in enumerate(zip(ids, playlists)):
        unique = list(dict.fromkeys(tracks))
        if len(unique) < MIN_PLAYLIST_TRACKS:
            continue
        random.Random(seed).shuffle(unique)
        half = len(unique) // 2
        splits.append(Split(context, pid, tuple(unique[:half]), tuple(unique[half:])))
    return splits


def training_contexts(
    playlists: Sequence[Sequence[int]], splits: Sequence[Split]
) -> list[np.ndarray]:
    """Other playlists whole; each evaluated playlist only with its seed half."""
    seeds_of = {s.context: s.seeds for s in splits}
    return [
        np.asarray(seeds_of.get(i, tracks), dtype=np.int32) for i, tracks in enumerate(playlists)
    ]


def check_split_honesty(contexts: Sequence[np.ndarray], splits: Sequence[Split]) -> None:
    """Raise if any hidden track of an evaluated playlist is in that playlist's training data."""
    for split in splits:
        leaked = set(split.hidden) & set(np.asarray(contexts[split.context]).tolist())
        if leaked or set(split.hidden) & set(split.seeds):
            raise RecommendError(
                f"Evaluation split is not honest: playlist {split.playlist_id} leaks "
                f"{len(leaked)} hidden tracks into its own training data."
            )


# --- metrics -----------------------------------------------------------------------------------


def r_precision(recs: Sequence[str], hidden: set[str]) -> float:
    r = len(hidden)
    return len(set(recs[:r]) & hidden) / r if r else 0.0


def recall_at(recs: Sequence[str], hidden: set[str], k: int = RECOMMEND_COUNT) -> float:
    return len(set(recs[:k]) & hidden) / len(hidden) if hidden else 0.0


def ndcg_at(recs: Sequence[str], hidden: set[str], k: int = RECOMMEND_COUNT) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, t in enumerate(recs[:k]) if t in hidden)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(hidden))))
    return dcg / ideal if ideal else 0.0


def top_artist_figures(recs: Sequence[str], artist_of: dict[str, str]) -> tuple[int, float]:
    counts = Counter(artist_of[t] for t in recs[:TOP])
    total = sum(counts.values())
    return len(counts), (max(counts.values()) / total if total else 0.0)


def summarize(rows: Sequence[dict[str, Any]], key: str, artist_of: dict[str, str]) -> dict[str, float]:
    values: dict[str, list[float]] = {
        "r_precision": [], "recall_at_100": [], "ndcg_at_100": [],
        "distinct_artists_top20": [], "largest_artist_share_top20": [],
    }
    for row in rows:
        hidden = set(row["hidden"])
        recs = row[key]
        values["r_precision"].append(r_precision(recs, hidden))
        values["recall_at_100"].append(recall_at(recs, hidden))
        values["ndcg_at_100"].append(ndcg_at(recs, hidden))
        distinct, share = top_artist_figures(recs, artist_of)
        values["distinct_artists_top20"].append(distinct)
        values["largest_artist_share_top20"].append(share)
    summary = {name: round(float(np.mean(v)), 4) if v else 0.0 for name, v in values.items()}
    summary["min_distinct_artists_top20"] = int(min(values["distinct_artists_top20"])) if rows else 0
    summary["max_artist_share_top20"] = round(
        float(np.max(values["largest_artist_share_top20"])), 4
    ) if rows else 0.0
    return summary


# --- the loop over playlists -------------------------------------------------------------------


def _each_split(splits: Sequence[Split], phase: str, progress: Progress | None,
                cancel: threading.Event | None) -> Iterator[Split]:
    """The splits one by one, with progress before each and at the end; stops on cancel."""
    for done, split in enumerate(splits):
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        if progress:
            progress(phase, done, len(splits))
        yield split
    if progress:
        progress(phase, len(splits), len(splits))


def _continue_query(split: Split, **options: Any) -> Query:
    """"Continue this playlist" from the split's seeds only, its own co-listening left out."""
    return Query(mode="playlist", seeds=list(split.seeds), n=RECOMMEND_COUNT, novelty_days=0,
                 exclude_contexts=(split.context,), include_saved=True, **options)


# --- baselines ---------------------------------------------------------------------------------


class Baselines:
    """Popularity, the centroid of the audio features, and "same artists as the seeds"."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        z, _, _ = standardize(catalog.sound)
        z = np.nan_to_num(z, nan=0.0)
        self.unit = z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-9)
        self.popularity = np.asarray(catalog.popularity, dtype=np.float64)
        self.popular_order = np.argsort(-self.popularity, kind="stable")

    def _top(self, score: np.ndarray, seeds: Sequence[int], k: int) -> list[str]:
        score = score.astype(np.float64).copy()
        score[list(seeds)] = -np.inf
        top = np.argpartition(-score, k)[:k]
        top = top[np.argsort(-score[top], kind="stable")]
        return [self.catalog.ids[int(i)] for i in top]

    def popularity_recs(self, seeds: Sequence[int], k: int = RECOMMEND_COUNT) -> list[str]:
        seed_set = set(seeds)
        return [self.catalog.ids[int(i)] for i in self.popular_order[: k + len(seeds)]
                if int(i) not in seed_set][:k]

    def centroid_recs(self, seeds: Sequence[int], k: int = RECOMMEND_COUNT) -> list[str]:
        centroid = self.unit[list(seeds)].mean(0)
        return self._top(self.unit @ centroid, seeds, k)

    def same_artist_recs(self, seeds: Sequence[int], k: int = RECOMMEND_COUNT) -> list[str]:
        artists = self.catalog.primary_artist
        counts = np.bincount(artists[list(seeds)], minlength=len(self.catalog.artist_vocab))
        score = counts[artists] + 1e-3 * self.popularity / (self.popularity.max() or 1.0)
        return self._top(score, seeds, k)


# --- fitting the ranking model ------------------------------------------------------------------


def inner_splits(splits: Sequence[Split], seed: int) -> list[Split]:
    """Each evaluated playlist's seed half split again: pseudo-seeds and pseudo-hidden tracks.

    The model is fitted on these, so the hidden halves the evaluation scores never reach it.
    """
    inner = []
    for split in splits:
        seeds = list(split.seeds)
        random.Random(f"inner:{seed}:{split.playlist_id}").shuffle(seeds)
        half = len(seeds) // 2
        inner.append(Split(split.context, split.playlist_id, tuple(seeds[:half]),
                           tuple(seeds[half:])))
    return inner


def _zero_ranker() -> Ranker:
    return Ranker(FEATURES, np.zeros(len(FEATURES)), 0.0)


def fit_ranker(
    catalog: Catalog,
    playlists: Sequence[Sequence[int]],
    playlist_ids: Sequence[str],
    splits: Sequence[Split],
    *,
    split_seed: int,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> tuple[Ranker, dict[str, Any]]:
    """Fit the logistic ranking model on the seed halves of `splits` only (nested split).

    Co-listening holds the other playlists whole and each evaluated playlist's pseudo-seeds; every
    candidate the engine finds for the pseudo-seeds is a row, labelled 1 when it is one of the
    pseudo-hidden tracks. Stage 1 fits every feature but the context fit (the evaluation has no
    mood); stage 2 fits the context fit on top of stage 1, with each playlist's own deviation
    from the catalog standing in for a chosen mood.
    """
    inner = inner_splits(splits, split_seed)
    outer_hidden = {s.context: set(s.hidden) for s in splits}
    contexts = training_contexts(playlists, inner)
    check_split_honesty(contexts, inner)
    for split in inner:  # nothing of the outer hidden halves may be used for fitting
        if outer_hidden[split.context] & (set(split.seeds) | set(split.hidden)):
            raise RecommendError("Fitting split is not honest: a hidden track reached fitting.")
        if set(np.asarray(contexts[split.context]).tolist()) & outer_hidden[split.context]:
            raise RecommendError("Fitting split is not honest: a hidden track reached fitting.")
    engine = Engine(catalog.with_contexts(contexts, playlist_ids, ["playlist"] * len(contexts)),
                    ranker=_zero_ranker())
    rows_x: list[np.ndarray] = []
    rows_y: list[np.ndarray] = []
    rows_w: list[np.ndarray] = []
    context_col = FEATURES.index("context_fit")
    for split in _each_split(inner, "fit ranker", progress, cancel):
        seeds = list(split.seeds)
        query = _continue_query(split, context_from_seeds=True)
        scored, _ = engine.score(seeds, [1.0] * len(seeds), query, {}, pool=8 * RECOMMEND_COUNT)
        keep = ~np.isin(scored.positions, seeds) & ~engine.version_mask(scored.positions, seeds)
        positions = scored.positions[keep]
        if not len(positions):
            continue
        label = np.isin(positions, split.hidden).astype(np.float64)
        rows_x.append(scored.features[keep])
        rows_y.append(label)
        # Every playlist weighs the same, whatever the size of its candidate pool.
        rows_w.append(np.full(len(positions), 1.0 / len(positions)))
    x = np.vstack(rows_x)
    y = np.concatenate(rows_y)
    w = np.concatenate(rows_w)
    w *= len(w) / w.sum()
    first = [j for j in range(len(FEATURES)) if j != context_col]
    slopes, intercept = fit_logistic(x[:, first], y, sample_weight=w)
    coefficients = np.zeros(len(FEATURES))
    coefficients[first] = slopes
    offset = x[:, first] @ slopes + intercept
    context_slope, _ = fit_logistic(x[:, [context_col]], y, sample_weight=w, offset=offset)
    coefficients[context_col] = context_slope[0]
    figures = {"rows": len(y), "positives": int(y.sum()), "playlists": len(rows_x)}
    return Ranker(FEATURES, coefficients, intercept), figures


# --- new-artist metrics ------------------------------------------------------------------------


def new_artist_hidden(hidden: Sequence[str], seeds: Sequence[str],
                      artist_of: dict[str, str]) -> set[str]:
    seed_artists = {artist_of[t] for t in seeds}
    return {t for t in hidden if artist_of[t] not in seed_artists}


def summarize_new_artists(rows: Sequence[dict[str, Any]], artist_of: dict[str, str]
                          ) -> dict[str, float]:
    """R-precision and recall@100 on the hidden tracks by artists not among the seeds, for the
    list made with the seed artists' tracks left out (playlists with such tracks only)."""
    rp: list[float] = []
    recall: list[float] = []
    share: list[float] = []
    for row in rows:
        hidden = new_artist_hidden(row["hidden"], row["seeds"], artist_of)
        if row["hidden"]:
            share.append(len(hidden) / len(row["hidden"]))
        if not hidden:
            continue
        rp.append(r_precision(row["recs_new_artists"], hidden))
        recall.append(recall_at(row["recs_new_artists"], hidden))
    return {
        "new_artist_r_precision": round(float(np.mean(rp)), 4) if rp else 0.0,
        "new_artist_recall_at_100": round(float(np.mean(recall)), 4) if recall else 0.0,
        "new_artist_playlists": len(rp),
        "new_artist_hidden_share": round(float(np.mean(share)), 4) if share else 0.0,
    }


# --- the run -----------------------------------------------------------------------------------


def _shipped_ranker(data_hash: str, split_seed: int) -> tuple[Ranker, dict[str, Any]] | None:
    """The shipped model with its provenance, when it was fitted on this file and split seed."""
    try:
        shipped = load_ranker()
    except RecommendError:
        return None
    provenance = shipped.meta.get("fitted_on") or {}
    if provenance.get("dataset_sha256") != data_hash or provenance.get("split_seed") != split_seed:
        return None
    return shipped, {"source": "shipped", **provenance}


def _fitted_ranker(catalog: Catalog, data: Dataset, splits: Sequence[Split], dataset: Path,
                   data_hash: str, split_seed: int, progress: Progress | None,
                   cancel: threading.Event | None) -> tuple[Ranker, dict[str, Any]]:
    """A model fitted here on the seed halves, with what it was fitted on."""
    ranker, fit_figures = fit_ranker(catalog, data.playlist_tracks, data.playlist_ids, splits,
                                     split_seed=split_seed, progress=progress, cancel=cancel)
    return ranker, {
        "source": "fitted in this run",
        "dataset": Path(dataset).name,
        "dataset_sha256": data_hash,
        "split_seed": split_seed,
        "protocol": "seed halves of the evaluated playlists only, split again in two "
                    "(pseudo-seeds / pseudo-hidden); the hidden halves are never used",
        **fit_figures,
    }


def _save_ranker(ranker: Ranker, info: dict[str, Any], dataset: Path, split_seed: int,
                 path: Path) -> None:
    """Write a fitted model with its provenance and the command that refits it."""
    from datetime import UTC, datetime

    meta = {
        "fitted_on": {k: v for k, v in info.items() if k != "source"},
        "command": f"desktoprec eval --dataset {Path(dataset).name} --split-seed "
                   f"{split_seed} --fit-ranker",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }
    Ranker(ranker.features, ranker.coefficients, ranker.intercept, meta).save(path)


def _honest_engine(catalog: Catalog, data: Dataset, contexts: list[np.ndarray],
                   splits: Sequence[Split], ranker: Ranker) -> Engine:
    """An engine over the training contexts; raises if a hidden track reached it."""
    train = catalog.with_contexts(contexts, data.playlist_ids, ["playlist"] * len(contexts))
    engine = Engine(train, ranker=ranker)
    # The engine must hold exactly the training data, not the file's playlists.
    for split in splits:
        members = set(engine.contexts[split.context].indices.tolist())
        if members & set(split.hidden):
            raise RecommendError("Evaluation split is not honest: hidden tracks reached the engine.")
    return engine


def _playlist_row(engine: Engine, baselines: Baselines, split: Split,
                  diversity: float) -> dict[str, Any]:
    """One playlist's lists: at the dial, at 0, without the seed artists, and the baselines."""
    catalog = engine.catalog
    seeds = list(split.seeds)
    # Only the seeds go in; the hidden half is used for scoring and nothing else.
    query = _continue_query(split, playlist_id=split.playlist_id)
    query.diversity = diversity
    recs_default = engine.ranked_ids(query)
    query.diversity = 0.0
    recs_zero = engine.ranked_ids(query)
    # New artists: the list with every track by a seed artist left out.
    query.diversity = diversity
    query.exclude_artists = tuple(sorted({int(catalog.primary_artist[s]) for s in seeds}))
    recs_new = engine.ranked_ids(query)
    return {
        "playlist_id": split.playlist_id,
        "seeds": [catalog.ids[i] for i in split.seeds],
        "hidden": [catalog.ids[i] for i in split.hidden],
        "recs_default": recs_default,
        "recs_diversity0": recs_zero,
        "recs_new_artists": recs_new,
        "baseline_popularity": baselines.popularity_recs(seeds),
        "baseline_centroid": baselines.centroid_recs(seeds),
        "baseline_same_artists": baselines.same_artist_recs(seeds),
    }


def _write_dump(dump: Path, rows: Sequence[dict[str, Any]]) -> None:
    try:
        with Path(dump).open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps({k: row[k] for k in (
                    "playlist_id", "seeds", "hidden", "recs_default", "recs_diversity0",
                    "recs_new_artists")}))
                out.write("\n")
    except OSError as exc:
        raise RecommendError(f"The dump {dump} could not be written: {exc}") from exc


def _summaries(rows: Sequence[dict[str, Any]], artist_of: dict[str, str]) -> dict[str, Any]:
    """The figures of the engine's lists and of the baselines over every playlist."""
    return {
        "default": summarize(rows, "recs_default", artist_of),
        **summarize_new_artists(rows, artist_of),
        "diversity0": summarize(rows, "recs_diversity0", artist_of),
        "baselines": {
            "popularity": summarize(rows, "baseline_popularity", artist_of),
            "audio_centroid": summarize(rows, "baseline_centroid", artist_of),
            "same_artists": summarize(rows, "baseline_same_artists", artist_of),
        },
    }


def evaluate(
    dataset: Path,
    *,
    split_seed: int = 0,
    limit_playlists: int | None = None,
    dump: Path | None = None,
    diversity: float = DEFAULT_DIVERSITY,
    fit: bool = False,
    ranker_out: Path | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, Any]:
    """Run the evaluation; the ranking model is always one fitted without the hidden halves.

    The shipped model (resources/ranker.json) is used when it was fitted on this dataset's seed
    halves for this split seed; otherwise (or with `fit`) one is fitted here on the seed halves
    (`fit_ranker`). With `ranker_out` the fitted model is written there with its provenance.
    """
    started = time.perf_counter()
    catalog, data = Catalog.from_dataset(dataset)
    splits = make_splits(data.playlist_tracks, data.playlist_ids, split_seed)
    if not splits:
        raise RecommendError(f"No playlist in {dataset} has {MIN_PLAYLIST_TRACKS} or more tracks.")
    contexts = training_contexts(data.playlist_tracks, splits)
    check_split_honesty(contexts, splits)
    data_hash = file_sha256(dataset)
    chosen_ranker = None if fit else _shipped_ranker(data_hash, split_seed)
    if chosen_ranker is None:
        chosen_ranker = _fitted_ranker(catalog, data, splits, dataset, data_hash, split_seed,
                                       progress, cancel)
        if ranker_out is not None:
            _save_ranker(*chosen_ranker, dataset, split_seed, ranker_out)
            chosen_ranker[1]["written_to"] = str(ranker_out)
    ranker, ranker_info = chosen_ranker
    engine = _honest_engine(catalog, data, contexts, splits, ranker)
    build_seconds = time.perf_counter() - started
    chosen = splits[:limit_playlists] if limit_playlists else splits
    baselines = Baselines(catalog)
    rows = [_playlist_row(engine, baselines, split, diversity)
            for split in _each_split(chosen, "evaluate", progress, cancel)]
    if dump is not None:
        _write_dump(dump, rows)
    artist_of = {tid: catalog.artist_keys[i][0] for i, tid in enumerate(catalog.ids)}
    return {
        "dataset": str(dataset),
        "split_seed": split_seed,
        "playlists": len(rows),
        "eligible_playlists": len(splits),
        "tracks": len(catalog),
        "default_diversity": diversity,
        **_summaries(rows, artist_of),
        "ranker": ranker_info,
        "ranker_coefficients": ranker.weights,
        "split_honest": True,
        "build_seconds": round(build_seconds, 2),
        "seconds": round(time.perf_counter() - started, 2),
    }
