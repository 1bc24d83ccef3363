"""A local emulator of Deezer, iTunes Search, MusicBrainz and ListenBrainz: a real HTTP server.

Serves, under one port, `/deezer/…`, `/itunes/…`, `/musicbrainz/…`, `/listenbrainz/…` in the
shapes the real services answer (Deezer's errors as HTTP 200 bodies, MusicBrainz's 404/503,
ListenBrainz's 400 naming the valid algorithms, iTunes' `resultCount: 0`), and `/audio/<name>.mp3`:
synthesized preview clips (click track + chords at a known tempo and key) encoded as real MP3 by
libsndfile, so our DSP really analyses them. Clips are `clip_seconds` long (12 s by default, to keep
tests and the demo quick; the real previews are 30 s).

A `CatalogWorld` says what is served: `world_for_account()` derives one from a Spotify emulator
account (and adds artists outside the listener's library, to the Spotify catalogue too, reachable
only through "related"/"similar"); `load_recorded()` adds the real recorded Deezer answers of
../shared/data/deezer-api, served verbatim for their ids. Faults per service: down, slow, error4
(quota, HTTP 200), error800, 503, 500.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from desktoprec.loopback import LoopbackHandler, LoopbackServer

log = logging.getLogger(__name__)

DEFAULT_CLIP_SECONDS = 12.0
DEFAULT_ALGORITHMS = (
    "session_based_days_7500_session_300_contribution_5_threshold_10_limit_100_filter_True_skip_30",
    "session_based_days_9000_session_300_contribution_5_threshold_15_limit_50_skip_30",
)
# Deezer genre names and the tempo range of the clips generated for them.
GENRES: dict[str, tuple[int, int]] = {
    "Pop": (100, 124), "Rock": (110, 150), "Dance": (120, 130), "Electro": (124, 140),
    "Rap/Hip Hop": (80, 100), "Jazz": (70, 130), "Alternative": (95, 140), "R&B": (70, 100),
    "Classical": (60, 90), "Reggae": (70, 90), "Metal": (140, 190), "Folk": (80, 115),
}
MODES = ("maj", "min")
ROOTS = ("C", "D", "E", "F", "G", "A")
WORDS = ("Velvet", "Neon", "Paper", "Golden", "Silent", "Electric", "Crimson", "Hollow",
         "Lunar", "Wild", "Glass", "Northern", "Static", "Amber")
NOUNS = ("Harbor", "Engines", "Foxes", "Lanterns", "Tides", "Echoes", "Pilots", "Gardens",
         "Satellites", "Rivers", "Wolves", "Mirrors", "Parade", "Circuit")


def _mbid(*parts: object) -> str:
    return str(uuid.UUID(bytes=hashlib.sha256(repr(parts).encode()).digest()[:16], version=4))


def _int_id(*parts: object) -> int:
    return 1_000_000 + int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:4]) % \
        900_000_000


@dataclass(frozen=True)
class Clip:
    """A preview clip's musical parameters (its tempo is what our DSP should measure)."""

    bpm: int
    root: str
    mode: str
    bright: bool


@dataclass
class CatalogWorld:
    deezer_artists: dict[int, dict[str, Any]] = field(default_factory=dict)
    deezer_albums: dict[int, dict[str, Any]] = field(default_factory=dict)
    deezer_tracks: dict[int, dict[str, Any]] = field(default_factory=dict)
    deezer_by_isrc: dict[str, int] = field(default_factory=dict)
    deezer_related: dict[int, list[int]] = field(default_factory=dict)
    deezer_top: dict[int, list[int]] = field(default_factory=dict)
    mb_recordings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lb_similar: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    itunes_songs: list[dict[str, Any]] = field(default_factory=list)
    clips: dict[str, Clip] = field(default_factory=dict)
    # clips made by a renderer of their own (seconds -> MP3 bytes), e.g. the demo's tracks
    renderers: dict[str, Callable[[float], bytes]] = field(default_factory=dict)
    # exact Deezer paths ("/track/3135556") answered with recorded bytes, verbatim
    recorded: dict[str, bytes] = field(default_factory=dict)
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    outsider_artist_ids: set[str] = field(default_factory=set)  # Spotify ids

    def clip_name(self, clip: Clip) -> str:
        name = f"{clip.bpm}-{clip.root}{clip.mode}{'-b' if clip.bright else ''}"
        self.clips[name] = clip
        return name


