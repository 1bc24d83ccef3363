"""Every mode and filter of the engine on a small catalog built here."""

from __future__ import annotations

import itertools
from datetime import timedelta

import numpy as np
import pytest
from rec_catalogs import NOW, make_catalog

from desktoprec.errors import RecommendError
from desktoprec.recommend.engine import Engine, Query, UserState
from desktoprec.recommend.explain import MIN_REASON_SHARE
from desktoprec.text import version_title as normalize_title


def ids(result) -> list[str]:
    return [item.track.id for item in result.items]


def genre_of(result) -> list[str]:
    return [item.genres[0] for item in result.items]


def test_normalize_title_strips_version_words() -> None:
    assert normalize_title("Song - 2011 Remaster") == "song"
    assert normalize_title("Song (Live at Wembley)") == "song"
    assert normalize_title("Song - Radio Edit") == "song"
    assert normalize_title("Song (feat. Someone)") != "song"  # not a version marker


def test_more_like_stays_close_to_the_seed(engine: Engine) -> None:
    result = engine.recommend(Query(mode="more_like", seeds=[engine.catalog.index["jazz1_t2"]],
                                    n=6, diversity=0.0), UserState(now=NOW))
    assert len(result.items) == 6
    assert genre_of(result).count("jazz") >= 5
    assert "jazz1_t2" not in ids(result)


def test_several_seeds_mix(engine: Engine) -> None:
    seeds = [engine.catalog.index[t] for t in ("jazz1_t2", "pop1_t3")]
    result = engine.recommend(Query(mode="more_like", seeds=seeds, n=8, diversity=0.0))
    genres = set(genre_of(result))
    assert {"jazz", "pop"} <= genres


def test_playlist_continuation_uses_cooccurrence(engine: Engine) -> None:
    cat = engine.catalog
    seeds = [cat.index[t] for t in ("rock1_t3", "rock2_t2", "rock2_t3")]
    result = engine.recommend(Query(mode="playlist", seeds=seeds, n=25, diversity=0.0))
    # pop1_t0 shares playlist pl1 with the seeds: co-listening puts it first among the pop tracks.
    pop = [t for t in ids(result) if t.startswith("pop")]
    assert pop and pop[0] == "pop1_t0"
    item = next(i for i in result.items if i.track.id == "pop1_t0")
    assert any("appears next to" in r.text and r.block == "colisten"
               for r in item.explanation.reasons)


def test_excluded_context_does_not_count(engine: Engine) -> None:
    cat = engine.catalog
    seeds = [cat.index[t] for t in ("rock1_t3", "rock2_t2", "rock2_t3")]
    result = engine.recommend(Query(mode="playlist", seeds=seeds, n=25, diversity=0.0,
                                    exclude_contexts=(1,)))
    for item in result.items:
        assert not any("appears next to" in r.text for r in item.explanation.reasons
                       if item.track.id == "pop1_t0")


def test_for_you_profile_from_feedback(engine: Engine) -> None:
    cat = engine.catalog
    state = UserState(now=NOW, feedback=[
        (cat.index["pop1_t0"], "like", NOW - timedelta(days=1)),
        (cat.index["pop2_t0"], "like", NOW - timedelta(days=2)),
        (cat.index["pop2_t1"], "play", NOW - timedelta(days=3)),
        (cat.index["jazz1_t0"], "skip", NOW - timedelta(days=5)),
    ])
    seeds, weights = engine.profile(state)
    assert seeds[0] == cat.index["pop1_t0"]  # like 2.0 and the most recent
    assert weights[seeds.index(cat.index["jazz1_t0"])] < 0  # skip -0.5
    result = engine.recommend(Query(mode="for_you", n=6, diversity=0.0), state)
    assert genre_of(result).count("pop") >= 5


