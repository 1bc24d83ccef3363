"""The demo listener's Spotify account, built from the demo catalog, for the built-in emulator.

`plan_account` decides the listener's library in plain values (saved tracks, playlists, top lists,
listening sessions, followed artists, a device); `build_emulator_account` turns it into the
emulator's account (Web API JSON built by the emulator's own helpers).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from desktoprec.demo.catalog import DemoCatalog, spotify_id
from desktoprec.errors import ConfigError
from desktoprec.timeutil import iso_millis, iso_seconds

log = logging.getLogger(__name__)

USER_ID = "demo-listener"
USER_NAME = "Demo Listener"
OTHER_USER_ID = "fresh-finds-editor"
OTHER_USER_NAME = "Fresh Finds Editor"
FRIEND_ID = "alex-from-next-door"
FRIEND_NAME = "Alex"
OWNERS = {"self": (USER_ID, USER_NAME), "friend": (FRIEND_ID, FRIEND_NAME),
          "editor": (OTHER_USER_ID, OTHER_USER_NAME)}

# How much the demo listener likes each style: the share of its tracks they saved.
TASTE: dict[str, float] = {
    "synthwave": 0.85, "house": 0.8, "techno": 0.75, "ambient": 0.75, "dnb": 0.7, "jazz": 0.65,
    "hiphop": 0.6, "piano": 0.5, "rock": 0.45, "folk": 0.4, "reggae": 0.35, "metal": 0.3,
}

# name, description, styles, public, collaborative, owner (self | friend | editor); a friend's
# collaborative playlist is readable, the editor's is listed but its items answer 403
PLAYLIST_RECIPES: tuple[tuple[str, str, tuple[str, ...], bool, bool, str], ...] = (
    ("Late Night Drive", "Neon, chrome and empty roads.", ("synthwave", "techno"),
     True, False, "self"),
    ("Deep Focus", "Quiet music to work to.", ("ambient", "piano"), False, False, "self"),
    ("Gym: Fast & Loud", "High tempo for heavy sets.", ("metal", "dnb"), False, False, "self"),
    ("Sunday Morning", "Coffee, sun, no hurry.", ("folk", "jazz"), True, False, "self"),
    ("Warehouse Nights", "Four to the floor until sunrise.", ("house", "techno"),
     True, False, "self"),
    ("Boom Bap Classics", "Dusty drums and deep crates.", ("hiphop",), False, False, "self"),
    ("Island Time", "Sunshine and off-beats.", ("reggae", "house"), True, False, "self"),
    ("Rainy Day", "Piano, pads and brushes.", ("piano", "ambient", "jazz"), False, False, "self"),
    ("Road Trip", "Windows down.", ("rock", "folk", "synthwave"), True, False, "self"),
    ("Party Mix (with friends)", "Everyone adds a few.", ("house", "hiphop", "dnb", "reggae"),
     False, True, "friend"),
    ("Old Favourites", "Songs that stayed.", ("rock", "jazz", "piano", "hiphop"),
     False, False, "self"),
    ("Fresh Finds: Electronic", "New electronic music, picked every Friday.",
     ("techno", "dnb", "house"), True, False, "editor"),
)

# A podcast episode in one playlist: entries of type "episode" must not break a sync.
EPISODE_NAME = "Episode 31: How a Record Gets Mastered"
EPISODE_SHOW = "The Listening Room"
EPISODE_SECONDS = 2710

# Listening sessions: hours before the reference time, styles played, number of plays.
SESSIONS: tuple[tuple[float, tuple[str, ...], int], ...] = (
    (2.0, ("synthwave", "techno", "house"), 12),
    (9.0, ("jazz", "folk", "piano"), 8),
    (26.0, ("dnb", "metal"), 10),
    (31.0, ("ambient", "piano"), 9),
    (50.0, ("hiphop", "house", "reggae"), 11),
)


@dataclass(frozen=True)
class PlaylistEntry:
    """One playlist row: a catalog track, a podcast episode, a local file the user added, or a
    track Spotify removed."""

    kind: str  # track | episode | local | unavailable
    added_at: str
    added_by: str | None = None  # None: the playlist's owner
    track_id: str | None = None
    local_name: str | None = None
    local_artist: str | None = None
    local_album: str | None = None
    local_seconds: int | None = None


@dataclass(frozen=True)
class DemoPlaylist:
    id: str
    name: str
    description: str
    owner_id: str
    owner_name: str
    public: bool
    collaborative: bool
    entries: tuple[PlaylistEntry, ...]

    @property
    def snapshot_id(self) -> str:
        return spotify_id(f"snapshot:{self.id}", len(self.entries))


@dataclass
class DemoAccount:
    """The listener's library in plain values; every id refers to the catalog."""

    catalog: DemoCatalog
    reference_time: datetime
    saved: list[tuple[str, str]] = field(default_factory=list)  # (track id, added_at), newest first
    playlists: list[DemoPlaylist] = field(default_factory=list)
    top_tracks: dict[str, list[str]] = field(default_factory=dict)  # time_range -> track ids
    top_artists: dict[str, list[str]] = field(default_factory=dict)
    recently_played: list[tuple[str, str, str | None]] = field(default_factory=list)
    followed_artists: list[str] = field(default_factory=list)
    premium: bool = True
    devices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def saved_ids(self) -> set[str]:
        return {track_id for track_id, _ in self.saved}

    def discovery_track_ids(self) -> list[str]:
        """Tracks not saved but on albums of followed artists: what sync should discover."""
        followed = set(self.followed_artists)
        saved = self.saved_ids
        return [t.id for t in self.catalog.tracks
                if t.id not in saved and self.catalog.album(t.album_id).artist_id in followed]


