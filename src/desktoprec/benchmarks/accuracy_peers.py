"""The peer analyzers of `bench accuracy` (essentia, librosa), run in a side environment.

This file is run as a script by another interpreter (`PYTHON accuracy_peers.py essentia|librosa
LISTFILE`); it imports nothing from desktoprec and desktoprec never imports it, so the app never
loads essentia. One JSON line per file: tempo, key, mode and the CPU seconds it took (decoding
included, as for desktoprec's analyzer).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLATS = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#"}
# Krumhansl & Kessler (1982) probe-tone ratings, C major and C minor
_MAJOR = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
_MINOR = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)


def _essentia() -> Any:
    import essentia  # type: ignore[import-not-found]
    import essentia.standard as es  # type: ignore[import-not-found]

    essentia.log.infoActive = False
    essentia.log.warningActive = False
    rhythm = es.RhythmExtractor2013(method="multifeature")
    key = es.KeyExtractor(profileType="bgate")

    def analyse(path: str) -> dict[str, Any]:
        audio = es.MonoLoader(filename=path, sampleRate=44100)()
        bpm = float(rhythm(audio)[0])
        tonic, scale, _ = key(audio)
        return {"tempo": bpm if bpm > 0 else None, "key": _FLATS.get(tonic, tonic),
                "mode": scale}

    return analyse


def _librosa() -> Any:
    import librosa
    import numpy as np

    major, minor = np.array(_MAJOR), np.array(_MINOR)
    # compile numba's kernels before the clock runs
    warm = np.random.default_rng(0).standard_normal(22050 * 5).astype(np.float32) * 0.1
    librosa.beat.beat_track(y=warm, sr=22050)
    librosa.feature.chroma_cqt(y=warm, sr=22050)

    def analyse(path: str) -> dict[str, Any]:
        y, sr = librosa.load(path, sr=22050, mono=True)
        tempo, _ = librosa.beat.beat_track(y=y, sr=sr)
        bpm = float(np.atleast_1d(tempo)[0])
        chroma = librosa.feature.chroma_cqt(y=y, sr=sr).mean(axis=1)
        best = (-2.0, 0, "major")
        for tonic in range(12):
            for mode, profile in (("major", major), ("minor", minor)):
                r = float(np.corrcoef(chroma, np.roll(profile, tonic))[0, 1])
                if r > best[0]:
                    best = (r, tonic, mode)
        return {"tempo": bpm if bpm > 0 else None, "key": PITCH_CLASSES[best[1]],
                "mode": best[2]}

    return analyse


def main(peer: str, list_file: str) -> None:
    analyse = _essentia() if peer == "essentia" else _librosa()
    with open(list_file) as handle:
        lines = handle.read().splitlines()
    for line in lines:
        piece_id, path = line.split("\t", 1)
        started = time.process_time()
        try:
            found = analyse(path)
        except Exception as exc:  # noqa: BLE001 - a failure is a missing estimate
            found = {"error": str(exc)[:200]}
        found.update({"id": piece_id, "cpu_s": time.process_time() - started})
        print(json.dumps(found), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("essentia", "librosa"):
        raise SystemExit("usage: accuracy_peers.py essentia|librosa LISTFILE")
    main(sys.argv[1], sys.argv[2])