def test_for_you_recency_weighting(engine: Engine) -> None:
    cat = engine.catalog
    state = UserState(now=NOW, feedback=[
        (cat.index["pop1_t0"], "like", NOW - timedelta(days=200)),
        (cat.index["jazz1_t0"], "like", NOW - timedelta(days=1)),
    ])
    seeds, weights = engine.profile(state)
    assert weights[seeds.index(cat.index["jazz1_t0"])] > 5 * weights[seeds.index(
        cat.index["pop1_t0"])]


def test_for_you_without_history_says_so(engine: Engine) -> None:
    with pytest.raises(RecommendError, match="no listening history"):
        engine.recommend(Query(mode="for_you"), UserState(now=NOW))


def test_cold_start_from_styles(engine: Engine) -> None:
    result = engine.recommend(Query(mode="cold_start", styles=("jazz",), n=5, diversity=0.0))
    assert genre_of(result).count("jazz") >= 4


def test_cold_start_from_tracks(engine: Engine) -> None:
    cat = engine.catalog
    seeds = [cat.index[t] for t in ("pop1_t1", "pop2_t2", "pop1_t4")]
    result = engine.recommend(Query(mode="cold_start", seeds=seeds, n=5, diversity=0.0))
    assert genre_of(result).count("pop") >= 4


def test_mood_shifts_the_targets(engine: Engine) -> None:
    cat = engine.catalog
    energy = cat.sound_names.index("energy")
    seeds = [cat.index["pop1_t0"]]
    plain = engine.recommend(Query(mode="more_like", seeds=seeds, n=10, diversity=0.0))
    calm = engine.recommend(Query(mode="more_like", seeds=seeds, n=10, diversity=0.0,
                                  mood="calm"))
    mean = lambda r: float(np.mean([cat.sound[cat.index[i], energy] for i in ids(r)]))
    assert mean(calm) < mean(plain)
    assert calm.recipe["mood"] == "calm"
    stated = [r.text for item in calm.items for r in item.explanation.reasons
              if r.block in ("context", "mood")]
    assert stated and all("calm" in text for text in stated)


def test_activity_and_time_of_day(engine: Engine) -> None:
    cat = engine.catalog
    tempo = cat.sound_names.index("tempo")
    seeds = [cat.index["pop1_t0"]]
    workout = engine.recommend(Query(mode="more_like", seeds=seeds, n=10, diversity=0.0,
                                     activity="exercise"))
    night = engine.recommend(Query(mode="more_like", seeds=seeds, n=10, diversity=0.0, hour=1))
    mean = lambda r: float(np.mean([cat.sound[cat.index[i], tempo] for i in ids(r)]))
    assert mean(workout) > mean(night)
    assert night.recipe["time_of_day"] == "night"
    # The time of day weighs what the learned model gives it: a reason only where its share of
    # that pick's score is real, and then it names the night.
    for item in night.items:
        for reason in item.explanation.reasons:
            if reason.block == "context":
                assert "the night" in reason.text
                assert item.explanation.block_shares.get("context", 0) >= MIN_REASON_SHARE
    with pytest.raises(RecommendError, match="Unknown mood"):
        engine.recommend(Query(mode="more_like", seeds=seeds, mood="grumpy"))


# --- filters -----------------------------------------------------------------------------------


def test_seed_and_its_other_versions_are_filtered(engine: Engine) -> None:
    cat = engine.catalog
    result = engine.recommend(Query(mode="more_like", seeds=[cat.index["rock1_t0"]], n=30,
                                    diversity=0.0))
    got = ids(result)
    assert "rock1_t0" not in got
    assert "rock1_live" not in got  # same normalized title + artist
    assert "rock1_relink" not in got  # same ISRC


def test_saved_tracks_filtered_unless_asked(engine: Engine) -> None:
    cat = engine.catalog
    saved = {cat.index[f"jazz1_t{k}"] for k in range(1, 8)}
    state = UserState(now=NOW, saved=saved)
    query = Query(mode="more_like", seeds=[cat.index["jazz1_t0"]], n=10, diversity=0.0)
    assert not set(ids(engine.recommend(query, state))) & {cat.ids[p] for p in saved}
    query.include_saved = True
    assert set(ids(engine.recommend(query, state))) & {cat.ids[p] for p in saved}


