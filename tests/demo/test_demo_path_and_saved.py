"""On a prepared demo (real database, real audio analysis): the A→B route and "Include saved"."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import select

from desktoprec.recommend import path as route_module
from desktoprec.services import Services
from desktoprec.storage.tables import SavedTrackRow

# Small enough to prepare in about a minute on two cores: 24 tracks have files, and most of the
# others get their sound from their previews (the enrich step).
TRACKS_PER_STYLE = 6


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    home = tmp_path_factory.mktemp("demo-path") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DESKTOPREC_HOME", str(home))
        services = Services()
        try:
            services.demo.prepare(tracks_per_style=TRACKS_PER_STYLE)
            yield services
        finally:
            services.close()


def _ends(services: Services) -> tuple[int, int]:
    """A drum and bass track and a classical track, both with sound."""
    engine = services.recommend.engine()
    catalog, has = engine.catalog, engine.vectors.masks["sound"]
    dnb = [p for p, g in enumerate(catalog.genres) if "drum and bass" in g and has[p]]
    classical = [p for p, g in enumerate(catalog.genres) if "classical" in g and has[p]]
    assert dnb and classical, "the demo should give both styles a file with sound"
    return dnb[0], classical[0]


def _arc_on(space: np.ndarray, route: list[int], pos: int) -> float:
    """Arc length of pos's nearest point on the route's polyline (measured here, point by point)."""
    best, best_gap, walked = 0.0, np.inf, 0.0
    for a, b in itertools.pairwise(route):
        seg = space[b] - space[a]
        length = float(np.linalg.norm(seg))
        t = 0.0 if length == 0 else min(1.0, max(0.0, float((space[pos] - space[a]) @ seg)
                                                 / length ** 2))
        gap = float(np.linalg.norm(space[pos] - (space[a] + t * seg)))
        if gap < best_gap:
            best, best_gap = walked + t * length, gap
        walked += length
    return best / walked


def test_drum_and_bass_to_classical_moves_in_small_steps(demo: Services) -> None:
    engine = demo.recommend.engine()
    catalog = engine.catalog
    start, end = _ends(demo)
    steps = 8
    route = engine.route(start, end, steps)
    space = route_module.route_space(engine, start, end, route.by_sound)
    direct = float(np.linalg.norm(space[end] - space[start]))
    new_steps = route_module.distances(space, route.positions)
    old = route_module.straight_path(engine, start, end, steps)
    old_steps = route_module.distances(space, old)
    # no single jump: the largest step is clearly below the direct distance and below the
    # largest step of the straight-line method
    assert max(new_steps) < 0.8 * direct
    assert max(new_steps) < max(old_steps)
    assert route.largest_step_ratio == pytest.approx(max(new_steps) / direct)

    listed = demo.recommend.path(catalog.ids[start], catalog.ids[end], steps)
    ids = [item.track.id for item in listed.items]
    assert ids[0] == catalog.ids[start] and ids[-1] == catalog.ids[end] and len(ids) == steps
    positions = [catalog.index[i] for i in ids]
    # the rules: no song twice (in any version), no artist twice in a row
    assert len({catalog.version_keys[p] for p in positions}) == steps
    assert all(catalog.primary_artist[a] != catalog.primary_artist[b]
               for a, b in itertools.pairwise(positions))
    # "x % of the way" is progress along the route: rising, and what the route measures
    shares = [item.score for item in listed.items]
    assert shares[0] == 0.0 and shares[-1] == 1.0
    assert all(a < b for a, b in itertools.pairwise(shares))
    for item, pos in zip(listed.items[1:-1], positions[1:-1]):
        measured = _arc_on(space, route.route, pos)
        assert item.score == pytest.approx(measured, abs=1e-3)
        assert f"{round(100 * item.score)}% of the way in sound" in item.explanation.summary
    # each step names its genre (or says it has none): the bridge can be seen
    end_genres = set(catalog.genres[start]) | set(catalog.genres[end])
    inner_genres = {g for p in positions[1:-1] for g in catalog.genres[p]}
    assert inner_genres - end_genres, "the path should pass through other genres"
    for item in listed.items:
        genre_reason = [r.text for r in item.explanation.reasons if r.block == "genre"]
        assert genre_reason and genre_reason[0].startswith("genre: ")
        for genre in item.genres[:2]:
            assert genre in item.explanation.summary
    assert listed.figures["path_genres"][0] in catalog.genres[start]
    assert listed.figures["path_genres"][-1] in catalog.genres[end]
    # no similarity figure, and no negative number, reaches the listener
    text = " ".join(item.explanation.summary + " " + " ".join(
        r.text for r in item.explanation.reasons) for item in listed.items)
    assert "similarity" not in text and " -0." not in text


def _saved_ids(services: Services) -> set[str]:
    with services.db.read() as session:
        return set(session.scalars(select(SavedTrackRow.track_id)))


def test_include_saved_off_recommends_no_saved_track_even_when_the_list_runs_short(
        demo: Services) -> None:
    saved = _saved_ids(demo)
    engine = demo.recommend.engine()
    unsaved = len(engine.catalog) - len(saved & set(engine.catalog.ids))
    assert saved and unsaved > 0
    service = demo.recommend
    # More tracks asked for than there are unsaved ones: a short list used to be filled with
    # saved tracks, shown as "saved" on the cards while "Include saved" was off.
    wanted = unsaved + 10
    short = service.recommend(mode="for_you", n=wanted, include_saved=False, remember=False)
    assert not {item.track.id for item in short.items} & saved
    assert 0 < len(short.items) < wanted
    with_saved = service.recommend(mode="for_you", n=wanted, include_saved=True, remember=False)
    assert len({item.track.id for item in with_saved.items} & saved) >= 10


def test_include_saved_on_brings_saved_tracks_into_a_full_for_you(demo: Services) -> None:
    """The saved tracks are what the profile is made of; "Include saved" lets them back in (it
    used to change nothing: every saved track, being a seed, stayed out)."""
    saved = _saved_ids(demo)
    off = demo.recommend.recommend(mode="for_you", n=20, include_saved=False, remember=False)
    on = demo.recommend.recommend(mode="for_you", n=20, include_saved=True, remember=False)
    assert not {i.track.id for i in off.items} & saved
    brought = [i for i in on.items if i.track.id in saved]
    assert brought
    for item in brought:  # explained by the other tracks, never by itself
        text = " ".join(r.text for r in item.explanation.reasons)
        assert f"\u201c{item.track.name}\u201d" not in text, text


def test_a_saved_song_is_not_brought_back_as_another_version(demo: Services) -> None:
    """A saved song counts as saved in every version (a local file of it under its own id)."""
    engine = demo.recommend.engine()
    catalog = engine.catalog
    saved = _saved_ids(demo)
    versions_of_saved = {p for tid in saved if tid in catalog.index
                         for p in engine.versions([catalog.index[tid]])}
    result = demo.recommend.recommend(mode="more_like", seeds=(catalog.ids[_ends(demo)[0]],),
                                      n=15, include_saved=False, remember=False)
    assert not {catalog.index[i.track.id] for i in result.items} & versions_of_saved
