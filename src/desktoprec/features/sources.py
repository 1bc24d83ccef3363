"""Where each track's sound comes from: own file (DSP), Spotify audio features, preview, none.

Writes `track_sound`: the source, a flat dict of named descriptors (the names the recommender
uses: tempo, energy, danceability, acousticness, valence, loudness, mode, brightness, ...), and a
float32 vector of the raw values in SOUND_NAMES order (nan where the source has no such value;
standardizing is the recommender's job).

Previews: the enrich step (catalogs/enrich.py, opt-in per source) downloads and analyses 30-second
previews and records each track's preview analysis in `catalog_answers` (service "preview");
this refresh only reads them, it never contacts anything. Deezer's own bpm and gain are copied to
`sound_evidence` beside our analysis.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select

from desktoprec.domain import Progress
from desktoprec.errors import Cancelled
from desktoprec.features.dsp import ANALYZER_VERSION, N_MFCC, PITCH_CLASSES
from desktoprec.storage.tables import (
    AnalysisRow,
    AudioFeaturesRow,
    CatalogAnswerRow,
    LocalFileRow,
    SoundEvidenceRow,
    TrackRow,
    TrackSoundRow,
)
from desktoprec.timeutil import db_now

log = logging.getLogger(__name__)

# own-file descriptor -> the shared name in track_sound
_DSP_TO_SOUND = {
    "tempo_bpm": "tempo",
    "energy": "energy",
    "danceability": "danceability",
    "acousticness": "acousticness",
    "valence": "valence",
    "loudness_db": "loudness",
    "mode_major": "mode",
    "brightness": "brightness",
    "spectral_centroid_hz": "spectral_centroid",
    "spectral_bandwidth_hz": "spectral_bandwidth",
    "spectral_rolloff_hz": "spectral_rolloff",
    "spectral_flatness": "spectral_flatness",
    "spectral_contrast": "spectral_contrast",
    "zero_crossing_rate": "zcr",
    "onset_rate": "onset_rate",
    "beat_strength": "beat_strength",
    "beat_regularity": "beat_regularity",
    "dynamic_range_db": "dynamic_range",
    "key_strength": "key_strength",
    **{f"mfcc_mean_{i}": f"mfcc_mean_{i}" for i in range(N_MFCC)},
    **{f"mfcc_std_{i}": f"mfcc_std_{i}" for i in range(N_MFCC)},
    **{f"chroma_{p}": f"chroma_{p}" for p in PITCH_CLASSES},
}
_SPOTIFY_FEATURES = ("tempo", "energy", "danceability", "acousticness", "valence", "loudness",
                     "mode", "speechiness", "instrumentalness", "liveness")

SOUND_NAMES: tuple[str, ...] = tuple(dict.fromkeys(
    [*_DSP_TO_SOUND.values(), "speechiness", "instrumentalness", "liveness"]))


def sound_from_analysis(descriptors: dict[str, Any]) -> dict[str, float]:
    """The named sound descriptors of an own-file analysis (numbers only)."""
    out: dict[str, float] = {}
    for dsp_name, name in _DSP_TO_SOUND.items():
        value = descriptors.get(dsp_name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            out[name] = float(value)
    return out


def sound_from_spotify(features: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name in _SPOTIFY_FEATURES:
        value = features.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            out[name] = float(value)
    if out.get("tempo") == 0.0:
        out.pop("tempo")  # Spotify's 0 means "no tempo found"
    return out


def sound_vector(sound: dict[str, float]) -> np.ndarray:
    return np.asarray([sound.get(name, math.nan) for name in SOUND_NAMES], dtype=np.float32)


CHUNK = 1000  # tracks per read-and-write step: memory stays flat for large libraries


def own_file_analyses(session: Any, track_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """track id -> the current-version analysis of one of its present files."""
    rows = session.execute(
        select(LocalFileRow.track_id, AnalysisRow.descriptors)
        .join(AnalysisRow, AnalysisRow.content_hash == LocalFileRow.content_hash)
        .where(LocalFileRow.removed.is_(False), LocalFileRow.track_id.in_(track_ids),
               AnalysisRow.analyzer_version == ANALYZER_VERSION, AnalysisRow.ok.is_(True))
        .order_by(LocalFileRow.path)
    ).all()
    found: dict[str, dict[str, Any]] = {}
    for track_id, descriptors in rows:
        if track_id not in found and descriptors:
            found[track_id] = descriptors
    return found


def preview_analyses(session: Any, track_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """track id -> the current-version analysis of its preview (from an earlier enrich)."""
    rows = session.execute(
        select(CatalogAnswerRow.key, CatalogAnswerRow.value)
        .where(CatalogAnswerRow.service == "preview", CatalogAnswerRow.status == "found",
               CatalogAnswerRow.key.in_(track_ids))).all()
    digest_of = {key: value.get("hash") for key, value in rows
                 if isinstance(value, dict) and isinstance(value.get("hash"), str)}
    if not digest_of:
        return {}
    analyses = {row.content_hash: row.descriptors for row in session.scalars(
        select(AnalysisRow).where(AnalysisRow.content_hash.in_(set(digest_of.values())),
                                  AnalysisRow.analyzer_version == ANALYZER_VERSION,
                                  AnalysisRow.ok.is_(True)))}
    return {tid: analyses[d] for tid, d in digest_of.items() if analyses.get(d)}


def refresh_sound_evidence(db: Any) -> int:
    """Rewrite `sound_evidence` from stored Deezer answers (bpm, gain) and preview origins."""
    with db.read() as session:
        isrc_of = dict(session.execute(select(TrackRow.id, TrackRow.isrc)
                                       .where(TrackRow.isrc.is_not(None))).all())
        deezer = {key[5:]: value for key, value in session.execute(
            select(CatalogAnswerRow.key, CatalogAnswerRow.value).where(
                CatalogAnswerRow.service == "deezer", CatalogAnswerRow.status == "found",
                CatalogAnswerRow.key.like("isrc:%")))}
        origin = {key: (value or {}).get("from") for key, value in session.execute(
            select(CatalogAnswerRow.key, CatalogAnswerRow.value).where(
                CatalogAnswerRow.service == "preview", CatalogAnswerRow.status == "found"))}
    rows = []
    for track_id, isrc in isrc_of.items():
        answer = deezer.get((isrc or "").upper())
        if not isinstance(answer, dict):
            continue
        bpm, gain = answer.get("bpm"), answer.get("gain")
        rows.append({"track_id": track_id, "service": "deezer",
                     "bpm": float(bpm) if isinstance(bpm, (int, float)) else None,
                     "gain": float(gain) if isinstance(gain, (int, float)) else None,
                     "preview_from": origin.get(track_id)})
    with db.write() as session:
        session.execute(delete(SoundEvidenceRow))
        for first in range(0, len(rows), 500):
            session.execute(insert(SoundEvidenceRow), rows[first:first + 500])
    return len(rows)


def refresh_track_sound(db: Any, progress: Progress | None = None,
                        cancel: threading.Event | None = None) -> dict[str, int]:
    """Bring `track_sound` up to date for every track (rows whose sound is unchanged are left as
    they are); returns how many tracks each source served.

    Works through the tracks a chunk at a time (read, then insert-or-replace), and finally drops
    rows of tracks that no longer exist. Previews count once the enrich step (catalogs/enrich.py)
    has downloaded and analysed them.
    """
    counts = {"own_file": 0, "spotify": 0, "preview": 0, "none": 0}
    with db.read() as session:
        track_ids = list(session.scalars(select(TrackRow.id).order_by(TrackRow.id)))
    now = db_now()
    total = len(track_ids)
    for first in range(0, total, CHUNK):
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        chunk = track_ids[first:first + CHUNK]
        with db.read() as session:
            own = own_file_analyses(session, chunk)
            spotify = {row.track_id: row.features for row in session.scalars(
                select(AudioFeaturesRow).where(AudioFeaturesRow.track_id.in_(chunk)))}
            previews = preview_analyses(session, chunk)
            stored = {row.track_id: (row.source, row.descriptors, row.vector) for row in session.scalars(
                select(TrackSoundRow).where(TrackSoundRow.track_id.in_(chunk)))}
        values = []
        for track_id in chunk:
            sound: dict[str, float] = {}
            source = "none"
            if track_id in own:
                sound = sound_from_analysis(own[track_id])
                source = "own_file" if sound else "none"
            if not sound and isinstance(spotify.get(track_id), dict):
                sound = sound_from_spotify(spotify[track_id])
                source = "spotify" if sound else "none"
            if not sound and track_id in previews:
                sound = sound_from_analysis(previews[track_id])
                source = "preview" if sound else "none"
            counts[source] += 1
            vector = sound_vector(sound).tobytes() if sound else None
            if stored.get(track_id) == (source, sound or None, vector):
                continue  # unchanged: its time stamp stays, so the library's stamp does too
            values.append({"track_id": track_id, "source": source, "descriptors": sound or None,
                           "vector": vector, "updated_at": now})
        if values:
            with db.write() as session:
                session.execute(insert(TrackSoundRow).prefix_with("OR REPLACE"), values)
        if progress:
            progress("sound sources", min(first + CHUNK, total), total)
    with db.write() as session:
        session.execute(delete(TrackSoundRow).where(
            TrackSoundRow.track_id.not_in(select(TrackRow.id))))
    return counts
