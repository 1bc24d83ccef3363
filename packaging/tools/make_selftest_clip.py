"""Synthesizes the self-test's short audio clip: 6 s of clicks at 120 BPM over an A-major chord.

Run once; the result (src/desktoprec/resources/selftest/clip.flac) is committed. Its tempo is known,
so the self-test's `dsp` check can tell a working analysis from one that only returns numbers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import soundfile

SAMPLE_RATE = 22050
SECONDS = 6.0
BPM = 120.0
CHORD_HZ = (220.0, 277.18, 329.63)  # A3, C#4, E4


def synthesize() -> np.ndarray:
    times = np.arange(int(SAMPLE_RATE * SECONDS)) / SAMPLE_RATE
    pad = sum(np.sin(2 * np.pi * hz * times) for hz in CHORD_HZ) * 0.12
    clicks = np.zeros_like(times)
    click_len = int(0.03 * SAMPLE_RATE)
    envelope = np.exp(-np.linspace(0, 8, click_len))
    burst = np.random.default_rng(7).standard_normal(click_len) * envelope
    beat_every = round(SAMPLE_RATE * 60.0 / BPM)
    for start in range(0, len(times) - click_len, beat_every):
        clicks[start:start + click_len] += burst * 0.6
    signal = pad + clicks
    return (signal / np.max(np.abs(signal)) * 0.8).astype(np.float32)


def main() -> int:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else (
        Path(__file__).resolve().parents[2] / "src/desktoprec/resources/selftest/clip.flac")
    target.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(target, synthesize(), SAMPLE_RATE, subtype="PCM_16", format="FLAC")
    print(f"wrote {target} ({target.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
