"""The demo catalog and account: big enough, consistent, and the same on every run."""

from __future__ import annotations

from datetime import UTC, datetime

from desktoprec.demo.account import (
    USER_ID,
    build_emulator_account,
    check_consistency,
    plan_account,
)
from desktoprec.demo.catalog import build_catalog
from desktoprec.demo.styles import STYLES

REFERENCE = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)


def test_default_catalog_is_large_and_varied() -> None:
    catalog = build_catalog()
    assert len(catalog.tracks) >= 200
    assert len({t.style for t in catalog.tracks}) == len(STYLES) >= 10
    assert len(catalog.artists) >= 40
    assert len({a.name for a in catalog.artists}) == len(catalog.artists)
    assert len({t.isrc for t in catalog.tracks}) == len(catalog.tracks)
    assert all(len(t.isrc) == 12 for t in catalog.tracks)
    assert len({catalog.album(t.album_id).release_year for t in catalog.tracks}) > 20
    # some files carry no genre tag, so genre has to come from the sound for them
    untagged = [t for t in catalog.tracks if not t.tag_genre]
    assert 0.2 * len(catalog.tracks) < len(untagged) < 0.6 * len(catalog.tracks)


def test_catalog_is_deterministic() -> None:
    assert build_catalog(tracks_per_style=4) == build_catalog(tracks_per_style=4)
    small = build_catalog(tracks_per_style=3, artists_per_style=2)
    assert len(small.tracks) == 3 * len(STYLES)
    assert len(small.artists) == 2 * len(STYLES)


def test_account_is_consistent_and_has_every_kind_of_entry() -> None:
    catalog = build_catalog()
    account = plan_account(catalog, REFERENCE)
    assert check_consistency(account) == []
    saved = account.saved_ids
    assert 0.4 * len(catalog.tracks) < len(saved) < 0.8 * len(catalog.tracks)
    added = [added_at for _, added_at in account.saved]
    assert added == sorted(added, reverse=True)
    assert added[-1] >= "2025-11-20"  # within the last year
    assert len(account.playlists) >= 10
    kinds = {e.kind for p in account.playlists for e in p.entries}
    assert kinds == {"track", "episode", "local", "unavailable"}
    assert sum(p.collaborative for p in account.playlists) == 1
    assert [p.owner_id != USER_ID for p in account.playlists].count(True) == 2
    # discovery candidates: unsaved tracks on followed artists' albums
    discovery = account.discovery_track_ids()
    assert len(discovery) >= 10 and not set(discovery) & saved
    # every artist keeps something unsaved, so recommendations can reach many artists
    unsaved_artists = {t.artist_ids[0] for t in catalog.tracks if t.id not in saved}
    assert len(unsaved_artists) >= 40
    played = [p for p, _, _ in account.recently_played]
    assert 30 <= len(played) <= 50 and played == sorted(played, reverse=True)
    assert played[0] < "2026-11-20T18:30"
    assert set(account.top_tracks) == {"short_term", "medium_term", "long_term"}
    assert account.premium and len(account.devices) == 1


def test_account_is_deterministic_for_a_reference_time() -> None:
    catalog = build_catalog(tracks_per_style=5)
    first, second = plan_account(catalog, REFERENCE), plan_account(catalog, REFERENCE)
    assert first.saved == second.saved
    assert first.playlists == second.playlists
    assert first.recently_played == second.recently_played


def test_emulator_account_serves_the_same_library() -> None:
    catalog = build_catalog(tracks_per_style=4)
    plan = plan_account(catalog, REFERENCE)
    account = build_emulator_account(catalog, REFERENCE)
    assert account.user_id == USER_ID and account.premium
    assert set(account.tracks) == {t.id for t in catalog.tracks}
    isrcs = [t["external_ids"]["isrc"] for t in account.tracks.values()]
    assert len(set(isrcs)) == len(isrcs) == len(catalog.tracks)
    assert all(t["preview_url"] is None and "popularity" not in t
               for t in account.tracks.values())
    assert account.saved == plan.saved  # newest first, same dates
    assert [p.id for p in account.playlists] == [p.id for p in plan.playlists]
    readable = [p for p in account.playlists if account.can_read_items(p)]
    assert len(readable) == len(account.playlists) - 1
    assert any(p.collaborative and p.owner_id != USER_ID for p in readable)
    kinds = set()
    for playlist in account.playlists:
        for entry in playlist.entries:
            if entry.uri:
                assert account.resolve_uri(entry.uri) is not None, entry.uri
                kinds.add(entry.uri.split(":")[1])
            elif entry.inline_item:
                assert entry.inline_item["is_local"] and entry.inline_item["id"] is None
                kinds.add("local")
            else:
                kinds.add("unavailable")
    assert kinds == {"track", "episode", "local", "unavailable"}
    assert [p.played_at for p in account.recently_played] == [p for p, _, _ in
                                                               plan.recently_played]
    assert all(p.track_id in account.tracks for p in account.recently_played)
    assert account.followed_artists == plan.followed_artists
    # discovery: followed artists' albums hold tracks the listener has not saved
    saved = {t for t, _ in account.saved}
    discoverable = {t for a in account.followed_artists for album in account.artist_album_ids(a)
                    for t in account.album_track_ids(album)} - saved
    assert discoverable == set(plan.discovery_track_ids()) and discoverable
    assert [d["is_active"] for d in account.devices] == [True]
