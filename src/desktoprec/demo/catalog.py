"""The demo catalog: invented artists, albums and tracks per style, the same on every machine.

Everything is derived from fixed seeds, so ids, ISRCs, names and each track's musical parameters
(tempo, key, mode) never change between runs; the audio synthesizer and the emulator account both
read this catalog, which is how the local demo files match the demo account's Spotify tracks.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from desktoprec.demo.styles import STYLES, Style

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
DEFAULT_TRACKS_PER_STYLE = 18  # 12 styles x 18 = 216 tracks
DEFAULT_ARTISTS_PER_STYLE = 4  # 48 artists
OUTSIDERS_PER_STYLE = 1  # artists outside the library, 3 tracks each (demos of 9+ per style)
OUTSIDERS_FROM = 9  # tracks per style from which the demo has artists outside the library
PITCH_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def spotify_id(kind: str, number: int) -> str:
    """A stable 22-character base62 id, like Spotify's, for the nth object of a kind."""
    digest = int.from_bytes(hashlib.sha256(f"desktoprec-demo:{kind}:{number}".encode()).digest())
    chars = []
    for _ in range(22):
        digest, remainder = divmod(digest, 62)
        chars.append(BASE62[remainder])
    return "".join(chars)


def seed_of(text: str) -> int:
    """A 32-bit seed from any text (stable across processes, unlike hash())."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


@dataclass(frozen=True)
class DemoArtist:
    id: str
    name: str
    style: str
    # Outside the listener's library: never saved, played or followed; reachable only through
    # the catalogues' "related"/"similar" artists (what a real Spotify listener meets).
    outsider: bool = False


@dataclass(frozen=True)
class DemoAlbum:
    id: str
    name: str
    artist_id: str
    style: str
    release_year: int
    album_type: str  # album | single


@dataclass(frozen=True)
class DemoTrack:
    """One demo recording: catalog facts plus the musical parameters its audio is made from."""

    id: str
    name: str
    artist_ids: tuple[str, ...]
    album_id: str
    track_number: int
    isrc: str
    duration_ms: int
    style: str
    tempo: int
    root: int  # pitch class 0..11
    mode: str
    progression: tuple[int, ...]
    seed: int
    # How the local file is tagged: some files carry no genre (so sound clusters matter),
    # a few no ISRC (so matching by artist + title + duration is exercised).
    tag_genre: bool = True
    tag_isrc: bool = True
    # Most demo tracks have no local file (as for most Spotify listeners): they are heard only
    # through emulated 30-second previews of their synthesized audio.
    has_file: bool = True

    @property
    def uri(self) -> str:
        return f"spotify:track:{self.id}"


@dataclass
class DemoCatalog:
    artists: list[DemoArtist] = field(default_factory=list)
    albums: list[DemoAlbum] = field(default_factory=list)
    tracks: list[DemoTrack] = field(default_factory=list)

    def artist(self, artist_id: str) -> DemoArtist:
        return self._artists_by_id()[artist_id]

    def album(self, album_id: str) -> DemoAlbum:
        return self._albums_by_id()[album_id]

    def track(self, track_id: str) -> DemoTrack:
        return self._tracks_by_id()[track_id]

    def library_tracks(self) -> list[DemoTrack]:
        """Tracks the listener's library may hold (not by artists outside it)."""
        outsiders = {a.id for a in self.artists if a.outsider}
        return [t for t in self.tracks if t.artist_ids[0] not in outsiders]

    def tracks_of_artist(self, artist_id: str) -> list[DemoTrack]:
        return [t for t in self.tracks if t.artist_ids[0] == artist_id]

    def tracks_of_album(self, album_id: str) -> list[DemoTrack]:
        return [t for t in self.tracks if t.album_id == album_id]

    def _artists_by_id(self) -> dict[str, DemoArtist]:
        return {a.id: a for a in self.artists}

    def _albums_by_id(self) -> dict[str, DemoAlbum]:
        return {a.id: a for a in self.albums}

    def _tracks_by_id(self) -> dict[str, DemoTrack]:
        return {t.id: t for t in self.tracks}