def default_reference_time() -> datetime:
    """Now, rounded down to the minute: listening history ends shortly before the demo starts."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


def plan_account(catalog: DemoCatalog, reference_time: datetime | None = None) -> DemoAccount:
    """The demo listener's library; the same catalog and reference time give the same account."""
    now = reference_time or default_reference_time()
    rng = random.Random("desktoprec-demo-account")
    account = DemoAccount(catalog=catalog, reference_time=now)

    # Saved tracks: each style by taste, but every artist keeps unsaved tracks to discover.
    saved_ids: list[str] = []
    for artist in catalog.artists:
        if artist.outsider:
            continue  # outside the library: reachable only through related/similar artists
        tracks = catalog.tracks_of_artist(artist.id)
        share = TASTE.get(artist.style, 0.5)
        count = round(len(tracks) * share)
        if len(tracks) > 1:
            count = min(count, len(tracks) - 1)
        saved_ids.extend(t.id for t in rng.sample(tracks, count))
    rng.shuffle(saved_ids)
    # added_at: spread over the last year, newest first as /me/tracks returns them
    moments = sorted((now - timedelta(days=rng.uniform(0.5, 365), minutes=rng.randint(0, 1439))
                      for _ in saved_ids), reverse=True)
    account.saved = [(track_id, iso_seconds(moment)) for track_id, moment in zip(saved_ids, moments,
                                                                          strict=True)]
    saved = set(saved_ids)

    # Followed artists: the favourite styles' artists, plus a few others.
    for artist in catalog.artists:
        if artist.outsider:
            continue
        liked = TASTE.get(artist.style, 0.5) >= 0.6
        if (liked and rng.random() < 0.6) or (not liked and rng.random() < 0.2):
            account.followed_artists.append(artist.id)

    account.playlists = _plan_playlists(catalog, rng, now, saved)
    account.recently_played = _plan_sessions(catalog, rng, now, saved, account.playlists)
    account.top_tracks, account.top_artists = _plan_tops(catalog, account)
    account.devices = [{
        "id": "demo-device-laptop",
        "is_active": True,
        "is_private_session": False,
        "is_restricted": False,
        "name": "Demo Laptop",
        "type": "Computer",
        "volume_percent": 60,
        "supports_volume": True,
    }]
    return account


def _plan_playlists(catalog: DemoCatalog, rng: random.Random, now: datetime,
                    saved: set[str]) -> list[DemoPlaylist]:
    playlists = []
    for number, (name, description, styles, public, collaborative, owner) in enumerate(
            PLAYLIST_RECIPES, start=1):
        pool = [t for t in catalog.library_tracks() if t.style in styles]
        # mostly saved favourites, some tracks the listener never saved
        pool.sort(key=lambda t: (t.id not in saved, rng.random()))
        size = min(len(pool), rng.randint(10, 22))
        chosen = pool[: int(size * 0.75)] + rng.sample(pool[int(size * 0.75):],
                                                        min(len(pool) - int(size * 0.75),
                                                            size - int(size * 0.75)))
        rng.shuffle(chosen)
        created = now - timedelta(days=rng.uniform(30, 360))
        owner_id, owner_name = OWNERS[owner]
        entries = []
        for position, track in enumerate(chosen):
            added = created + timedelta(hours=position * rng.uniform(1, 30))
            # in the collaborative playlist the listener added every other track
            added_by = USER_ID if collaborative and position % 2 else None
            entries.append(PlaylistEntry(kind="track", added_at=iso_seconds(min(added, now)),
                                         track_id=track.id, added_by=added_by))
        if name in ("Road Trip", "Old Favourites"):
            entries.insert(rng.randrange(len(entries) + 1), PlaylistEntry(
                kind="local", added_at=iso_seconds(created), local_name="Campfire Demo (home recording)",
                local_artist="Demo Listener", local_album="Voice Memos", local_seconds=143))
        if name == "Sunday Morning":
            entries.insert(rng.randrange(len(entries) + 1), PlaylistEntry(
                kind="episode", added_at=iso_seconds(created), local_name=EPISODE_NAME,
                local_album=EPISODE_SHOW, local_seconds=EPISODE_SECONDS))
        if name in ("Old Favourites", "Party Mix (with friends)"):
            entries.insert(rng.randrange(len(entries) + 1), PlaylistEntry(
                kind="unavailable", added_at=iso_seconds(created)))
        playlists.append(DemoPlaylist(
            id=spotify_id("playlist", number), name=name, description=description,
            owner_id=owner_id, owner_name=owner_name, public=public,
            collaborative=collaborative, entries=tuple(entries)))
    return playlists


