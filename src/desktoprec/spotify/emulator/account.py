"""The emulated listener's Spotify data as plain Web API JSON, and a deterministic generator for it.

`EmulatorAccount` holds what the server serves: catalog objects (tracks, albums, artists, episodes)
exactly as the Web API spells them, the user's library (saved tracks, playlists, top lists,
recently played, followed artists) as references to those objects, and the player state. Code that
has its own track list (the demo) fills one through `add_artist`, `add_album`, `add_track`,
`save_track`, `add_playlist`, `add_play` and friends; tests use `generate_account`.

Every method takes the account's lock, so tests may mutate an account while a server serves it.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from desktoprec.timeutil import iso_millis, iso_seconds

log = logging.getLogger(__name__)

TIME_RANGES = ("short_term", "medium_term", "long_term")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def make_id(*parts: object) -> str:
    """A stable 22-character base62 id (Spotify's shape) derived from `parts`."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    number = int.from_bytes(digest[:17], "big")
    chars = []
    for _ in range(22):
        number, rest = divmod(number, 62)
        chars.append(_BASE62[rest])
    return "".join(chars)


def _user_object(user_id: str, display_name: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "external_urls": {"spotify": f"https://open.spotify.com/user/{user_id}"},
        "href": f"https://api.spotify.com/v1/users/{user_id}",
        "id": user_id,
        "type": "user",
        "uri": f"spotify:user:{user_id}",
    }
    if display_name is not None:
        data["display_name"] = display_name
    return data


def artist_json(artist_id: str, name: str, genres: list[str] | None = None) -> dict[str, Any]:
    """A full artist object as the 2026 API sends it (no followers/popularity, genres usually [])."""
    return {
        "external_urls": {"spotify": f"https://open.spotify.com/artist/{artist_id}"},
        "genres": list(genres or []),
        "href": f"https://api.spotify.com/v1/artists/{artist_id}",
        "id": artist_id,
        "images": [],
        "name": name,
        "type": "artist",
        "uri": f"spotify:artist:{artist_id}",
    }


def simplify_artist(artist: dict[str, Any]) -> dict[str, Any]:
    keep = ("external_urls", "href", "id", "name", "type", "uri")
    return {k: artist[k] for k in keep if k in artist}


def album_json(album_id: str, name: str, artists: list[dict[str, Any]], release_date: str,
               total_tracks: int = 0, album_type: str = "album") -> dict[str, Any]:
    """A simplified album object (what tracks embed, and /albums/{id} without its track page)."""
    precision = {4: "year", 7: "month"}.get(len(release_date), "day")
    return {
        "album_type": album_type,
        "artists": [simplify_artist(a) for a in artists],
        "external_urls": {"spotify": f"https://open.spotify.com/album/{album_id}"},
        "href": f"https://api.spotify.com/v1/albums/{album_id}",
        "id": album_id,
        "images": [],
        "name": name,
        "release_date": release_date,
        "release_date_precision": precision,
        "total_tracks": total_tracks,
        "type": "album",
        "uri": f"spotify:album:{album_id}",
    }


def track_json(track_id: str, name: str, album: dict[str, Any], artists: list[dict[str, Any]],
               duration_ms: int, isrc: str | None, track_number: int = 1) -> dict[str, Any]:
    """A full track object as the 2026 API sends it (no popularity/markets, preview_url null)."""
    return {
        "album": album,
        "artists": [simplify_artist(a) for a in artists],
        "disc_number": 1,
        "duration_ms": duration_ms,
        "explicit": False,
        "external_ids": {"isrc": isrc} if isrc else {},
        "external_urls": {"spotify": f"https://open.spotify.com/track/{track_id}"},
        "href": f"https://api.spotify.com/v1/tracks/{track_id}",
        "id": track_id,
        "is_local": False,
        "is_playable": True,
        "name": name,
        "preview_url": None,
        "track_number": track_number,
        "type": "track",
        "uri": f"spotify:track:{track_id}",
    }


def local_track_json(title: str, artist: str, album: str, seconds: int) -> dict[str, Any]:
    """A file a user added to a playlist from their computer: no ids, a spotify:local URI."""
    def part(text: str) -> str:
        return text.replace(" ", "+")

    return {
        "album": {"album_type": None, "artists": [], "available_markets": [], "external_urls": {},
                  "href": None, "id": None, "images": [], "name": album, "release_date": None,
                  "release_date_precision": None, "type": "album", "uri": None},
        "artists": [{"external_urls": {}, "href": None, "id": None, "name": artist,
                     "type": "artist", "uri": None}],
        "disc_number": 0,
        "duration_ms": seconds * 1000,
        "explicit": False,
        "external_ids": {},
        "external_urls": {},
        "href": None,
        "id": None,
        "is_local": True,
        "name": title,
        "preview_url": None,
        "track_number": 0,
        "type": "track",
        "uri": f"spotify:local:{part(artist)}:{part(album)}:{part(title)}:{seconds}",
    }


def episode_json(episode_id: str, name: str, show_name: str, duration_ms: int) -> dict[str, Any]:
    return {
        "description": "",
        "duration_ms": duration_ms,
        "explicit": False,
        "external_urls": {"spotify": f"https://open.spotify.com/episode/{episode_id}"},
        "href": f"https://api.spotify.com/v1/episodes/{episode_id}",
        "id": episode_id,
        "name": name,
        "release_date": "2026-01-15",
        "release_date_precision": "day",
        "show": {"id": make_id("show", show_name), "name": show_name, "type": "show",
                 "uri": f"spotify:show:{make_id('show', show_name)}"},
        "type": "episode",
        "uri": f"spotify:episode:{episode_id}",
    }


@dataclass
class PlaylistEntry:
    """One row of a playlist: a catalog URI (track or episode), an inline item (a local file),
    or nothing (a track Spotify removed: served as `item: null`)."""

    added_at: str
    added_by: str
    uri: str | None = None
    inline_item: dict[str, Any] | None = None


@dataclass
class EmulatorPlaylist:
    """A playlist; `entries` in order. `snapshot_id` changes whenever the entries change."""

    id: str
    name: str
    owner_id: str
    owner_name: str = ""
    description: str = ""
    public: bool = True
    collaborative: bool = False
    entries: list[PlaylistEntry] = field(default_factory=list)
    version: int = 1

    @property
    def snapshot_id(self) -> str:
        raw = hashlib.sha256(f"{self.id}:{self.version}".encode()).digest()[:24]
        return base64.b64encode(raw).decode()

    def touch(self) -> None:
        self.version += 1


@dataclass
class Play:
    """One entry of recently-played: a track URI's id, when, and the context URI (or None)."""

    track_id: str
    played_at: str
    context_uri: str | None = None


@dataclass
class EmulatorAccount:
    """Everything the emulator serves for one signed-in user, as plain documented structures.

    - `tracks`, `albums`, `artists`, `episodes`: id -> Web API JSON (tracks embed a simplified
      album and simplified artists; albums carry no track page; artists carry `genres`).
    - `saved`: (track id, added_at) newest first, as `/me/tracks` returns them.
    - `playlists`: in the order `/me/playlists` lists them (own, collaborative and followed ones
      owned by others — the last are listed but their items answer 403).
    - `top_tracks` / `top_artists`: time_range -> ids, best first.
    - `recently_played`: `Play`s newest first (the API gives at most 50).
    - `followed_artists`: ids in follow order.
    - `premium`: False makes player commands answer 403 PREMIUM_REQUIRED.
    - `devices`: Web API device objects; the active one has `is_active: true`.
    - `playback`: the player state (None: nothing playing), kept by the player endpoints.
    """

    user_id: str = "emulated-listener"
    display_name: str = "Emulated Listener"
    premium: bool = True
    tracks: dict[str, dict[str, Any]] = field(default_factory=dict)
    albums: dict[str, dict[str, Any]] = field(default_factory=dict)
    artists: dict[str, dict[str, Any]] = field(default_factory=dict)
    episodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    saved: list[tuple[str, str]] = field(default_factory=list)
    playlists: list[EmulatorPlaylist] = field(default_factory=list)
    # playlists the user "deleted": on Spotify that is an unfollow, so they still exist by id
    unfollowed: list[EmulatorPlaylist] = field(default_factory=list)
    top_tracks: dict[str, list[str]] = field(default_factory=dict)
    top_artists: dict[str, list[str]] = field(default_factory=dict)
    recently_played: list[Play] = field(default_factory=list)
    followed_artists: list[str] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)
    playback: dict[str, Any] | None = None
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    _album_tracks: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)
    _artist_albums: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)

    # --- profile -------------------------------------------------------------------------------

    def profile(self) -> dict[str, Any]:
        """The /me object as of 2026: no country, email, product or followers."""
        data = _user_object(self.user_id, self.display_name)
        data["explicit_content"] = {"filter_enabled": False, "filter_locked": False}
        data["images"] = []
        return data

    # --- catalog -------------------------------------------------------------------------------

    def add_artist(self, artist: dict[str, Any]) -> str:
        """Add (or replace) a full artist object; returns its id."""
        with self.lock:
            artist.setdefault("genres", [])
            self.artists[artist["id"]] = artist
            self._artist_albums = None
            return str(artist["id"])

    def add_album(self, album: dict[str, Any]) -> str:
        """Add (or replace) an album object; its artists are added too when unknown."""
        with self.lock:
            for artist in album.get("artists") or []:
                if artist.get("id") and artist["id"] not in self.artists:
                    self.add_artist(artist_json(artist["id"], artist.get("name", "")))
            stored = {k: v for k, v in album.items() if k != "tracks"}
            self.albums[album["id"]] = stored
            self._album_tracks = None
            self._artist_albums = None
            return str(album["id"])

    def add_track(self, track: dict[str, Any]) -> str:
        """Add (or replace) a full track object; its album and artists are added when unknown."""
        with self.lock:
            album = track.get("album")
            if isinstance(album, dict) and album.get("id") and album["id"] not in self.albums:
                self.add_album(album)
            for artist in track.get("artists") or []:
                if artist.get("id") and artist["id"] not in self.artists:
                    self.add_artist(artist_json(artist["id"], artist.get("name", "")))
            self.tracks[track["id"]] = track
            self._album_tracks = None
            return str(track["id"])

    def add_episode(self, episode: dict[str, Any]) -> str:
        with self.lock:
            self.episodes[episode["id"]] = episode
            return str(episode["id"])

    def album_track_ids(self, album_id: str) -> list[str]:
        with self.lock:
            if self._album_tracks is None:
                index: dict[str, list[str]] = {}
                for track_id, track in self.tracks.items():
                    album = track.get("album") or {}
                    if album.get("id"):
                        index.setdefault(album["id"], []).append(track_id)
                for ids in index.values():
                    ids.sort(key=lambda t: (self.tracks[t].get("disc_number", 1),
                                            self.tracks[t].get("track_number", 0), t))
                self._album_tracks = index
            return list(self._album_tracks.get(album_id, []))

    def artist_album_ids(self, artist_id: str) -> list[str]:
        with self.lock:
            if self._artist_albums is None:
                index: dict[str, list[str]] = {}
                for album_id, album in self.albums.items():
                    for artist in album.get("artists") or []:
                        if artist.get("id"):
                            index.setdefault(artist["id"], []).append(album_id)
                self._artist_albums = index
            return list(self._artist_albums.get(artist_id, []))

    def resolve_uri(self, uri: str) -> dict[str, Any] | None:
        """The track or episode object a `spotify:track:ID` / `spotify:episode:ID` URI names."""
        kind, _, item_id = uri.removeprefix("spotify:").partition(":")
        if kind == "track":
            return self.tracks.get(item_id)
        if kind == "episode":
            return self.episodes.get(item_id)
        return None

    # --- library -------------------------------------------------------------------------------

    def save_track(self, track_id: str, added_at: str | None = None) -> None:
        """Save a track (newest first); saving a saved track does nothing."""
        with self.lock:
            if track_id not in self.tracks:
                raise KeyError(f"unknown track {track_id}")
            if any(saved_id == track_id for saved_id, _ in self.saved):
                return
            self.saved.insert(0, (track_id, added_at or iso_seconds(datetime.now(UTC))))

    def unsave_track(self, track_id: str) -> None:
        with self.lock:
            self.saved = [(t, a) for t, a in self.saved if t != track_id]

    def is_saved(self, track_id: str) -> bool:
        with self.lock:
            return any(saved_id == track_id for saved_id, _ in self.saved)

    def follow_artist(self, artist_id: str) -> None:
        with self.lock:
            if artist_id not in self.followed_artists:
                self.followed_artists.append(artist_id)

    def add_play(self, track_id: str, played_at: str, context_uri: str | None = None) -> None:
        """Record a play; recently_played stays newest first."""
        with self.lock:
            self.recently_played.append(Play(track_id, played_at, context_uri))
            self.recently_played.sort(key=lambda p: p.played_at, reverse=True)

    def add_device(self, device_id: str, name: str, active: bool = False,
                   device_type: str = "Computer") -> dict[str, Any]:
        with self.lock:
            if active:
                for device in self.devices:
                    device["is_active"] = False
            device = {"id": device_id, "is_active": active, "is_private_session": False,
                      "is_restricted": False, "name": name, "type": device_type,
                      "volume_percent": 60, "supports_volume": True}
            self.devices.append(device)
            return device

    # --- playlists -----------------------------------------------------------------------------

    def add_playlist(self, name: str, *, playlist_id: str | None = None,
                     owner_id: str | None = None, owner_name: str | None = None,
                     description: str = "", public: bool = True, collaborative: bool = False,
                     entries: list[PlaylistEntry] | None = None) -> EmulatorPlaylist:
        """Add a playlist the user has in their list (own unless `owner_id` says otherwise)."""
        with self.lock:
            owner = owner_id or self.user_id
            playlist = EmulatorPlaylist(
                id=playlist_id or make_id("playlist", owner, name, len(self.playlists)),
                name=name, owner_id=owner,
                owner_name=owner_name or (self.display_name if owner == self.user_id else owner),
                description=description, public=public, collaborative=collaborative,
                entries=list(entries or []))
            self.playlists.append(playlist)
            return playlist

    def playlist(self, playlist_id: str) -> EmulatorPlaylist | None:
        with self.lock:
            return next((p for p in [*self.playlists, *self.unfollowed] if p.id == playlist_id),
                        None)

    def unfollow_playlist(self, playlist_id: str) -> bool:
        """What "Delete" does in Spotify's apps: gone from the user's list, still there by id."""
        with self.lock:
            playlist = next((p for p in self.playlists if p.id == playlist_id), None)
            if playlist is None:
                return False
            self.playlists.remove(playlist)
            self.unfollowed.append(playlist)
            return True

    def can_read_items(self, playlist: EmulatorPlaylist) -> bool:
        """2026 rule: items only of playlists the user owns or collaborates on."""
        return playlist.owner_id == self.user_id or playlist.collaborative

    def add_to_playlist(self, playlist_id: str, uris: list[str],
                        position: int | None = None, added_at: str | None = None) -> str:
        """Append (or insert) catalog URIs; returns the new snapshot_id."""
        with self.lock:
            playlist = self._playlist_or_raise(playlist_id)
            when = added_at or iso_seconds(datetime.now(UTC))
            new = [PlaylistEntry(added_at=when, added_by=self.user_id, uri=u) for u in uris]
            at = len(playlist.entries) if position is None else max(0, position)
            playlist.entries[at:at] = new
            playlist.touch()
            return playlist.snapshot_id

    def replace_playlist_items(self, playlist_id: str, uris: list[str]) -> str:
        with self.lock:
            playlist = self._playlist_or_raise(playlist_id)
            when = iso_seconds(datetime.now(UTC))
            playlist.entries = [PlaylistEntry(added_at=when, added_by=self.user_id, uri=u)
                                for u in uris]
            playlist.touch()
            return playlist.snapshot_id

    def remove_from_playlist(self, playlist_id: str, uris: list[str]) -> str:
        with self.lock:
            playlist = self._playlist_or_raise(playlist_id)
            gone = set(uris)
            playlist.entries = [e for e in playlist.entries if e.uri not in gone]
            playlist.touch()
            return playlist.snapshot_id

    def _playlist_or_raise(self, playlist_id: str) -> EmulatorPlaylist:
        playlist = self.playlist(playlist_id)
        if playlist is None:
            raise KeyError(f"unknown playlist {playlist_id}")
        return playlist

    def entry_json(self, playlist: EmulatorPlaylist, entry: PlaylistEntry) -> dict[str, Any]:
        """A /playlists/{id}/items entry: `item` and (deprecation window) the same `track`."""
        item = entry.inline_item if entry.inline_item is not None else (
            self.resolve_uri(entry.uri) if entry.uri else None)
        if item is not None and item.get("type") == "track":
            item = {**item, "episode": False, "track": True}  # as playlist entries carry them
        return {
            "added_at": entry.added_at,
            "added_by": _user_object(entry.added_by),
            "is_local": bool(item and item.get("is_local")),
            "item": item,
            "primary_color": None,
            "track": item,
            "video_thumbnail": {"url": None},
        }

    def playlist_json(self, playlist: EmulatorPlaylist, api_url: str,
                      full: bool = False) -> dict[str, Any]:
        """The playlist object; `items` is {href, total} (simplified) or a first page (full)."""
        items_href = f"{api_url}/playlists/{playlist.id}/items"
        data: dict[str, Any] = {
            "collaborative": playlist.collaborative,
            "description": playlist.description,
            "external_urls": {"spotify": f"https://open.spotify.com/playlist/{playlist.id}"},
            "href": f"{api_url}/playlists/{playlist.id}",
            "id": playlist.id,
            "images": [],
            "name": playlist.name,
            "owner": _user_object(playlist.owner_id, playlist.owner_name),
            "primary_color": None,
            "public": playlist.public,
            "snapshot_id": playlist.snapshot_id,
            "type": "playlist",
            "uri": f"spotify:playlist:{playlist.id}",
            "items": {"href": items_href, "total": len(playlist.entries)},
        }
        if full:
            readable = self.can_read_items(playlist)
            first = playlist.entries[:50] if readable else []
            data["items"] = {
                "href": f"{items_href}?offset=0&limit=50",
                "items": [self.entry_json(playlist, e) for e in first],
                "limit": 50,
                "next": (f"{items_href}?offset=50&limit=50"
                         if readable and len(playlist.entries) > 50 else None),
                "offset": 0,
                "previous": None,
                "total": len(playlist.entries),
            }
        return data


