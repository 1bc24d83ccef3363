"""Key and tempo on real music made here: MIDI pieces rendered by fluidsynth with a General MIDI
soundfont, so their key and tempo are known, and the real clips in ../shared/data/audio."""

from __future__ import annotations

from pathlib import Path

import pytest
from midi_writer import midi_file, render

from desktoprec.features import dsp

Q = 480  # ticks per quarter note
MAJOR = (0, 2, 4, 5, 7, 9, 11)
HARMONIC_MINOR = (0, 2, 3, 5, 7, 8, 11)


def song(tonic: int, minor: bool, bpm: float, *, bars: int = 16, drums: bool = False,
         program: int = 0, sustained: bool = False, melody: bool = True) -> bytes:
    """I-IV-V-I (i-iv-V-i) with bass, an eighth-note melody and, if asked, a rock beat."""
    third = 3 if minor else 4
    progression = [(0, third, 7), (5, 5 + third, 12), (7, 11, 14), (0, third, 7)]
    root = 48 + tonic
    notes: list[tuple[int, int, int, int]] = []
    for bar in range(bars):
        chord = progression[bar % 4]
        for beat in range(4):
            start = (bar * 4 + beat) * Q
            if not sustained:
                notes += [(start, root + 12 + step, Q // 2, 0) for step in chord]
            elif beat == 0:
                notes += [(start, root + 12 + step, 4 * Q - 20, 0) for step in chord]
            notes.append((start, root - 12 + chord[0], Q - 40, 1))
            if drums:
                notes += [(start, 36 if beat % 2 == 0 else 38, 60, 9), (start, 42, 30, 9),
                          (start + Q // 2, 42, 30, 9)]
        if melody:
            scale = HARMONIC_MINOR if minor else MAJOR
            notes += [((bar * 8 + e) * Q // 2, root + 24 + scale[(bar + 3 * e) % 7], Q // 2 - 20, 2)
                      for e in range(8)]
    return midi_file(notes, tempi=[(0, bpm)], programs={0: program, 1: 32, 2: 73})


@pytest.mark.parametrize(("name", "tonic", "minor", "bpm", "drums", "program"), [
    ("A#", 10, False, 100, False, 0),     # piano, B flat major
    ("A", 9, True, 140, False, 0),        # A minor
    ("E", 4, True, 90, False, 24),        # nylon guitar, E minor
    ("D", 2, False, 180, True, 0),        # fast, with drums: not halved to 90
    ("F", 5, False, 170, True, 29),       # overdriven guitar at 170: not 85
    ("C#", 1, True, 128, True, 81),       # synth lead, C sharp minor
])
def test_rendered_piece_key_and_tempo(tmp_path: Path, name: str, tonic: int, minor: bool,
                                      bpm: float, drums: bool, program: int) -> None:
    signal = render(song(tonic, minor, bpm, bars=24 if drums else 16, drums=drums,
                         program=program), tmp_path)
    result = dsp.analyze_signal([signal])
    assert (result["key"], result["mode"]) == (name, "minor" if minor else "major")
    assert result["tempo_bpm"] == pytest.approx(bpm, rel=0.04)  # MIREX Acc1
    assert 0.5 < result["tempo_confidence"] <= 1.0


def test_sustained_chorales_get_a_tempo(tmp_path: Path) -> None:
    """Slow sustained music keeps an estimate (the old gate said none); a doubtful one says so."""
    organ = render(song(0, True, 66, bars=10, program=19, sustained=True, melody=False),
                   tmp_path, "organ")
    result = dsp.analyze_signal([organ])
    assert result["tempo_bpm"] == pytest.approx(66, rel=0.04)  # not doubled to 132
    assert (result["key"], result["mode"]) == ("C", "minor")
    strings = render(song(7, False, 60, bars=10, program=48, sustained=True, melody=False),
                     tmp_path, "strings")
    result = dsp.analyze_signal([strings])
    assert result["tempo_bpm"] is not None
    assert any(result["tempo_bpm"] == pytest.approx(60 * f, rel=0.04) for f in (1, 2))
    assert result["tempo_confidence"] < 0.5  # a weak pulse: low confidence
    assert (result["key"], result["mode"]) == ("G", "major")


def test_confidence_is_high_for_a_clear_pulse_and_low_for_noise() -> None:
    from desktoprec.features import synth

    clicks = dsp.analyze_signal([synth.click_track(100, seconds=20)])
    noise = dsp.analyze_signal([synth.noise(20, "white", seed=3)])
    assert clicks["tempo_confidence"] > 0.3
    assert noise["tempo_bpm"] is None and noise["tempo_confidence"] < clicks["tempo_confidence"]
    silent = dsp.analyze_signal([synth.noise(5, "white") * 0.0])
    assert silent["tempo_confidence"] == 0.0


def test_real_recorded_song_excerpt(shared_data: Path) -> None:
    """Chaos God (Muldjord): its Frets on Fire chart is made to 170 BPM; the key is not stated."""
    result = dsp.analyze(shared_data / "audio" / "muldjord-chaos-god-excerpt-20s.ogg")
    assert any(result["tempo_bpm"] == pytest.approx(170 * f, rel=0.04) for f in (1, 0.5))
    assert 0.0 <= result["tempo_confidence"] <= 1.0
    blues = dsp.analyze(shared_data / "audio" / "openmsx-city-blues-render-20s.ogg")
    assert blues["tempo_bpm"] == pytest.approx(120, rel=0.04)  # its MIDI tempo map: 120


def test_analyzer_version_moved_on() -> None:
    assert dsp.ANALYZER_VERSION not in ("dsp-5", "dsp-4", "dsp-3")