def _plan_sessions(catalog: DemoCatalog, rng: random.Random, now: datetime, saved: set[str],
                   playlists: list[DemoPlaylist]) -> list[tuple[str, str, str | None]]:
    """Listening sessions, newest play first, at most 50 (what recently-played keeps)."""
    plays: list[tuple[datetime, str, str | None]] = []
    own_playlists = [p for p in playlists if p.owner_id == USER_ID or p.collaborative]
    for hours_ago, styles, count in SESSIONS:
        pool = [t for t in catalog.library_tracks() if t.style in styles]
        # sessions lean on saved tracks, with some of the others mixed in
        pool.sort(key=lambda t: (t.id not in saved) + rng.random() * 1.2)
        matching = [p for p in own_playlists
                    if any(s in styles for s in _playlist_styles(catalog, p))]
        context = f"spotify:playlist:{matching[0].id}" if matching else None
        moment = now - timedelta(hours=hours_ago)
        for track in pool[:count]:
            plays.append((moment, track.id, context))
            moment -= timedelta(minutes=rng.uniform(2.5, 6.0))
    plays.sort(key=lambda play: play[0], reverse=True)
    return [(iso_millis(moment), track_id, context) for moment, track_id, context in plays[:50]]


def _playlist_styles(catalog: DemoCatalog, playlist: DemoPlaylist) -> set[str]:
    return {catalog.track(e.track_id).style for e in playlist.entries if e.track_id}


