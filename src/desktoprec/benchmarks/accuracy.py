"""Key and tempo accuracy against ground truth from real music, with CPU per minute of audio.

The set (accuracy_set.json beside this module) lists real pieces whose tempo and key their makers
stated: MIDI files with a tempo map and key signatures (rendered with fluidsynth and a General
MIDI soundfont), recorded Frets on Fire songs with the tempo map their charts were made to, LMMS
projects with the project's bpm (rendered by `lmms -r`), and folk tunes whose abc `K:` field states
the key (abc2midi, then fluidsynth). Everything comes from Debian packages (`apt-get download`,
`dpkg -x`) and one PyPI wheel (`pip download`), unpacked into a cache folder this benchmark
manages; nothing is ever labelled by another analyzer. `--make-set` derives the list again from
those packages.

Scores are the MIREX ones: tempo Acc1 (within 4 %) and Acc2 (also at 2, 1/2, 3 and 1/3 times the
truth), and the key's weighted score (1 same key, 0.5 a fifth above, 0.3 relative, 0.2 parallel:
mir_eval's `key.weighted_score` when mir_eval is installed — the `bench` extra — else the same
table here) and exact key and mode. CPU seconds per minute of audio are measured per file in a
separate process per analyzer. `--windows` scores single 30-second windows (what a Deezer
preview gives) as well. `--peers PYTHON` runs essentia and librosa in that interpreter (a side
environment: the app never imports essentia), and `--baseline FILE` an older copy of dsp.py.

Children: `python -m desktoprec.benchmarks.accuracy child LISTFILE [DSP_FILE [OVERRIDES]]`.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import logging
import math
import os
import re
import shutil
import statistics
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SET_FILE = Path(__file__).with_name("accuracy_set.json")
PEERS_SCRIPT = Path(__file__).with_name("accuracy_peers.py")
RATE = 22050
WINDOW_SECONDS = 30.0
MAX_SECONDS = 300.0  # longer renders (game loops of 10-28 min) are cut: the set stays balanced
WINDOW_CENTRE = 0.4  # where in a track the 30 s window sits (previews start around a third in)
TEMPO_TOLERANCE = 0.04
STEADY_SHARE = 0.9  # a tempo scored only when this share of the piece is within 4 % of it
KEY_FIT_SHARE = 0.85  # a key signature trusted when this share of the notes lies in its scale
SOUNDFONT = "usr/share/sounds/sf2/TimGM6mb.sf2"
MUSIC21_WHEEL = "music21==10.5.1"
PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLATS = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#", "Cb": "B", "Fb": "E",
          "E#": "F", "B#": "C"}
CHILD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
             "NUMBA_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache", type=Path, default=None,
                        help="folder for the packages and rendered audio "
                             "(default: the user cache folder, accuracy/)")
    parser.add_argument("--windows", action="store_true",
                        help="also score single 30-second windows (as a Deezer preview is)")
    parser.add_argument("--peers", metavar="PYTHON", default=None,
                        help="an interpreter with essentia, librosa (and mir_eval) installed: "
                             "run them on the same audio")
    parser.add_argument("--baseline", type=Path, default=None, metavar="DSP_FILE",
                        help="an older features/dsp.py to run as the baseline analyzer")
    parser.add_argument("--split", choices=("all", "dev", "heldout"), default="all",
                        help="score only part of the set (the figures of both parts are "
                             "always reported)")
    parser.add_argument("--limit", type=int, default=0, help="use at most N pieces")
    parser.add_argument("--every", type=int, default=1, metavar="K",
                        help="use every K-th piece of the set (a spread sample: the peers take "
                             "minutes per piece on a busy machine)")
    parser.add_argument("--make-set", action="store_true",
                        help="derive accuracy_set.json again from the packages, then stop")
    parser.add_argument("--details", type=Path, default=None,
                        help="write every piece's truth and estimates to this JSON file")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="NAME=VALUE",
                        help="run desktoprec's analyzer with one of features/dsp.py's constants "
                             "changed (a Python literal), e.g. HARMONIC_SUPPRESSION=0: how the "
                             "variants in docs/ACCURACY.md were measured")


# --- reading MIDI files --------------------------------------------------------------------------


@dataclass
class MidiFacts:
    """What a standard MIDI file states: tempo map, key and time signatures, notes, length."""

    ticks_per_quarter: int
    tempo_changes: list[tuple[int, int]] = field(default_factory=list)  # (tick, us per quarter)
    key_signatures: list[tuple[int, int, int]] = field(default_factory=list)  # (tick, sf, minor)
    time_signatures: list[tuple[int, int, int]] = field(default_factory=list)  # (tick, num, den)
    notes: list[tuple[int, int, int, int]] = field(default_factory=list)  # (tick, ch, pitch, len)
    last_tick: int = 0

    def seconds_at(self, tick: int) -> float:
        """Time of a tick under the tempo map (500000 us per quarter until the first change)."""
        seconds, previous_tick, tempo = 0.0, 0, 500000
        for change_tick, change_tempo in self.tempo_changes:
            if change_tick >= tick:
                break
            seconds += (change_tick - previous_tick) * tempo / 1e6 / self.ticks_per_quarter
            previous_tick, tempo = change_tick, change_tempo
        return seconds + (tick - previous_tick) * tempo / 1e6 / self.ticks_per_quarter

    @property
    def duration_s(self) -> float:
        return self.seconds_at(self.last_tick)


def _varlen(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for _ in range(4):
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos
    raise ValueError("bad variable-length number")


def read_midi(data: bytes) -> MidiFacts:
    """Parse a standard MIDI file (format 0 or 1); ValueError when it is not one."""
    if data[:4] != b"MThd" or len(data) < 14:
        raise ValueError("not a standard MIDI file")
    header_length = struct.unpack(">I", data[4:8])[0]
    _, tracks, division = struct.unpack(">HHH", data[8:14])
    if division & 0x8000:
        raise ValueError("SMPTE time division is not supported")
    facts = MidiFacts(ticks_per_quarter=division or 480)
    pos = 8 + header_length
    for _ in range(tracks):
        if data[pos:pos + 4] != b"MTrk":
            break
        end = pos + 8 + struct.unpack(">I", data[pos + 4:pos + 8])[0]
        pos += 8
        tick, status = 0, 0
        sounding: dict[tuple[int, int], int] = {}
        while pos < min(end, len(data)):
            delta, pos = _varlen(data, pos)
            tick += delta
            byte = data[pos]
            if byte == 0xFF:
                kind = data[pos + 1]
                length, pos = _varlen(data, pos + 2)
                body = data[pos:pos + length]
                pos += length
                if kind == 0x51 and length == 3:
                    facts.tempo_changes.append((tick, int.from_bytes(body, "big")))
                elif kind == 0x59 and length >= 2:
                    facts.key_signatures.append((tick, struct.unpack("b", body[:1])[0], body[1]))
                elif kind == 0x58 and length >= 2:
                    facts.time_signatures.append((tick, body[0], 2 ** body[1]))
                elif kind == 0x2F:
                    break
                continue
            if byte in (0xF0, 0xF7):
                length, pos = _varlen(data, pos + 1)
                pos += length
                continue
            if byte & 0x80:
                status = byte
                pos += 1
            high, channel = status & 0xF0, status & 0x0F
            width = 1 if high in (0xC0, 0xD0) else 2
            args = data[pos:pos + width]
            pos += width
            if high == 0x90 and len(args) == 2 and args[1] > 0:
                sounding.setdefault((channel, args[0]), tick)
            elif high in (0x80, 0x90) and len(args) == 2:
                started = sounding.pop((channel, args[0]), None)
                if started is not None and tick > started:
                    facts.notes.append((started, channel, args[0], tick - started))
                    facts.last_tick = max(facts.last_tick, tick)
        pos = end
    facts.tempo_changes.sort()
    facts.key_signatures.sort()
    facts.time_signatures.sort()
    return facts


def _beat_factor(numerator: int, denominator: int) -> float:
    """Beats per quarter note: compound metres (6/8, 9/8, 12/8) beat in dotted quarters."""
    if denominator == 8 and numerator in (6, 9, 12):
        return 2.0 / 3.0
    if denominator == 8:
        return 2.0
    return 1.0


def tempo_truth(facts: MidiFacts, start_s: float = 0.0,
                end_s: float | None = None) -> tuple[float | None, bool]:
    """(beat BPM, steady) from the tempo map between start_s and end_s.

    The BPM is the one that holds longest; steady when STEADY_SHARE of the span is within 4 % of
    it. The beat follows the first time signature (dotted quarters in compound metres).
    """
    end_s = facts.duration_s if end_s is None else end_s
    if end_s <= start_s:
        return None, False
    changes = facts.tempo_changes or [(0, 500000)]
    spans: list[tuple[float, float]] = []  # (seconds, bpm)
    for index, (tick, tempo) in enumerate(changes):
        begin = facts.seconds_at(tick)
        finish = facts.seconds_at(changes[index + 1][0]) if index + 1 < len(changes) else end_s
        if tick == 0 and index + 1 < len(changes) and changes[index + 1][0] == 0:
            continue
        begin, finish = max(begin, start_s), min(finish, end_s)
        if finish > begin:
            spans.append((finish - begin, 60e6 / tempo))
    if not spans:
        return None, False
    total = sum(s for s, _ in spans)
    best = max(spans, key=lambda span: sum(s for s, b in spans if abs(b / span[1] - 1) <= 0.04))
    held = sum(s for s, b in spans if abs(b / best[1] - 1) <= TEMPO_TOLERANCE)
    numerator, denominator = (facts.time_signatures[0][1:] if facts.time_signatures else (4, 4))
    bpm = best[1] * _beat_factor(numerator, denominator)
    return round(bpm, 2), held >= STEADY_SHARE * total


_MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)


def key_from_signature(sharps: int, minor: bool) -> tuple[str, str]:
    tonic = (7 * sharps) % 12
    if minor:
        tonic = (tonic + 9) % 12
    return PITCH_CLASSES[tonic], "minor" if minor else "major"


def key_truth(facts: MidiFacts) -> tuple[str | None, str | None, str]:
    """(key, mode, why) from the key signature, when one is stated and the notes agree with it.

    A file whose only signature is C major (0 sharps, major) is not trusted: sequencers write it
    by default. A signature is trusted when KEY_FIT_SHARE of the pitched notes' duration lies in
    its scale (the harmonic and melodic minor's raised 6th and 7th count for a minor key).
    """
    signatures = {(sf, mi) for _, sf, mi in facts.key_signatures}
    if not signatures:
        return None, None, "no key signature"
    if len(signatures) > 1:
        return None, None, "the key signature changes"
    sharps, minor = next(iter(signatures))
    if (sharps, minor) == (0, 0):
        return None, None, "only the default C major signature"
    key, mode = key_from_signature(sharps, bool(minor))
    tonic = PITCH_CLASSES.index(key)
    major_tonic = (7 * sharps) % 12
    scale = {(major_tonic + step) % 12 for step in _MAJOR_SCALE}
    if minor:
        scale |= {(tonic + 9) % 12, (tonic + 11) % 12}
    pitched = [(pitch, length) for _, channel, pitch, length in facts.notes if channel != 9]
    total = sum(length for _, length in pitched)
    inside = sum(length for pitch, length in pitched if pitch % 12 in scale)
    if total == 0 or inside < KEY_FIT_SHARE * total:
        share = inside / total if total else 0.0
        return None, None, f"the notes do not fit the signature ({share:.0%} in its scale)"
    return key, mode, "key signature"


# --- abc tunes -----------------------------------------------------------------------------------

_ABC_MODES = {"": "major", "maj": "major", "major": "major", "ion": "major", "m": "minor",
              "min": "minor", "minor": "minor", "aeo": "minor"}


def abc_key(field_value: str) -> tuple[str | None, str | None]:
    """The key an abc K: field states, for major and minor keys only (modes are left out)."""
    match = re.match(r"\s*([A-Ga-g])([#b]?)\s*([A-Za-z]*)", field_value)
    if not match:
        return None, None
    letter, accidental, mode_text = match.groups()
    mode = _ABC_MODES.get(mode_text.lower()[:5] if mode_text.lower() in ("major", "minor")
                          else mode_text.lower()[:3])
    if mode is None:
        return None, None
    name = letter.upper() + accidental
    return _FLATS.get(name, name), mode


def abc_tunes(text: str) -> Iterable[tuple[str, dict[str, str], str]]:
    """(X number, header fields, whole tune text) of each tune in an abc file."""
    for block in re.split(r"\n\s*\n(?=X:)|\n(?=X:)", text):
        block = block.strip()
        if not block.startswith("X:"):
            continue
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if len(line) > 2 and line[1] == ":" and line[0] in "XTMLQKC" and line[0] not in fields:
                fields[line[0]] = line[2:].strip()
            if line.startswith("K:"):
                break
        yield fields.get("X", "").strip(), fields, block + "\n"


# --- scoring -------------------------------------------------------------------------------------


def tempo_scores(truth: float, estimate: float | None) -> tuple[bool, bool]:
    """(Acc1, Acc2) of one estimate: within 4 %, and within 4 % of 1, 2, 1/2, 3 or 1/3 times."""
    if estimate is None or not math.isfinite(estimate) or estimate <= 0:
        return False, False
    acc1 = abs(estimate - truth) <= TEMPO_TOLERANCE * truth
    acc2 = any(abs(estimate - truth * f) <= TEMPO_TOLERANCE * truth * f
               for f in (1.0, 2.0, 0.5, 3.0, 1.0 / 3.0))
    return acc1, acc2


def _key_weight_table(reference: tuple[str, str], estimate: tuple[str, str] | None) -> float:
    if estimate is None or estimate[0] is None:
        return 0.0
    ref_tonic, ref_mode = PITCH_CLASSES.index(reference[0]), reference[1]
    est_tonic, est_mode = PITCH_CLASSES.index(estimate[0]), estimate[1]
    if (ref_tonic, ref_mode) == (est_tonic, est_mode):
        return 1.0
    if ref_mode == est_mode and (est_tonic - ref_tonic) % 12 == 7:
        return 0.5
    if ref_mode == "major" != est_mode and (est_tonic - ref_tonic) % 12 == 9:
        return 0.3
    if ref_mode == "minor" != est_mode and (est_tonic - ref_tonic) % 12 == 3:
        return 0.3
    if ref_tonic == est_tonic and ref_mode != est_mode:
        return 0.2
    return 0.0


def key_scorer() -> tuple[Callable[[tuple[str, str], tuple[str, str] | None], float], str]:
    """mir_eval's weighted key score when mir_eval is installed, else the same MIREX table."""
    try:
        import mir_eval.key  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return _key_weight_table, "MIREX table (mir_eval not installed)"

    def score(reference: tuple[str, str], estimate: tuple[str, str] | None) -> float:
        if estimate is None or estimate[0] is None:
            return 0.0
        return float(mir_eval.key.weighted_score(f"{reference[0]} {reference[1]}",
                                                 f"{estimate[0]} {estimate[1]}"))

    return score, f"mir_eval {getattr(mir_eval, '__version__', '')}".strip()


def score(pieces: list[dict[str, Any]], estimates: dict[str, dict[str, Any]],
          minutes: dict[str, float],
          key_score: Callable[[tuple[str, str], tuple[str, str] | None], float] | None = None,
          ) -> dict[str, Any]:
    """Acc1, Acc2, key weighted and exact, and CPU per minute of one analyzer over pieces."""
    key_score = key_score or key_scorer()[0]
    acc1, acc2, weighted, exact, cpu, audio_min = [], [], [], [], 0.0, 0.0
    misses: dict[str, int] = {}
    for piece in pieces:
        found = estimates.get(piece["id"])
        if found is None:
            continue
        cpu += float(found.get("cpu_s") or 0.0)
        audio_min += minutes.get(piece["id"], 0.0)
        truth = piece["truth"]
        if truth.get("tempo") and truth.get("tempo_steady"):
            one, two = tempo_scores(truth["tempo"], found.get("tempo"))
            acc1.append(one)
            acc2.append(two)
            kind = _tempo_miss_kind(truth["tempo"], found.get("tempo"))
            if kind:
                misses[f"tempo {kind}"] = misses.get(f"tempo {kind}", 0) + 1
        if truth.get("key"):
            estimate = ((str(found["key"]), str(found.get("mode")))
                        if found.get("key") else None)
            reference = (str(truth["key"]), str(truth["mode"]))
            weighted.append(key_score(reference, estimate))
            exact.append(estimate == reference)
            kind = _key_miss_kind(reference, estimate)
            if kind:
                misses[f"key {kind}"] = misses.get(f"key {kind}", 0) + 1

    def mean(values: list[Any]) -> float | None:
        return round(statistics.fmean(float(v) for v in values), 3) if values else None

    return {
        "tempo_pieces": len(acc1), "tempo_acc1": mean(acc1), "tempo_acc2": mean(acc2),
        "key_pieces": len(weighted), "key_weighted": mean(weighted), "key_exact": mean(exact),
        "audio_minutes": round(audio_min, 2), "cpu_s": round(cpu, 2),
        "cpu_s_per_audio_minute": round(cpu / audio_min, 4) if audio_min else None,
        "misses": dict(sorted(misses.items())),
    }


def _tempo_miss_kind(truth: float, estimate: float | None) -> str | None:
    if estimate is None:
        return "none"
    for name, factor in (("double", 2.0), ("half", 0.5), ("triple", 3.0), ("third", 1 / 3),
                         ("two-thirds", 2 / 3), ("three-halves", 1.5)):
        if abs(estimate - truth * factor) <= TEMPO_TOLERANCE * truth * factor:
            return name
    return None if abs(estimate - truth) <= TEMPO_TOLERANCE * truth else "other"


def _key_miss_kind(reference: tuple[str, str], estimate: tuple[str, str] | None) -> str | None:
    if estimate is None:
        return "none"
    if estimate == reference:
        return None
    steps = (PITCH_CLASSES.index(estimate[0]) - PITCH_CLASSES.index(reference[0])) % 12
    if estimate[1] == reference[1]:
        return {7: "fifth above", 5: "fifth below"}.get(steps, "other")
    if (reference[1] == "major" and steps == 9) or (reference[1] == "minor" and steps == 3):
        return "relative"
    return "parallel" if steps == 0 else "other"


# --- the cache: packages, tools and rendered audio -----------------------------------------------


class SetBuilder:
    """Fetches the packages the set names and renders each piece once into the cache folder."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.debs = cache / "debs"
        self.unpacked = cache / "packages"
        self.audio = cache / "audio"
        self.windows = cache / "windows"
        for folder in (self.debs, self.unpacked, self.audio, self.windows):
            folder.mkdir(parents=True, exist_ok=True)
        self._updated = False

    def package_root(self, package: str) -> Path:
        """The unpacked files of a Debian package (`deb:NAME`) or a PyPI wheel (`pypi:SPEC`)."""
        kind, _, name = package.partition(":")
        target = self.unpacked / re.sub(r"[^A-Za-z0-9_.+-]", "_", name)
        if (target / ".complete").exists():
            return target
        if kind == "deb":
            self._fetch_deb(name, target)
        elif kind == "pypi":
            self._fetch_wheel(name, target)
        else:
            raise SystemExit(f"desktoprec: unknown package kind in the set: {package}")
        (target / ".complete").write_text("")
        return target

    def _fetch_deb(self, name: str, target: Path) -> None:
        found = sorted(self.debs.glob(f"{name}_*.deb"))
        if not found:
            if not self._updated:
                subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
                self._updated = True
            done = subprocess.run(["apt-get", "download", name], cwd=self.debs,
                                  capture_output=True, text=True, check=False)
            found = sorted(self.debs.glob(f"{name}_*.deb"))
            if not found:
                raise SystemExit(f"desktoprec: could not download the Debian package {name}: "
                                 f"{done.stderr.strip()[-300:]}")
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(["dpkg", "-x", str(found[-1]), str(target)], check=True)

    def _fetch_wheel(self, spec: str, target: Path) -> None:
        wheels = self.cache / "wheels"
        wheels.mkdir(exist_ok=True)
        name = spec.split("==")[0].replace("-", "_")
        found = sorted(wheels.glob(f"{name}-*.whl"))
        if not found:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d",
                            str(wheels), spec], check=False, capture_output=True)
            found = sorted(wheels.glob(f"{name}-*.whl"))
            if not found:
                raise SystemExit(f"desktoprec: could not download the wheel {spec}")
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(found[-1]) as wheel:
            wheel.extractall(target)

    def licence(self, package: str, file: str) -> str:
        """The licence debian/copyright gives the file (the last matching Files: stanza)."""
        root = self.package_root(package)
        name = package.partition(":")[2]
        copyright_file = root / "usr/share/doc" / name / "copyright"
        if not copyright_file.exists():
            return "see the package"
        found = "see the package"
        stanza_files: list[str] = []
        for line in copyright_file.read_text(errors="replace").splitlines():
            if line.startswith("Files:"):
                stanza_files = line[6:].split()
            elif line.startswith("License:") and stanza_files:
                # the stanzas name source-tree paths; the tail after the first folder is what
                # the installed path ends with
                if any(fnmatch.fnmatch(file, p if "/" not in p else "*" + p.split("/", 1)[1])
                       for p in stanza_files):
                    found = line[8:].strip()
                stanza_files = []
        return found

    def audio_for(self, piece: dict[str, Any]) -> Path:
        """The rendered (or mixed) audio of a piece, made once: mono FLAC at RATE."""
        out = self.audio / f"{piece['id']}.flac"
        if out.exists():
            return out
        root = self.package_root(piece["package"])
        source = root / piece["file"]
        scratch = self.cache / "scratch"
        scratch.mkdir(exist_ok=True)
        wav = scratch / f"{piece['id']}.wav"
        kind = piece["kind"]
        if kind == "midi":
            self._fluidsynth(source, wav)
        elif kind == "abc":
            tune = scratch / f"{piece['id']}.abc"
            tune.write_text(abc_tune_text(source.read_text(errors="replace"), piece["tune"]))
            midi = scratch / f"{piece['id']}.mid"
            _run([_tool("abc2midi"), str(tune), "-o", str(midi)])
            self._fluidsynth(midi, wav)
        elif kind == "lmms":
            env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
            command = [_tool("lmms")]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                command.append("--allowroot")
            _run([*command, "-r", str(source), "-o", str(wav), "-f", "wav"], env=env,
                 timeout=1800)
        elif kind == "recorded":
            stems = [source / name for name in piece["stems"]]
            inputs = [arg for stem in stems for arg in ("-i", str(stem))]
            _run([_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", *inputs, "-filter_complex",
                  f"amix=inputs={len(stems)}:normalize=0", "-ac", "1", "-ar", str(RATE),
                  str(wav)])
        else:
            raise SystemExit(f"desktoprec: unknown piece kind {kind}")
        _to_flac(wav, out)
        wav.unlink(missing_ok=True)
        return out

    def _fluidsynth(self, midi: Path, wav: Path) -> None:
        """Render raw 16-bit stereo to a pipe and stop after MAX_SECONDS (game loops run on)."""
        import numpy as np
        import soundfile

        soundfont = self.package_root("deb:timgm6mb-soundfont") / SOUNDFONT
        wanted = int(MAX_SECONDS * RATE) * 4
        with subprocess.Popen([_tool("fluidsynth"), "-ni", "-g", "0.5", "-r", str(RATE),
                               "-T", "raw", "-O", "s16", "-F", "-", str(soundfont), str(midi)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as render:
            assert render.stdout is not None
            chunks, have = [], 0
            while have < wanted:
                chunk = render.stdout.read(min(1 << 20, wanted - have))
                if not chunk:
                    break
                chunks.append(chunk)
                have += len(chunk)
            render.kill()
        raw = b"".join(chunks)
        samples = np.frombuffer(raw[: len(raw) - len(raw) % 4], dtype="<i2").reshape(-1, 2)
        if samples.shape[0] < RATE:
            raise RuntimeError(f"fluidsynth rendered less than a second of {midi.name}")
        soundfile.write(str(wav), samples, RATE, subtype="PCM_16")

    def window_for(self, piece: dict[str, Any], audio: Path) -> Path | None:
        """A single 30 s window of the piece (None when the piece is shorter than 35 s)."""
        out = self.windows / f"{piece['id']}.flac"
        if out.exists():
            return out
        import soundfile

        info = soundfile.info(str(audio))
        if info.duration < WINDOW_SECONDS + 5:
            return None
        start = window_start(info.duration)
        data, rate = soundfile.read(str(audio), start=int(start * info.samplerate),
                                    frames=int(WINDOW_SECONDS * info.samplerate),
                                    dtype="float32")
        soundfile.write(str(out), data, rate)
        return out


def window_start(duration: float) -> float:
    return max(0.0, min(duration - WINDOW_SECONDS, duration * WINDOW_CENTRE - WINDOW_SECONDS / 2))


def abc_tune_text(text: str, number: str) -> str:
    for x, _, block in abc_tunes(text):
        if x == number:
            return block
    raise SystemExit(f"desktoprec: tune X:{number} is not in the abc file")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        packages = {"abc2midi": "abcmidi"}
        raise SystemExit(f"desktoprec: the accuracy set needs `{name}` to render its pieces "
                         f"(apt-get install {packages.get(name, name)})")
    return found


def _run(command: list[str], env: dict[str, str] | None = None, timeout: float = 600) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-300:]}")


def _to_flac(wav: Path, out: Path) -> None:
    import numpy as np
    import soundfile

    info = soundfile.info(str(wav))
    data, rate = soundfile.read(str(wav), dtype="float32", always_2d=True,
                                frames=int(MAX_SECONDS * info.samplerate))
    mono = data.mean(axis=1)
    peak = float(np.max(np.abs(mono))) if mono.size else 0.0
    if peak > 0.99:  # a loud render that would clip in 16 bits
        mono = mono * (0.99 / peak)
    if rate != RATE:
        import soxr

        mono = soxr.resample(mono, rate, RATE)
    soundfile.write(str(out), mono, RATE, subtype="PCM_16")


# --- making the set from the packages ------------------------------------------------------------

# Which packages the set draws on, and which part of the set each one belongs to. The held-out
# part shares no package or collection with the part the analyzer was tuned on.
SOURCES: dict[str, dict[str, Any]] = {
    "deb:openttd-openmsx": {"kind": "midi", "glob": "usr/share/games/openttd/baseset/openmsx/*.mid",
                            "split": "dev", "short": "openmsx"},
    "deb:planetblupi-music-midi": {"kind": "midi", "glob": "usr/share/planetblupi/music/*.mid",
                                   "split": "heldout", "short": "blupi"},
    "deb:fretsonfire-songs-muldjord": {"kind": "recorded", "split": "dev", "short": "fof",
                                       "licence": "CC-BY-SA-3.0 (Muldjord)",
                                       "glob": "usr/share/games/fretsonfire/data/songs/*/*"},
    "deb:fretsonfire-songs-sectoid": {"kind": "recorded", "split": "heldout", "short": "fof",
                                      "licence": "Expat (Carlos Viola Iborra)",
                                      "glob": "usr/share/games/fretsonfire/data/songs/*/*"},
    "deb:lmms-common": {"kind": "lmms", "glob": "usr/share/lmms/projects/**/*.mmp*",
                        "split": "by-folder", "short": "lmms"},
    "pypi:" + MUSIC21_WHEEL: {"kind": "abc", "glob": "music21/corpus/*/*.abc", "split": "by-folder",
                              "short": "abc"},
}
ABC_DEV_COLLECTIONS = ("ryansMammoth",)
ABC_HELDOUT_COLLECTIONS = ("oneills1850", "essenFolksong", "airdsAirs", "miscFolk")
ABC_TUNES_PER_COLLECTION = 24  # spread evenly through each collection, minor keys first


def _lmms_truth(path: Path) -> tuple[float | None, str]:
    import zlib

    raw = path.read_bytes()
    text = zlib.decompress(raw[4:]) if path.suffix == ".mmpz" else raw
    head = re.search(rb"<head[^>]*>", text)
    bpm = re.search(rb'bpm="([0-9.]+)"', head.group(0)) if head else None
    if head is None or bpm is None:
        return None, "no bpm in the project head"
    numerator = re.search(rb'timesig_numerator="([0-9]+)"', head.group(0))
    denominator = re.search(rb'timesig_denominator="([0-9]+)"', head.group(0))
    factor = _beat_factor(int(numerator.group(1)) if numerator else 4,
                          int(denominator.group(1)) if denominator else 4)
    return round(float(bpm.group(1)) * factor, 2), "project bpm"


def make_set(builder: SetBuilder) -> list[dict[str, Any]]:
    """Derive every piece and its truth from the packages (the set file is this, saved)."""
    pieces: list[dict[str, Any]] = []
    for package, source in SOURCES.items():
        root = builder.package_root(package)
        kind = source["kind"]
        if kind == "abc":
            pieces.extend(_abc_pieces(package, root))
            continue
        for path in sorted(root.glob(source["glob"])):
            relative = str(path.relative_to(root))
            split = source["split"]
            if kind == "midi":
                facts = read_midi(path.read_bytes())
                tempo, steady = tempo_truth(facts, 0.0, min(facts.duration_s, MAX_SECONDS))
                key, mode, why = key_truth(facts)
                truth = {"tempo": tempo, "tempo_steady": steady, "key": key, "mode": mode,
                         "tempo_source": "MIDI tempo map", "key_source": why,
                         "duration_s": round(min(facts.duration_s, MAX_SECONDS), 1)}
            elif kind == "recorded":
                chart = path / "notes.mid"
                if not chart.exists():
                    continue
                facts = read_midi(chart.read_bytes())
                tempo, steady = tempo_truth(facts)
                stems = sorted(p.name for p in path.glob("*.ogg")
                               if p.name in ("song.ogg", "guitar.ogg", "rhythm.ogg"))
                truth = {"tempo": tempo, "tempo_steady": steady, "key": None, "mode": None,
                         "tempo_source": "tempo map of the song's chart (notes.mid)",
                         "key_source": "not stated"}
            else:  # lmms
                if "templates" in relative or "tutorials" in relative:
                    continue
                tempo, why = _lmms_truth(path)
                split = "heldout" if "/shorties/" in relative else "dev"
                truth = {"tempo": tempo, "tempo_steady": tempo is not None, "key": None,
                         "mode": None, "tempo_source": why, "key_source": "not stated"}
            piece_id = _piece_id(source["short"], path.stem if kind != "recorded" else path.name)
            piece = {"id": piece_id, "package": package, "file": relative, "kind": kind,
                     "split": split,
                     "licence": source.get("licence") or builder.licence(package, relative),
                     "truth": truth}
            if kind == "recorded":
                piece["stems"] = stems
            pieces.append(piece)
    seen: set[str] = set()
    for piece in pieces:  # ids unique
        base, n = piece["id"], 2
        while piece["id"] in seen:
            piece["id"] = f"{base}-{n}"
            n += 1
        seen.add(piece["id"])
    return pieces


def _piece_id(*parts: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", " ".join(parts).lower()).strip("-")


def _abc_pieces(package: str, root: Path) -> list[dict[str, Any]]:
    pieces = []
    for collection in (*ABC_DEV_COLLECTIONS, *ABC_HELDOUT_COLLECTIONS):
        candidates = []
        for path in sorted((root / "music21/corpus" / collection).glob("*.abc")):
            text = path.read_text(errors="replace")
            for number, fields, block in abc_tunes(text):
                key, mode = abc_key(fields.get("K", ""))
                if key is None or not number:
                    continue
                if not re.search(r'"[A-G][^"]*"', block):  # chord symbols: an accompaniment
                    continue
                candidates.append((path, number, fields, key, mode))
        minor = [c for c in candidates if c[4] == "minor"]
        major = [c for c in candidates if c[4] == "major"]
        chosen = _spread(minor, ABC_TUNES_PER_COLLECTION // 3)
        chosen += _spread(major, ABC_TUNES_PER_COLLECTION - len(chosen))
        for path, number, fields, key, mode in chosen:
            relative = str(path.relative_to(root))
            pieces.append({
                "id": _piece_id("abc", collection, path.stem, number),
                "package": package, "file": relative, "kind": "abc", "tune": number,
                "title": fields.get("T", ""),
                "split": "dev" if collection in ABC_DEV_COLLECTIONS else "heldout",
                "licence": "music21 corpus (public-domain tunes; see corpus/license.txt)",
                "truth": {"tempo": None, "tempo_steady": False, "key": key, "mode": mode,
                          "tempo_source": "filled in from the rendered MIDI",
                          "key_source": f"abc K: field ({fields.get('K', '').strip()})"},
            })
    return pieces


def _spread(items: list[Any], count: int) -> list[Any]:
    if count <= 0 or not items:
        return []
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def _abc_tempo(builder: SetBuilder, piece: dict[str, Any]) -> None:
    """An abc tune's tempo is the one abc2midi writes (its Q: field, or abc2midi's default)."""
    root = builder.package_root(piece["package"])
    scratch = builder.cache / "scratch"
    scratch.mkdir(exist_ok=True)
    tune = scratch / f"{piece['id']}.abc"
    tune.write_text(abc_tune_text((root / piece["file"]).read_text(errors="replace"),
                                  piece["tune"]))
    midi = scratch / f"{piece['id']}.mid"
    _run([_tool("abc2midi"), str(tune), "-o", str(midi)])
    facts = read_midi(midi.read_bytes())
    tempo, steady = tempo_truth(facts)
    stated = bool(re.search(r"^Q:", tune.read_text(), re.MULTILINE))
    piece["truth"].update({
        "tempo": tempo, "tempo_steady": steady and stated,
        "duration_s": round(facts.duration_s, 1),
        "tempo_source": "abc Q: field as abc2midi renders it" if stated else
        "not stated (abc2midi's default tempo: not scored)"})


# --- running the analyzers -----------------------------------------------------------------------


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """NAME=VALUE pairs (VALUE a Python literal) for the analyzer's constants."""
    import ast

    overrides = {}
    for item in items:
        name, _, text = item.partition("=")
        if not name.isidentifier() or not name.isupper() or not text:
            raise SystemExit(f"desktoprec: --set wants NAME=VALUE with an upper-case constant "
                             f"of features/dsp.py, not {item!r}")
        try:
            overrides[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            overrides[name] = text  # a bare word: a string
    return overrides


def _child(list_file: str, dsp_file: str | None, overrides: dict[str, Any] | None = None) -> None:
    """Runs in a fresh process: analyse each listed file, print one JSON line per file."""
    if dsp_file:
        import importlib.util

        spec = importlib.util.spec_from_file_location("desktoprec_baseline_dsp", dsp_file)
        assert spec and spec.loader
        dsp = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = dsp  # dataclasses look their module up while it loads
        spec.loader.exec_module(dsp)
    else:
        from desktoprec.features import dsp  # type: ignore[no-redef]
    for name, value in (overrides or {}).items():
        if not hasattr(dsp, name):
            raise SystemExit(f"features/dsp.py has no constant {name}")
        setattr(dsp, name, value)
    dsp.warm_up()
    for line in Path(list_file).read_text().splitlines():
        piece_id, path = line.split("\t", 1)
        started = time.process_time()
        try:
            result = dsp.analyze(path)
            found: dict[str, Any] = {"tempo": result.get("tempo_bpm"), "key": result.get("key"),
                                     "mode": result.get("mode"),
                                     "tempo_confidence": result.get("tempo_confidence")}
        except Exception as exc:  # noqa: BLE001 - a failure is a missing estimate, reported
            found = {"error": str(exc)[:200]}
        found.update({"id": piece_id, "cpu_s": time.process_time() - started})
        print(json.dumps(found), flush=True)


def _collect(name: str, process: subprocess.Popen[bytes], output: Path) -> dict[str, Any]:
    process.wait(timeout=7200)
    results = {}
    for line in output.read_text().splitlines():
        if line.startswith("{"):
            item = json.loads(line)
            results[item.pop("id")] = item
    if process.returncode != 0 and not results:
        errors = output.with_suffix(".err").read_text(errors="replace").strip()
        raise RuntimeError(f"{name} child failed: {errors[-500:]}")
    return results


def run_analyzers(files: dict[str, Path], scratch: Path, peers: str | None,
                  baseline: Path | None, overrides: dict[str, Any] | None = None,
                  ) -> dict[str, dict[str, dict[str, Any]]]:
    """{analyzer: {piece id: estimate}} for ours, the baseline and the peers on the same files.

    Each analyzer runs in its own process, all at once (CPU time is counted per process, so
    running side by side changes the wall time, not the figures).
    """
    from desktoprec.features.pool import worker_environment

    list_file = scratch / f"files-{len(files)}-{os.getpid()}.tsv"
    list_file.write_text("".join(f"{k}\t{v}\n" for k, v in files.items()))
    env = {**os.environ, **worker_environment(), **CHILD_ENV}
    ours = [sys.executable, "-m", "desktoprec.benchmarks.accuracy", "child", str(list_file)]
    commands: dict[str, tuple[list[str], dict[str, str]]] = {
        "desktoprec": ([*ours, "", json.dumps(overrides)] if overrides else ours, env)}
    if baseline is not None:
        commands["baseline"] = ([*ours, str(baseline.resolve())], env)
    if peers:
        peer_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        peer_env.update(CHILD_ENV)
        for peer in ("essentia", "librosa"):
            commands[peer] = ([peers, str(PEERS_SCRIPT), peer, str(list_file)], peer_env)
    running = {}
    for name, (command, child_env) in commands.items():
        output = list_file.with_name(f"{list_file.stem}-{name}.out")
        with output.open("wb") as out, output.with_suffix(".err").open("wb") as err:
            running[name] = (subprocess.Popen(command, stdout=out, stderr=err, env=child_env),
                             output)
    return {name: _collect(name, process, output) for name, (process, output) in running.items()}


# --- the benchmark -------------------------------------------------------------------------------


def load_set(path: Path = SET_FILE) -> list[dict[str, Any]]:
    return json.loads(path.read_text())["pieces"]


def _cache_dir(args: argparse.Namespace) -> Path:
    if args.cache is not None:
        return args.cache.expanduser().resolve()
    from desktoprec.paths import app_paths

    return app_paths().cache_dir / "accuracy"


def _durations(files: dict[str, Path]) -> dict[str, float]:
    import soundfile

    return {k: soundfile.info(str(v)).duration / 60.0 for k, v in files.items()}


def build(builder: SetBuilder, pieces: list[dict[str, Any]]) -> tuple[dict[str, Path],
                                                                     dict[str, str]]:
    """Render every piece (once); {id: audio} and {id: why not} for those that failed."""
    files, failed = {}, {}
    for piece in pieces:
        try:
            files[piece["id"]] = builder.audio_for(piece)
        except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as exc:
            failed[piece["id"]] = str(exc)[:200]
            log.warning("accuracy set: %s could not be rendered: %s", piece["id"], exc)
    return files, failed


def run(args: argparse.Namespace, services: Any) -> dict[str, Any]:
    builder = SetBuilder(_cache_dir(args))
    if args.make_set:
        pieces = make_set(builder)
        for piece in pieces:
            if piece["kind"] == "abc":
                _abc_tempo(builder, piece)
        SET_FILE.write_text(json.dumps({
            "about": "Real pieces whose tempo and key their makers stated; made by "
                     "`desktoprec bench accuracy --make-set` (see benchmarks/accuracy.py).",
            "pieces": pieces}, indent=1) + "\n")
        return {"pieces": len(pieces), "written": str(SET_FILE)}
    pieces = load_set()
    if args.split != "all":
        pieces = [p for p in pieces if p["split"] == args.split]
    if getattr(args, "every", 1) > 1:
        pieces = pieces[:: args.every]
    if args.limit:
        pieces = pieces[: args.limit]
    files, failed = build(builder, pieces)
    pieces = [p for p in pieces if p["id"] in files]
    return evaluate(pieces, files, builder, args, failed)


def evaluate(pieces: list[dict[str, Any]], files: dict[str, Path], builder: SetBuilder,
             args: argparse.Namespace, failed: dict[str, str] | None = None) -> dict[str, Any]:
    """Analyse and score the rendered pieces (whole and, with --windows, 30 s windows)."""
    scorer, scorer_name = key_scorer()
    minutes = _durations(files)
    scratch = builder.cache / "scratch"
    scratch.mkdir(exist_ok=True)
    figures: dict[str, Any] = {
        "pieces": len(pieces), "audio_minutes": round(sum(minutes.values()), 1),
        "tempo_scored": sum(bool(p["truth"].get("tempo") and p["truth"].get("tempo_steady"))
                            for p in pieces),
        "key_scored": sum(bool(p["truth"].get("key")) for p in pieces),
        "key_scorer": scorer_name, "not_rendered": failed or {},
        "overrides": parse_overrides(getattr(args, "overrides", [])),
    }
    runs = {"whole": (files, minutes)}
    if args.windows:
        windowed = {}
        for piece in pieces:
            window = builder.window_for(piece, files[piece["id"]])
            if window is not None:
                windowed[piece["id"]] = window
        runs["window_30s"] = (windowed, _durations(windowed))
    details: dict[str, Any] = {}
    for name, (run_files, run_minutes) in runs.items():
        results = run_analyzers(run_files, scratch, args.peers, args.baseline,
                                parse_overrides(getattr(args, "overrides", [])))
        table = {}
        for analyzer, estimates in results.items():
            row = {}
            for part in ("all", "dev", "heldout"):
                chosen = [p for p in pieces if part == "all" or p["split"] == part]
                row[part] = score(chosen, estimates, run_minutes, scorer)
            table[analyzer] = row
        _ratios(table)
        figures[name] = table
        details[name] = results
    figures["deezer_bpm"] = deezer_bpm_note()
    if args.details is not None:
        args.details.write_text(json.dumps({"pieces": pieces, "estimates": details}, indent=1))
    return figures


def _ratios(table: dict[str, dict[str, dict[str, Any]]]) -> None:
    ours = table["desktoprec"]["all"].get("cpu_s_per_audio_minute")
    for other in ("essentia", "baseline", "librosa"):
        theirs = table.get(other, {}).get("all", {}).get("cpu_s_per_audio_minute")
        if ours and theirs:
            table["desktoprec"]["all"][f"cpu_ratio_to_{other}"] = round(ours / theirs, 3)


def deezer_bpm_note() -> dict[str, Any]:
    """What Deezer's own bpm field says in the recorded responses, and what can be compared."""
    folder = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "deezer-api"
    values = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            body = json.loads(path.read_text())
        except (ValueError, OSError):
            continue
        if isinstance(body, dict) and "bpm" in body:
            values.append({"track": body.get("title"), "bpm": body.get("bpm"),
                           "file": path.name})
    return {
        "responses_with_bpm": values,
        "note": "Deezer's bpm is 0 (unknown) for some tracks; no preview audio or stated tempo "
                "of these tracks is available offline, so Deezer's field is not scored here. "
                "The window_30s figures are what a 30 s preview gives our analyzer.",
    }


def format_table(figures: dict[str, Any]) -> str:
    """The figures as Markdown tables (what `bench accuracy` prints without --json)."""
    if "written" in figures:
        return f"{figures['pieces']} pieces written to {figures['written']}"
    lines = [(f"pieces: {figures['pieces']}, audio minutes: {figures['audio_minutes']}, "
             f"tempo scored: {figures['tempo_scored']}, key scored: {figures['key_scored']} "
             f"(key scorer: {figures['key_scorer']})")]
    for run_name in ("whole", "window_30s"):
        if run_name not in figures:
            continue
        lines += ["", f"{run_name}:", "",
                  ("| analyzer | part | tempo Acc1 | tempo Acc2 | key weighted | key exact "
                  "| CPU s / audio min |"), "|---|---|---|---|---|---|---|"]
        for analyzer, row in figures[run_name].items():
            for part in ("all", "dev", "heldout"):
                s = row[part]
                lines.append(f"| {analyzer} | {part} ({s['tempo_pieces']}/{s['key_pieces']}) "
                             f"| {s['tempo_acc1']} | {s['tempo_acc2']} | {s['key_weighted']} "
                             f"| {s['key_exact']} | {s['cpu_s_per_audio_minute']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) in (3, 4, 5) and sys.argv[1] == "child":
        _child(sys.argv[2], sys.argv[3] if len(sys.argv) >= 4 and sys.argv[3] else None,
               json.loads(sys.argv[4]) if len(sys.argv) == 5 else None)
    else:
        raise SystemExit("usage: python -m desktoprec.benchmarks.accuracy child LIST "
                         "[DSP_FILE [OVERRIDES_JSON]]")
