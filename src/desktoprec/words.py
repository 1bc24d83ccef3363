"""The words a listener reads for sound descriptors, sound families and data sources (one table)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast, get_args

from desktoprec.domain import SourceCode

if TYPE_CHECKING:
    import numpy as np

# For a descriptor far above / below the average: the word for each side.
DESCRIPTOR_WORDS: dict[str, tuple[str, str]] = {
    "danceability": ("danceable", "not danceable"),
    "energy": ("energetic", "gentle"),
    "loudness": ("loud", "quiet"),
    "loudness_db": ("loud", "quiet"),
    "speechiness": ("spoken-word", "sung"),
    "acousticness": ("acoustic", "electric"),
    "instrumentalness": ("instrumental", "vocal"),
    "liveness": ("live-sounding", "studio"),
    "valence": ("happy", "melancholic"),
    "tempo": ("fast", "slow"),
    "tempo_bpm": ("fast", "slow"),
    "mode": ("major", "minor"),
    "mode_major": ("major", "minor"),
    "brightness": ("bright", "dark"),
    "spectral_centroid": ("bright", "dark"),
    "spectral_centroid_hz": ("bright", "dark"),
    "beat_strength": ("percussive", "smooth"),
    "onset_rate": ("busy", "sparse"),
    "spectral_flatness": ("noisy", "tonal"),
    "dynamic_range": ("dynamic", "compressed"),
    "dynamic_range_db": ("dynamic", "compressed"),
    "beat_regularity": ("steady", "loose"),
}

# The name a listener reads for a descriptor; descriptors not listed here are never shown.
DESCRIPTOR_LABELS: dict[str, str] = {
    "tempo": "tempo", "tempo_bpm": "tempo",
    "energy": "energy",
    "danceability": "danceability",
    "acousticness": "acoustic sound",
    "valence": "cheerfulness",
    "loudness": "loudness", "loudness_db": "loudness",
    "mode": "key", "mode_major": "key",
    "brightness": "brightness", "spectral_centroid": "brightness",
    "spectral_centroid_hz": "brightness",
    "speechiness": "spoken words",
    "instrumentalness": "instrumental sound",
    "liveness": "live feel",
    "beat_strength": "beat strength",
    "onset_rate": "note density",
    "dynamic_range": "dynamics", "dynamic_range_db": "dynamics",
    "beat_regularity": "steadiness",
    "spectral_flatness": "noisiness",
}

# The unit a descriptor's value is in, where it has one (charts print it beside the words).
DESCRIPTOR_UNITS: dict[str, str] = {
    "tempo": "BPM", "tempo_bpm": "BPM", "loudness": "dB", "loudness_db": "dB",
    "spectral_centroid": "Hz", "spectral_centroid_hz": "Hz", "onset_rate": "per s",
    "dynamic_range_db": "dB", "duration_s": "s",
}

# "More X" / "less X" as a listener would say it, per descriptor.
DIRECTION_WORDS: dict[str, tuple[str, str]] = {
    "tempo": ("faster", "slower"), "tempo_bpm": ("faster", "slower"),
    "energy": ("more energy", "less energy"),
    "danceability": ("more danceable", "less danceable"),
    "acousticness": ("more acoustic", "less acoustic"),
    "valence": ("more cheerful", "less cheerful"),
    "loudness": ("louder", "quieter"), "loudness_db": ("louder", "quieter"),
    "mode": ("major keys", "minor keys"), "mode_major": ("major keys", "minor keys"),
    "brightness": ("brighter", "darker"), "spectral_centroid": ("brighter", "darker"),
    "spectral_centroid_hz": ("brighter", "darker"),
    "speechiness": ("more spoken words", "fewer spoken words"),
    "instrumentalness": ("more instrumental", "more vocal"),
}

# Where a block's data came from (domain.SourceCode), as a listener reads it.
SOURCE_WORDS: dict[SourceCode, str] = {
    "own_file": "your own file", "spotify": "Spotify", "preview": "a preview clip",
    "none": "none", "tags": "file tags", "musicbrainz": "MusicBrainz",
    "deezer": "Deezer", "itunes": "iTunes", "listenbrainz": "ListenBrainz",
    "cluster": "sound family", "listening": "your playlists and listening",
    "other": "another source",
}
_SOURCE_CODES: frozenset[str] = frozenset(get_args(SourceCode))
# Codes older databases hold under another name.
_SOURCE_ALIASES: dict[str, SourceCode] = {"metadata": "musicbrainz"}


def source_code(raw: str | None) -> SourceCode:
    """The code for a source name as stored ('own_file', 'deezer', ...); unknown ones are 'other'."""
    if not raw:
        return "none"
    if raw in _SOURCE_ALIASES:
        return _SOURCE_ALIASES[raw]
    return cast(SourceCode, raw) if raw in _SOURCE_CODES else "other"


def source_word(code: str) -> str:
    """What a listener reads for a source code (the one place codes become words)."""
    return SOURCE_WORDS[source_code(code)]


SERVICE_NAMES: dict[str, str] = {
    "deezer": "Deezer", "listenbrainz": "ListenBrainz", "spotify": "Spotify",
    "musicbrainz": "MusicBrainz", "itunes": "iTunes",
}


def label(name: str) -> str | None:
    """The listener's word for a descriptor, or None when it is not for listeners."""
    return DESCRIPTOR_LABELS.get(name)


def format_value(name: str, value: float) -> str:
    """A descriptor value as a listener reads it: '120 BPM', '-8.1 dB', 'major', 'energy 0.72'."""
    if name in ("tempo", "tempo_bpm"):
        return f"{value:.0f} BPM"
    if name in ("loudness", "loudness_db"):
        return f"{value:.1f} dB"
    if name in ("mode", "mode_major"):
        return "major" if value >= 0.5 else "minor"
    if name in ("spectral_centroid", "spectral_centroid_hz"):
        return f"{value:.0f} Hz"
    return f"{value:.2f}"


def describe(name: str, value: float) -> str:
    """'tempo 120 BPM', 'energy 0.72', 'a major key'."""
    shown = format_value(name, value)
    if name in ("mode", "mode_major"):
        return f"a {shown} key"
    return f"{DESCRIPTOR_LABELS.get(name, name)} {shown}"


def name_clusters(centers: np.ndarray, features: Sequence[str], words: int = 3) -> list[str]:
    """Each cluster centre (in standard deviations, one column per name in `features`) named by
    its most distinctive descriptors in DESCRIPTOR_WORDS ("fast · busy"); names are unique."""
    names: list[str] = []
    for center in centers:
        order = sorted(range(len(features)), key=lambda c: (-abs(float(center[c])), c))
        chosen: list[str] = []
        for column in order:
            if len(chosen) == words or abs(center[column]) < 0.25:
                break
            high, low = DESCRIPTOR_WORDS.get(features[column],
                                             (f"high {features[column]}", f"low {features[column]}"))
            chosen.append(high if center[column] > 0 else low)
        name = " · ".join(chosen) or "middle of the road"
        if name in names:  # two clusters alike in their top words: say more, then number them
            extra = [c for c in order[len(chosen):] if abs(center[c]) >= 0.1][:1]
            for column in extra:
                high, low = DESCRIPTOR_WORDS.get(features[column], ("more", "less"))
                name = f"{name} · {high if center[column] > 0 else low}"
            base, suffix = name, 2
            while name in names:
                name, suffix = f"{base} {suffix}", suffix + 1
        names.append(name)
    return names
