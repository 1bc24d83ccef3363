"""Test signals whose tempo, key, mode, level and brightness are known by construction."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

RATE = 22050
PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def click_track(bpm: float, seconds: float = 20.0, rate: int = RATE,
                amplitude: float = 0.5) -> np.ndarray:
    """Short decaying 1.5 kHz clicks, one per beat, with an accent on every bar's first beat."""
    total = int(seconds * rate)
    signal = np.zeros(total, dtype=np.float32)
    length = int(0.03 * rate)
    t = np.arange(length) / rate
    click = np.sin(2 * np.pi * 1500.0 * t) * np.exp(-t / 0.006)
    period = 60.0 / bpm
    beat = 0
    while True:
        start = round(beat * period * rate)
        if start + length > total:
            break
        gain = 1.0 if beat % 4 == 0 else 0.7
        signal[start:start + length] += (gain * click).astype(np.float32)
        beat += 1
    return amplitude * signal


def _midi_to_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69) / 12.0)


def chord_notes(root: str, quality: str, octave: int = 4) -> list[int]:
    """MIDI notes of a triad: quality 'maj' or 'min'."""
    base = 12 * (octave + 1) + PITCH_CLASSES.index(root)
    third = 4 if quality == "maj" else 3
    return [base, base + third, base + 7]


def chord_progression(chords: Sequence[tuple[str, str]], seconds_per_chord: float = 2.0,
                      rate: int = RATE, amplitude: float = 0.3, repeats: int = 3) -> np.ndarray:
    """Triads of soft harmonic tones (plus the root an octave down), each with an attack."""
    pieces = []
    length = int(seconds_per_chord * rate)
    t = np.arange(length) / rate
    envelope = np.minimum(1.0, t / 0.02) * np.exp(-t / (seconds_per_chord * 1.5))
    for _ in range(repeats):
        for root, quality in chords:
            notes = chord_notes(root, quality)
            notes.append(notes[0] - 12)
            tone = np.zeros(length)
            for note in notes:
                freq = _midi_to_hz(note)
                for harmonic, weight in ((1, 1.0), (2, 0.4), (3, 0.15)):
                    tone += weight * np.sin(2 * np.pi * freq * harmonic * t)
            pieces.append(tone * envelope)
    signal = np.concatenate(pieces)
    return (amplitude * signal / np.max(np.abs(signal))).astype(np.float32)


def noise(seconds: float, color: str, rate: int = RATE, amplitude: float = 0.3,
          seed: int = 0) -> np.ndarray:
    """White noise filtered 'dark' (low-pass ~400 Hz) or 'bright' (high-pass ~3 kHz)."""
    from desktoprec.features.filters import butterworth

    rng = np.random.default_rng(seed)
    white = rng.standard_normal(int(seconds * rate))
    if color == "dark":
        shaped = butterworth(white, 400.0, rate, order=4, kind="low")
    elif color == "bright":
        shaped = butterworth(white, 3000.0, rate, order=4, kind="high")
    else:
        shaped = white
    return (amplitude * shaped / np.max(np.abs(shaped))).astype(np.float32)


def write_audio(path: Path, signal: np.ndarray, rate: int = RATE, channels: int = 1,
                subtype: str | None = None) -> Path:
    """Write with libsndfile in blocks (one large OGG write has crashed libsndfile)."""
    import soundfile

    data = np.asarray(signal, dtype=np.float32)
    if channels == 2 and data.ndim == 1:
        data = np.stack([data, data], axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    with soundfile.SoundFile(str(path), "w", samplerate=rate, channels=channels,
                             subtype=subtype) as handle:
        for start in range(0, len(data), 8192):
            handle.write(data[start:start + 8192])
    return path