def test_skipped_in_last_day_filtered_older_not(engine: Engine) -> None:
    cat = engine.catalog
    recent, old = cat.index["jazz1_t1"], cat.index["jazz1_t2"]
    state = UserState(now=NOW, feedback=[(recent, "skip", NOW - timedelta(hours=2)),
                                         (old, "skip", NOW - timedelta(hours=30))])
    got = ids(engine.recommend(Query(mode="more_like", seeds=[cat.index["jazz1_t0"]], n=20,
                                     diversity=0.0), state))
    assert "jazz1_t1" not in got
    assert "jazz1_t2" in got


def test_disliked_artist_and_genre_filtered(engine: Engine) -> None:
    cat = engine.catalog
    state = UserState(now=NOW, disliked_artists={"jazz2"}, disliked_genres={"pop"})
    got = engine.recommend(Query(mode="more_like", seeds=[cat.index["jazz1_t0"]], n=30,
                                 diversity=0.0), state)
    assert not any(i.track.artist_ids[0] == "jazz2" for i in got.items)
    assert "pop" not in genre_of(got)


def test_novelty_memory(engine: Engine) -> None:
    cat = engine.catalog
    query = Query(mode="more_like", seeds=[cat.index["jazz1_t0"]], n=5, diversity=0.0)
    first = ids(engine.recommend(query, UserState(now=NOW)))
    state = UserState(now=NOW, recommended={cat.index[t]: NOW - timedelta(hours=5)
                                            for t in first})
    second = ids(engine.recommend(query, state))
    assert not set(first) & set(second)
    query.novelty_days = 0
    assert set(first) & set(ids(engine.recommend(query, state)))


def test_everything_filtered_is_a_clear_error() -> None:
    cat = make_catalog()
    engine = Engine(cat)
    state = UserState(now=NOW, saved=set(range(len(cat))))
    with pytest.raises(RecommendError, match="filtered out"):
        engine.recommend(Query(mode="more_like", seeds=[0], n=5), state)


def test_unknown_seed_and_empty_catalog() -> None:
    cat = make_catalog()
    with pytest.raises(RecommendError, match="not in your library"):
        cat.resolve("spotify:track:nope")
    assert cat.resolve("spotify:track:pop1_t1") == cat.index["pop1_t1"]
    assert cat.resolve("https://open.spotify.com/track/pop1_t1?si=x") == cat.index["pop1_t1"]


def test_steering_away_from_skips(engine: Engine) -> None:
    cat = engine.catalog
    seeds = [cat.index["pop1_t0"], cat.index["jazz1_t0"]]
    base = engine.recommend(Query(mode="more_like", seeds=seeds, n=8, diversity=0.0))
    avoid = [cat.index["jazz1_t1"], cat.index["jazz2_t1"]]
    steered = engine.recommend(Query(mode="more_like", seeds=seeds, n=8, diversity=0.0,
                                     avoid=avoid))
    assert genre_of(steered).count("jazz") < genre_of(base).count("jazz")
    assert not {"jazz1_t1", "jazz2_t1"} & set(ids(steered))


# --- A -> B ------------------------------------------------------------------------------------


def test_path_moves_from_a_to_b(engine: Engine) -> None:
    cat = engine.catalog
    start, end = cat.index["jazz1_t0"], cat.index["rock1_t4"]
    steps = engine.path(start, end, 6)
    assert len(steps) == 6 and steps[0] == start and steps[-1] == end
    assert len(set(steps)) == 6
    artists = [cat.primary_artist[p] for p in steps]
    assert all(a != b for a, b in itertools.pairwise(artists))
    energy = cat.sound_names.index("energy")
    values = [cat.sound[p, energy] for p in steps]
    # energy rises from jazz to rock: the middle lies between the ends
    assert values[0] < float(np.mean(values[1:-1])) < values[-1]
    with pytest.raises(RecommendError):
        engine.path(start, start, 5)