# --- generation ------------------------------------------------------------------------------------

_WORDS = ("Neon", "River", "Glass", "Echo", "Velvet", "Static", "Golden", "Midnight", "Paper",
          "Silver", "Hollow", "Electric", "Quiet", "Wild", "Distant", "Broken", "Crystal", "Lunar",
          "Amber", "Northern", "Falling", "Ocean", "Burning", "Secret", "Summer", "Winter", "Iron",
          "Faded", "Dream", "Signal")
_NOUNS = ("Lights", "Heart", "Road", "Sky", "Machine", "Garden", "City", "Waves", "Fire", "Rain",
          "Horizon", "Mirror", "Pulse", "Shadow", "Wire", "Bloom", "Tide", "Engine", "Room",
          "Frequency")


def _generate_catalog(account: EmulatorAccount, rng: random.Random, seed: int,
                      catalog_size: int, artist_count: int) -> tuple[list[dict[str, Any]],
                                                                      list[str]]:
    """Artists, then albums of 6-12 tracks until the catalogue holds `catalog_size` tracks;
    returns the artists and the track ids in order."""
    artist_objects = []
    for number in range(artist_count):
        name = f"{rng.choice(_WORDS)} {rng.choice(_NOUNS)} {number}"
        artist_objects.append(artist_json(make_id("artist", seed, number), name))
    for artist in artist_objects:
        account.artists[artist["id"]] = artist

    track_ids: list[str] = []
    album_number = 0
    while len(track_ids) < catalog_size:
        artist = artist_objects[album_number % artist_count]
        size = min(rng.randint(6, 12), catalog_size - len(track_ids))
        album_id = make_id("album", seed, album_number)
        year = 1970 + rng.randrange(56)
        album = album_json(album_id, f"{rng.choice(_WORDS)} {rng.choice(_NOUNS)}", [artist],
                           f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                           total_tracks=size, album_type="album" if size > 6 else "ep")
        account.albums[album_id] = album
        for position in range(1, size + 1):
            number = len(track_ids)
            track_id = make_id("track", seed, number)
            performers = [artist]
            if rng.random() < 0.1:
                performers.append(rng.choice(artist_objects))
            isrc = f"QZ{seed % 100:02d}{year % 100:02d}{number:05d}"[:12].ljust(12, "0")
            account.tracks[track_id] = track_json(
                track_id, f"{rng.choice(_WORDS)} {rng.choice(_NOUNS)}", album, performers,
                rng.randint(120_000, 420_000), isrc, position)
            track_ids.append(track_id)
        album_number += 1
    return artist_objects, track_ids


