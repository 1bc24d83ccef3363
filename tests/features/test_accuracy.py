"""`bench accuracy`'s truth and scoring code, on a tiny set built here (no downloads)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from midi_writer import midi_file

from desktoprec.benchmarks import accuracy


def _scale_notes(steps: tuple[int, ...], tonic: int, beats: int) -> list[tuple[int, int, int]]:
    return [(i * 480, 60 + tonic + steps[i % len(steps)], 400) for i in range(beats)]


def test_tempo_map_and_time_signature_give_the_beat() -> None:
    notes = _scale_notes((0, 2, 4, 5, 7), 0, 64)
    facts = accuracy.read_midi(midi_file(notes, tempi=[(0, 96.0)]))
    assert facts.duration_s == pytest.approx(63 * 0.625 + 400 / 480 * 0.625, rel=1e-3)
    assert accuracy.tempo_truth(facts) == (96.0, True)
    # 6/8 beats in dotted quarters: 120 quarters per minute are 80 beats
    jig = accuracy.read_midi(midi_file(notes, tempi=[(0, 120.0)], time_signature=(6, 8)))
    assert accuracy.tempo_truth(jig) == (80.0, True)
    # half the piece at 100, half at 150: no tempo holds for 90 % of it
    changing = accuracy.read_midi(midi_file(notes, tempi=[(0, 100.0), (32 * 480, 150.0)]))
    tempo, steady = accuracy.tempo_truth(changing)
    assert tempo in (100.0, 150.0) and steady is False
    # a short ritardando at the very end does not stop a piece being steady
    ending = accuracy.read_midi(midi_file(notes, tempi=[(0, 140.0), (62 * 480, 90.0)]))
    assert accuracy.tempo_truth(ending) == (140.0, True)


def test_key_signature_is_trusted_only_when_stated_and_the_notes_fit() -> None:
    major = (0, 2, 4, 5, 7, 9, 11)
    harmonic_minor = (0, 2, 3, 5, 7, 8, 11)
    d_major = accuracy.read_midi(midi_file(_scale_notes(major, 2, 32), tempi=[(0, 120)],
                                           key=(2, 0)))
    assert accuracy.key_truth(d_major)[:2] == ("D", "major")
    e_minor = accuracy.read_midi(midi_file(_scale_notes(harmonic_minor, 4, 32),
                                           tempi=[(0, 120)], key=(1, 1)))
    assert accuracy.key_truth(e_minor)[:2] == ("E", "minor")
    b_flat = accuracy.read_midi(midi_file(_scale_notes(major, 10, 32), tempi=[(0, 120)],
                                          key=(-2, 0)))
    assert accuracy.key_truth(b_flat)[:2] == ("A#", "major")
    # C major is what sequencers write by default: not evidence
    default = accuracy.read_midi(midi_file(_scale_notes(major, 0, 32), tempi=[(0, 120)],
                                           key=(0, 0)))
    assert accuracy.key_truth(default)[0] is None
    # a G major signature over chromatic notes is not believed
    chromatic = accuracy.read_midi(midi_file([(i * 480, 60 + i % 12, 400) for i in range(36)],
                                             tempi=[(0, 120)], key=(1, 0)))
    key, _, why = accuracy.key_truth(chromatic)
    assert key is None and "do not fit" in why
    # drums (channel 10) are not notes of the key
    drums = accuracy.read_midi(midi_file([(i * 480, 36 + i % 12, 100) for i in range(36)],
                                         tempi=[(0, 120)], key=(1, 0), channel=9))
    assert accuracy.key_truth(drums)[0] is None


def test_abc_key_fields() -> None:
    assert accuracy.abc_key("G") == ("G", "major")
    assert accuracy.abc_key("Em") == ("E", "minor")
    assert accuracy.abc_key(" Bb") == ("A#", "major")
    assert accuracy.abc_key("F#m") == ("F#", "minor")
    assert accuracy.abc_key("Amin") == ("A", "minor")
    assert accuracy.abc_key("D major") == ("D", "major")
    assert accuracy.abc_key("Ador") == (None, None)  # modes are left out
    assert accuracy.abc_key("Dmix") == (None, None)
    assert accuracy.abc_key("HP") == (None, None)
    text = "X:1\nT:One\nM:4/4\nK:G\nGABc|\n\nX:2\nT:Two\nQ:1/4=90\nK:Em\nEFGA|\n"
    tunes = list(accuracy.abc_tunes(text))
    assert [(x, f["T"], f["K"]) for x, f, _ in tunes] == [("1", "One", "G"), ("2", "Two", "Em")]
    assert tunes[1][1]["Q"] == "1/4=90"
    assert accuracy.abc_tune_text(text, "2").startswith("X:2\nT:Two")


@pytest.mark.parametrize(("truth", "estimate", "acc1", "acc2"), [
    (120.0, 120.0, True, True), (120.0, 124.7, True, True), (120.0, 125.5, False, False),
    (120.0, 240.0, False, True), (120.0, 60.0, False, True), (90.0, 270.0, False, True),
    (180.0, 60.5, False, True), (120.0, 80.0, False, False), (120.0, None, False, False),
])
def test_tempo_accuracy_1_and_2(truth: float, estimate: float | None, acc1: bool,
                                acc2: bool) -> None:
    assert accuracy.tempo_scores(truth, estimate) == (acc1, acc2)


@pytest.mark.parametrize(("reference", "estimate", "expected"), [
    (("C", "major"), ("C", "major"), 1.0), (("C", "major"), ("G", "major"), 0.5),
    (("C", "major"), ("F", "major"), 0.0), (("C", "major"), ("A", "minor"), 0.3),
    (("A", "minor"), ("C", "major"), 0.3), (("A", "minor"), ("A", "major"), 0.2),
    (("A", "minor"), ("E", "minor"), 0.5), (("D", "major"), ("D#", "major"), 0.0),
    (("D", "major"), None, 0.0),
])
def test_key_weights_follow_the_mirex_table(reference: tuple[str, str],
                                            estimate: tuple[str, str] | None,
                                            expected: float) -> None:
    scorer, _ = accuracy.key_scorer()
    assert scorer(reference, estimate) == expected
    assert accuracy._key_weight_table(reference, estimate) == expected


def test_score_of_a_tiny_set() -> None:
    pieces = [
        {"id": "a", "split": "dev", "truth": {"tempo": 120.0, "tempo_steady": True,
                                             "key": "C", "mode": "major"}},
        {"id": "b", "split": "dev", "truth": {"tempo": 90.0, "tempo_steady": True,
                                             "key": "A", "mode": "minor"}},
        {"id": "c", "split": "heldout", "truth": {"tempo": 150.0, "tempo_steady": False,
                                                 "key": None, "mode": None}},
        {"id": "d", "split": "heldout", "truth": {"tempo": 100.0, "tempo_steady": True,
                                                 "key": "G", "mode": "major"}},
    ]
    estimates = {
        "a": {"tempo": 121.0, "key": "C", "mode": "major", "cpu_s": 1.0},
        "b": {"tempo": 180.0, "key": "E", "mode": "minor", "cpu_s": 1.0},
        "c": {"tempo": 10.0, "key": "C", "mode": "major", "cpu_s": 1.0},  # unscored truth
        "d": {"tempo": None, "key": None, "mode": None, "cpu_s": 2.0},
    }
    minutes = {"a": 1.0, "b": 1.0, "c": 2.0, "d": 1.0}
    figures = accuracy.score(pieces, estimates, minutes)
    assert figures["tempo_pieces"] == 3 and figures["key_pieces"] == 3
    assert figures["tempo_acc1"] == pytest.approx(1 / 3, abs=1e-3)
    assert figures["tempo_acc2"] == pytest.approx(2 / 3, abs=1e-3)
    assert figures["key_weighted"] == pytest.approx(1.5 / 3, abs=1e-3)
    assert figures["key_exact"] == pytest.approx(1 / 3, abs=1e-3)
    assert figures["cpu_s_per_audio_minute"] == pytest.approx(5.0 / 5.0)
    assert figures["misses"] == {"key fifth above": 1, "key none": 1, "tempo double": 1,
                                 "tempo none": 1}
    held_out = accuracy.score([p for p in pieces if p["split"] == "heldout"], estimates, minutes)
    assert held_out["tempo_pieces"] == 1 and held_out["tempo_acc2"] == 0.0


def test_the_set_file_states_where_each_truth_comes_from() -> None:
    pieces = accuracy.load_set()
    assert len(pieces) >= 60
    assert len({p["id"] for p in pieces}) == len(pieces)
    for piece in pieces:
        assert piece["package"].startswith(("deb:", "pypi:"))
        assert piece["split"] in ("dev", "heldout") and piece["licence"]
        truth = piece["truth"]
        assert truth["tempo_source"] and truth["key_source"]
        if truth["key"] is not None:
            assert truth["key"] in accuracy.PITCH_CLASSES
            assert truth["mode"] in ("major", "minor")
    # the held-out part shares no package folder with the tuned part
    def collection(piece: dict[str, str]) -> tuple[str, str]:
        return piece["package"], piece["file"].rsplit("/", 2)[-2]

    dev = {collection(p) for p in pieces if p["split"] == "dev"}
    assert dev.isdisjoint({collection(p) for p in pieces if p["split"] == "heldout"})
    assert sum(bool(p["truth"]["key"]) for p in pieces if p["split"] == "heldout") >= 20
    json.dumps(pieces)  # plain data


def test_rendered_midi_piece_through_the_builder(tmp_path: Path) -> None:
    """A MIDI piece made here goes through the same render, window and analysis path."""
    import shutil

    import soundfile

    assert shutil.which("fluidsynth"), "fluidsynth is a test dependency"
    soundfont = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
    assert soundfont.exists(), "timgm6mb-soundfont is a test dependency"
    builder = accuracy.SetBuilder(tmp_path / "cache")
    # pretend the soundfont package is unpacked (no download in tests)
    sf_root = builder.unpacked / "timgm6mb-soundfont"
    (sf_root / Path(accuracy.SOUNDFONT).parent).mkdir(parents=True)
    (sf_root / accuracy.SOUNDFONT).symlink_to(soundfont)
    (sf_root / ".complete").write_text("")
    song_root = builder.unpacked / "tiny-songs"
    song_root.mkdir()
    # I IV V I in B flat major, a chord on every beat, at 100 BPM
    chords = [(0, 4, 7), (5, 9, 12), (7, 11, 14), (0, 4, 7)]
    notes = [((bar * 4 + beat) * 480, 58 + step, 440)
             for bar in range(24) for beat in range(4) for step in chords[bar % 4]]
    (song_root / "song.mid").write_bytes(midi_file(notes, tempi=[(0, 100.0)], key=(-2, 0)))
    (song_root / ".complete").write_text("")
    facts = accuracy.read_midi((song_root / "song.mid").read_bytes())
    key, mode, _ = accuracy.key_truth(facts)
    tempo, steady = accuracy.tempo_truth(facts)
    assert (key, mode, tempo, steady) == ("A#", "major", 100.0, True)
    piece = {"id": "tiny", "package": "deb:tiny-songs", "file": "song.mid", "kind": "midi",
             "split": "dev",
             "truth": {"tempo": tempo, "tempo_steady": steady, "key": key, "mode": mode}}
    audio = builder.audio_for(piece)
    info = soundfile.info(str(audio))
    assert info.samplerate == accuracy.RATE and info.channels == 1
    assert 24 * 4 * 0.6 - 0.5 < info.duration < 24 * 4 * 0.6 + 4.0  # plus the release tail
    window = builder.window_for(piece, audio)
    assert window is not None
    assert soundfile.info(str(window)).duration == pytest.approx(accuracy.WINDOW_SECONDS, abs=0.1)
    results = accuracy.run_analyzers({"tiny": audio}, tmp_path, None, None)
    estimate = results["desktoprec"]["tiny"]
    assert estimate["cpu_s"] > 0 and "error" not in estimate
    figures = accuracy.score([piece], results["desktoprec"], {"tiny": info.duration / 60})
    assert figures["tempo_pieces"] == 1 and figures["key_pieces"] == 1
    assert figures["tempo_acc2"] == 1.0
    assert figures["cpu_s_per_audio_minute"] > 0
    # a variant of the analyzer (how docs/ACCURACY.md's tables were measured)
    variant = accuracy.run_analyzers({"tiny": audio}, tmp_path, None, None,
                                     accuracy.parse_overrides(["KEY_PROFILE=krumhansl"]))
    assert "error" not in variant["desktoprec"]["tiny"]
    assert variant["desktoprec"]["tiny"]["key"] in accuracy.PITCH_CLASSES


def test_overrides_are_constants_with_literal_values() -> None:
    assert accuracy.parse_overrides(["TRIAD_WEIGHT=0", "KEY_PROFILE=krumhansl",
                                     "TEMPO_SUPPORT=((2.0, 0.5),)"]) == {
        "TRIAD_WEIGHT": 0, "KEY_PROFILE": "krumhansl", "TEMPO_SUPPORT": ((2.0, 0.5),)}
    for bad in ("lower=1", "NOVALUE=", "=3", "A-B=1"):
        with pytest.raises(SystemExit, match="NAME=VALUE"):
            accuracy.parse_overrides([bad])