# --- building a world -------------------------------------------------------------------------


def _deezer_artist(artist_id: int, name: str, fans: int) -> dict[str, Any]:
    return {"id": artist_id, "name": name, "link": f"https://www.deezer.com/artist/{artist_id}",
            "picture": f"https://api.deezer.com/artist/{artist_id}/image", "nb_album": 3,
            "nb_fan": fans, "radio": True,
            "tracklist": f"https://api.deezer.com/artist/{artist_id}/top?limit=50",
            "type": "artist"}


@dataclass
class _WorldBuild:
    """What building one world keeps at hand: the account, the random source, the ids made."""

    account: Any
    world: CatalogWorld
    rng: random.Random
    genre_of: dict[str, str]
    deezer_artist_of: dict[str, int] = field(default_factory=dict)
    deezer_album_of: dict[str, int] = field(default_factory=dict)
    mbid_of: dict[str, str] = field(default_factory=dict)


def _add_outsiders(build: _WorldBuild, seed: int, outsiders: int,
                   tracks_per_outsider: int) -> None:
    """New artists in the Spotify catalogue (never the library), each with one album."""
    from desktoprec.spotify.emulator.account import album_json, artist_json, make_id, track_json

    account, rng, genre_names = build.account, build.rng, list(GENRES)
    for number in range(outsiders):
        genre = genre_names[number % len(genre_names)]
        name = f"{rng.choice(WORDS)} {rng.choice(NOUNS)} X{number}"
        artist = artist_json(make_id("outsider", seed, number), name)
        account.artists[artist["id"]] = artist
        build.world.outsider_artist_ids.add(artist["id"])
        build.genre_of[artist["id"]] = genre
        album_id = make_id("outsider-album", seed, number)
        year = 2000 + rng.randrange(26)
        album = album_json(album_id, f"{rng.choice(WORDS)} {rng.choice(NOUNS)}", [artist],
                           f"{year}-05-01", total_tracks=tracks_per_outsider)
        account.albums[album_id] = album
        for position in range(1, tracks_per_outsider + 1):
            track_id = make_id("outsider-track", seed, number, position)
            isrc = f"QX{seed % 100:02d}{year % 100:02d}{number:04d}{position}"[:12].ljust(12, "0")
            account.tracks[track_id] = track_json(
                track_id, f"{rng.choice(WORDS)} {rng.choice(NOUNS)}", album, [artist],
                rng.randint(150_000, 330_000), isrc, position)


def _add_deezer_artists_and_albums(build: _WorldBuild, album_genre_share: float) -> None:
    """A Deezer artist for every Spotify artist and a Deezer album (with its genre, mostly)
    for every Spotify album."""
    world, rng, genre_names = build.world, build.rng, list(GENRES)
    for artist in build.account.artists.values():
        did = _int_id("deezer-artist", artist["id"])
        build.deezer_artist_of[artist["id"]] = did
        world.deezer_artists[did] = _deezer_artist(did, artist["name"], rng.randint(100, 10**6))
    for album in build.account.albums.values():
        did = _int_id("deezer-album", album["id"])
        build.deezer_album_of[album["id"]] = did
        first = (album.get("artists") or [{}])[0].get("id", "")
        genre = build.genre_of.get(first, "Pop")
        genre_id = 100 + (genre_names.index(genre) if genre in genre_names else
                          _int_id("genre", genre) % 400 + 50)
        album_genres = [{"id": genre_id, "name": genre,
                   "picture": f"https://api.deezer.com/genre/{genre_id}/image", "type": "genre"}
                  ] if rng.random() < album_genre_share else []
        main = world.deezer_artists.get(build.deezer_artist_of.get(first, 0), {})
        world.deezer_albums[did] = {
            "id": did, "title": album["name"], "upc": f"{did:012d}"[:12],
            "link": f"https://www.deezer.com/album/{did}", "genre_id": genre_id if album_genres else -1,
            "genres": {"data": album_genres}, "label": "Emulated Records",
            "nb_tracks": album.get("total_tracks", 0), "duration": 0,
            "release_date": album.get("release_date", ""), "record_type": "album",
            "available": True, "explicit_lyrics": False,
            "artist": {k: main.get(k) for k in ("id", "name", "picture", "tracklist", "type")},
            "type": "album", "tracks": {"data": []}}