def _generate_playlists(account: EmulatorAccount, rng: random.Random, seed: int, now: datetime,
                        playlists: int, tracks_per_playlist: int, track_ids: list[str]) -> None:
    """Mostly the user's own playlists; every 7th collaborative, every 5th someone else's; the
    first own one holds a local file, a removed track and an episode."""
    user_id = account.user_id
    episode = episode_json(make_id("episode", seed), "Episode 12: Listening", "Emulated Show",
                           1_800_000)
    account.episodes[episode["id"]] = episode
    first_own_done = False
    for number in range(playlists):
        foreign = number % 5 == 4
        collaborative = not foreign and number % 7 == 6
        owner = f"other-user-{number % 3}" if foreign else user_id
        created = now - timedelta(days=rng.randint(10, 900))
        entries = [PlaylistEntry(added_at=iso_seconds(created + timedelta(hours=i)),
                                 added_by=owner, uri=f"spotify:track:{t}")
                   for i, t in enumerate(rng.sample(track_ids,
                                                    min(tracks_per_playlist, len(track_ids))))]
        if not foreign and not first_own_done:
            first_own_done = True
            stamp = iso_seconds(created)
            entries.insert(1, PlaylistEntry(stamp, user_id, inline_item=local_track_json(
                "Home Demo", "Me", "Voice Memos", 143)))
            entries.insert(2, PlaylistEntry(stamp, user_id))  # a track Spotify removed
            entries.append(PlaylistEntry(stamp, user_id, uri=episode["uri"]))
        account.playlists.append(EmulatorPlaylist(
            id=make_id("playlist", seed, number),
            name=f"{rng.choice(_WORDS)} {rng.choice(_NOUNS)} Mix {number}",
            owner_id=owner, owner_name=owner if foreign else account.display_name,
            description="", public=number % 2 == 0, collaborative=collaborative,
            entries=entries))


