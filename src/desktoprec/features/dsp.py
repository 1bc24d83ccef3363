"""Audio descriptors of one file: one decode, one STFT, every descriptor computed from those.

The decode reads four 30-second windows (at 15 %, 38 %, 62 % and 85 % of the track) when a track
is longer than 120 s, and the whole track otherwise, mixed to mono at 22050 Hz. One short-time
Fourier transform (4096-point Hann window, hop 512) then feeds tempo and beat descriptors (from a
spectral-flux onset envelope), key and mode (chroma against Krumhansl-Kessler key profiles),
loudness and dynamic range (gated frame RMS), the spectral shape descriptors, MFCCs, and the
Spotify-style summaries (energy, danceability, acousticness, brightness, valence).

Only numpy (and soxr for resampling) run on the hot path: the filter banks are built here rather
than taken from librosa, whose helpers compile numba kernels (~20 s cold per machine), so a fresh
worker process starts analysing at once.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from desktoprec.errors import AnalysisError

log = logging.getLogger(__name__)

# Bump when any descriptor's meaning or computation changes: cached analyses are keyed by it.
ANALYZER_VERSION = "dsp-6"

SAMPLE_RATE = 22050
N_FFT = 4096
HOP = 512
WINDOW_SECONDS = 30.0
# Measured on 41 real tracks against whole-track analysis: 4 x 30 s agree on tempo for 83 % and
# on key+mode for 76 % (3 x 30 s: 73 % / 66 %) at a fifth of the whole-track CPU and memory.
WHOLE_TRACK_UP_TO_SECONDS = 120.0
WINDOW_POSITIONS = (0.15, 0.38, 0.62, 0.85)
N_MFCC = 13
N_MELS = 64
MIN_TEMPO_SECONDS = 4.0  # shorter audio has too few beats for a tempo
SILENCE_RMS = 1e-4  # about -80 dBFS
SHAPE_FRAMES = 1024  # frames sampled for the per-frame spectral shape statistics
NO_PULSE_REGULARITY = 0.01
WEAK_PULSE_REGULARITY = 0.1
WEAK_PULSE_STRENGTH = 0.04
WEAK_PULSE_PROMINENCE = 0.7  # a weak pulse whose tempo stands out this far is still a tempo
# Tempo: the salience of a tempo is the onset envelope's autocorrelation at its period times the
# envelope's spectrum at its frequency. The autocorrelation also peaks at every multiple of the
# period (slower levels), the spectrum at every multiple of the frequency (faster levels); their
# product peaks at the level both agree on. Each level then gains part of the salience of its
# metrical relatives: twice and half its tempo, three times and a third, 3/2 and 2/3 (a comb over
# the levels a beat can be mistaken for). A log-normal preference (TEMPO_PRIOR_OCTAVES around
# TEMPO_PRIOR_BPM) breaks near ties between levels.
TEMPO_PRIOR_BPM = 120.0
TEMPO_PRIOR_OCTAVES = 0.75
TEMPO_SUPPORT = ((2.0, 0.5), (0.5, 0.5), (3.0, 0.2), (1.0 / 3.0, 0.2), (1.5, 0.2),
                 (2.0 / 3.0, 0.2))  # (tempo factor, share of that tempo's salience)
TEMPO_RANGE_BPM = (40.0, 240.0)
FFMPEG_TIMEOUT_S = 120.0

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

# Key: a semitone spectrum (MIDI 24-107) of each frame's magnitude, frames weighted equally, from
# which a share of every lower note's 2nd to 5th harmonics (octave, twelfth, two octaves, major
# third above) is taken out; folded to 12 pitch classes it is correlated with key profiles that
# model 4 harmonics of each scale note (slope 0.6), plus a bonus for the key's tonic, dominant
# and subdominant triads. Measured choices: docs/ACCURACY.md.
SEMITONE_LOW, SEMITONE_HIGH = 24, 108
HARMONIC_OFFSETS = ((12, 1.0), (19, 0.7), (24, 0.5), (28, 0.35))  # semitones above, weight
HARMONIC_SUPPRESSION = 0.5
PROFILE_HARMONICS, PROFILE_SLOPE = 4, 0.6
TRIAD_WEIGHT = 0.5
# Key profiles, C major then C minor. The one used is KEY_PROFILE; the others are kept for the
# measurements in docs/ACCURACY.md (`bench accuracy --set KEY_PROFILE=krumhansl`).
KEY_PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    # tonic-weighted diatonic values of the "bgate" family (Faraldo et al.)
    "bgate": ((1.00, 0.00, 0.42, 0.00, 0.53, 0.37, 0.00, 0.77, 0.00, 0.38, 0.21, 0.30),
              (1.00, 0.00, 0.36, 0.39, 0.00, 0.38, 0.00, 0.74, 0.27, 0.00, 0.42, 0.23)),
    # Krumhansl & Kessler's probe-tone ratings (1982)
    "krumhansl": ((6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
                  (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)),
    # Temperley's revision of them (1999)
    "temperley": ((5.0, 2.0, 3.5, 2.0, 4.5, 4.0, 2.0, 4.5, 2.0, 3.5, 1.5, 4.0),
                  (5.0, 2.0, 3.5, 4.5, 2.0, 4.0, 2.0, 4.5, 3.5, 2.0, 1.5, 4.0)),
}
KEY_PROFILE = "bgate"
KEY_FRAMES_EQUAL = True  # False: loud frames count more (a plain mean of the magnitudes)

# The numeric descriptors, in the order of a sound vector (see `descriptor_vector`).
DESCRIPTOR_NAMES: tuple[str, ...] = (
    "tempo_bpm",
    "beat_strength",
    "beat_regularity",
    "onset_rate",
    "loudness_db",
    "dynamic_range_db",
    "spectral_centroid_hz",
    "spectral_bandwidth_hz",
    "spectral_rolloff_hz",
    "spectral_flatness",
    "spectral_contrast",
    "zero_crossing_rate",
    "mode_major",
    "key_strength",
    "energy",
    "danceability",
    "acousticness",
    "brightness",
    "valence",
    *(f"mfcc_mean_{i}" for i in range(N_MFCC)),
    *(f"mfcc_std_{i}" for i in range(N_MFCC)),
    *(f"chroma_{name}" for name in PITCH_CLASSES),
)

# libsndfile reads wav, flac, ogg (vorbis and opus), mp3, aiff; these go straight to ffmpeg
_AUDIO_SUFFIXES_NEEDING_FFMPEG = {".m4a", ".mp4", ".aac", ".alac", ".wma", ".webm", ".ape"}


# --- decoding ------------------------------------------------------------------------------------


@dataclass
class Decoded:
    """Mono excerpts at SAMPLE_RATE and what the file says about itself."""

    windows: list[np.ndarray]
    duration_s: float
    source_rate: int
    channels: int
    decoder: str
    excerpt: bool


def _windows_for(duration: float, whole_track: bool = False) -> list[tuple[float, float]]:
    """(start, length) in seconds of the parts of a track that are analysed."""
    if whole_track or duration <= WHOLE_TRACK_UP_TO_SECONDS:
        return [(0.0, duration)]
    spans = []
    for position in WINDOW_POSITIONS:
        start = max(0.0, min(duration - WINDOW_SECONDS, duration * position - WINDOW_SECONDS / 2))
        spans.append((start, WINDOW_SECONDS))
    return spans


def _to_mono_resampled(block: np.ndarray, rate: int) -> np.ndarray:
    mono = block.mean(axis=1) if block.ndim == 2 else block
    mono = np.ascontiguousarray(mono, dtype=np.float32)
    if rate != SAMPLE_RATE and mono.size:
        import soxr

        mono = soxr.resample(mono, rate, SAMPLE_RATE, quality="MQ").astype(np.float32, copy=False)
    return mono


def _decode_soundfile(path: Path, whole_track: bool = False) -> Decoded:
    import soundfile

    with soundfile.SoundFile(str(path)) as handle:
        rate = int(handle.samplerate)
        channels = int(handle.channels)
        frames = int(handle.frames)
        if rate <= 0:
            raise AnalysisError("not an audio file (no sample rate)")
        duration = frames / rate if frames > 0 else 0.0
        windows = []
        for start, length in _windows_for(duration, whole_track):
            first = int(start * rate)
            if first:
                handle.seek(first)
            count = int(length * rate) if frames > 0 else -1
            block = handle.read(count, dtype="float32", always_2d=True)
            if count > 0 and block.shape[0] < count - rate:  # more than 1 s short
                kind = str(handle.format).lower().replace("mpeg", "mp3")
                ends = (first + block.shape[0]) / rate
                raise AnalysisError(f"truncated or damaged {kind} stream (audio stops at "
                                    f"{ends:.1f} s of the {duration:.1f} s its header declares)")
            windows.append(_to_mono_resampled(block, rate))
    decoded_seconds = sum(w.size for w in windows) / SAMPLE_RATE
    if frames <= 0:
        duration = decoded_seconds
    return Decoded(windows, duration, rate, channels, "soundfile", duration > decoded_seconds + 1)


def _ffprobe(path: Path) -> tuple[float | None, int | None]:
    """The container's duration and the first audio stream's channel count, when ffprobe knows."""
    probe = shutil.which("ffprobe")
    if not probe:
        return None, None
    try:
        done = subprocess.run(
            [probe, "-v", "error", "-select_streams", "a:0", "-show_entries",
             "format=duration:stream=channels", "-of", "json", str(path)],
            capture_output=True, timeout=30, check=False,
        )
        info = json.loads(done.stdout.decode("utf-8", "replace") or "{}")
    except (ValueError, subprocess.SubprocessError, OSError):
        return None, None
    duration: float | None = None
    channels: int | None = None
    try:
        duration = float(info.get("format", {}).get("duration"))
    except (TypeError, ValueError):
        pass
    streams = info.get("streams") or [{}]
    value = streams[0].get("channels") if isinstance(streams[0], dict) else None
    if isinstance(value, int) and 0 < value <= 64:
        channels = value
    return duration, channels


def _ffmpeg_error(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace")
    lowered = text.lower()
    if "invalid data found" in lowered or "could not find codec" in lowered:
        return "not an audio file"
    if "does not contain any stream" in lowered or "output file #0 does not contain" in lowered:
        return "no audio stream in the file"
    last = [line for line in text.strip().splitlines() if line.strip()]
    return f"could not be decoded ({last[-1][:160]})" if last else "could not be decoded"


def _decode_ffmpeg(path: Path, whole_track: bool = False) -> Decoded:
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        raise AnalysisError(
            "this format needs ffmpeg to decode, and ffmpeg is not installed",
            hint="install ffmpeg (e.g. `apt-get install ffmpeg`)",
        )
    probed_duration, channels = _ffprobe(path)
    duration = probed_duration or 0.0
    spans = _windows_for(duration, whole_track) if duration > 0 else [(0.0, 0.0)]
    windows = []
    for start, length in spans:
        command = [ffmpeg, "-nostdin", "-v", "error", "-ss", f"{start:.3f}", "-i", str(path)]
        if length > 0:
            command += ["-t", f"{length:.3f}"]
        # The file's own channels, averaged here as the soundfile path does: ffmpeg's mono
        # downmix weights each channel by 1/sqrt(2), which read the same audio 3 dB louder from
        # an m4a than from a flac.
        command += ["-vn", "-ac", str(channels or 1), "-ar", str(SAMPLE_RATE), "-f", "f32le", "-"]
        try:
            done = subprocess.run(command, capture_output=True, timeout=FFMPEG_TIMEOUT_S,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise AnalysisError("decoding took too long (ffmpeg timed out)") from exc
        if done.returncode != 0 and not done.stdout:
            raise AnalysisError(_ffmpeg_error(done.stderr))
        width = channels or 1
        interleaved = np.frombuffer(done.stdout, dtype="<f4")
        interleaved = interleaved[: interleaved.size - interleaved.size % width]
        samples = interleaved.reshape(-1, width).mean(axis=1, dtype=np.float32)
        if length > 0 and samples.size < (0.9 * length - 1.0) * SAMPLE_RATE:
            kind = path.suffix.lower().lstrip(".") or "audio"
            ends = start + samples.size / SAMPLE_RATE
            raise AnalysisError(f"truncated or damaged {kind} stream (audio stops at "
                                f"{ends:.1f} s of the {duration:.1f} s its header declares)")
        windows.append(samples)
    decoded_seconds = sum(w.size for w in windows) / SAMPLE_RATE
    if duration <= 0:
        duration = decoded_seconds
    if decoded_seconds == 0 and duration == 0:
        raise AnalysisError("not an audio file")
    return Decoded(windows, duration, SAMPLE_RATE, channels or 1, "ffmpeg",
                   duration > decoded_seconds + 1)


def _sniff(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(64)


def _looks_like_audio(head: bytes) -> bool:
    """True when the first bytes carry the signature of a container or stream we know."""
    signatures = (b"OggS", b"fLaC", b"RIFF", b"RIFX", b"RF64", b"ID3", b"FORM", b"wvpk",
                  b"MAC ", b"\x30\x26\xb2\x75", b".snd", b"caff", b"\x1a\x45\xdf\xa3")
    if head.startswith(signatures):
        return True
    if len(head) >= 8 and head[4:8] == b"ftyp":
        return True
    # an MPEG audio or ADTS frame sync
    return len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0


def _ogg_truncation(path: Path, size: int) -> str | None:
    """'truncated ogg stream' when the last Ogg page is cut short or the stream never ends."""
    tail_size = min(size, 131072)
    with path.open("rb") as handle:
        handle.seek(size - tail_size)
        tail = handle.read(tail_size)
    index = tail.rfind(b"OggS")
    while index >= 0:
        if index + 27 <= len(tail):
            segments = tail[index + 26]
            if index + 27 + segments <= len(tail):
                body = sum(tail[index + 27:index + 27 + segments])
                end = index + 27 + segments + body
                if end > len(tail) or not (tail[index + 5] & 0x04):
                    return "truncated ogg stream"
                return None
            return "truncated ogg stream"
        index = tail.rfind(b"OggS", 0, index)
    return "truncated ogg stream"


def _wav_truncation(path: Path, size: int) -> str | None:
    """'truncated wav file' when the data chunk declares more bytes than the file holds.

    Streaming writers put 0, 0xFFFFFFFF or similar placeholders in the size: those are not errors.
    """
    import struct

    with path.open("rb") as handle:
        header = handle.read(4096)
    offset = 12
    while offset + 8 <= len(header):
        chunk = header[offset:offset + 4]
        length = struct.unpack("<I", header[offset + 4:offset + 8])[0]
        if chunk == b"data":
            if 0 < length < 0xFFFFFF00 and offset + 8 + length > size + 1:
                have = size - offset - 8
                return f"truncated wav file ({have} of {length} audio bytes present)"
            return None
        offset += 8 + length + (length & 1)
    return None


def _soundfile_error_text(exc: Exception, head: bytes) -> str:
    text = str(exc)
    lowered = text.lower()
    if not _looks_like_audio(head):
        return "not an audio file"
    if head.startswith(b"OggS"):
        return "truncated or damaged ogg stream"
    if head.startswith(b"fLaC"):
        return "truncated or damaged flac stream"
    if head.startswith((b"RIFF", b"RIFX", b"RF64")):
        return "truncated or damaged wav file"
    if "format not recognised" in lowered or "unknown format" in lowered:
        return "not an audio file"
    return f"could not be decoded ({text[:160]})"


def decode(path: str | os.PathLike[str], *, whole_track: bool = False) -> Decoded:
    """Read the analysed windows of a file as mono float32 at SAMPLE_RATE; AnalysisError if not.

    whole_track=True reads all of it (the benchmark uses it to measure what excerpts cost).
    """
    target = Path(path)
    if not target.exists():
        raise AnalysisError("file not found")
    if target.is_dir():
        raise AnalysisError("is a folder, not a file")
    try:
        size = target.stat().st_size
        head = _sniff(target)
    except OSError as exc:
        raise AnalysisError(f"could not be read ({exc.strerror or exc})") from exc
    if size == 0:
        raise AnalysisError("empty file")
    if head.startswith(b"OggS"):
        problem = _ogg_truncation(target, size)
        if problem:
            raise AnalysisError(problem)
    if head.startswith(b"RIFF"):
        problem = _wav_truncation(target, size)
        if problem:
            raise AnalysisError(problem)
    suffix = target.suffix.lower()
    first_error: str | None = None
    if suffix not in _AUDIO_SUFFIXES_NEEDING_FFMPEG:
        try:
            decoded = _decode_soundfile(target, whole_track)
            if decoded.windows and any(w.size for w in decoded.windows):
                return decoded
            if decoded.duration_s == 0 and not head.startswith(b"OggS"):
                return decoded  # a valid file with no samples: analysed as silence
            first_error = _soundfile_error_text(RuntimeError("no samples"), head)
        except AnalysisError:
            raise
        except (RuntimeError, ValueError, OSError, MemoryError, TypeError) as exc:
            first_error = _soundfile_error_text(exc, head)
            log.debug("soundfile could not decode %s: %s", target, exc)
    try:
        return _decode_ffmpeg(target, whole_track)
    except AnalysisError as exc:
        if not _looks_like_audio(head):
            raise AnalysisError("not an audio file") from exc
        # The first decoder's reason is usually the more precise one.
        if first_error and not str(exc).startswith("truncated") and (
                not first_error.startswith("could not be decoded")
                or str(exc) == "not an audio file" or "ffmpeg" in str(exc)):
            raise AnalysisError(first_error) from exc
        raise


# --- the one STFT ------------------------------------------------------------------------------


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / (200.0 / 3)
    log_part = 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log_part, linear)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    linear = mel * (200.0 / 3)
    log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
    return np.where(mel >= 15.0, log_part, linear)


def _mel_filterbank(freqs: np.ndarray, fmax: float) -> np.ndarray:
    """Triangular filters evenly spaced in mel, each normalised to unit area (Slaney)."""
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(fmax)),
                                   N_MELS + 2))
    bank = np.zeros((N_MELS, freqs.size))
    for i in range(N_MELS):
        low, centre, high = edges[i], edges[i + 1], edges[i + 2]
        rising = (freqs - low) / max(centre - low, 1e-9)
        falling = (high - freqs) / max(high - centre, 1e-9)
        bank[i] = np.maximum(0.0, np.minimum(rising, falling)) * (2.0 / (high - low))
    return bank


def _semitone_filterbank(freqs: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Triangular filters one semitone wide at MIDI notes SEMITONE_LOW..SEMITONE_HIGH-1.

    Returns the bank over the FFT bins it touches and that bin range (first, end), so the
    product skips the bins above 4 kHz that hold no fundamentals.
    """
    midi = 69.0 + 12.0 * np.log2(np.maximum(freqs, 1e-9) / 440.0)
    notes = np.arange(SEMITONE_LOW, SEMITONE_HIGH)
    bank = np.maximum(0.0, 1.0 - np.abs(midi[None, :] - notes[:, None]))
    bank[:, freqs < 27.0] = 0.0  # below the lowest note: rumble and DC
    used = np.flatnonzero(bank.any(axis=0))
    first, end = int(used[0]), int(used[-1]) + 1
    return bank[:, first:end], first, end