def _deezer_track(build: _WorldBuild, track: dict[str, Any], isrc: str, clip: Clip,
                  preview: str) -> dict[str, Any]:
    """The Deezer track object of a Spotify track ("" as `preview`: Deezer has none)."""
    rng, artists = build.rng, track["artists"]
    did = _int_id("deezer-track", track["id"])
    artist = build.world.deezer_artists[build.deezer_artist_of[artists[0]["id"]]]
    album_did = build.deezer_album_of.get((track.get("album") or {}).get("id", ""), 0)
    album = build.world.deezer_albums.get(album_did, {})
    return {
        "id": did, "readable": True, "title": track["name"],
        "title_short": track["name"], "title_version": "", "isrc": isrc,
        "link": f"https://www.deezer.com/track/{did}",
        "duration": round((track.get("duration_ms") or 200_000) / 1000),
        "track_position": track.get("track_number", 1), "disk_number": 1,
        "rank": rng.randint(1000, 900_000), "release_date": album.get("release_date", ""),
        "explicit_lyrics": False,
        "preview": preview,
        "bpm": float(clip.bpm) if rng.random() < 0.8 else 0,
        "gain": round(rng.uniform(-13.0, -5.0), 1),
        "contributors": [{**artist, "role": "Main"}],
        "artist": {k: artist[k] for k in ("id", "name", "link", "picture",
                                          "tracklist", "type")},
        "album": {"id": album_did, "title": album.get("title", ""),
                  "link": f"https://www.deezer.com/album/{album_did}",
                  "release_date": album.get("release_date", ""), "type": "album"},
        "type": "track"}


def _itunes_song(build: _WorldBuild, track: dict[str, Any], genre: str,
                 preview_url: str) -> dict[str, Any]:
    artists = track["artists"]
    return {
        "wrapperType": "track", "kind": "song", "artistId": _int_id("it", artists[0]),
        "trackId": _int_id("it-track", track["id"]), "artistName": artists[0]["name"],
        "collectionName": (track.get("album") or {}).get("name", ""),
        "trackName": track["name"], "previewUrl": preview_url,
        "trackTimeMillis": (track.get("duration_ms") or 0) + build.rng.randint(-900, 900),
        "primaryGenreName": genre.split("/")[0], "country": "USA", "isStreamable": True}


def _mb_recording(build: _WorldBuild, track: dict[str, Any], genre: str) -> dict[str, Any]:
    tag = genre.lower().replace("rap/hip hop", "hip hop")
    return {
        "id": _mbid("recording", track["id"]), "title": track["name"],
        "length": track.get("duration_ms"), "video": False, "disambiguation": "",
        "artist-credit": [{"name": a["name"], "joinphrase": "", "artist": {
            "id": build.mbid_of.get(a["id"], _mbid("artist", a["id"])), "name": a["name"],
            "sort-name": a["name"], "disambiguation": "", "type": "Group"}}
            for a in track["artists"]],
        "genres": [{"id": _mbid("genre", tag), "name": tag, "count": 2,
                    "disambiguation": ""}] if build.rng.random() < 0.8 else [],
        "tags": [{"name": tag, "count": 3}, {"name": "seen live", "count": 1}]}


