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
    jobs = audio.file_jobs(CATALOG, tmp_path)[1::2]  # one track of every style
    paths = audio.write_files(jobs, workers=1)
    assert len(paths) == len(jobs) and not list(tmp_path.rglob("*.part"))
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


def test_styles_differ_when_analyzed(tmp_path: Path) -> None:
    """The app's own analyzer tells the styles apart: brightness, loudness and tempo."""
    from desktoprec.features import dsp

    styles = ("piano", "ambient", "metal", "techno", "reggae", "folk", "hiphop")
    jobs = [j for j in audio.file_jobs(CATALOG, tmp_path) if j.track.style in styles]
    jobs = [next(j for j in jobs if j.track.style == style) for style in styles]
    audio.write_files(jobs, workers=1)
    found = {job.track.style: (dsp.analyze(job.path), job.track.tempo) for job in jobs}
    for quiet in ("piano", "ambient"):
        for loud in ("metal", "techno"):
            q, lo = found[quiet][0], found[loud][0]
            assert q["spectral_centroid_hz"] * 1.4 < lo["spectral_centroid_hz"], (quiet, loud)
            assert q["loudness_db"] + 4 < lo["loudness_db"], (quiet, loud)
            assert q["energy"] < lo["energy"], (quiet, loud)
    # drums on the track's tempo (or its half/double, as beat trackers do)
    for style in ("techno", "reggae", "folk", "hiphop"):
        descriptors, true_tempo = found[style]
        ratio = descriptors["tempo_bpm"] / true_tempo
        assert min(abs(ratio - r) for r in (0.5, 1.0, 2.0)) < 0.04, (style, ratio)
    assert found["piano"][0]["acousticness"] > found["metal"][0]["acousticness"]
