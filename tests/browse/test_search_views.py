"""The one search box and the artist and album views, on a real SQLite file."""

from __future__ import annotations

from desktoprec.services import Services
from desktoprec.storage.tables import PlaylistRow, TrackArtistRow, TrackRow


def test_search_finds_every_kind_whatever_the_case_accents_or_width(services: Services) -> None:
    browse = services.browse
    found = browse.search("BEYONCE")  # typed without the accent
    assert [a.name for a in found.artists] == ["Beyoncé"]
    assert found.artists[0].track_count == 3
    assert {i.track.id for i in found.tracks} == {"t1", "t2", "t3"}  # found by their artist
    assert {a.name for a in found.albums} == {"I Am... Sasha Fierce", "Live Sessions"}
    assert [p.name for p in browse.search("cafe").playlists] == ["Café mornings"]
    assert [a.name for a in browse.search("sigur ros").artists] == ["Sigur Rós"]
    assert [i.track.id for i in browse.search("full width").tracks] == ["t6"]  # ｆｕｌｌ


def test_japanese_titles_artists_albums_and_playlists_are_found(services: Services) -> None:
    browse = services.browse
    assert [i.track.name for i in browse.search("群青").tracks] == ["群青日和"]
    assert [i.track.name for i in browse.search("サディスティック").tracks] == \
        ["丸の内サディスティック"]
    found = browse.search("東京事変")
    assert [a.name for a in found.artists] == ["東京事変"]
    assert {i.track.id for i in found.tracks} == {"t4", "t5", "t6"}
    assert [a.name for a in browse.search("教育").albums] == ["教育"]
    assert [p.id for p in browse.search("ドライブ").playlists] == ["pl1"]


def test_two_tracks_of_one_name_are_told_apart_and_the_exact_title_comes_first(
        services: Services) -> None:
    found = services.browse.search("halo")
    assert [i.track.id for i in found.tracks][:2] in (["t1", "t3"], ["t3", "t1"])
    albums = {i.track.album for i in found.tracks[:2]}
    assert albums == {"I Am... Sasha Fierce", "Live Sessions"}
    assert all(i.track.duration_ms for i in found.tracks[:2])
    assert services.browse.search("halo beyonce").track_total == 2  # words from title + artist
    assert services.browse.search("   ").empty
    assert services.browse.search("zzz nothing").empty


def test_search_sees_what_changed_since_the_last_search(services: Services) -> None:
    assert services.browse.search("brand new").empty
    with services.db.write() as s:
        s.add(TrackRow(id="t9", name="Brand New Song", album_id="al2", source="spotify"))
        s.flush()
        s.add(TrackArtistRow(track_id="t9", position=0, artist_id="ar2"))
        s.add(PlaylistRow(id="pl9", name="Brand new list", total=0, readable=True))
    found = services.browse.search("brand new")
    assert [i.track.id for i in found.tracks] == ["t9"]
    assert [p.id for p in found.playlists] == ["pl9"]


def test_artist_view_lists_tracks_albums_genres_and_what_was_saved_and_played(
        services: Services) -> None:
    view = services.browse.artist("ar1")
    assert view is not None
    assert view.artist.name == "Beyoncé"
    assert {i.track.id for i in view.tracks} == {"t1", "t2", "t3"}
    assert [a.name for a in view.albums] == ["Live Sessions", "I Am... Sasha Fierce"]  # newest
    assert view.genres == ("r&b", "pop")
    assert (view.saved, view.played, view.plays) == (1, 1, 3)
    japanese = services.browse.artist("ar2")
    assert japanese is not None
    assert set(japanese.genres) == {"j-rock", "j-pop"}  # no artist genres: their tracks'
    guest = services.browse.artist("ar3")
    assert guest is not None and [a.id for a in guest.albums] == ["al3"]
    assert services.browse.artist("nobody") is None


def test_album_view_has_its_tracks_in_order_with_durations_and_cover(services: Services) -> None:
    view = services.browse.album("al2")
    assert view is not None
    assert view.album.artists == ("東京事変",) and view.album.release_year == 2004
    assert [i.track.id for i in view.tracks] == ["t4", "t5", "t6"]
    assert view.duration_ms == 221_000 + 236_000 + 100_000
    first = services.browse.album("al1")
    assert first is not None
    assert [i.track.name for i in first.tracks] == ["Single Ladies", "Halo"]  # track numbers
    assert first.album.image_url == "https://i.scdn.co/image/al1"
    assert services.browse.album_of("t3") == "al3"
    assert services.browse.album("none") is None


def test_the_search_benchmark_reports_its_figures(services: Services) -> None:
    import argparse

    from desktoprec.benchmarks import browse

    parser = argparse.ArgumentParser()
    browse.add_arguments(parser)
    figures = browse.run(parser.parse_args(["--tracks", "400", "--rounds", "1"]), services)
    assert figures["tracks"] == 400 and figures["searches"] == len(browse.QUERIES)
    assert figures["first_query_tracks_found"] > 0  # "love" is in the generated titles
    assert figures["warm_search_median_cpu_ms"] >= 0


def test_a_renamed_artist_is_found_by_the_new_name(services: Services) -> None:
    from desktoprec.storage.tables import ArtistRow

    assert services.browse.search("sigur").artists
    with services.db.write() as s:
        row = s.get(ArtistRow, "ar3")
        assert row is not None
        row.name = "Jónsi"  # a name change alone touches no time stamp
    assert not services.browse.search("sigur").artists
    assert [a.id for a in services.browse.search("jonsi").artists] == ["ar3"]