def _add_track_entries(build: _WorldBuild, shares: tuple[float, float, float, float],
                       audio_base: str,
                       renderer: Callable[[str], Callable[[float], bytes] | None] | None) -> None:
    """Each Spotify track with an ISRC on Deezer, iTunes and MusicBrainz (by the shares:
    Deezer, a Deezer preview, iTunes, MusicBrainz), with a preview clip; then each Deezer
    artist's top tracks."""
    deezer_share, preview_share, itunes_share, musicbrainz_share = shares
    world, rng = build.world, build.rng
    by_artist: dict[int, list[tuple[int, int]]] = {}
    for track in build.account.tracks.values():
        found_isrc = (track.get("external_ids") or {}).get("isrc")
        artists = track.get("artists") or []
        if not isinstance(found_isrc, str) or not found_isrc or not artists:
            continue
        isrc = found_isrc
        outsider = artists[0]["id"] in world.outsider_artist_ids
        genre = build.genre_of.get(artists[0]["id"], "Pop")
        low, high = GENRES.get(genre, (90, 130))
        # a few clips per genre (3 tempos x 2 keys x 2 modes): distinct sounds to analyse stay
        # few, however large the catalogue
        clip = Clip(bpm=low + (high - low) * rng.randrange(3) // 2, root=rng.choice(ROOTS[:2]),
                    mode=rng.choice(MODES), bright=genre in ("Electro", "Metal", "Dance", "Rock"))
        own = renderer(track["id"]) if renderer is not None else None
        if own is not None:
            world.renderers[track["id"]] = own
            preview_url = f"{audio_base}/audio/{track['id']}.mp3"
        else:
            preview_url = f"{audio_base}/audio/{world.clip_name(clip)}.mp3"
        on_deezer = outsider or rng.random() < deezer_share
        has_preview = rng.random() < preview_share
        if on_deezer:
            entry = _deezer_track(build, track, isrc, clip, preview_url if has_preview else "")
            world.deezer_tracks[entry["id"]] = entry
            world.deezer_by_isrc[isrc] = entry["id"]
            by_artist.setdefault(entry["artist"]["id"], []).append((entry["rank"], entry["id"]))
        if not (on_deezer and has_preview) and rng.random() < itunes_share:
            world.itunes_songs.append(_itunes_song(build, track, genre, preview_url))
        if outsider or rng.random() < musicbrainz_share:
            world.mb_recordings[isrc] = [_mb_recording(build, track, genre)]
    for did, tracks in by_artist.items():
        world.deezer_top[did] = [t for _, t in sorted(tracks, reverse=True)][:10]


def _add_relations(build: _WorldBuild) -> None:
    """Related (Deezer) and similar (ListenBrainz) artists: outsiders of the same genre first,
    then library artists of that genre."""
    world, rng, genre_of = build.world, build.rng, build.genre_of
    outsiders_by_genre: dict[str, list[str]] = {}
    library_by_genre: dict[str, list[str]] = {}
    for aid, genre in genre_of.items():
        (outsiders_by_genre if aid in world.outsider_artist_ids else library_by_genre) \
            .setdefault(genre, []).append(aid)
    mbid_of = build.mbid_of
    for aid, genre in genre_of.items():
        pool = [a for a in outsiders_by_genre.get(genre, []) if a != aid]
        rng.shuffle(pool)
        near = [a for a in library_by_genre.get(genre, []) if a != aid][:4]
        chosen = pool[:6] + near
        world.deezer_related[build.deezer_artist_of[aid]] = [build.deezer_artist_of[a]
                                                             for a in chosen]
        world.lb_similar[mbid_of[aid]] = [
            {"artist_mbid": mbid_of[a], "name": build.account.artists[a]["name"],
             "comment": "", "type": "Group", "gender": None, "score": 900 - 60 * rank,
             "reference_mbid": mbid_of[aid]} for rank, a in enumerate(chosen)]


