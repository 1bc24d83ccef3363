"""Deterministic synthesis of the demo tracks' audio (numpy), written as tagged FLAC files.

Each track is rendered from its style's recipe and its own seed: drums at the track's tempo, a bass
line and chords in its key and mode, and a timbre per style (noise bursts, saws, sines, plucks,
distortion), so analysis finds real differences in tempo, brightness and texture. The same track
always gives the same samples and the same file bytes.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from desktoprec.atomicfile import replacing
from desktoprec.demo.catalog import DemoCatalog, DemoTrack
from desktoprec.demo.styles import MODES, STYLE_BY_KEY, DrumPattern, Style
from desktoprec.domain import Progress
from desktoprec.errors import Cancelled, StorageError

log = logging.getLogger(__name__)

SAMPLE_RATE = 22050
WRITE_BLOCK_FRAMES = 8192
AUDIO_VERSION = "4"  # bump when the synthesis changes, so old demo files are rebuilt


# --- small building blocks ------------------------------------------------------------------------


def _midi_to_hz(note: float) -> float:
    return float(440.0 * 2.0 ** ((note - 69.0) / 12.0))


def _times(seconds: float) -> np.ndarray:
    return np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE


def _saw(freq: float, t: np.ndarray, phase: float = 0.0) -> np.ndarray:
    return 2.0 * ((freq * t + phase) % 1.0) - 1.0


def _square(freq: float, t: np.ndarray) -> np.ndarray:
    return np.where((freq * t) % 1.0 < 0.5, 1.0, -1.0)


def _additive(freq: float, t: np.ndarray, amplitudes: Sequence[float],
              decays: Sequence[float] | None = None, stretch: float = 0.0) -> np.ndarray:
    """A sum of harmonics, each with its own decay (seconds); stretch adds piano-like inharmonicity."""
    out = np.zeros_like(t)
    for k, amplitude in enumerate(amplitudes, start=1):
        partial = freq * k * np.sqrt(1.0 + stretch * k * k)
        if partial >= SAMPLE_RATE / 2 - 200:
            break
        tone = amplitude * np.sin(2 * np.pi * partial * t)
        if decays is not None:
            tone *= np.exp(-t / decays[k - 1])
        out += tone
    return out


def _envelope(n: int, attack: float, release: float) -> np.ndarray:
    env = np.ones(n)
    a = min(n, max(1, int(attack * SAMPLE_RATE)))
    r = min(n - a, max(1, int(release * SAMPLE_RATE)))
    env[:a] = np.linspace(0.0, 1.0, a)
    if r > 0:
        env[n - r:] *= np.linspace(1.0, 0.0, r)
    return env


def _lowpass(x: np.ndarray, cutoff: float, order: int = 2) -> np.ndarray:
    from desktoprec.features.filters import butterworth  # numpy only: no scipy.signal to bundle

    cutoff = min(max(cutoff, 40.0), SAMPLE_RATE / 2 - 500)
    return butterworth(x, cutoff, SAMPLE_RATE, order=order, kind="low")


def _highpass(x: np.ndarray, cutoff: float, order: int = 2) -> np.ndarray:
    from desktoprec.features.filters import butterworth

    return butterworth(x, cutoff, SAMPLE_RATE, order=order, kind="high")


def _place(bus: np.ndarray, sound: np.ndarray, at_seconds: float, gain: float = 1.0) -> None:
    start = int(at_seconds * SAMPLE_RATE)
    if start >= len(bus) or start < 0:
        return
    end = min(len(bus), start + len(sound))
    bus[start:end] += gain * sound[: end - start]


# --- drums ------------------------------------------------------------------------------------------


@dataclass
class _DrumKit:
    kick: np.ndarray
    snare: np.ndarray
    hat: np.ndarray
    open_hat: np.ndarray
    ride: np.ndarray
    shaker: np.ndarray


def _drum_kit(rng: np.random.Generator, style: Style, pattern: DrumPattern) -> _DrumKit:
    t = _times(0.45)
    low = 42.0 + rng.uniform(-4, 6)
    sweep = low + (80.0 + rng.uniform(0, 40)) * np.exp(-t / 0.03)
    kick = np.sin(2 * np.pi * np.cumsum(sweep) / SAMPLE_RATE) * np.exp(-t / (0.10 + rng.uniform(0, .08)))
    kick[:40] += np.linspace(0.6, 0.0, 40)  # the beater's click

    tail = pattern.snare_tail
    t_snare = _times(max(0.25, tail * 4))
    noise = _highpass(rng.standard_normal(len(t_snare)), 1200.0)
    snare = 0.6 * np.sqrt(0.08 / tail) * noise * np.exp(-t_snare / tail) + 0.5 * np.sin(
        2 * np.pi * (170 + rng.uniform(0, 40)) * t_snare) * np.exp(-t_snare / 0.04)

    t_hat = _times(0.25)
    hiss = _highpass(rng.standard_normal(len(t_hat)), 6000.0, order=4)
    hat = 0.45 * hiss * np.exp(-t_hat / 0.018)
    open_hat = 0.35 * hiss * np.exp(-t_hat / 0.11)

    t_ride = _times(0.6)
    metal = sum(np.sin(2 * np.pi * f * t_ride) for f in (2960.0, 4170.0, 5230.0, 6710.0))
    ride_noise = _highpass(rng.standard_normal(len(t_ride)), 5000.0)
    ride = (0.12 * metal + 0.2 * ride_noise) * np.exp(-t_ride / 0.35)

    t_shaker = _times(0.12)
    shake = _highpass(rng.standard_normal(len(t_shaker)), 4000.0)
    shaker = 0.3 * shake * np.minimum(t_shaker / 0.012, 1.0) * np.exp(-t_shaker / 0.035)
    return _DrumKit(kick, snare, hat, open_hat, ride, shaker)


def _grid(track: DemoTrack, total: int) -> tuple[float, float, float, float]:
    """(length, beat, 4/4 bar, sixteenth step) in seconds of `total` samples of the track."""
    beat = 60.0 / track.tempo
    return total / SAMPLE_RATE, beat, 4 * beat, beat / 4


def _render_drums(rng: np.random.Generator, style: Style, track: DemoTrack,
                  total: int) -> np.ndarray:
    bus = np.zeros(total)
    pattern = style.drums
    if pattern is None:
        return bus
    kit = _drum_kit(rng, style, pattern)
    seconds, _, _, step = _grid(track, total)
    steps = int(seconds / step) + 1
    voices = (("kick", 1.0), ("snare", 0.8), ("hat", 0.5), ("open_hat", 0.5),
              ("ride", 0.5), ("shaker", 0.6))
    for index in range(steps):
        position = index % 16
        late = pattern.swing * step if position % 2 == 1 else 0.0
        at = index * step + late
        for voice, gain in voices:
            hit = getattr(pattern, voice)[position]
            if hit == ".":
                continue
            velocity = (1.0 if hit == "x" else 0.55) * rng.uniform(0.85, 1.0)
            _place(bus, getattr(kit, voice), at, gain * velocity)
    return bus


# --- harmony ----------------------------------------------------------------------------------------


def _scale_note(track: DemoTrack, degree: int, octave: int) -> int:
    """The MIDI note of a scale degree (may exceed 7: wraps into higher octaves)."""
    steps = MODES[track.mode]
    octave_shift, index = divmod(degree, len(steps))
    return 12 * (octave + 1 + octave_shift) + track.root + steps[index]


def _chord(track: DemoTrack, degree: int, octave: int, size: int = 3) -> list[int]:
    return [_scale_note(track, degree + 2 * i, octave) for i in range(size)]


# Instruments whose notes use no randomness: a note rendered once is reused (chords repeat a lot).
_PURE_INSTRUMENTS = frozenset({"soft_pad", "stab", "power", "ep", "piano", "pluck", "bell",
                               "sine_lead", "saw_lead", "sub", "walking", "root8"})


@functools.lru_cache(maxsize=512)
def _pure_note(kind: str, freq: float, samples: int) -> np.ndarray:
    note = _render_note(kind, freq, samples / SAMPLE_RATE, None)
    note.setflags(write=False)
    return note


def _note(kind: str, freq: float, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """One note of an instrument, already enveloped."""
    if kind in _PURE_INSTRUMENTS:
        return _pure_note(kind, round(freq, 4), int(seconds * SAMPLE_RATE))
    return _render_note(kind, freq, seconds, rng)


def _render_note(kind: str, freq: float, seconds: float,
                 rng: np.random.Generator | None) -> np.ndarray:
    return np.asarray(_note_samples(kind, freq, seconds, rng), dtype=np.float64)


def _note_samples(kind: str, freq: float, seconds: float,
                  rng: np.random.Generator | None) -> Any:
    t = _times(seconds)
    n = len(t)
    if n == 0:
        return t
    if kind == "pad" and rng is not None:
        detune = 1.0 + rng.uniform(0.002, 0.006)
        tone = _saw(freq, t) + _saw(freq * detune, t, 0.3) + _saw(freq / detune, t, 0.6)
        return tone / 3.0 * _envelope(n, min(0.4, seconds / 3), min(0.4, seconds / 3))
    if kind == "soft_pad":
        tone = np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(2 * np.pi * freq * 2.003 * t)
        return tone * _envelope(n, seconds / 2.5, seconds / 2.5)
    if kind == "stab":
        return (_saw(freq, t) + _square(freq * 1.003, t) * 0.5) * np.exp(-t / 0.09)
    if kind == "power":
        return _saw(freq, t) * _envelope(n, 0.005, 0.03)
    if kind == "ep":
        tone = _additive(freq, t, (1.0, 0.35, 0.12), (1.6, 0.5, 0.25))
        return tone * (1.0 + 0.15 * np.sin(2 * np.pi * 5.0 * t)) * _envelope(n, 0.004, 0.05)
    if kind == "piano":
        tone = _additive(freq, t, (1.0, 0.5, 0.33, 0.25, 0.2, 0.15, 0.1, 0.08),
                         (2.2, 1.4, 0.9, 0.6, 0.45, 0.35, 0.3, 0.25), stretch=0.0004)
        return tone * _envelope(n, 0.003, 0.08)
    if kind == "pluck":
        tone = _additive(freq, t, (1.0, 0.6, 0.4, 0.3, 0.2, 0.15),
                         (0.9, 0.45, 0.25, 0.15, 0.1, 0.07))
        return tone * _envelope(n, 0.002, 0.03)
    if kind == "bell":
        tone = _additive(freq, t, (1.0, 0.0, 0.0, 0.0), (3.0, 1.0, 1.0, 1.0))
        tone += 0.4 * np.sin(2 * np.pi * freq * 2.76 * t) * np.exp(-t / 1.2)
        tone += 0.2 * np.sin(2 * np.pi * freq * 5.4 * t) * np.exp(-t / 0.5)
        return tone * _envelope(n, 0.002, 0.2)
    if kind == "sine_lead":
        vibrato = 1.0 + 0.004 * np.sin(2 * np.pi * 5.5 * t)
        phase = 2 * np.pi * np.cumsum(freq * vibrato) / SAMPLE_RATE
        return (np.sin(phase) + 0.2 * np.sin(2 * phase)) * _envelope(n, 0.03, 0.08)
    if kind == "saw_lead":
        return _saw(freq, t) * _envelope(n, 0.005, 0.04) * np.exp(-t / 0.4)
    if kind == "sub":
        return np.sin(2 * np.pi * freq * t) * _envelope(n, 0.005, 0.04)
    if kind == "reese" and rng is not None:
        tone = _saw(freq, t) + _saw(freq * 1.012, t, 0.5)
        wobble = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.5, 2.0) * t)
        return _lowpass(tone * (0.6 + 0.4 * wobble), 400 + 900 * rng.uniform()) * _envelope(
            n, 0.01, 0.05)
    if kind == "acid" and rng is not None:
        tone = _saw(freq, t) if rng.random() < 0.6 else _square(freq, t)
        cutoff = rng.uniform(300, 3500)
        return _lowpass(tone * np.exp(-t / 0.12), cutoff, order=4) * 1.6
    if kind == "walking":
        return (np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(4 * np.pi * freq * t)) * np.exp(
            -t / 0.5) * _envelope(n, 0.01, 0.05)
    if kind == "root8":
        return (_saw(freq, t) * 0.5 + np.sin(2 * np.pi * freq * t)) * _envelope(n, 0.004, 0.03)
    raise ValueError(f"unknown instrument {kind}")


def _render_bass(rng: np.random.Generator, style: Style, track: DemoTrack,
                 total: int) -> np.ndarray:
    bus = np.zeros(total)
    if style.bass == "none":
        return bus
    seconds, beat, bar, step = _grid(track, total)
    bass_octave = max(1, style.octave - 2) if style.bass != "pedal" else 2
    bars = int(seconds / bar) + 1
    if style.bass == "pedal":
        root = _midi_to_hz(_scale_note(track, 0, bass_octave))
        _place(bus, 0.5 * _note("soft_pad", root, seconds, rng), 0.0)
        return bus
    for b in range(bars):
        degree = track.progression[b % len(track.progression)]
        next_degree = track.progression[(b + 1) % len(track.progression)]
        if style.bass == "walking":
            # quarter notes walking from this chord's root toward the next one
            targets = [degree, degree + 2, degree + 4,
                       next_degree + (1 if next_degree < degree else -1)]
            for q, target in enumerate(targets):
                freq = _midi_to_hz(_scale_note(track, target, bass_octave))
                _place(bus, 0.9 * _note("walking", freq, beat * 0.95, rng), b * bar + q * beat)
            continue
        on = [i for i, c in enumerate(style.bass_steps) if c == "x"]
        for k, position in enumerate(on):
            following = on[k + 1] if k + 1 < len(on) else 16
            length = (following - position) * step * 0.92
            note_degree = degree
            if style.bass == "acid" and rng.random() < 0.35:
                note_degree = degree + rng.choice((4, 6, 7))
            freq = _midi_to_hz(_scale_note(track, note_degree, bass_octave))
            kind = {"sub": "sub", "reese": "reese", "acid": "acid", "root8": "root8",
                    "pluck": "pluck", "offbeat": "sub"}[style.bass]
            _place(bus, 0.8 * _note(kind, freq, length, rng), b * bar + position * step)
    return bus


STAB_RHYTHMS = ((2, 6, 10, 14), (3, 6, 11, 14))


def _render_chords(rng: np.random.Generator, style: Style, track: DemoTrack,
                   total: int) -> np.ndarray:
    bus = np.zeros(total)
    if style.chords == "none":
        return bus
    seconds, beat, bar, step = _grid(track, total)
    for b in range(int(seconds / bar) + 1):
        degree = track.progression[b % len(track.progression)]
        start = b * bar
        if style.chords == "pad":
            kind = "soft_pad" if style.key == "ambient" else "pad"
            for note in _chord(track, degree, style.octave, 4 if style.key == "ambient" else 3):
                _place(bus, 0.35 * _note(kind, _midi_to_hz(note), bar * 1.02, rng), start)
        elif style.chords == "stab":
            # one stab rhythm per track (off-beats or a syncopated figure), as a producer would
            for position in STAB_RHYTHMS[track.seed % len(STAB_RHYTHMS)]:
                for note in _chord(track, degree, style.octave):
                    _place(bus, 0.3 * _note("stab", _midi_to_hz(note), step * 1.5, rng),
                           start + position * step)
        elif style.chords == "power":
            root = _scale_note(track, degree, style.octave)
            for position in range(0, 16, 2):
                for note in (root, root + 7, root + 12):
                    _place(bus, 0.3 * _note("power", _midi_to_hz(note), step * 1.9, rng),
                           start + position * step)
        elif style.chords == "ep":
            notes = _chord(track, degree, style.octave, 4)
            for position in (0, 6) if style.key == "jazz" else (0, 10):
                for note in notes:
                    _place(bus, 0.28 * _note("ep", _midi_to_hz(note), beat * 1.8, rng),
                           start + position * step)
        elif style.chords == "piano":
            notes = _chord(track, degree, style.octave, 3)
            broken = [_scale_note(track, degree, style.octave - 1), *notes, notes[1] + 12, notes[2]]
            for i in range(8):
                wobble = rng.uniform(-0.02, 0.02) * beat  # a pianist's rubato
                note = broken[i % len(broken)]
                _place(bus, 0.4 * _note("piano", _midi_to_hz(note), beat * 2.5, rng),
                       start + i * beat / 2 + wobble)
        elif style.chords == "strum":
            notes = [_scale_note(track, degree, style.octave), *_chord(track, degree,
                                                                          style.octave + 1)]
            for position in (0, 4, 6, 10, 12):
                for i, note in enumerate(notes):
                    _place(bus, 0.25 * _note("pluck", _midi_to_hz(note), beat * 1.2, rng),
                           start + position * step + i * 0.012)
        elif style.chords == "skank":
            for position in (4, 12):
                for note in _chord(track, degree, style.octave + 1):
                    _place(bus, 0.3 * _note("stab", _midi_to_hz(note), step * 0.8, rng),
                           start + position * step)
    return bus


def _render_lead(rng: np.random.Generator, style: Style, track: DemoTrack,
                 total: int) -> np.ndarray:
    bus = np.zeros(total)
    if style.lead == "none":
        return bus
    seconds, beat, _, _ = _grid(track, total)
    degree = 0
    at = beat * rng.integers(0, 4)
    spacing = {"bell": 2.0, "sine": 1.0, "pluck": 1.0, "saw": 0.5}[style.lead]
    kind = {"bell": "bell", "sine": "sine_lead", "pluck": "pluck", "saw": "saw_lead"}[style.lead]
    octave = style.octave + 1
    while at < seconds:
        degree = int(np.clip(degree + rng.integers(-2, 3), -3, 9))
        length = beat * spacing * rng.choice((1, 1, 2))
        if rng.random() > 0.2:  # rests keep the line alive
            freq = _midi_to_hz(_scale_note(track, degree + 7, octave - 1))
            _place(bus, 0.25 * _note(kind, freq, length * 1.5, rng), at)
        at += length
    return bus


# --- the whole track --------------------------------------------------------------------------------


def synthesize(track: DemoTrack) -> np.ndarray:
    """The track's audio: mono float32 at SAMPLE_RATE, peak below 1. Deterministic per track."""
    style = STYLE_BY_KEY[track.style]
    rng = np.random.default_rng(track.seed)
    total = int(track.duration_ms / 1000 * SAMPLE_RATE)
    drums = _render_drums(rng, style, track, total)
    bass = _render_bass(rng, style, track, total)
    harmony = _render_chords(rng, style, track, total) + _render_lead(rng, style, track, total)
    brightness = float(np.clip(style.brightness + rng.uniform(-0.08, 0.08), 0.05, 1.0))
    harmony = _lowpass(harmony, 300.0 + brightness ** 1.5 * 9000.0)
    if style.distortion > 0:
        harmony = np.tanh(style.distortion * harmony) / np.tanh(style.distortion)
        bass = np.tanh(style.distortion * 0.5 * bass)
    mix = 1.0 * drums + 0.9 * bass + 0.8 * harmony
    if style.noise > 0:
        bed = _lowpass(rng.standard_normal(total), 1500.0 + 4000.0 * brightness, order=4)
        mix += style.noise * bed * (np.max(np.abs(mix)) or 1.0) * 0.5
    mix *= _envelope(total, 0.02, 0.4)
    mix /= float(np.max(np.abs(mix))) or 1.0
    mix = np.tanh(style.drive * mix) / np.tanh(style.drive)  # mastering: louder, less dynamic
    return np.asarray(style.peak * mix / (float(np.max(np.abs(mix))) or 1.0), dtype=np.float32)


