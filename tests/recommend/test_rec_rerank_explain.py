"""The diversity re-ranking's rules and the explanation of every pick."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest
from claims import check_list

from desktoprec.recommend.engine import Engine, Query
from desktoprec.recommend.explain import block_shares
from desktoprec.recommend.rerank import list_figures, rerank, rules_for


def synthetic_pool(count: int = 120, artists: int = 12, genres: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    # Relevance favours a few artists heavily, as a seed artist would.
    artist = np.concatenate([np.zeros(30, int), np.ones(20, int),
                             rng.integers(2, artists, count - 50)])
    relevance = np.linspace(1.0, 0.0, count)
    genre = np.where(artist < 2, 0, rng.integers(0, genres, count))
    vectors = rng.normal(size=(count, 8)).astype(np.float32)
    vectors[:50] += 3.0  # the favoured artists sound alike
    return relevance, vectors, artist, genre


def test_default_dial_keeps_the_hard_rules() -> None:
    relevance, vectors, artist, genre = synthetic_pool()
    picks = rerank(relevance, vectors, artist, genre, 20, 0.5)
    chosen = [p.position for p in picks]
    assert len(chosen) == 20 and len(set(chosen)) == 20
    counts = Counter(int(artist[i]) for i in chosen)
    assert max(counts.values()) <= 2
    assert all(artist[a] != artist[b] for a, b in itertools.pairwise(chosen))
    genre_counts = Counter(int(genre[i]) for i in chosen)
    assert max(genre_counts.values()) <= 8  # 40% of 20
    figures = list_figures([str(artist[i]) for i in chosen], [str(genre[i]) for i in chosen])
    assert figures["largest_artist_share"] <= 0.1
    assert figures["distinct_artists"] >= 12


def test_longer_lists_allow_two_per_artist_per_twenty() -> None:
    relevance, vectors, artist, genre = synthetic_pool(count=200)
    picks = rerank(relevance, vectors, artist, genre, 40, 0.5)
    counts = Counter(int(artist[p.position]) for p in picks)
    assert max(counts.values()) <= 4
    first20 = Counter(int(artist[p.position]) for p in picks[:20])
    assert max(first20.values()) <= 2


def test_dial_zero_is_pure_similarity() -> None:
    relevance, vectors, artist, genre = synthetic_pool()
    picks = rerank(relevance, vectors, artist, genre, 20, 0.0)
    assert [p.position for p in picks] == list(range(20))
    assert not any(p.diversity_pick for p in picks)
    assert rules_for(0.0).max_per_artist_per_20 is None


def test_more_dial_more_variety() -> None:
    relevance, vectors, artist, genre = synthetic_pool()
    distinct = []
    for dial in (0.0, 0.3, 0.5, 1.0):
        picks = rerank(relevance, vectors, artist, genre, 20, dial)
        distinct.append(len({int(artist[p.position]) for p in picks}))
    assert distinct == sorted(distinct) and distinct[-1] > distinct[0]
    relevance, vectors, artist, genre = synthetic_pool(artists=40)
    picks = rerank(relevance, vectors, artist, genre, 20, 1.0)
    assert max(Counter(int(artist[p.position]) for p in picks).values()) == 1


def test_rules_give_way_when_the_pool_cannot_keep_them() -> None:
    # one artist only: the list is still filled rather than left empty
    relevance = np.linspace(1, 0, 10)
    picks = rerank(relevance, np.eye(10, dtype=np.float32), np.zeros(10, int),
                   np.zeros(10, int), 5, 0.5)
    assert len(picks) == 5


def test_engine_lists_report_their_figures(engine: Engine) -> None:
    cat = engine.catalog
    result = engine.recommend(Query(mode="more_like", seeds=[cat.index["rock1_t0"]], n=12))
    figures = result.figures
    artists = [item.track.artist_ids[0] for item in result.items]
    assert figures["distinct_artists"] == len(set(artists))
    assert figures["largest_artist_share"] == pytest.approx(
        max(Counter(artists).values()) / len(artists), abs=1e-3)
    assert figures["distinct_genres"] == len({item.genres[0] for item in result.items})
    assert max(Counter(artists).values()) <= 2


def test_every_pick_is_explained(engine: Engine) -> None:
    cat = engine.catalog
    seeds = [cat.index[t] for t in ("rock1_t3", "rock2_t2", "rock2_t3")]
    result = engine.recommend(Query(mode="playlist", seeds=seeds, n=12, diversity=0.5,
                                    mood="happy"))
    assert len(result.items) == 12
    assert check_list(result, engine, {"mood": "happy"}) == []
    for item in result.items:
        ex = item.explanation
        assert set(ex.sources) == {"sound", "genre", "colisten", "metadata"}
        assert ex.sources["sound"] == "spotify"
        payload = item.to_dict()
        assert {"track_id", "uri", "name", "artists", "score", "explanation",
                "diversity_pick", "sources", "new_artist", "block_shares", "reasons"
                } <= set(payload)
        assert payload["block_shares"] == ex.block_shares
        assert {"summary", "reasons"} <= set(payload["explanation"])
    texts = [r.text for item in result.items for r in item.explanation.reasons]
    assert any("close to the playlist's" in t for t in texts)
    assert any("who made" in t for t in texts)
    stated = [r.text for item in result.items for r in item.explanation.reasons
              if r.block in ("context", "mood")]
    assert stated and all("happy" in t for t in stated)
    assert any(t.startswith("happy asks for more cheerful: cheerfulness") for t in stated)
    plain = engine.recommend(Query(mode="playlist", seeds=seeds, n=12, diversity=1.0))
    assert check_list(plain, engine) == []
    picks = [item for item in plain.items if item.diversity_pick]
    assert picks, "the full dial over a rock-heavy pool should make diversity picks"
    for item in picks:
        assert any(r.block == "diversity" and "did not have yet" in r.text
                   for r in item.explanation.reasons)


def test_block_shares_are_the_models_contributions(engine: Engine) -> None:
    """Shares = each signal's coefficient x feature value, over the positive total."""
    from desktoprec.recommend.model import SIGNAL_OF

    cat = engine.catalog
    seeds = [cat.index[t] for t in ("rock1_t3", "rock2_t2")]
    query = Query(mode="more_like", seeds=seeds, n=8, diversity=0.0)
    scored, _ = engine.score(seeds, [1.0, 1.0], query, engine.context_shift(query))
    result = engine.recommend(query)
    ranker = engine.ranker
    for item in result.items:
        row = scored.features[list(scored.positions).index(cat.index[item.track.id])]
        by_signal: dict[str, float] = {}
        for name, coefficient, value in zip(ranker.features, ranker.coefficients, row):
            signal = SIGNAL_OF[name]
            by_signal[signal] = by_signal.get(signal, 0.0) + coefficient * value
        positive = {k: v for k, v in by_signal.items() if v > 0}
        total = sum(positive.values())
        expected = {k: round(v / total, 3) for k, v in positive.items()}
        assert item.explanation.block_shares == pytest.approx(expected, abs=2e-3)
        assert item.score == pytest.approx(sum(by_signal.values()) + ranker.intercept, abs=1e-5)