def world_for_account(account: Any, *, seed: int = 0, outsiders: int = 40,
                      tracks_per_outsider: int = 4, deezer_share: float = 0.93,
                      preview_share: float = 0.9, itunes_share: float = 0.7,
                      musicbrainz_share: float = 0.75, album_genre_share: float = 0.9,
                      audio_base: str = "", genres: dict[str, str] | None = None,
                      outsider_ids: set[str] | None = None,
                      renderer: Callable[[str], Callable[[float], bytes] | None] | None = None,
                      ) -> CatalogWorld:
    """A catalogue world for a Spotify emulator account (the account gains outsider artists).

    Every Spotify artist gets a genre; each of its tracks with an ISRC is on Deezer with
    probability `deezer_share` (with a preview with `preview_share`, else `preview: ""`), on
    iTunes (when Deezer has no preview) with `itunes_share`, on MusicBrainz with
    `musicbrainz_share`. `outsiders` new artists, each with `tracks_per_outsider` tracks, join the
    Spotify catalogue (never the library) and are related/similar to library artists of their
    genre. `audio_base` is prefixed to preview URLs (the server fills it in when it starts).
    """
    genre_names = list(GENRES)
    genre_of: dict[str, str] = {a["id"]: (genres or {}).get(a["id"]) or
                                genre_names[i % len(genre_names)]
                                for i, a in enumerate(account.artists.values())}
    build = _WorldBuild(account, CatalogWorld(), random.Random(seed * 7919 + 17), genre_of)
    build.world.outsider_artist_ids.update(outsider_ids or ())
    _add_outsiders(build, seed, outsiders, tracks_per_outsider)
    _add_deezer_artists_and_albums(build, album_genre_share)
    build.mbid_of = {a["id"]: _mbid("artist", a["id"]) for a in account.artists.values()}
    _add_track_entries(build, (deezer_share, preview_share, itunes_share, musicbrainz_share),
                       audio_base, renderer)
    _add_relations(build)
    return build.world


def load_recorded(world: CatalogWorld, folder: Path) -> int:
    """Serve the real recorded Deezer answers (INDEX.json's requests) verbatim; returns how many."""
    index = json.loads((folder / "INDEX.json").read_text(encoding="utf-8"))
    served = 0
    for name, entry in index.items():
        path = urlsplit(entry["request"].split(" ", 1)[1])
        body = (folder / name).read_bytes()
        key = path.path + (f"?{path.query}" if path.query and "search" in path.path else "")
        world.recorded[key] = body
        served += 1
        if name.startswith("track_") and name != "track_not_found.json":
            data = json.loads(body)
            if data.get("isrc"):
                world.recorded[f"/track/isrc:{data['isrc']}"] = body
    return served


# --- audio -------------------------------------------------------------------------------------


def render_clip(clip: Clip, seconds: float = DEFAULT_CLIP_SECONDS) -> bytes:
    """The clip as MP3 bytes (libsndfile's encoder): clicks at `bpm` over chords in the key."""
    import numpy as np
    import soundfile

    from desktoprec.features import synth

    clicks = synth.click_track(float(clip.bpm), seconds=seconds, amplitude=0.5)
    degrees = ((0, clip.mode), (5, clip.mode), (7, "maj"), (0, clip.mode))
    root = synth.PITCH_CLASSES.index(clip.root)
    chords = [(synth.PITCH_CLASSES[(root + step) % 12], quality) for step, quality in degrees]
    per_chord = 60.0 / clip.bpm * 4
    repeats = max(1, int(seconds / (per_chord * len(chords))) + 1)
    harmony = synth.chord_progression(chords, seconds_per_chord=per_chord, repeats=repeats,
                                      amplitude=0.3)
    signal = np.zeros(int(seconds * synth.RATE), dtype=np.float32)
    signal += clicks[:len(signal)]
    signal[:min(len(signal), len(harmony))] += harmony[:len(signal)]
    if clip.bright:
        signal += synth.noise(seconds, "bright", amplitude=0.05, seed=clip.bpm)[:len(signal)]
    signal = (0.8 * signal / max(1e-6, float(np.max(np.abs(signal))))).astype(np.float32)
    buffer = io.BytesIO()
    soundfile.write(buffer, signal, synth.RATE, format="MP3")
    return buffer.getvalue()


# --- the server --------------------------------------------------------------------------------