# --- files ------------------------------------------------------------------------------------------


def relative_path(catalog: DemoCatalog, track: DemoTrack) -> Path:
    """Where a track's file lives under the demo music folder: Artist/Album/NN Title.flac."""
    artist = catalog.artist(track.artist_ids[0]).name
    album = catalog.album(track.album_id).name
    return Path(_safe(artist)) / _safe(album) / f"{track.track_number:02d} {_safe(track.name)}.flac"


def _safe(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in " -_.,()'&" else "_" for c in name).strip(" .")
    return cleaned or "untitled"


@dataclass(frozen=True)
class FileJob:
    """Everything a worker needs to write one file (plain values: it crosses processes)."""

    track: DemoTrack
    path: str
    title: str
    artists: tuple[str, ...]
    album: str
    album_artist: str
    year: int
    genre: str | None
    isrc: str | None


def file_jobs(catalog: DemoCatalog, music_dir: Path) -> list[FileJob]:
    jobs = []
    for track in catalog.tracks:
        if not track.has_file:
            continue  # heard only through its emulated preview
        album = catalog.album(track.album_id)
        style = STYLE_BY_KEY[track.style]
        jobs.append(FileJob(
            track=track,
            path=str(music_dir / relative_path(catalog, track)),
            title=track.name,
            artists=tuple(catalog.artist(a).name for a in track.artist_ids),
            album=album.name,
            album_artist=catalog.artist(album.artist_id).name,
            year=album.release_year,
            genre=style.genre if track.tag_genre else None,
            isrc=track.isrc if track.tag_isrc else None,
        ))
    return jobs