@lru_cache(maxsize=1)
def _filters() -> tuple[np.ndarray, tuple[np.ndarray, int, int], np.ndarray, np.ndarray]:
    """Mel and semitone filter banks, the Hann window and the bin frequencies (built once)."""
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
    mel = _mel_filterbank(freqs, fmax=11000.0)
    bank, first, end = _semitone_filterbank(freqs)
    window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)
    return (mel.astype(np.float32), (bank.astype(np.float32), first, end), window,
            freqs.astype(np.float32))


def _frame_count(samples: int) -> int:
    return 1 + samples // HOP if samples else 0


def _power_spectrogram(signal: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """|STFT|^2 as (bins, frames), centred frames padded with zeros at both ends."""
    from scipy import fft

    _, _, window, _ = _filters()
    padded = np.pad(signal.astype(np.float32, copy=False), (N_FFT // 2, N_FFT // 2))
    count = _frame_count(signal.size)
    if out is None:
        out = np.empty((N_FFT // 2 + 1, count), dtype=np.float32)
    if count <= 0:
        return out
    frames = np.lib.stride_tricks.as_strided(
        padded, shape=(count, N_FFT), strides=(padded.strides[0] * HOP, padded.strides[0])
    )
    chunk = 256  # bounded memory for long windows
    for start in range(0, count, chunk):
        block = fft.rfft(frames[start:start + chunk] * window, axis=1)  # float32 in, complex64 out
        out[:, start:start + chunk] = (block.real ** 2 + block.imag ** 2).T
    return out


# --- tempo -------------------------------------------------------------------------------------


def _onset_envelope(mel_db: np.ndarray) -> np.ndarray:
    """Spectral flux: the mean positive rise of log-mel energy from frame to frame."""
    if mel_db.shape[1] < 2:
        return np.zeros(0, dtype=np.float32)
    rise = np.maximum(0.0, np.diff(mel_db, axis=1))
    envelope = rise.mean(axis=0)
    if envelope.size < 16:
        return envelope - envelope.mean()
    return envelope - np.convolve(envelope, np.ones(16) / 16, mode="same")  # remove slow drift


@dataclass
class TempoEstimate:
    """The tempo of some audio, how sure the analysis is of it, and the pulse's descriptors."""

    bpm: float | None
    confidence: float
    strength: float
    regularity: float


_SALIENCE_BPM = np.arange(13.0, 720.5, 0.5)  # support reaches 3x and 1/3 of the chosen range


def _envelope_evidence(usable: list[np.ndarray], max_lag: int,
                       frame_rate: float) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Summed over the envelopes: the unbiased autocorrelation up to max_lag, the envelope's
    spectrum at each candidate tempo, and each envelope's mean (the pulse strength)."""
    total = np.zeros(max_lag + 1)
    spectrum_sum = np.zeros(_SALIENCE_BPM.size)
    strength = []
    for env in usable:
        env = np.maximum(env, 0.0)
        strength.append(float(env.mean()))
        centred = env - env.mean()
        size = 1 << math.ceil(math.log2(max(2 * centred.size, 8192)))
        spectrum = np.fft.rfft(centred, size)
        power = spectrum.real ** 2 + spectrum.imag ** 2
        acf = np.fft.irfft(power, size)[: max_lag + 1]
        # unbiased: each lag averages fewer products
        total += acf / np.maximum(1, centred.size - np.arange(max_lag + 1))
        # the envelope's spectrum (Hann-windowed, normalised) at the candidate tempi
        tapered = np.fft.rfft(centred * np.hanning(centred.size), size)
        magnitude = np.abs(tapered) / max(float(np.sqrt(np.sum(centred ** 2) * centred.size)),
                                          1e-12)
        bins = _SALIENCE_BPM / 60.0 * size / frame_rate
        spectrum_sum += np.interp(bins, np.arange(magnitude.size), magnitude)
    return total, spectrum_sum, strength


def _weighted_salience(acf: np.ndarray, spectrum_sum: np.ndarray, envelope_count: int,
                       frame_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """(weighted salience per candidate tempo, the candidates in TEMPO_RANGE_BPM): own evidence
    plus its relatives' (TEMPO_SUPPORT), under the prior around TEMPO_PRIOR_BPM."""
    lags = 60.0 * frame_rate / _SALIENCE_BPM
    base = (np.maximum(np.interp(lags, np.arange(acf.size), acf), 0.0) * spectrum_sum
            / envelope_count)
    salience = base.copy()
    for factor, share in TEMPO_SUPPORT:
        salience += share * np.interp(_SALIENCE_BPM * factor, _SALIENCE_BPM, base, left=0.0,
                                      right=0.0)
    octaves = np.log2(_SALIENCE_BPM / TEMPO_PRIOR_BPM)
    lo, hi = TEMPO_RANGE_BPM
    in_range = (_SALIENCE_BPM >= lo) & (_SALIENCE_BPM <= hi)
    # a tempo needs its own evidence: support from its double or half alone does not make it
    weighted = np.where(in_range & (base > 0.0),
                        salience * np.exp(-0.5 * (octaves / TEMPO_PRIOR_OCTAVES) ** 2), 0.0)
    return weighted, in_range


def _beat_period(acf: np.ndarray, bpm: float, max_lag: int,
                 frame_rate: float) -> tuple[float, int]:
    """(period in frames, the autocorrelation peak's lag) of the chosen tempo, refined on the
    autocorrelation near it and near a multiple of it (more lags per beat, a finer estimate)."""
    approx = 60.0 * frame_rate / bpm
    lo_lag, hi_lag = max(1, int(approx * 0.95)), min(max_lag - 1, math.ceil(approx * 1.05))
    peak = lo_lag + int(np.argmax(acf[lo_lag:hi_lag + 1]))
    period = _refine_peak(acf, peak) if lo_lag < peak < hi_lag else approx
    for multiple in (4, 3, 2):
        near_lag = period * multiple
        if near_lag + 2 < max_lag:
            near = round(near_lag)
            a, b = max(1, near - 2), min(max_lag - 1, near + 2)
            local = a + int(np.argmax(acf[a:b + 1]))
            if acf[local] > 0.5 * acf[peak]:
                period = _refine_peak(acf, local) / multiple
                break
    return period, peak


def _prominence(weighted: np.ndarray, best: int, in_range: np.ndarray) -> float:
    """How far the chosen tempo's salience stands above its best rival (0-1); its double and
    half are the same pulse, not rivals."""
    chosen = _SALIENCE_BPM[best]
    others = np.ones(_SALIENCE_BPM.size, dtype=bool)
    for factor in (1.0, 2.0, 0.5):
        others &= np.abs(_SALIENCE_BPM / (chosen * factor) - 1.0) > 0.04
    rival = float(np.max(weighted[others & in_range])) if np.any(others & in_range) else 0.0
    return 1.0 - rival / float(weighted[best])


def _tempo(envelopes: list[np.ndarray]) -> TempoEstimate:
    """The beat's tempo from the onset envelopes (see TEMPO_PRIOR_BPM for the method).

    Regularity is the autocorrelation at the beat period (0-1); the confidence is that times how
    far the chosen tempo's salience stands above the best tempo that is not it (0-1), so it is
    low where the pulse is weak or another tempo is nearly as likely.
    """
    frame_rate = SAMPLE_RATE / HOP
    max_lag = int(frame_rate * 60.0 / _SALIENCE_BPM[0]) + 2
    usable = [e for e in envelopes if e.size >= frame_rate * MIN_TEMPO_SECONDS]
    if not usable:
        return TempoEstimate(None, 0.0, 0.0, 0.0)
    total, spectrum_sum, strength = _envelope_evidence(usable, max_lag, frame_rate)
    beat_strength = float(np.mean(strength))
    if total[0] <= 1e-12:
        return TempoEstimate(None, 0.0, beat_strength, 0.0)
    acf = total / total[0]
    weighted, in_range = _weighted_salience(acf, spectrum_sum, len(usable), frame_rate)
    best = int(np.argmax(weighted))
    if weighted[best] <= 0.0:
        return TempoEstimate(None, 0.0, beat_strength, 0.0)
    period, peak = _beat_period(acf, float(_SALIENCE_BPM[best]), max_lag, frame_rate)
    regularity = float(np.clip(acf[peak], 0.0, 1.0))
    prominence = _prominence(weighted, best, in_range)
    confidence = float(np.clip(math.sqrt(min(1.0, regularity / 0.4)) * prominence, 0.0, 1.0))
    # A steady tone or plain noise has onset "peaks" from codec and random fluctuations only:
    # no pulse (measured: tones < 0.01 regularity; noise ~0.06 with strength < 0.03). Sustained
    # music (chorales: regularity 0.03-0.05, weak onsets) keeps its estimate when one tempo
    # stands out, with the low confidence it deserves.
    if regularity < NO_PULSE_REGULARITY or (
            regularity < WEAK_PULSE_REGULARITY and beat_strength < WEAK_PULSE_STRENGTH
            and prominence < WEAK_PULSE_PROMINENCE):
        return TempoEstimate(None, confidence, beat_strength, regularity)
    return TempoEstimate(60.0 * frame_rate / period, confidence, beat_strength, regularity)


def _refine_peak(values: np.ndarray, index: int) -> float:
    if 0 < index < values.size - 1:
        left, mid, right = values[index - 1], values[index], values[index + 1]
        curve = left - 2 * mid + right
        if curve < 0:
            return index + 0.5 * (left - right) / curve
    return float(index)


# --- key ---------------------------------------------------------------------------------------


def _harmonic_profile(profile: np.ndarray) -> np.ndarray:
    """A key profile as the chroma it sounds as: each note with its first harmonics."""
    out = np.zeros(12)
    for note in range(12):
        for harmonic in range(1, PROFILE_HARMONICS + 1):
            pitch_class = (note + round(12 * math.log2(harmonic))) % 12
            out[pitch_class] += profile[note] * PROFILE_SLOPE ** (harmonic - 1)
    return out


@lru_cache(maxsize=1)
def _key_templates() -> np.ndarray:
    """(24, 12): the harmonic profiles of the 12 major then the 12 minor keys, centred, unit."""
    rows = []
    for profile in KEY_PROFILES[KEY_PROFILE]:
        sounding = _harmonic_profile(np.asarray(profile))
        for tonic in range(12):
            row = np.roll(sounding, tonic)
            row = row - row.mean()
            rows.append(row / np.linalg.norm(row))
    return np.array(rows)


def _suppress_harmonics(semitones: np.ndarray) -> np.ndarray:
    """Take out of each semitone a share of what lower notes' overtones put there."""
    cleaned = semitones.astype(np.float64).copy()
    for offset, weight in HARMONIC_OFFSETS:
        cleaned[offset:] -= HARMONIC_SUPPRESSION * weight * semitones[:-offset]
    return np.maximum(cleaned, 0.0)


def _fold(semitones: np.ndarray) -> np.ndarray:
    chroma = np.zeros(12)
    np.add.at(chroma, (np.arange(SEMITONE_LOW, SEMITONE_HIGH)) % 12, semitones)
    return chroma


def _key(semitones: np.ndarray) -> tuple[str | None, str | None, float]:
    """(key, mode, strength) from the mean semitone spectrum.

    Strength is the correlation of the pitch-class profile with the chosen key's profile.
    """
    chroma = _fold(_suppress_harmonics(semitones))
    spread = float(chroma.std())
    if not np.any(chroma > 0) or spread <= 1e-12 * max(float(chroma.mean()), 1e-30):
        return None, None, 0.0
    z = (chroma - chroma.mean()) / spread
    correlation = _key_templates() @ (z / math.sqrt(12))
    tonics = np.arange(12)
    scores = correlation.copy()
    for row, third in ((slice(0, 12), 4), (slice(12, 24), 3)):
        tonic_triad = z[tonics] + z[(tonics + third) % 12] + z[(tonics + 7) % 12]
        dominant = z[(tonics + 7) % 12] + z[(tonics + 11) % 12] + z[(tonics + 2) % 12]
        subdominant = z[(tonics + 5) % 12] + z[(tonics + 5 + third) % 12] + z[tonics]
        scores[row] += TRIAD_WEIGHT * (tonic_triad + 0.5 * dominant + 0.5 * subdominant) / 6.0
    best = int(np.argmax(scores))
    mode = "major" if best < 12 else "minor"
    return PITCH_CLASSES[best % 12], mode, float(correlation[best])


# --- the analysis ------------------------------------------------------------------------------


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _finite(value: float | None, digits: int = 4) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


@dataclass
class _Level:
    """How loud the frames are: each frame's dBFS, which frames have sound, and their summary."""

    frame_db: np.ndarray
    gate: np.ndarray
    loudness: float
    dynamic_range: float


@dataclass
class _Shape:
    """The spectral shape of the sounding frames (Hz, ratios and dB)."""

    centroid: float
    bandwidth: float
    rolloff: float
    flatness: float
    contrast: float


def _stacked_power(windows: list[np.ndarray]) -> tuple[np.ndarray, list[int]]:
    """One (bins, frames) power spectrogram for all windows, filled in place (no concatenated
    copies), and each window's frame count."""
    frame_counts = [_frame_count(w.size) for w in windows]
    power = np.empty((N_FFT // 2 + 1, sum(frame_counts)), dtype=np.float32)
    start = 0
    for window_samples, count in zip(windows, frame_counts, strict=True):
        _power_spectrogram(window_samples, out=power[:, start:start + count])
        start += count
    return power, frame_counts


def _level(power: np.ndarray) -> _Level:
    """Frame levels, the gate that leaves silences out, loudness and dynamic range."""
    frame_energy = power.sum(axis=0)
    # frame RMS in dBFS (Parseval: sum of |X|^2 over the one-sided spectrum ~ N * sum(w^2 x^2) / 2)
    _, _, window, _ = _filters()
    norm = float(np.sum(window ** 2)) * N_FFT / 2.0
    frame_db = 10.0 * np.log10(np.maximum(frame_energy / norm, 1e-12))
    gate = frame_db > max(-70.0, float(frame_db.max()) - 60.0)  # leave silences out of loudness
    gated = frame_db[gate] if gate.any() else frame_db
    loudness = 10.0 * math.log10(max(float(np.mean(10.0 ** (gated / 10.0))), 1e-12))
    dynamic_range = float(np.percentile(gated, 95) - np.percentile(gated, 10))
    return _Level(frame_db, gate, loudness, dynamic_range)


def _spectral_shape(power: np.ndarray, sounding: np.ndarray, freqs: np.ndarray) -> _Shape:
    """Spectral shape on the sounding frames, weighted by magnitude. A spread-out sample of at
    most SHAPE_FRAMES frames carries the same statistics at a fraction of the cost."""
    step = max(1, math.ceil(sounding.size / SHAPE_FRAMES))
    gated_power = power[:, sounding[::step]]
    weights = np.sqrt(gated_power)
    totals = np.maximum(weights.sum(axis=0), 1e-12)
    centroid_frames = (freqs @ weights) / totals
    second_moment = ((freqs * freqs) @ weights) / totals
    spread = np.sqrt(np.maximum(second_moment - centroid_frames ** 2, 0.0))
    cumulative = np.cumsum(weights, axis=0)
    rolloff_frames = freqs[np.argmax(cumulative >= 0.85 * cumulative[-1][None, :], axis=0)]
    log_mean = np.mean(np.log(gated_power + 1e-10), axis=0)
    flatness_frames = np.exp(log_mean) / (np.mean(gated_power, axis=0) + 1e-10)
    frame_weight = totals / totals.sum()
    return _Shape(centroid=float(np.sum(centroid_frames * frame_weight)),
                  bandwidth=float(np.sum(spread * frame_weight)),
                  rolloff=float(np.median(rolloff_frames)),
                  flatness=float(np.median(flatness_frames)),
                  contrast=_contrast(gated_power, freqs))


def _mean_semitones(power: np.ndarray, sounding: np.ndarray) -> np.ndarray:
    """The mean semitone spectrum of the sounding frames.

    Each frame's semitone magnitudes count equally (a loud chord does not outweigh the rest).
    The sum is linear, so the frames are weighted before the filter bank.
    """
    _, (semitone_fb, semitone_first, semitone_end), _, _ = _filters()
    magnitude = np.sqrt(power[semitone_first:semitone_end][:, sounding])
    frame_totals = semitone_fb.sum(axis=0) @ magnitude
    frame_weights = (1.0 / (frame_totals + 0.05 * float(frame_totals.mean()) + 1e-12)
                     if KEY_FRAMES_EQUAL else np.full(frame_totals.size, 1.0))
    result: np.ndarray = semitone_fb @ (magnitude @ frame_weights) / max(1, frame_weights.size)
    return result


def _pulse(mel_db: np.ndarray, frame_counts: list[int]) -> tuple[TempoEstimate, int]:
    """The tempo and the onset count, per window (beats do not continue across the gaps
    between windows)."""
    envelopes, onset_counts = [], 0
    start = 0
    for count in frame_counts:
        env = _onset_envelope(mel_db[:, start:start + count])
        start += count
        envelopes.append(env)
        onset_counts += _count_onsets(env)
    return _tempo(envelopes), onset_counts


def _perceptual(level: _Level, shape: _Shape, pulse: TempoEstimate,
                mode: str | None) -> dict[str, float | None]:
    """The listener-facing 0-1 descriptors, made from the measured ones."""
    tempo, beat_strength, regularity = pulse.bpm, pulse.strength, pulse.regularity
    brightness = float(np.clip(math.log2(max(shape.centroid, 100.0) / 250.0)
                               / math.log2(6000 / 250), 0.0, 1.0))
    energy = (0.55 * _sigmoid((level.loudness + 16.0) / 4.0)
              + 0.25 * float(np.clip(beat_strength / 2.0, 0.0, 1.0))
              + 0.20 * brightness)
    tempo_fit = 0.0 if tempo is None else math.exp(-0.5 * (math.log2(tempo / 118.0) / 0.4) ** 2)
    danceability = float(np.clip(0.45 * regularity / 0.6, 0.0, 0.45)
                         + 0.35 * tempo_fit
                         + 0.20 * float(np.clip(beat_strength / 2.0, 0.0, 1.0)))
    noisiness = float(np.clip(shape.flatness / 0.3, 0.0, 1.0))
    acousticness = float(np.clip(
        0.45 * (1.0 - brightness) + 0.30 * (1.0 - noisiness)
        + 0.25 * float(np.clip(level.dynamic_range / 30.0, 0.0, 1.0)), 0.0, 1.0))
    mode_major = None if mode is None else (1.0 if mode == "major" else 0.0)
    valence = float(np.clip(
        0.4 * (0.5 if mode_major is None else mode_major)
        + 0.3 * brightness + 0.3 * (0.0 if tempo is None else min(1.0, tempo / 160.0)), 0.0, 1.0))
    return {"mode_major": mode_major, "energy": energy, "danceability": danceability,
            "acousticness": acousticness, "brightness": brightness, "valence": valence}


def analyze_signal(windows: list[np.ndarray]) -> dict[str, Any]:
    """Descriptors of mono float32 windows at SAMPLE_RATE (the pure part, used by the tests too)."""
    mel_fb, _, _, freqs = _filters()
    windows = [w for w in windows if w.size]
    sample_count = sum(w.size for w in windows)
    seconds = sample_count / SAMPLE_RATE
    result: dict[str, Any] = {"analyzed_s": round(seconds, 3)}
    energy_sum = sum(float(np.dot(w, w)) for w in windows)
    rms_all = math.sqrt(energy_sum / sample_count) if sample_count else 0.0
    if not windows or rms_all < SILENCE_RMS:
        result.update(_silent_descriptors(seconds))
        return result

    power, frame_counts = _stacked_power(windows)
    level = _level(power)
    gate = level.gate
    sounding = np.flatnonzero(gate) if gate.any() else np.arange(level.frame_db.size)
    shape = _spectral_shape(power, sounding, freqs)

    mel = mel_fb @ power
    mel_db = 10.0 * np.log10(np.maximum(mel, 1e-10))
    mel_db = np.maximum(mel_db, mel_db.max() - 80.0)
    mfcc = _mfcc(mel_db[:, gate] if gate.any() else mel_db)

    semitones = _mean_semitones(power, sounding)
    chroma_mean = _fold(semitones)
    chroma_profile = chroma_mean / max(float(chroma_mean.max()), 1e-12)
    key, mode, key_strength = _key(semitones)

    pulse, onset_counts = _pulse(mel_db, frame_counts)
    onset_rate = onset_counts / seconds if seconds > 0 else 0.0
    crossings = sum(int(np.count_nonzero(np.diff(np.signbit(w)))) for w in windows)
    zcr = crossings / max(1, sample_count - len(windows))
    perceptual = _perceptual(level, shape, pulse, mode)

    result.update({
        "tempo_bpm": _finite(pulse.bpm, 2),
        "tempo_confidence": _finite(pulse.confidence, 3),
        "beat_strength": _finite(pulse.strength),
        "beat_regularity": _finite(pulse.regularity),
        "onset_rate": _finite(onset_rate),
        "key": key,
        "mode": mode,
        "mode_major": perceptual["mode_major"],
        "key_strength": _finite(key_strength),
        "loudness_db": _finite(level.loudness, 2),
        "dynamic_range_db": _finite(level.dynamic_range, 2),
        "spectral_centroid_hz": _finite(shape.centroid, 1),
        "spectral_bandwidth_hz": _finite(shape.bandwidth, 1),
        "spectral_rolloff_hz": _finite(shape.rolloff, 1),
        "spectral_flatness": _finite(shape.flatness, 5),
        "spectral_contrast": _finite(shape.contrast),
        "zero_crossing_rate": _finite(zcr, 5),
        **{name: _finite(perceptual[name]) for name in
           ("energy", "danceability", "acousticness", "brightness", "valence")},
        "silent": False,
    })
    for i in range(N_MFCC):
        result[f"mfcc_mean_{i}"] = _finite(float(mfcc[i].mean()))
        result[f"mfcc_std_{i}"] = _finite(float(mfcc[i].std()))
    for name, value in zip(PITCH_CLASSES, chroma_profile):
        result[f"chroma_{name}"] = _finite(float(value))
    return result


def _silent_descriptors(seconds: float) -> dict[str, Any]:
    """Silence is analysed: level and zero descriptors, no tempo or key."""
    values: dict[str, Any] = {name: None for name in DESCRIPTOR_NAMES}
    values.update({
        "tempo_bpm": None, "tempo_confidence": 0.0, "key": None, "mode": None,
        "mode_major": None,
        "loudness_db": -120.0 if seconds > 0 else None, "energy": 0.0, "danceability": 0.0,
        "beat_strength": 0.0, "beat_regularity": 0.0, "onset_rate": 0.0, "silent": True,
    })
    return values


def _contrast(power: np.ndarray, freqs: np.ndarray) -> float:
    """Mean peak-to-valley ratio (dB) in octave bands above 200 Hz: tonal music scores high."""
    edges = [200.0, 400.0, 800.0, 1600.0, 3200.0, 6400.0, 11025.0]
    values = []
    log_power = 10.0 * np.log10(power + 1e-10)
    for low, high in itertools.pairwise(edges):
        band = (freqs >= low) & (freqs < high)
        if band.sum() < 4:
            continue
        block = np.sort(log_power[band], axis=0)
        tail = max(1, int(0.02 * block.shape[0]) + 1)
        values.append(float(np.mean(block[-tail:].mean(axis=0) - block[:tail].mean(axis=0))))
    return float(np.mean(values)) if values else 0.0


@lru_cache(maxsize=1)
def _dct_matrix() -> np.ndarray:
    n = np.arange(N_MELS)
    k = np.arange(N_MFCC)[:, None]
    basis = np.cos(np.pi / N_MELS * (n + 0.5) * k) * math.sqrt(2.0 / N_MELS)
    basis[0] /= math.sqrt(2.0)
    return basis.astype(np.float32)


def _mfcc(mel_db: np.ndarray) -> np.ndarray:
    if mel_db.shape[1] == 0:
        return np.zeros((N_MFCC, 1), dtype=np.float32)
    return _dct_matrix() @ mel_db


def _count_onsets(envelope: np.ndarray) -> int:
    """Local maxima of the onset envelope that stand out (at most one per 50 ms)."""
    if envelope.size < 3:
        return 0
    env = np.maximum(envelope, 0.0)
    threshold = env.mean() + 0.5 * env.std()
    peaks = (env[1:-1] > env[:-2]) & (env[1:-1] >= env[2:]) & (env[1:-1] > threshold)
    indices = np.flatnonzero(peaks)
    if indices.size == 0:
        return 0
    spacing = max(1, int(0.05 * SAMPLE_RATE / HOP))
    kept, last = 0, -spacing
    for index in indices.tolist():
        if index - last >= spacing:
            kept += 1
            last = index
    return kept


def warm_up() -> None:
    """Import the decoders and build the filter banks (a worker does this before its first file)."""
    import soundfile  # noqa: F401
    import soxr  # noqa: F401

    _filters()
    _dct_matrix()


def analyze(path: str | os.PathLike[str], *, whole_track: bool = False) -> dict[str, Any]:
    """Descriptors of one audio file; raises AnalysisError with a clear reason when it cannot."""
    decoded = decode(path, whole_track=whole_track)
    try:
        result = analyze_signal(decoded.windows)
    except MemoryError as exc:
        raise AnalysisError("not enough memory to analyse this file") from exc
    result.update({
        "duration_s": round(decoded.duration_s, 3),
        "excerpt": decoded.excerpt,
        "decoder": decoded.decoder,
        "sample_rate": decoded.source_rate,
        "channels": decoded.channels,
        "analyzer_version": ANALYZER_VERSION,
    })
    return result


def descriptor_vector(descriptors: dict[str, Any]) -> np.ndarray:
    """The numeric descriptors as float32 in DESCRIPTOR_NAMES order (nan where missing)."""
    values = []
    for name in DESCRIPTOR_NAMES:
        value = descriptors.get(name)
        values.append(float(value) if isinstance(value, (int, float)) and value is not None
                      else math.nan)
    return np.asarray(values, dtype=np.float32)