def _unique_name(rng: random.Random, words: tuple[tuple[str, ...], tuple[str, ...]],
                 taken: set[str]) -> str:
    first, second = words
    for _ in range(200):
        name = f"{rng.choice(first)} {rng.choice(second)}"
        if name not in taken:
            taken.add(name)
            return name
    # The word lists ran out of fresh pairs: number the name so it stays unique.
    base = f"{first[0]} {second[0]}"
    number = 2
    while f"{base} {number}" in taken:
        number += 1
    taken.add(f"{base} {number}")
    return f"{base} {number}"


class _Numbering:
    """The next number of each kind of object (artist, album, track), counting from 1."""

    def __init__(self) -> None:
        self.counters = {"artist": 0, "album": 0, "track": 0}

    def __call__(self, kind: str) -> int:
        self.counters[kind] += 1
        return self.counters[kind]


def _album_sizes(share: int) -> list[int]:
    """One album per three tracks or so; a lone track is a single."""
    remaining = share
    album_sizes = []
    while remaining > 0:
        size = min(remaining, 3 if remaining != 4 else 2)
        album_sizes.append(size)
        remaining -= size
    return album_sizes


@dataclass
class _StyleBuild:
    """One style being dealt out: its random source, its artists, the numbering, clip lengths."""

    catalog: DemoCatalog
    style: Style
    style_index: int
    rng: random.Random
    artists: list[DemoArtist]
    next_number: _Numbering
    seconds: tuple[float, float]


def _add_album_tracks(build: _StyleBuild, artist_index: int, album: DemoAlbum,
                      size: int) -> list[str]:
    """The album's tracks (into the catalog); returns their titles."""
    rng, style, artist = build.rng, build.style, build.artists[artist_index]
    catalog = build.catalog
    title_names: list[str] = []
    for number in range(1, size + 1):
        track_number = build.next_number("track")
        title = _track_title(rng, style, title_names)
        title_names.append(title)
        featured: tuple[str, ...] = ()
        if rng.random() < 0.12 and len(build.artists) > 1:
            other = build.artists[(artist_index + 1) % len(build.artists)]
            featured = (other.id,)
        track_id = spotify_id("track", track_number)
        catalog.tracks.append(DemoTrack(
            id=track_id,
            name=title,
            artist_ids=(artist.id, *featured),
            album_id=album.id,
            track_number=number,
            isrc=f"QZDRC{album.release_year % 100:02d}{track_number:05d}",
            duration_ms=int(rng.uniform(*build.seconds) * 1000),
            style=style.key,
            tempo=rng.randint(*style.tempo),
            root=rng.randrange(12),
            mode=rng.choice(style.modes),
            progression=rng.choice(style.progressions),
            seed=seed_of(track_id),
            # whole artists go untagged by genre, so genre must come from sound
            tag_genre=(artist_index % 2 == 0) or build.style_index % 3 == 0,
            tag_isrc=rng.random() >= 0.06,
            # each artist's first track has a file; the others only a preview
            has_file=not any(t.artist_ids[0] == artist.id for t in catalog.tracks),
        ))
    return title_names


def _add_artist_albums(build: _StyleBuild, artist_index: int, share: int,
                       album_names_taken: set[str]) -> None:
    rng, style, artist = build.rng, build.style, build.artists[artist_index]
    for size in _album_sizes(share):
        album_name = rng.choice(style.album_words)
        if album_name in album_names_taken:
            album_name = f"{album_name} Vol. {len(album_names_taken) + 1}"
        album_names_taken.add(album_name)
        album = DemoAlbum(
            id=spotify_id("album", build.next_number("album")),
            name=album_name if size > 1 else "",
            artist_id=artist.id,
            style=style.key,
            release_year=rng.randint(*style.years),
            album_type="album" if size > 1 else "single",
        )
        title_names = _add_album_tracks(build, artist_index, album, size)
        # a single is named after its track
        build.catalog.albums.append(_renamed(album, title_names[0]) if size == 1 else album)