def write_file(job: FileJob) -> str:
    """Synthesize and write one tagged FLAC file; returns its path. Runs in worker processes."""
    import mutagen.flac
    import soundfile

    samples = synthesize(job.track)
    path = Path(job.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with replacing(path) as partial:
            with soundfile.SoundFile(partial, "w", samplerate=SAMPLE_RATE, channels=1,
                                     format="FLAC", subtype="PCM_16") as out:
                for start in range(0, len(samples), WRITE_BLOCK_FRAMES):
                    out.write(samples[start:start + WRITE_BLOCK_FRAMES])
            tagged = mutagen.flac.FLAC(partial)  # type: ignore[no-untyped-call]
            tagged["title"] = job.title
            tagged["artist"] = list(job.artists)
            tagged["album"] = job.album
            tagged["albumartist"] = job.album_artist
            tagged["date"] = str(job.year)
            tagged["tracknumber"] = str(job.track.track_number)
            if job.genre:
                tagged["genre"] = job.genre
            if job.isrc:
                tagged["isrc"] = job.isrc
            tagged.save()
    except (OSError, RuntimeError, mutagen.MutagenError) as exc:
        raise StorageError(f"The demo audio file {path} could not be written: {exc}") from exc
    return str(path)


def write_files(jobs: Sequence[FileJob], *, workers: int | None = None,
                progress: Progress | None = None,
                cancel: threading.Event | None = None,
                on_written: Callable[[str], None] | None = None) -> list[str]:
    """Write all files (in worker processes when there are several cores); paths in job order.

    `on_written(path)` hears of each finished file at once, so a cancelled run loses nothing.
    """
    total = len(jobs)
    finished_count = 0
    _check_cancel(cancel)
    if progress:
        progress("demo audio", 0, total)
    workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
    if workers <= 1 or total < 8:
        written = []
        for job in jobs:
            _check_cancel(cancel)
            written.append(write_file(job))
            if on_written:
                on_written(written[-1])
            if progress:
                progress("demo audio", len(written), total)
        return written
    # spawn: safe next to the emulator's threads and Qt; workers import only this module
    futures: list[Future[str]] = []
    reported: set[int] = set()

    def report(index: int) -> None:
        reported.add(index)
        if on_written:
            on_written(futures[index].result())

    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(write_file, job) for job in jobs]
            position = {future: index for index, future in enumerate(futures)}
            pending: set[Future[str]] = set(futures)
            try:
                while pending:
                    finished, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                    for future in finished:
                        report(position[future])
                    finished_count += len(finished)
                    if finished and progress:
                        progress("demo audio", finished_count, total)
                    _check_cancel(cancel)
            finally:
                for future in pending:
                    future.cancel()
    except BrokenProcessPool as exc:
        raise StorageError("A worker writing the demo audio stopped unexpectedly.") from exc
    finally:
        # files the workers were still finishing when cancel came are done too: say so
        for index, future in enumerate(futures):
            if (index not in reported and future.done() and not future.cancelled()
                    and future.exception() is None):
                report(index)
    return [future.result() for future in futures]


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled("Preparing the demo was cancelled; the files written so far are kept.")
