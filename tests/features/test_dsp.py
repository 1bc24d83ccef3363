"""DSP descriptors mean what they say: synthesized signals with known answers, and real clips."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from desktoprec.errors import AnalysisError
from desktoprec.features import dsp, synth


@pytest.mark.parametrize("bpm", [90, 120, 140])
def test_click_track_tempo(bpm: int) -> None:
    result = dsp.analyze_signal([synth.click_track(bpm, seconds=20)])
    assert result["tempo_bpm"] == pytest.approx(bpm, abs=1.5)
    assert result["beat_regularity"] > 0.5
    # one click per beat
    assert result["onset_rate"] == pytest.approx(bpm / 60, rel=0.15)


def test_tempo_from_excerpt_windows_matches_whole() -> None:
    windows = [synth.click_track(128, seconds=30) for _ in range(3)]
    assert dsp.analyze_signal(windows)["tempo_bpm"] == pytest.approx(128, abs=1.5)


@pytest.mark.parametrize(
    ("chords", "key", "mode"),
    [
        ([("C", "maj"), ("F", "maj"), ("G", "maj"), ("C", "maj")], "C", "major"),
        ([("A", "min"), ("D", "min"), ("E", "maj"), ("A", "min")], "A", "minor"),
        ([("D", "maj"), ("G", "maj"), ("A", "maj"), ("D", "maj")], "D", "major"),
        ([("E", "min"), ("A", "min"), ("B", "maj"), ("E", "min")], "E", "minor"),
        ([("F#", "maj"), ("B", "maj"), ("C#", "maj"), ("F#", "maj")], "F#", "major"),
    ],
)
def test_chord_progression_key_and_mode(chords: list[tuple[str, str]], key: str,
                                        mode: str) -> None:
    result = dsp.analyze_signal([synth.chord_progression(chords)])
    assert (result["key"], result["mode"]) == (key, mode)
    assert result["mode_major"] == (1.0 if mode == "major" else 0.0)


def test_gain_change_of_20_db_moves_loudness_by_20_db() -> None:
    loud = synth.chord_progression([("C", "maj"), ("G", "maj")], amplitude=0.5)
    quiet = loud * 0.1
    a, b = dsp.analyze_signal([loud]), dsp.analyze_signal([quiet])
    assert a["loudness_db"] - b["loudness_db"] == pytest.approx(20.0, abs=0.3)
    # level-independent descriptors stay put
    assert a["spectral_centroid_hz"] == pytest.approx(b["spectral_centroid_hz"], rel=0.02)
    assert (a["key"], a["mode"]) == (b["key"], b["mode"])
    assert a["energy"] > b["energy"]


def test_full_scale_sine_loudness_is_minus_3_dbfs() -> None:
    t = np.arange(5 * synth.RATE) / synth.RATE
    sine = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    assert dsp.analyze_signal([sine])["loudness_db"] == pytest.approx(-3.01, abs=0.2)


def test_bright_noise_is_brighter_than_dark_noise() -> None:
    bright = dsp.analyze_signal([synth.noise(8, "bright")])
    dark = dsp.analyze_signal([synth.noise(8, "dark")])
    assert bright["spectral_centroid_hz"] > 3000
    assert dark["spectral_centroid_hz"] < 1000
    assert bright["spectral_rolloff_hz"] > dark["spectral_rolloff_hz"]
    assert bright["brightness"] > dark["brightness"]
    assert bright["zero_crossing_rate"] > dark["zero_crossing_rate"]
    assert bright["acousticness"] < dark["acousticness"]


def test_noise_is_flatter_than_chords() -> None:
    noise = dsp.analyze_signal([synth.noise(8, "white")])
    chords = dsp.analyze_signal([synth.chord_progression([("C", "maj"), ("G", "maj")])])
    assert noise["spectral_flatness"] > 10 * chords["spectral_flatness"]
    assert chords["spectral_contrast"] > noise["spectral_contrast"]


def test_silence_and_very_short_audio_are_analysed_without_tempo() -> None:
    silent = dsp.analyze_signal([np.zeros(5 * synth.RATE, dtype=np.float32)])
    assert silent["tempo_bpm"] is None and silent["silent"] is True
    for seconds in (0.01, 0.25, 1.0, 3.0):
        short = dsp.analyze_signal([synth.noise(seconds, "white") + synth.click_track(
            120, seconds=seconds)])
        assert short["tempo_bpm"] is None
        assert short["loudness_db"] is not None and short["silent"] is False
        assert short["spectral_centroid_hz"] > 0


def test_steady_tone_and_noise_have_no_tempo() -> None:
    t = np.arange(20 * synth.RATE) / synth.RATE
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    for signal in (tone, synth.noise(20, "white"), synth.noise(20, "dark")):
        assert dsp.analyze_signal([signal])["tempo_bpm"] is None
    # a quiet click track still has its beat
    assert dsp.analyze_signal([synth.click_track(120, 20, amplitude=0.01)])["tempo_bpm"] == \
        pytest.approx(120, abs=1.5)


def test_descriptor_vector_follows_descriptor_names() -> None:
    result = dsp.analyze_signal([synth.click_track(120, seconds=10)])
    vector = dsp.descriptor_vector(result)
    assert vector.dtype == np.float32 and vector.shape == (len(dsp.DESCRIPTOR_NAMES),)
    assert vector[dsp.DESCRIPTOR_NAMES.index("tempo_bpm")] == pytest.approx(result["tempo_bpm"])


def test_real_clips_have_sane_descriptors(shared_data: Path) -> None:
    clips = sorted((shared_data / "audio").glob("*.ogg"))
    assert len(clips) >= 2
    for clip in clips:
        result = dsp.analyze(clip)
        assert result["duration_s"] == pytest.approx(20.0, abs=0.5)
        assert 60 <= result["tempo_bpm"] <= 200
        assert result["key"] in dsp.PITCH_CLASSES and result["mode"] in ("major", "minor")
        assert -30 < result["loudness_db"] < -3
        assert 500 < result["spectral_centroid_hz"] < 6000
        for name in ("energy", "danceability", "acousticness", "brightness", "valence"):
            assert 0.0 <= result[name] <= 1.0
        numbers = [v for v in result.values() if isinstance(v, float)]
        assert all(math.isfinite(v) for v in numbers)
    blues = dsp.analyze(shared_data / "audio" / "openmsx-city-blues-render-20s.ogg")
    assert blues["tempo_bpm"] == pytest.approx(120, abs=3)


@pytest.mark.parametrize(("fmt", "subtype", "rate"), [
    ("wav", "PCM_16", 44100), ("flac", "PCM_16", 48000), ("ogg", "VORBIS", 44100),
    ("mp3", "MPEG_LAYER_III", 44100), ("opus", "OPUS", 48000),
])
def test_formats_decode_and_long_files_are_read_in_windows(tmp_path: Path, fmt: str,
                                                           subtype: str, rate: int) -> None:
    seconds = 130.0
    signal = synth.click_track(120, seconds=seconds, rate=rate)
    suffix = "ogg" if fmt == "opus" else fmt
    path = tmp_path / f"clicks.{suffix}"
    channels = 1 if fmt == "opus" else 2  # the opus encoder is slow: one channel is enough
    synth.write_audio(path, signal, rate=rate, channels=channels, subtype=subtype)
    result = dsp.analyze(path)
    assert result["duration_s"] == pytest.approx(seconds, abs=1.0)
    assert result["excerpt"] is True
    windows = len(dsp.WINDOW_POSITIONS)
    assert result["analyzed_s"] == pytest.approx(windows * dsp.WINDOW_SECONDS, abs=1.0)
    assert result["tempo_bpm"] == pytest.approx(120, abs=1.5)


def test_m4a_decodes_through_ffmpeg(tmp_path: Path) -> None:
    import shutil
    import subprocess

    assert shutil.which("ffmpeg"), "ffmpeg is a test dependency (scripts/install-system-deps.sh)"
    wav = synth.write_audio(tmp_path / "c.wav", synth.click_track(140, seconds=20))
    m4a = tmp_path / "c.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), "-c:a", "aac", str(m4a)], check=True)
    result = dsp.analyze(m4a)
    assert result["decoder"] == "ffmpeg"
    assert result["duration_s"] == pytest.approx(20, abs=0.5)
    assert result["tempo_bpm"] == pytest.approx(140, abs=2)


@pytest.mark.parametrize("channels", [1, 2])
def test_loudness_does_not_depend_on_the_decoder(tmp_path: Path, channels: int) -> None:
    """The same audio read by libsndfile (flac) and by ffmpeg (m4a, alac) is equally loud."""
    import subprocess

    signal = synth.chord_progression([("A", "min"), ("F", "maj")], repeats=2)
    flac = synth.write_audio(tmp_path / "same.flac", signal, channels=channels)
    m4a = tmp_path / "same.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(flac), "-c:a", "alac", str(m4a)],
                   check=True)
    from_flac, from_m4a = dsp.analyze(flac), dsp.analyze(m4a)
    assert (from_flac["decoder"], from_m4a["decoder"]) == ("soundfile", "ffmpeg")
    assert from_m4a["loudness_db"] == pytest.approx(from_flac["loudness_db"], abs=0.3)
    assert from_m4a["spectral_centroid_hz"] == pytest.approx(
        from_flac["spectral_centroid_hz"], rel=0.02)


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"", "empty.mp3", "empty file"),
    (b"just some text, not music\n" * 40, "notes.flac", "not an audio file"),
    (bytes(range(256)) * 64, "random.ogg", "not an audio file"),
])
def test_bad_files_raise_clear_errors(tmp_path: Path, content: bytes, name: str,
                                      message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AnalysisError, match=message):
        dsp.analyze(path)


def test_missing_file_and_truncated_ogg(tmp_path: Path, shared_data: Path) -> None:
    with pytest.raises(AnalysisError, match="file not found"):
        dsp.analyze(tmp_path / "nope.mp3")
    clip = (shared_data / "audio" / "muldjord-chaos-god-excerpt-20s.ogg").read_bytes()
    cut = tmp_path / "cut.ogg"
    cut.write_bytes(clip[: len(clip) // 3])
    with pytest.raises(AnalysisError, match="truncated ogg stream"):
        dsp.analyze(cut)