def _plan_tops(catalog: DemoCatalog,
               account: DemoAccount) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Top tracks and artists per time range, from plays and saves weighted by recency."""
    now = account.reference_time
    windows = {"short_term": 28, "medium_term": 180, "long_term": 3650}
    top_tracks: dict[str, list[str]] = {}
    top_artists: dict[str, list[str]] = {}
    for time_range, days in windows.items():
        scores: dict[str, float] = {}
        for track_id, added_at in account.saved:
            age = (now - datetime.strptime(added_at, "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=UTC)).days
            if age <= days:
                scores[track_id] = scores.get(track_id, 0.0) + 1.0 + (days - age) / days
        for _, track_id, _ in account.recently_played:
            scores[track_id] = scores.get(track_id, 0.0) + (3.0 if days < 60 else 1.0)
        ranked = sorted(scores, key=lambda track_id: (-scores[track_id], track_id))
        top_tracks[time_range] = ranked[:50]
        artist_scores: dict[str, float] = {}
        for track_id in ranked:
            for artist_id in catalog.track(track_id).artist_ids:
                artist_scores[artist_id] = artist_scores.get(artist_id, 0.0) + scores[track_id]
        top_artists[time_range] = sorted(artist_scores,
                                         key=lambda a: (-artist_scores[a], a))[:30]
    return top_tracks, top_artists


def check_consistency(account: DemoAccount) -> list[str]:
    """Problems in the planned account (empty when every reference resolves); used by tests."""
    catalog = account.catalog
    track_ids = {t.id for t in catalog.tracks}
    artist_ids = {a.id for a in catalog.artists}
    album_ids = {a.id for a in catalog.albums}
    problems = []
    isrcs = [t.isrc for t in catalog.tracks]
    if len(set(isrcs)) != len(isrcs):
        problems.append("ISRCs are not unique")
    if len(track_ids) != len(catalog.tracks):
        problems.append("track ids are not unique")
    for track in catalog.tracks:
        if track.album_id not in album_ids:
            problems.append(f"track {track.id} has an unknown album")
        problems.extend(f"track {track.id} has an unknown artist {a}"
                        for a in track.artist_ids if a not in artist_ids)
    problems.extend(f"saved track {t} unknown" for t, _ in account.saved if t not in track_ids)
    for playlist in account.playlists:
        for entry in playlist.entries:
            if entry.kind == "track" and entry.track_id not in track_ids:
                problems.append(f"playlist {playlist.name} refers to unknown {entry.track_id}")
    for time_range, ids in account.top_tracks.items():
        problems.extend(f"top {time_range} track {t} unknown" for t in ids if t not in track_ids)
    for time_range, ids in account.top_artists.items():
        problems.extend(f"top {time_range} artist {a} unknown" for a in ids
                        if a not in artist_ids)
    problems.extend(f"played track {t} unknown" for _, t, _ in account.recently_played
                    if t not in track_ids)
    problems.extend(f"followed artist {a} unknown" for a in account.followed_artists
                    if a not in artist_ids)
    return problems


def build_emulator_account(catalog: DemoCatalog | None = None,
                           reference_time: datetime | None = None) -> Any:
    """The demo listener as an `EmulatorAccount` the built-in emulator serves."""
    from desktoprec.demo.catalog import build_catalog

    try:
        from desktoprec.spotify.emulator import account as emulated
    except ImportError as exc:
        raise ConfigError("The built-in Spotify emulator is not available in this "
                          "installation, so the demo cannot run.") from exc
    plan = plan_account(catalog or build_catalog(), reference_time)
    return fill_emulator_account(emulated, plan)


def fill_emulator_account(emulated: Any, plan: DemoAccount) -> Any:
    """Turn the planned library into the emulator's account, through its public builders."""
    catalog = plan.catalog
    account = emulated.EmulatorAccount(user_id=USER_ID, display_name=USER_NAME,
                                       premium=plan.premium)
    artists = {a.id: emulated.artist_json(a.id, a.name) for a in catalog.artists}
    for artist in artists.values():
        account.add_artist(artist)
    for album in catalog.albums:
        account.add_album(emulated.album_json(
            album.id, album.name, [artists[album.artist_id]], str(album.release_year),
            total_tracks=len(catalog.tracks_of_album(album.id)), album_type=album.album_type))
    for track in catalog.tracks:
        account.add_track(emulated.track_json(
            track.id, track.name, account.albums[track.album_id],
            [artists[a] for a in track.artist_ids], track.duration_ms, track.isrc,
            track_number=track.track_number))
    # `saved` is newest first; save_track inserts at the front, so add the oldest first
    for track_id, added_at in reversed(plan.saved):
        account.save_track(track_id, added_at)
    for playlist in plan.playlists:
        entries = []
        for entry in playlist.entries:
            added_by = entry.added_by or playlist.owner_id
            if entry.kind == "track" and entry.track_id:
                entries.append(emulated.PlaylistEntry(
                    added_at=entry.added_at, added_by=added_by,
                    uri=f"spotify:track:{entry.track_id}"))
            elif entry.kind == "episode":
                episode = emulated.episode_json(
                    spotify_id("episode", 1), entry.local_name or "", entry.local_album or "",
                    (entry.local_seconds or 0) * 1000)
                account.add_episode(episode)
                entries.append(emulated.PlaylistEntry(
                    added_at=entry.added_at, added_by=added_by, uri=episode["uri"]))
            elif entry.kind == "local":
                entries.append(emulated.PlaylistEntry(
                    added_at=entry.added_at, added_by=added_by,
                    inline_item=emulated.local_track_json(
                        entry.local_name or "", entry.local_artist or "",
                        entry.local_album or "", entry.local_seconds or 0)))
            else:  # a track Spotify no longer has: served as `item: null`
                entries.append(emulated.PlaylistEntry(added_at=entry.added_at,
                                                      added_by=added_by))
        account.add_playlist(
            playlist.name, playlist_id=playlist.id, owner_id=playlist.owner_id,
            owner_name=playlist.owner_name, description=playlist.description,
            public=playlist.public, collaborative=playlist.collaborative, entries=entries)
    account.top_tracks = {r: list(ids) for r, ids in plan.top_tracks.items()}
    account.top_artists = {r: list(ids) for r, ids in plan.top_artists.items()}
    for played_at, track_id, context in plan.recently_played:
        account.add_play(track_id, played_at, context)
    for artist_id in plan.followed_artists:
        account.follow_artist(artist_id)
    for device in plan.devices:
        account.add_device(device["id"], device["name"], active=device["is_active"],
                           device_type=device["type"])
    return account
