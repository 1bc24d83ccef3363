"""Versions of one song are told apart by their titles, in every script."""

from __future__ import annotations

import dataclasses

from rec_catalogs import make_catalog

from desktoprec.recommend.catalog import Catalog
from desktoprec.recommend.engine import Engine, Query

JAPANESE = ["東京フラッシュ", "夜に駆ける", "群青", "怪物", "アイドル", "祝福", "勇者", "ハルジオン"]


def _retitled(catalog: Catalog, prefix: str, titles: list[str]) -> Catalog:
    names = list(catalog.names)
    positions = [i for i, t in enumerate(catalog.ids) if t.startswith(prefix)]
    assert len(positions) == len(titles)
    for position, title in zip(positions, titles):
        names[position] = title
    fields = {f.name: getattr(catalog, f.name) for f in dataclasses.fields(catalog) if f.init}
    return Catalog(**{**fields, "names": names})


def _picks_of_jazz1(catalog: Catalog) -> list[str]:
    result = Engine(catalog).recommend(Query(mode="more_like", seeds=[catalog.index["jazz1_t0"]],
                                             n=5, diversity=0.0))
    return [item.track.id for item in result.items if item.track.id.startswith("jazz1_t")]


def test_eight_japanese_titles_by_one_artist_are_eight_songs() -> None:
    """They used to fold to '' and count as one song, so none of them was left to pick."""
    latin = make_catalog()
    japanese = _retitled(make_catalog(), "jazz1_t", JAPANESE)
    jazz1 = [i for i, t in enumerate(japanese.ids) if t.startswith("jazz1_t")]
    assert len({japanese.version_keys[i] for i in jazz1}) == len(JAPANESE)
    picks = _picks_of_jazz1(japanese)
    # more like one of them: the script of the titles changes nothing
    assert len(picks) > 1 and "jazz1_t0" not in picks
    assert picks == _picks_of_jazz1(latin)