def _generate_listening(account: EmulatorAccount, rng: random.Random, seed: int, now: datetime,
                        saved_ids: list[str], track_ids: list[str]) -> None:
    """Top tracks and artists per time range (from the saved tracks) and the recent plays."""
    ranked = saved_ids[: min(50, len(saved_ids))]
    for index, time_range in enumerate(TIME_RANGES):
        shuffled = ranked[:]
        random.Random(seed * 31 + index).shuffle(shuffled)
        account.top_tracks[time_range] = shuffled
        counts: dict[str, int] = {}
        for track_id in shuffled:
            for artist in account.tracks[track_id]["artists"]:
                counts[artist["id"]] = counts.get(artist["id"], 0) + 1
        account.top_artists[time_range] = sorted(counts, key=lambda a: (-counts[a], a))[:50]

    moment = now - timedelta(minutes=5)
    for track_id in rng.sample(track_ids, min(50, len(track_ids))):
        context = (f"spotify:playlist:{account.playlists[0].id}"
                   if account.playlists and rng.random() < 0.3 else None)
        account.recently_played.append(Play(track_id, iso_millis(moment), context))
        moment -= timedelta(seconds=rng.randint(150, 400))


def generate_account(seed: int = 0, saved_tracks: int = 200, playlists: int = 10, *,
                     tracks_per_playlist: int = 20, catalog_size: int | None = None,
                     artists: int | None = None, premium: bool = True, devices: int = 1,
                     user_id: str = "emulated-listener",
                     now: datetime | None = None) -> EmulatorAccount:
    """A deterministic account: the same arguments give the same JSON.

    The catalog holds `catalog_size` tracks (default 1.5 x saved, at least 60) on albums of 6-12
    tracks; playlists are mostly the user's own, every 7th is collaborative and every 5th is
    owned by someone else (listed, items 403); the first own playlist holds a local file, a
    removed track (null item) and an episode. Fast enough for 10,000 saved tracks and 200
    playlists (well under a second).
    """
    rng = random.Random(seed)
    now = (now or datetime(2026, 11, 1, 12, 0, tzinfo=UTC)).astimezone(UTC)
    account = EmulatorAccount(user_id=user_id, display_name=f"Listener {seed}", premium=premium)
    catalog_size = catalog_size or max(60, saved_tracks * 3 // 2)
    artist_count = artists or max(8, catalog_size // 25)
    artist_objects, track_ids = _generate_catalog(account, rng, seed, catalog_size, artist_count)

    saved_ids = rng.sample(track_ids, min(saved_tracks, len(track_ids)))
    moments = sorted((now - timedelta(seconds=rng.randint(3600, 3 * 365 * 86400))
                      for _ in saved_ids), reverse=True)
    account.saved = [(t, iso_seconds(m)) for t, m in zip(saved_ids, moments, strict=True)]

    _generate_playlists(account, rng, seed, now, playlists, tracks_per_playlist, track_ids)
    _generate_listening(account, rng, seed, now, saved_ids, track_ids)
    account.followed_artists = [a["id"] for a in artist_objects[: max(1, artist_count // 3)]]
    for number in range(devices):
        account.add_device(make_id("device", seed, number), f"Emulated Device {number + 1}",
                           active=number == 0)
    return account
