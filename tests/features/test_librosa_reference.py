"""The analyzer's own numpy DSP checked against librosa, the reference implementation.

The analyzer builds its filter banks and descriptors itself (librosa's helpers compile numba
kernels, ~20 s per cold process, which every analysis worker would pay). These tests hold it to
librosa's definitions so the descriptors keep meaning what they say.
"""

from __future__ import annotations

import librosa
import numpy as np
import pytest

from desktoprec.features import dsp, synth

RATE = dsp.SAMPLE_RATE


def test_mel_filterbank_is_librosas_slaney_mel() -> None:
    freqs = np.fft.rfftfreq(dsp.N_FFT, 1.0 / RATE)
    ours = dsp._mel_filterbank(freqs, fmax=11000.0)
    reference = librosa.filters.mel(sr=RATE, n_fft=dsp.N_FFT, n_mels=dsp.N_MELS, fmin=0.0,
                                    fmax=11000.0, htk=False, norm="slaney")
    assert ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, rtol=1e-3, atol=1e-6)


def test_mel_scale_matches_librosa() -> None:
    hz = np.array([0.0, 200.0, 999.0, 1000.0, 2500.0, 8000.0])
    np.testing.assert_allclose(dsp._hz_to_mel(hz), librosa.hz_to_mel(hz, htk=False), rtol=1e-6)
    np.testing.assert_allclose(dsp._mel_to_hz(dsp._hz_to_mel(hz)), hz, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("color", ["dark", "bright"])
def test_spectral_centroid_agrees_with_librosa(color: str) -> None:
    signal = synth.noise(8.0, color, amplitude=0.3, seed=3)
    ours = dsp.analyze_signal([signal])["spectral_centroid_hz"]
    frames = librosa.feature.spectral_centroid(y=signal, sr=RATE, n_fft=dsp.N_FFT,
                                               hop_length=dsp.HOP)[0]
    reference = float(np.mean(frames))
    assert ours == pytest.approx(reference, rel=0.10)


def test_real_clip_centroid_and_loudness_agree_with_librosa(shared_data) -> None:  # type: ignore[no-untyped-def]
    path = shared_data / "audio" / "muldjord-chaos-god-excerpt-20s.ogg"
    decoded = dsp.decode(path)
    signal = np.concatenate(decoded.windows)
    ours = dsp.analyze_signal(decoded.windows)
    frames = librosa.feature.spectral_centroid(y=signal, sr=RATE, n_fft=dsp.N_FFT,
                                               hop_length=dsp.HOP)[0]
    assert ours["spectral_centroid_hz"] == pytest.approx(float(np.mean(frames)), rel=0.15)
    rms = librosa.feature.rms(y=signal, frame_length=dsp.N_FFT, hop_length=dsp.HOP)[0]
    reference_db = 10.0 * np.log10(np.mean(rms ** 2))
    # ours gates out silences and uses a Hann-windowed STFT: a dB or two either way
    assert ours["loudness_db"] == pytest.approx(float(reference_db), abs=3.0)


@pytest.mark.parametrize("bpm", [96.0, 128.0])
def test_tempo_agrees_with_librosa_on_click_tracks(bpm: float) -> None:
    signal = synth.click_track(bpm, seconds=20.0)
    ours = dsp.analyze_signal([signal])["tempo_bpm"]
    reference, _ = librosa.beat.beat_track(y=signal, sr=RATE, hop_length=dsp.HOP)
    reference = float(np.atleast_1d(reference)[0])
    assert ours == pytest.approx(bpm, rel=0.03)
    assert reference == pytest.approx(bpm, rel=0.05)


def test_chroma_profile_peaks_where_librosas_does() -> None:
    signal = synth.chord_progression([("D", "maj"), ("G", "maj"), ("A", "maj")], repeats=2)
    ours = dsp.analyze_signal([signal])
    ours_profile = np.array([ours[f"chroma_{name}"] for name in dsp.PITCH_CLASSES])
    reference = librosa.feature.chroma_stft(y=signal, sr=RATE, n_fft=dsp.N_FFT,
                                            hop_length=dsp.HOP).mean(axis=1)
    # the three strongest pitch classes are the same set, and the profiles correlate
    assert set(np.argsort(-ours_profile)[:3]) == set(np.argsort(-reference)[:3])
    assert float(np.corrcoef(ours_profile, reference)[0, 1]) > 0.8
    assert (ours["key"], ours["mode"]) == ("D", "major")