class CatalogEmulator(LoopbackServer):
    """The four services on one loopback port; `urls()` gives each service's base URL."""

    SERVICES = ("deezer", "itunes", "musicbrainz", "listenbrainz", "audio")
    thread_name = "catalog-emulator"

    def __init__(self, world: CatalogWorld, *, port: int = 0, host: str = "127.0.0.1",
                 clip_seconds: float = DEFAULT_CLIP_SECONDS, slow_s: float = 3.0) -> None:
        super().__init__(_Handler, host, port)
        self.world = world
        self.clip_seconds = clip_seconds
        self.slow_s = slow_s
        self.faults: dict[str, str] = {}  # service -> down | slow | error4 | error800 | 503 | 500
        self.requests: list[tuple[str, str]] = []  # (service, path?query)
        self._clip_cache: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def urls(self) -> dict[str, str]:
        return {name: f"{self.base_url}/{name}" for name in
                ("deezer", "itunes", "musicbrainz", "listenbrainz")}

    def env(self) -> dict[str, str]:
        """The environment variables that point desktoprec at this emulator."""
        urls = self.urls()
        return {"DESKTOPREC_DEEZER_API_URL": urls["deezer"],
                "DESKTOPREC_ITUNES_API_URL": urls["itunes"],
                "DESKTOPREC_MUSICBRAINZ_API_URL": urls["musicbrainz"],
                "DESKTOPREC_LISTENBRAINZ_API_URL": urls["listenbrainz"]}

    def count(self, service: str, prefix: str = "") -> int:
        with self._lock:
            return sum(1 for s, p in self.requests if s == service and p.startswith(prefix))

    def audio(self, name: str) -> bytes | None:
        clip = self.world.clips.get(name)
        own = self.world.renderers.get(name)
        if clip is None and own is None:
            return None
        with self._lock:
            cached = self._clip_cache.get(name)
        if cached is None:
            cached = own(self.clip_seconds) if own is not None else \
                render_clip(clip, self.clip_seconds)  # type: ignore[arg-type]
            with self._lock:
                self._clip_cache[name] = cached
        return cached

    # answers: (status, content type, body, extra headers)
    def answer(self, service: str, path: str, query: dict[str, str]
               ) -> tuple[int, str, bytes, dict[str, str]]:
        handler = getattr(self, f"_{service}")
        return handler(path, query)

    @staticmethod
    def _json(data: Any, status: int = 200) -> tuple[int, str, bytes, dict[str, str]]:
        return status, "application/json; charset=utf-8", json.dumps(data).encode(), {}

    def _deezer_error(self, code: int) -> tuple[int, str, bytes, dict[str, str]]:
        kinds = {4: ("Exception", "Quota limit exceeded"), 800: ("DataException", "no data"),
                 300: ("InvalidQueryException", "Invalid query")}
        kind, message = kinds.get(code, ("Exception", "error"))
        return self._json({"error": {"type": kind, "message": message, "code": code}})

    def _absolute(self, data: dict[str, Any]) -> dict[str, Any]:
        preview = data.get("preview")
        if isinstance(preview, str) and preview.startswith("/audio/"):
            data = {**data, "preview": self.base_url + preview}
        return data

    def _deezer(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes, dict[str, str]]:
        world = self.world
        recorded_key = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items())
                               if "search" in path and query else "")
        for key in (path, recorded_key):
            if key in world.recorded:
                return 200, "application/json; charset=utf-8", world.recorded[key], {}
        parts = [p for p in path.split("/") if p]
        limit = min(100, max(1, int(query.get("limit", "25") or 25))) \
            if query.get("limit", "25").isdigit() else 25
        if len(parts) == 2 and parts[0] == "track":
            key = parts[1]
            did = world.deezer_by_isrc.get(key[5:].upper()) if key.startswith("isrc:") else (
                int(key) if key.isdigit() else None)
            track = world.deezer_tracks.get(did) if did is not None else None
            return self._json(self._absolute(track)) if track else self._deezer_error(800)
        if len(parts) == 2 and parts[0] == "album" and parts[1].isdigit():
            album = world.deezer_albums.get(int(parts[1]))
            return self._json(album) if album else self._deezer_error(800)
        if len(parts) >= 2 and parts[0] == "artist" and parts[1].isdigit():
            did = int(parts[1])
            if did not in world.deezer_artists:
                return self._deezer_error(800)
            if len(parts) == 2:
                return self._json(world.deezer_artists[did])
            if parts[2] == "related":
                items = [world.deezer_artists[a] for a in world.deezer_related.get(did, [])]
                return self._json({"data": items[:limit], "total": len(items)})
            if parts[2] == "top":
                items = []
                for tid in world.deezer_top.get(did, [])[:limit]:
                    full = self._absolute(world.deezer_tracks[tid])
                    items.append({k: v for k, v in full.items() if k not in (
                        "isrc", "bpm", "gain", "track_position", "disk_number",
                        "release_date", "contributors")})
                return self._json({"data": items, "total": len(world.deezer_top.get(did, []))})
        if parts == ["search", "artist"]:
            wanted = query.get("q", "").strip().lower()
            if not wanted:
                return self._deezer_error(300)
            items = [a for a in world.deezer_artists.values() if wanted in a["name"].lower()]
            return self._json({"data": items[:limit], "total": len(items)})
        return self._deezer_error(800)

    def _itunes(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes, dict[str, str]]:
        if path != "/search":
            return 404, "text/plain", b"Not Found", {}
        words = [w for w in query.get("term", "").lower().split() if w]
        limit = int(query["limit"]) if query.get("limit", "").isdigit() else 50
        found = []
        if words:
            for song in self.world.itunes_songs:
                text = f"{song['artistName']} {song['trackName']}".lower()
                if all(w in text for w in words):
                    song = {**song, "previewUrl": self.base_url + song["previewUrl"]
                            if song["previewUrl"].startswith("/") else song["previewUrl"]}
                    found.append(song)
        found = found[:limit]
        return self._json({"resultCount": len(found), "results": found})

    def _musicbrainz(self, path: str, query: dict[str, str]
                     ) -> tuple[int, str, bytes, dict[str, str]]:
        parts = [p for p in path.split("/") if p]
        if len(parts) == 4 and parts[:3] == ["ws", "2", "isrc"]:
            isrc = parts[3].upper()
            recordings = self.world.mb_recordings.get(isrc)
            if recordings is None:
                return self._json({"error": "Not Found", "help": "For usage, please see: "
                                   "https://musicbrainz.org/development/mmd"}, 404)
            return self._json({"isrc": isrc, "recordings": recordings})
        return self._json({"error": "Invalid resource"}, 400)

    def _listenbrainz(self, path: str, query: dict[str, str]
                      ) -> tuple[int, str, bytes, dict[str, str]]:
        if path != "/similar-artists/json":
            return self._json({"code": 404, "error": "Not found"}, 404)
        algorithm = query.get("algorithm", "")
        if algorithm not in self.world.algorithms:
            return self._json({"code": 400, "error": (
                f"Invalid algorithm {algorithm!r}. Valid algorithms: "
                + ", ".join(self.world.algorithms))}, 400)
        out: list[dict[str, Any]] = []
        for mbid in query.get("artist_mbids", "").split(","):
            out.extend(self.world.lb_similar.get(mbid.strip(), []))
        return self._json(out)

    def _audio(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes, dict[str, str]]:
        name = path.rsplit("/", 1)[-1].removesuffix(".mp3")
        body = self.audio(name)
        if body is None:
            return 404, "text/plain", b"no such clip", {}
        return 200, "audio/mpeg", body, {}