def test_block_shares_definition() -> None:
    assert block_shares({"artist": 3.0, "sound": 1.0, "genre": -2.0}) == {
        "artist": 0.75, "sound": 0.25}
    assert block_shares({"sound": -1.0}) == {}


def test_sources_say_none_without_sound() -> None:
    from rec_catalogs import make_catalog

    cat = make_catalog(missing_sound=2)
    engine = Engine(cat)
    assert not engine.vectors.masks["sound"][-1]
    result = engine.recommend(Query(mode="more_like", seeds=[cat.index["rock1_t1"]], n=40,
                                    diversity=0.0, include_saved=True))
    assert all(item.explanation.sources["sound"] in ("spotify", "none") for item in result.items)


def test_sources_hold_codes_and_words_come_from_one_table(engine: Engine) -> None:
    """Explanation.sources holds codes from the closed set; only words.source_word makes words."""
    from typing import get_args

    from desktoprec.domain import SourceCode
    from desktoprec.words import SOURCE_WORDS, source_code, source_word

    codes = set(get_args(SourceCode))
    assert set(SOURCE_WORDS) == codes  # every code has its word, and no word lacks a code
    cat = engine.catalog
    result = engine.recommend(Query(mode="more_like", seeds=[cat.index["rock1_t0"]], n=12))
    for item in result.items:
        assert set(item.explanation.sources.values()) <= codes
        assert item.sources == item.explanation.sources
        assert item.explanation.sources["colisten"] in ("listening", "none")
        assert item.explanation.sources["metadata"] in ("spotify", "none")
    assert source_word("spotify") == "Spotify" and source_word("own_file") == "your own file"
    assert source_word("listening") == "your playlists and listening"
    assert source_code("metadata") == "musicbrainz"  # older databases' name for it
    assert source_code("") == "none" and source_code(None) == "none"
    assert source_code("a-service-from-the-future") == "other"
    assert source_word("a-service-from-the-future") == "another source"


def test_deezer_tempo_is_shown_beside_ours_only_when_they_disagree(engine: Engine) -> None:
    from desktoprec.recommend.engine import UserState
    from desktoprec.recommend.explain import tempo_disagrees

    assert not tempo_disagrees(120.0, 60.0) and not tempo_disagrees(120.0, 124.0)
    assert tempo_disagrees(120.0, 95.0)
    cat = engine.catalog
    tempo = cat.sound_names.index("tempo")
    seeds = [cat.index["rock1_t3"]]
    plain = engine.recommend(Query(mode="more_like", seeds=seeds, n=6, diversity=0.0))
    first, second = (cat.index[item.track.id] for item in plain.items[:2])
    state = UserState(sound_evidence={
        first: {"bpm": float(cat.sound[first, tempo]) - 30.0},  # disagrees
        second: {"bpm": float(cat.sound[second, tempo]) * 2},  # the same tempo, doubled
    })
    result = engine.recommend(Query(mode="more_like", seeds=seeds, n=6, diversity=0.0), state)
    by_id = {item.track.id: item for item in result.items}
    texts = [r.text for r in by_id[cat.ids[first]].explanation.reasons]
    expected = f"(Deezer says {float(cat.sound[first, tempo]) - 30.0:.0f} BPM)"
    assert any(expected in t and "by our analysis" in t for t in texts)
    assert not any("Deezer says" in r.text for r in by_id[cat.ids[second]].explanation.reasons)
