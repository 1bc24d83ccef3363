"""The demo audio: deterministic per track, tagged, and audibly different between styles."""

from __future__ import annotations

import hashlib
from pathlib import Path

import mutagen.flac
import numpy as np
import soundfile

from desktoprec.demo import audio
from desktoprec.demo.catalog import build_catalog

CATALOG = build_catalog(tracks_per_style=2, artists_per_style=2)


def _first_of(style: str):
    return next(t for t in CATALOG.tracks if t.style == style)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_track_gives_same_samples_and_same_bytes(tmp_path: Path) -> None:
    track = _first_of("house")
    first, second = audio.synthesize(track), audio.synthesize(track)
    assert first.dtype == np.float32 and np.array_equal(first, second)
    assert len(first) == int(track.duration_ms / 1000 * audio.SAMPLE_RATE)
    assert 0.5 < np.max(np.abs(first)) < 1.0
    jobs_a = audio.file_jobs(CATALOG, tmp_path / "a")[:3]
    jobs_b = audio.file_jobs(CATALOG, tmp_path / "b")[:3]
    written_a = audio.write_files(jobs_a, workers=1)
    written_b = audio.write_files(jobs_b, workers=1)
    assert [_digest(Path(p)) for p in written_a] == [_digest(Path(p)) for p in written_b]
    # different tracks give different audio
    assert len({_digest(Path(p)) for p in written_a}) == 3


def test_files_are_readable_flac_with_tags(tmp_path: Path) -> None:
    jobs = audio.file_jobs(CATALOG, tmp_path)
    paths = audio.write_files(jobs, workers=2)
    assert len(paths) == len(CATALOG.tracks) and not list(tmp_path.rglob("*.part"))
    for job, path in zip(jobs, paths, strict=True):
        info = soundfile.info(path)
        assert info.samplerate == audio.SAMPLE_RATE and info.channels == 1
        assert abs(info.duration * 1000 - job.track.duration_ms) < 5
        tags = mutagen.flac.FLAC(path)
        assert tags["title"] == [job.track.name]
        assert tags["artist"][0] == CATALOG.artist(job.track.artist_ids[0]).name
        assert tags.get("genre") == ([job.genre] if job.genre else None)
        assert tags.get("isrc") == ([job.isrc] if job.isrc else None)
    assert any(job.genre is None for job in jobs) and any(job.genre for job in jobs)


def _centroid(samples: np.ndarray) -> float:
    frames = samples[: len(samples) // 2048 * 2048].reshape(-1, 2048) * np.hanning(2048)
    spectrum = np.abs(np.fft.rfft(frames, axis=1))
    freqs = np.fft.rfftfreq(2048, 1 / audio.SAMPLE_RATE)
    return float((spectrum @ freqs).sum() / spectrum.sum())


def test_styles_differ_in_brightness_and_tempo() -> None:
    import librosa

    measured = {}
    for style in ("piano", "folk", "metal", "techno", "reggae", "dnb", "house"):
        track = _first_of(style)
        samples = audio.synthesize(track)
        onset = librosa.onset.onset_strength(y=samples, sr=audio.SAMPLE_RATE)
        tempo = float(np.atleast_1d(librosa.feature.tempo(onset_envelope=onset,
                                                          sr=audio.SAMPLE_RATE))[0])
        measured[style] = (_centroid(samples), tempo, track.tempo)
    # soft acoustic styles are darker than distorted or electronic ones
    for dark in ("piano", "folk"):
        for bright in ("metal", "techno"):
            assert measured[dark][0] * 1.5 < measured[bright][0], measured
    # the drums land on the track's tempo (or its half/double, as beat trackers do)
    for style in ("techno", "reggae", "house", "dnb"):
        _, found, true = measured[style]
        assert min(abs(found / true - ratio) for ratio in (0.5, 1.0, 2.0)) < 0.06, measured
    assert measured["reggae"][2] < measured["house"][2] < measured["dnb"][2]
