"""Recommendation speed on a large synthesized catalog: index build, p95 per list, memory, and the
A→B path's largest step against the straight-line method's.

The catalog is synthesized from the TidyTuesday file's distribution: its audio-feature rows and
release years resampled with jitter, artists with a long-tailed number of tracks, sound-cluster
genres, and artist-coherent playlists for co-listening. One "recommendation" is the whole path a
user waits for: profile or seeds, FAISS search, scoring, filters, re-ranking and explanations.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import time
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from desktoprec.services import Services

DEFAULT_DATASET = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "datasets" / \
    "spotify_songs.csv.gz"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tracks", type=int, default=100_000, help="catalog size (100000)")
    parser.add_argument("--queries", type=int, default=200, help="lists to time (200)")
    parser.add_argument("--playlists", type=int, default=2_000, help="co-listening contexts")
    parser.add_argument("--dataset", type=Path, default=None,
                        help="the spotify_songs.csv.gz whose distribution is resampled")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--approximate", action="store_true",
                        help="also measure an HNSW index: its recall@400 against exact search "
                             "and its query time (desktoprec uses it only if recall >= 0.95 "
                             "and exact search is too slow)")


def _find_dataset(explicit: Path | None) -> Path | None:
    for candidate in (explicit, os.environ.get("DESKTOPREC_SHARED_DATA") and Path(
            os.environ["DESKTOPREC_SHARED_DATA"]) / "datasets" / "spotify_songs.csv.gz",
            DEFAULT_DATASET, Path("/work/shared/data/datasets/spotify_songs.csv.gz")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def synthesize_catalog(tracks: int, playlists: int, seed: int, dataset: Path | None) -> Any:
    from desktoprec.recommend.catalog import Catalog
    from desktoprec.recommend.dataset import AUDIO_FEATURE_NAMES, read_dataset

    rng = np.random.default_rng(seed)
    if dataset is not None:
        data = read_dataset(dataset)
        base_sound = data.features[~np.isnan(data.features).any(axis=1)]
        base_years = data.year[np.isfinite(data.year)]
        base_durations = data.duration_ms[np.isfinite(data.duration_ms)]
    else:  # no dataset: plausible ranges
        base_sound = rng.uniform(0, 1, size=(5000, len(AUDIO_FEATURE_NAMES))).astype(np.float32)
        base_sound[:, 8] = rng.normal(120, 25, 5000)
        base_years = rng.integers(1960, 2021, 5000).astype(np.float32)
        base_durations = rng.normal(220_000, 50_000, 5000).astype(np.float32)
    # Artists: long-tailed sizes (most have a few tracks, some have hundreds).
    sizes = np.clip(rng.zipf(1.8, size=tracks), 1, 300)
    artist_of = np.repeat(np.arange(len(sizes)), sizes)[:tracks]
    n_artists = int(artist_of.max()) + 1
    # Each artist has a typical sound; its tracks vary around it.
    artist_sound = base_sound[rng.integers(0, len(base_sound), n_artists)]
    scale = base_sound.std(axis=0) * 0.35
    sound = (artist_sound[artist_of] + rng.normal(0, 1, (tracks, base_sound.shape[1])) * scale
             ).astype(np.float32)
    year = base_years[rng.integers(0, len(base_years), n_artists)][artist_of] + \
        rng.integers(-2, 3, tracks)
    duration = base_durations[rng.integers(0, len(base_durations), tracks)]
    genres_per_artist = rng.integers(0, 24, n_artists)
    genre_names = [f"style {g}" for g in range(24)]
    ids = [f"synth{i:07d}" for i in range(tracks)]
    # Playlists: a few styles each, tracks drawn from artists of those styles.
    by_genre = [np.flatnonzero(genres_per_artist[artist_of] == g) for g in range(24)]
    contexts = []
    for _ in range(playlists):
        styles = rng.choice(24, size=rng.integers(1, 4), replace=False)
        pool = np.concatenate([by_genre[s] for s in styles])
        if len(pool) < 5:
            continue
        size = int(rng.integers(20, 80))
        contexts.append(np.unique(rng.choice(pool, size=min(size, len(pool)), replace=False)
                                  ).astype(np.int32))
    return Catalog(
        ids=ids, names=[f"Track {i}" for i in range(tracks)],
        artists=[(f"Artist {a}",) for a in artist_of], artist_keys=[(f"a{a}",) for a in artist_of],
        albums=[None] * tracks, album_keys=[None] * tracks,
        uris=[f"spotify:track:{t}" for t in ids], isrcs=[None] * tracks,
        year=year.astype(np.float32), duration_ms=duration.astype(np.float32), sound=sound,
        sound_names=AUDIO_FEATURE_NAMES, sound_source=["spotify"] * tracks,
        genres=[(genre_names[genres_per_artist[a]],) for a in artist_of],
        genre_source=["cluster"] * tracks, contexts=contexts,
        context_ids=[f"p{i}" for i in range(len(contexts))],
        context_kinds=["playlist"] * len(contexts),
    )


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _bench_user(catalog: Any, rng: np.random.Generator) -> Any:
    """A listener with 500 saved tracks and 200 likes, plays and skips over 80 days."""
    from datetime import datetime, timedelta

    from desktoprec.recommend.engine import UserState

    now = datetime.now(UTC)
    return UserState(now=now,
                     saved=set(rng.integers(0, len(catalog), 500).tolist()),
                     feedback=[(int(p), str(k), now - timedelta(days=float(d))) for p, k, d in
                               zip(rng.integers(0, len(catalog), 200),
                                   rng.choice(["like", "play", "skip"], 200),
                                   rng.uniform(0, 80, 200))])


def _time_lists(engine: Any, catalog: Any, state: Any, rng: np.random.Generator,
                queries: int) -> tuple[dict[str, list[float]], list[int], list[float]]:
    """(wall ms per mode, list lengths, thread CPU ms) of `queries` lists after 5 warm-up ones,
    the modes taking turns."""
    from desktoprec.recommend.engine import Query

    modes = ("more_like", "playlist", "for_you")
    timings: dict[str, list[float]] = {m: [] for m in modes}
    sizes: list[int] = []
    # CPU time of this thread as well: on a shared machine wall time also counts waiting.
    cpu_ms: list[float] = []
    for q in range(queries + 5):
        mode = modes[q % len(modes)]
        if mode == "playlist":
            context = catalog.contexts[int(rng.integers(0, len(catalog.contexts)))]
            seeds = context[: max(1, len(context) // 2)].tolist()
        elif mode == "more_like":
            seeds = rng.integers(0, len(catalog), int(rng.integers(1, 6))).tolist()
        else:
            seeds = []
        query = Query(mode=mode, seeds=seeds, n=20, diversity=0.5,
                      mood=("happy", None, "calm")[q % 3])
        begin = time.perf_counter()
        begin_cpu = time.thread_time()
        result = engine.recommend(query, state)
        elapsed = time.perf_counter() - begin
        cpu = time.thread_time() - begin_cpu
        if q >= 5:  # the first few warm caches up
            timings[mode].append(elapsed * 1000)
            cpu_ms.append(cpu * 1000)
            sizes.append(len(result.items))
    return timings, sizes, cpu_ms


def run(args: argparse.Namespace, services: Services) -> dict[str, Any]:
    from desktoprec.index.vectors import VectorIndex, build_vectors
    from desktoprec.recommend.engine import Engine

    rss_start = _rss_mb()
    started = time.perf_counter()
    catalog = synthesize_catalog(args.tracks, args.playlists, args.seed,
                                 _find_dataset(args.dataset))
    synth_seconds = time.perf_counter() - started
    gc.collect()
    t0 = time.perf_counter()
    vectors = build_vectors(catalog)
    t1 = time.perf_counter()
    index = VectorIndex.build(vectors.matrix, catalog.ids, catalog.fingerprint())
    t2 = time.perf_counter()
    engine = Engine(catalog, vectors, index)
    t3 = time.perf_counter()
    folder = services.paths.cache_dir / "bench-index"
    index.save(folder)
    t4 = time.perf_counter()
    rng = np.random.default_rng(args.seed + 1)
    state = _bench_user(catalog, rng)
    timings, sizes, cpu_ms = _time_lists(engine, catalog, state, rng, args.queries)
    every = np.concatenate([np.asarray(v) for v in timings.values()])
    paths = _measure_paths(engine, rng)
    approximate = _measure_hnsw(vectors.matrix, rng) if args.approximate else None
    index_bytes = sum(p.stat().st_size for p in folder.iterdir())
    return {
        "tracks": len(catalog),
        "artists": len(catalog.artist_vocab),
        "contexts": len(catalog.contexts),
        "dimensions": vectors.dim,
        "synthesize_seconds": round(synth_seconds, 2),
        "vectors_seconds": round(t1 - t0, 3),
        "faiss_index_seconds": round(t2 - t1, 3),
        "index_build_seconds": round(t2 - t0, 3),
        "engine_setup_seconds": round(t3 - t2, 3),
        "index_save_seconds": round(t4 - t3, 3),
        "queries": len(every),
        "list_length_min": int(min(sizes)) if sizes else 0,
        "recommend_ms_p50": round(float(np.percentile(every, 50)), 2),
        "recommend_ms_p95": round(float(np.percentile(every, 95)), 2),
        "recommend_ms_max": round(float(every.max()), 2),
        "recommend_cpu_ms_p95": round(float(np.percentile(cpu_ms, 95)), 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
        **{f"recommend_ms_p95_{m}": round(float(np.percentile(v, 95)), 2)
           for m, v in timings.items() if v},
        "vectors_mb": round(vectors.matrix.nbytes / 2**20 + sum(
            b.nbytes for b in vectors.blocks.values()) / 2**20, 1),
        "index_file_mb": round(index_bytes / 2**20, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
        "rss_at_start_mb": round(rss_start, 1),
        "index_kind": "faiss.IndexFlatIP (exact)",
        **paths,
        **({"hnsw": approximate} if approximate else {}),
    }


def _measure_paths(engine: Any, rng: np.random.Generator, pairs: int = 12,
                   steps: int = 8) -> dict[str, float]:
    """A→B between tracks of different sound families: the largest step of the route (as a share
    of the direct A→B distance) against the straight-line method's, and the time per path."""
    from desktoprec.errors import RecommendError
    from desktoprec.recommend import path

    catalog = engine.catalog
    failed = 0
    with_sound = np.flatnonzero(engine.vectors.masks["sound"])
    ratios: list[float] = []
    straight: list[float] = []
    ms: list[float] = []
    while len(ratios) < pairs and len(with_sound) >= 2 and failed < 10 * pairs:
        a, b = (int(x) for x in rng.choice(with_sound, 2, replace=False))
        if catalog.genres[a][:1] == catalog.genres[b][:1]:
            continue  # the same family: no bridge to find
        try:
            baseline = path.straight_path(engine, a, b, steps)
        except RecommendError:
            failed += 1  # the straight line found too few distinct tracks near it
            continue
        begin = time.perf_counter()
        route = engine.route(a, b, steps)
        ms.append((time.perf_counter() - begin) * 1000)
        space = path.route_space(engine, a, b, route.by_sound)
        ratios.append(route.largest_step_ratio)
        straight.append(max(path.distances(space, baseline)) / route.direct)
    if not ratios:
        return {}
    return {
        "path_pairs": len(ratios),
        "path_largest_step_ratio_median": round(float(np.median(ratios)), 3),
        "path_largest_step_ratio_max": round(float(np.max(ratios)), 3),
        "straight_path_largest_step_ratio_median": round(float(np.median(straight)), 3),
        "path_ms_p95": round(float(np.percentile(ms, 95)), 1),
        "straight_path_failures": failed,
    }


