"""Versions of one song are told apart by their titles, in every script."""

from __future__ import annotations

import dataclasses

from rec_catalogs import make_catalog

from desktoprec.recommend.engine import Engine, Query


def test_eight_japanese_titles_by_one_artist_are_eight_songs() -> None:
    """They used to fold to '' and count as one song: 1 pick instead of 5."""
    catalog = make_catalog()
    japanese = ["東京フラッシュ", "夜に駆ける", "群青", "怪物", "アイドル", "祝福", "勇者", "ハルジオン"]
    names = list(catalog.names)
    jazz1 = [i for i, t in enumerate(catalog.ids) if t.startswith("jazz1_t")]
    assert len(jazz1) == len(japanese)
    for position, title in zip(jazz1, japanese):
        names[position] = title
    fields = {f.name: getattr(catalog, f.name) for f in dataclasses.fields(catalog) if f.init}
    catalog = type(catalog)(**{**fields, "names": names})
    assert len({catalog.version_keys[i] for i in jazz1}) == len(japanese)
    engine = Engine(catalog)
    # more like one of them: its seven other songs are the closest (as one song, none was left)
    result = engine.recommend(Query(mode="more_like", seeds=[catalog.index["jazz1_t0"]], n=5,
                                    diversity=0.0))
    picks = [item.track.id for item in result.items if item.track.id.startswith("jazz1_t")]
    assert len(picks) == 5 and "jazz1_t0" not in picks
