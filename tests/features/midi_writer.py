"""Writes small standard MIDI files for the tests: notes, tempo map, key and time signatures."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np

SOUNDFONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")


def _varlen(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def midi_file(notes: list[tuple[int, int, int]] | list[tuple[int, int, int, int]], *,
              tempi: list[tuple[int, float]], key: tuple[int, int] | None = None,
              time_signature: tuple[int, int] = (4, 4), division: int = 480, channel: int = 0,
              programs: dict[int, int] | None = None) -> bytes:
    """A format-0 MIDI file.

    notes are (start tick, pitch, length) or (start tick, pitch, length, channel); tempi are
    (tick, BPM); key is (sharps, minor); programs maps a channel to a General MIDI program.
    """
    events: list[tuple[int, int, bytes]] = []  # (tick, order, bytes)
    for tick, bpm in tempi:
        events.append((tick, 0, b"\xff\x51\x03" + round(60e6 / bpm).to_bytes(3, "big")))
    if key is not None:
        events.append((0, 0, b"\xff\x59\x02" + struct.pack("bB", *key)))
    num, den = time_signature
    events.append((0, 0, b"\xff\x58\x04" + bytes([num, den.bit_length() - 1, 24, 8])))
    for ch, program in (programs or {}).items():
        events.append((0, 0, bytes([0xC0 | ch, program])))
    for note in notes:
        start, pitch, length = note[:3]
        ch = note[3] if len(note) > 3 else channel
        events.append((start, 2, bytes([0x90 | ch, pitch, 100 if ch == 9 else 90])))
        events.append((start + length, 1, bytes([0x80 | ch, pitch, 0])))
    events.sort()
    body, last = b"", 0
    for tick, _, data in events:
        body += _varlen(tick - last) + data
        last = tick
    body += b"\x00\xff\x2f\x00"
    return (b"MThd" + struct.pack(">IHHH", 6, 0, 1, division)
            + b"MTrk" + struct.pack(">I", len(body)) + body)


def render(midi: bytes, folder: Path, name: str = "piece") -> np.ndarray:
    """The MIDI rendered by fluidsynth with the TimGM6mb soundfont: mono float32 at 22050 Hz."""
    import soundfile

    assert shutil.which("fluidsynth"), "fluidsynth is a test dependency"
    assert SOUNDFONT.exists(), "timgm6mb-soundfont is a test dependency"
    source, out = folder / f"{name}.mid", folder / f"{name}.wav"
    source.write_bytes(midi)
    subprocess.run(["fluidsynth", "-ni", "-g", "0.5", "-r", "22050", "-F", str(out),
                    str(SOUNDFONT), str(source)], check=True, capture_output=True)
    data, rate = soundfile.read(str(out), dtype="float32", always_2d=True)
    assert rate == 22050
    return data.mean(axis=1)