class _Handler(LoopbackHandler["CatalogEmulator"]):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("catalog emulator: " + format, *args)

    def do_GET(self) -> None:
        emulator = self.owner
        parts = urlsplit(self.path)
        segments = parts.path.split("/", 2)
        service = segments[1] if len(segments) > 1 else ""
        rest = "/" + (unquote(segments[2]) if len(segments) > 2 else "")
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with emulator._lock:
            emulator.requests.append((service, rest + (f"?{parts.query}" if parts.query else "")))
        if service not in CatalogEmulator.SERVICES:
            self._send(404, "text/plain", b"unknown service", {})
            return
        fault = emulator.faults.get(service)
        if fault == "down":
            self.close_connection = True
            self.connection.close()
            return
        if fault == "slow":
            time.sleep(emulator.slow_s)
        if fault in ("503", "500"):
            body = b'{"error": "Your requests are exceeding the allowable rate limit."}'
            self._send(int(fault), "application/json", body, {"Retry-After": "0"})
            return
        if fault in ("error4", "error800") and service == "deezer":
            status, kind, body, headers = emulator._deezer_error(int(fault[5:]))
            self._send(status, kind, body, headers)
            return
        try:
            status, kind, body, headers = emulator.answer(service, rest, query)
        except Exception:
            log.exception("catalog emulator failed on %s", self.path)
            status, kind, body, headers = 500, "text/plain", b"internal error", {}
        self._send(status, kind, body, headers)

    def _send(self, status: int, kind: str, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