def build_catalog(
    tracks_per_style: int = DEFAULT_TRACKS_PER_STYLE,
    artists_per_style: int | None = None,
    seconds: tuple[float, float] = (15.0, 20.0),
) -> DemoCatalog:
    """The demo catalog; the same arguments always give the same catalog.

    Without `artists_per_style`, each artist gets about three tracks or more (at most four artists
    per style), so smaller demos still have artists with tracks left to discover.
    """
    if artists_per_style is None:
        artists_per_style = min(DEFAULT_ARTISTS_PER_STYLE, max(1, tracks_per_style // 3))
    if tracks_per_style < 1 or artists_per_style < 1:
        raise ValueError("the demo needs at least one track and one artist per style")
    artists_per_style = min(artists_per_style, tracks_per_style)
    catalog = DemoCatalog()
    artist_names: set[str] = set()
    next_number = _Numbering()
    for style_index, style in enumerate(STYLES):
        rng = random.Random(f"desktoprec-demo-style-{style.key}")
        style_artists = []
        for _ in range(artists_per_style):
            artist = DemoArtist(
                id=spotify_id("artist", next_number("artist")),
                name=_unique_name(rng, style.artist_words, artist_names),
                style=style.key,
            )
            style_artists.append(artist)
            catalog.artists.append(artist)
        # Deal the style's tracks out to its artists as evenly as possible.
        shares = [tracks_per_style // artists_per_style] * artists_per_style
        for i in range(tracks_per_style % artists_per_style):
            shares[i] += 1
        build = _StyleBuild(catalog, style, style_index, rng, style_artists, next_number, seconds)
        album_names_taken: set[str] = set()
        for artist_index, share in enumerate(shares):
            _add_artist_albums(build, artist_index, share, album_names_taken)
    if tracks_per_style >= OUTSIDERS_FROM:
        _add_outsiders(catalog, artist_names, next_number)
    return catalog


def _add_outsiders(catalog: DemoCatalog, artist_names: set[str], next_number: Any) -> None:
    """Per style, artists outside the library with a three-track album and no files (added
    after every other artist, so the library's ids and ISRCs do not change)."""
    for style in STYLES:
        rng = random.Random(f"desktoprec-demo-outsiders-{style.key}")
        for _ in range(OUTSIDERS_PER_STYLE):
            artist = DemoArtist(id=spotify_id("artist", next_number("artist")),
                                name=_unique_name(rng, style.artist_words, artist_names),
                                style=style.key, outsider=True)
            catalog.artists.append(artist)
            album = DemoAlbum(id=spotify_id("album", next_number("album")),
                              name=rng.choice(style.album_words), artist_id=artist.id,
                              style=style.key, release_year=rng.randint(*style.years),
                              album_type="album")
            catalog.albums.append(album)
            titles: list[str] = []
            for number in range(1, 4):
                track_number = next_number("track")
                title = _track_title(rng, style, titles)
                titles.append(title)
                track_id = spotify_id("track", track_number)
                catalog.tracks.append(DemoTrack(
                    id=track_id, name=title, artist_ids=(artist.id,), album_id=album.id,
                    track_number=number,
                    isrc=f"QZDRC{album.release_year % 100:02d}{track_number:05d}",
                    duration_ms=int(rng.uniform(15.0, 20.0) * 1000), style=style.key,
                    tempo=rng.randint(*style.tempo), root=rng.randrange(12),
                    mode=rng.choice(style.modes), progression=rng.choice(style.progressions),
                    seed=seed_of(track_id), has_file=False))


def _renamed(album: DemoAlbum, name: str) -> DemoAlbum:
    return DemoAlbum(id=album.id, name=name, artist_id=album.artist_id, style=album.style,
                     release_year=album.release_year, album_type=album.album_type)


def _track_title(rng: random.Random, style: Style, taken: list[str]) -> str:
    first, second = style.title_words
    for _ in range(50):
        title = f"{rng.choice(first)} {rng.choice(second)}"
        if style.key == "piano":
            title = f"{title} {rng.choice(('major', 'minor'))}, Op. {rng.randint(2, 80)}"
        if title not in taken:
            return title
    return f"{rng.choice(first)} {rng.choice(second)} {len(taken) + 1}"