def _measure_hnsw(matrix: np.ndarray, rng: np.random.Generator, k: int = 400,
                  queries: int = 100) -> dict[str, float]:
    """Recall of faiss.IndexHNSWFlat (inner product) against exact search, and query times."""
    import faiss

    from desktoprec.index.vectors import single_threaded

    with single_threaded():
        exact = faiss.IndexFlatIP(matrix.shape[1])
        exact.add(matrix)
        started = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(matrix.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 80
        hnsw.add(matrix)
        build = time.perf_counter() - started
        picks = matrix[rng.integers(0, len(matrix), queries)]
        result: dict[str, float] = {"build_seconds": round(build, 2)}
        exact_ms, hnsw_ms, recalls = [], [], []
        for ef in (128, 512):
            hnsw.hnsw.efSearch = ef
            for query in picks:
                t0 = time.perf_counter()
                _, truth = exact.search(query[None], k)
                t1 = time.perf_counter()
                _, found = hnsw.search(query[None], k)
                t2 = time.perf_counter()
                exact_ms.append((t1 - t0) * 1000)
                hnsw_ms.append((t2 - t1) * 1000)
                recalls.append(len(set(truth[0]) & set(found[0])) / k)
            result[f"recall_at_{k}_ef{ef}"] = round(float(np.mean(recalls)), 4)
            result[f"query_ms_p95_ef{ef}"] = round(float(np.percentile(hnsw_ms, 95)), 2)
            recalls.clear()
            hnsw_ms.clear()
        result["exact_query_ms_p95"] = round(float(np.percentile(exact_ms, 95)), 2)
    return result
