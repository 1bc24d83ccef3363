"""Parsing of Spotify JSON: tolerated gaps, rejected garbage, local URIs, and a hypothesis fuzz."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktoprec.errors import MalformedResponse
from desktoprec.spotify import parse


def _id(short: str) -> str:
    """A valid 22-character Spotify id made from a short test name."""
    return (short + "Z" * 22)[:22]


T1, T2, T9, NEW, OLD = _id("t1"), _id("t2"), _id("t9"), _id("new"), _id("old")
A1, AL1, E1, S1, P1 = _id("a1"), _id("al1"), _id("e1"), _id("s1"), _id("p")


def _track(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": T1, "uri": f"spotify:track:{T1}", "name": "Song", "type": "track",
        "duration_ms": 200000, "artists": [{"id": A1, "name": "Artist"}],
        "album": {"id": AL1, "name": "Album", "release_date": "1999-05-01"},
        "external_ids": {"isrc": "usabc1234567"},
    }
    data.update(over)
    return data


def test_track_fields_and_isrc_normalised() -> None:
    track = parse.parse_track(_track())
    assert track.id == T1
    assert track.isrc == "USABC1234567"
    assert track.album is not None and track.album.release_year == 1999
    assert [a.name for a in track.artists] == ["Artist"]


def test_track_without_optional_fields() -> None:
    track = parse.parse_track({"id": T2, "uri": f"spotify:track:{T2}", "name": "X"})
    assert track.album is None and track.isrc is None and track.duration_ms is None
    # external_ids removed, then empty
    assert parse.parse_track(_track(external_ids={})).isrc is None
    assert parse.parse_track(_track(external_ids=None)).isrc is None


def test_track_missing_uri_names_the_field() -> None:
    with pytest.raises(MalformedResponse, match=r"track\.uri"):
        parse.parse_track({"id": "t1", "name": "x"})


def test_track_bad_duration_names_the_field() -> None:
    with pytest.raises(MalformedResponse, match=r"duration_ms"):
        parse.parse_track(_track(duration_ms="long"))


def test_entry_reads_item_then_track() -> None:
    entry = parse.parse_playlist_entry({"added_at": "2026-01-01T00:00:00Z",
                                        "item": _track(id=NEW, uri=f"spotify:track:{NEW}"),
                                        "track": _track(id=OLD, uri=f"spotify:track:{OLD}")})
    assert entry.kind == "track" and entry.track is not None and entry.track.id == NEW
    old_shape = parse.parse_playlist_entry({"added_at": None, "track": _track()})
    assert old_shape.track is not None and old_shape.track.id == T1
    # item present but null while the old key still carries the track
    fallback = parse.parse_playlist_entry({"item": None, "track": _track(id=T9,
                                                                          uri=f"spotify:track:{T9}")})
    assert fallback.track is not None and fallback.track.id == T9


def test_entry_null_is_unavailable() -> None:
    entry = parse.parse_playlist_entry({"added_at": "2020-01-01T00:00:00Z", "item": None})
    assert entry.kind == "unavailable" and entry.track is None


def test_entry_local_file_decoded() -> None:
    entry = parse.parse_playlist_entry({
        "is_local": True,
        "item": {"id": None, "uri": "spotify:local:Fugees+%28Refugee+Camp%29:The+Score:"
                 "No+Woman%2C+No+Cry:273", "name": "", "type": "track", "artists": []},
    })
    assert entry.kind == "local" and entry.track is None
    assert entry.name == "No Woman, No Cry"
    assert entry.artist_name == "Fugees (Refugee Camp)"
    assert entry.album_name == "The Score"
    assert entry.duration_ms == 273000


def test_decode_local_uri_odd_shapes() -> None:
    ref = parse.decode_local_uri("spotify:local:::Title:")
    assert ref.artist is None and ref.album is None and ref.title == "Title"
    assert ref.duration_ms is None
    with pytest.raises(MalformedResponse):
        parse.decode_local_uri("spotify:track:abc")


def test_entry_episode() -> None:
    entry = parse.parse_playlist_entry({"item": {
        "id": E1, "uri": f"spotify:episode:{E1}", "name": "Talk", "type": "episode",
        "duration_ms": 1000, "show": {"id": S1, "name": "Show"}}})
    assert entry.kind == "episode" and entry.track is not None
    assert entry.album_name == "Show"


def test_artist_genres_missing_or_empty() -> None:
    assert parse.parse_artist({"id": A1, "name": "A"}).genres == ()
    assert parse.parse_artist({"id": A1, "name": "A", "genres": []}).genres == ()
    assert parse.parse_artist({"id": A1, "name": "A", "genres": ["pop", 3]}).genres == ("pop",)


def test_page_requires_items_list() -> None:
    with pytest.raises(MalformedResponse, match="items"):
        parse.parse_page({"next": None})
    with pytest.raises(MalformedResponse, match="next"):
        parse.parse_page({"items": [], "next": 5})
    page = parse.parse_page({"artists": {"items": [], "next": None,
                                         "cursors": {"after": "x"}}}, wrapper="artists")
    assert page.cursor_after == "x"


def test_playlist_counts_from_items_or_tracks() -> None:
    new = parse.parse_playlist({"id": P1, "name": "P", "snapshot_id": "s",
                                "items": {"total": 7}, "owner": {"id": "u"}})
    old = parse.parse_playlist({"id": P1, "name": "P", "tracks": {"total": 3}})
    assert (new.total, new.owner_id, old.total) == (7, "u", 3)


def test_long_names_are_capped() -> None:
    track = parse.parse_track(_track(name="x" * 20000))
    assert len(track.name) == parse.MAX_TEXT


# --- fuzz: random, missing, null and oversized fields never escape as anything but Malformed ----

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                     st.text(max_size=30), st.text(min_size=2000, max_size=3000))
_json = st.recursive(_scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=5)),
    max_leaves=20)
_keys = st.sampled_from(["id", "uri", "name", "type", "is_local", "duration_ms", "album",
                         "artists", "external_ids", "item", "track", "added_at", "images",
                         "genres", "items", "next", "total", "played_at", "show", "owner"])


def _mutated(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(_keys, _json, max_size=8).map(lambda extra: {**base, **extra})


PARSERS = [parse.parse_track, parse.parse_playlist_entry, parse.parse_saved_track,
           parse.parse_play_history, parse.parse_playlist, parse.parse_artist, parse.parse_user,
           parse.parse_page]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(PARSERS), st.one_of(_json, _mutated(_track()),
                                            _mutated({"item": _track(), "added_at": "x"})))
def test_fuzz_parsers_raise_only_malformed(parser: Any, data: Any) -> None:
    try:
        parser(data)
    except MalformedResponse as exc:
        assert str(exc)
    # whatever parsed must be serialisable plain data
    json.dumps(str(data)[:10])
