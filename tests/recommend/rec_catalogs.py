"""Small catalogs built in the recommendation tests: six artists in three genres, playlists, versions."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from desktoprec.recommend.catalog import Catalog

SOUND_NAMES = ("energy", "tempo", "valence", "acousticness", "danceability")
# artist -> (genre, typical sound)
ARTISTS = {
    "rock1": ("rock", (0.9, 150.0, 0.5, 0.1, 0.5)),
    "rock2": ("rock", (0.85, 145.0, 0.45, 0.15, 0.55)),
    "jazz1": ("jazz", (0.3, 90.0, 0.4, 0.85, 0.4)),
    "jazz2": ("jazz", (0.25, 85.0, 0.35, 0.9, 0.35)),
    "pop1": ("pop", (0.65, 120.0, 0.9, 0.2, 0.85)),
    "pop2": ("pop", (0.6, 118.0, 0.85, 0.25, 0.8)),
}
TRACKS_PER_ARTIST = 8
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def make_catalog(seed: int = 0, *, missing_sound: int = 0) -> Catalog:
    rng = np.random.default_rng(seed)
    ids, names, artists, keys, sound, genres, years, isrcs = [], [], [], [], [], [], [], []
    for artist, (genre, typical) in ARTISTS.items():
        for k in range(TRACKS_PER_ARTIST):
            ids.append(f"{artist}_t{k}")
            names.append(f"{artist.title()} Song {k}")
            artists.append((artist.upper(),))
            keys.append((artist,))
            jitter = rng.normal(0, 0.04, len(typical)) * np.array([1, 60, 1, 1, 1])
            sound.append(np.asarray(typical) + jitter)
            genres.append((genre,))
            years.append(2000 + (5 if genre == "rock" else 15 if genre == "pop" else -30)
                         + rng.integers(0, 3))
            isrcs.append(f"ISRC{artist}{k}")
    # Other versions of rock1's first song: a live take, and a relinked copy with the same ISRC.
    for extra_id, extra_name, isrc in (("rock1_live", "Rock1 Song 0 - Live", "ISRCX"),
                                       ("rock1_relink", "Different Title", "ISRCrock10")):
        ids.append(extra_id)
        names.append(extra_name)
        artists.append(("ROCK1",))
        keys.append(("rock1",))
        sound.append(np.asarray(ARTISTS["rock1"][1]))
        genres.append(("rock",))
        years.append(2005)
        isrcs.append(isrc)
    sound_arr = np.asarray(sound, dtype=np.float32)
    sound_source = ["spotify"] * len(ids)
    for i in range(missing_sound):
        sound_arr[-1 - i] = np.nan
        sound_source[-1 - i] = "none"
    index = {t: i for i, t in enumerate(ids)}
    playlists = [
        ["rock1_t0", "rock1_t1", "rock2_t0", "rock2_t1", "rock1_t2"],
        ["rock1_t3", "rock2_t2", "rock2_t3", "pop1_t0"],
        ["jazz1_t0", "jazz1_t1", "jazz2_t0", "jazz2_t1"],
        ["pop1_t1", "pop1_t2", "pop2_t0", "pop2_t1", "rock2_t4"],
        ["rock1_t1", "rock2_t5", "rock2_t0"],
    ]
    return Catalog(
        ids=ids, names=names, artists=artists, artist_keys=keys,
        albums=[f"{k[0]} album" for k in keys], album_keys=[f"alb_{k[0]}" for k in keys],
        uris=[f"spotify:track:{t}" for t in ids], isrcs=isrcs,
        year=np.asarray(years, dtype=np.float32),
        duration_ms=np.full(len(ids), 200_000, dtype=np.float32),
        sound=sound_arr, sound_names=SOUND_NAMES, sound_source=sound_source,
        genres=genres, genre_source=["tags"] * len(ids),
        contexts=[np.asarray([index[t] for t in p], dtype=np.int32) for p in playlists],
        context_ids=[f"pl{i}" for i in range(len(playlists))],
        context_kinds=["playlist"] * len(playlists),
    )
