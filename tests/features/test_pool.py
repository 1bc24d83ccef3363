"""The analysis pool through real worker processes: hostile files cost only themselves."""

from __future__ import annotations

import struct
import threading
from pathlib import Path

import pytest

from desktoprec.errors import Cancelled
from desktoprec.features import synth
from desktoprec.features.pool import FileResult, analyze_many

# An analyzer that misbehaves on purpose for some file names, like a buggy decoder would.
HOSTILE = '''
import os, signal, time
from desktoprec.features.dsp import analyze as real_analyze, warm_up  # noqa: F401

def analyze(path):
    name = os.path.basename(path)
    if name.startswith("hang"):
        time.sleep(600)
    if name.startswith("crash"):
        os.kill(os.getpid(), signal.SIGSEGV)
    if name.startswith("exit"):
        os._exit(3)
    if name.startswith("hog"):
        hog = bytearray(8 * 1024 ** 3)
        return {"never": len(hog)}
    return real_analyze(path)
'''


def _hostile_files(folder: Path, shared_data: Path) -> dict[str, Path]:
    good = synth.write_audio(folder / "good.wav", synth.click_track(120, seconds=8))
    clip = (shared_data / "audio" / "openmsx-city-blues-render-20s.ogg").read_bytes()
    wav = good.read_bytes()
    huge = bytearray(wav)
    index = huge.find(b"data")
    huge[index + 4:index + 8] = struct.pack("<I", 0xFFFFFFF0)  # "streaming" size: still fine
    bad_rate = bytearray(wav)
    bad_rate[24:28] = struct.pack("<I", 4_000_000_000)
    files = {
        "good": good,
        "clip": shared_data / "audio" / "openmsx-city-blues-render-20s.ogg",
        "empty": folder / "empty.flac",
        "random": folder / "random.mp3",
        "truncated": folder / "truncated.ogg",
        "huge_header": folder / "huge_header.wav",
        "bad_rate": folder / "bad_rate.wav",
        "hang": folder / "hang.wav",
        "crash": folder / "crash.wav",
        "exit": folder / "exit.wav",
        "hog": folder / "hog.wav",
        "missing": folder / "missing.opus",
    }
    files["empty"].write_bytes(b"")
    files["random"].write_bytes(bytes((i * 7919) % 251 for i in range(50_000)))
    files["truncated"].write_bytes(clip[: len(clip) // 2])
    files["huge_header"].write_bytes(bytes(huge))
    files["bad_rate"].write_bytes(bytes(bad_rate))
    for name in ("hang", "crash", "exit", "hog"):
        files[name].write_bytes(wav)
    return files


def test_hostile_files_through_the_real_pool(tmp_path: Path, shared_data: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hostile_analyzer.py").write_text(HOSTILE)
    monkeypatch.syspath_prepend(str(tmp_path))
    files = _hostile_files(tmp_path, shared_data)
    results: dict[str, FileResult] = {}
    seen_progress: list[tuple[int, int]] = []
    counts = analyze_many(
        [(name, str(path)) for name, path in files.items()],
        lambda r: results.__setitem__(r.key, r),
        workers=2, time_limit_s=4.0, memory_limit_mb=1500,
        analyzer="hostile_analyzer:analyze",
        progress=lambda phase, done, total: seen_progress.append((done, total)),
    )
    assert set(results) == set(files)
    assert results["good"].ok and results["good"].descriptors["tempo_bpm"] == pytest.approx(
        120, abs=1.5)
    assert results["clip"].ok and results["huge_header"].ok
    expected_errors = {
        "empty": "empty file",
        "random": "not an audio file",
        "truncated": "truncated ogg stream",
        "bad_rate": "damaged wav",
        "hang": "took longer than 4 s",
        "crash": "crashed",
        "exit": "crashed",
        "hog": "memory limit",
        "missing": "file not found",
    }
    for name, fragment in expected_errors.items():
        assert not results[name].ok, name
        assert fragment in (results[name].error or ""), (name, results[name].error)
    assert counts["ok"] == 3 and counts["failed"] == len(files) - 3
    assert counts["crashed"] == 2 and counts["timed_out"] == 1
    assert seen_progress[-1] == (len(files), len(files))


def test_cancel_stops_the_pool(tmp_path: Path) -> None:
    files = [synth.write_audio(tmp_path / f"f{i}.wav", synth.click_track(100 + i, seconds=5))
             for i in range(6)]
    cancel = threading.Event()
    got: list[FileResult] = []

    def on_result(result: FileResult) -> None:
        got.append(result)
        cancel.set()

    with pytest.raises(Cancelled):
        analyze_many([(str(i), str(p)) for i, p in enumerate(files)], on_result, workers=1,
                     cancel=cancel)
    assert 1 <= len(got) < len(files)


def test_damaged_real_audio_through_the_pool(tmp_path: Path) -> None:
    """Byte flips and cuts in five formats: each file gets descriptors or its own error."""
    import math
    import random

    rng = random.Random(7)
    jobs = []
    for fmt, subtype, rate in (("flac", None, 44100), ("ogg", "VORBIS", 44100),
                               ("mp3", "MPEG_LAYER_III", 44100), ("wav", None, 22050),
                               ("opus", "OPUS", 48000)):
        path = synth.write_audio(tmp_path / f"source_{fmt}.{'ogg' if fmt == 'opus' else fmt}",
                                 synth.click_track(110, 6, rate=rate), rate=rate, subtype=subtype)
        data = path.read_bytes()
        for trial in range(5):
            damaged = bytearray(data)
            if trial == 0:
                damaged = damaged[: len(damaged) // 2]
            else:
                for _ in range(rng.randrange(5, 200)):
                    damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            target = tmp_path / f"damaged_{fmt}_{trial}{path.suffix}"
            target.write_bytes(bytes(damaged))
            jobs.append((target.name, str(target)))
    jobs.append(("good", str(synth.write_audio(tmp_path / "good.wav",
                                               synth.click_track(120, 8)))))
    results: dict[str, FileResult] = {}
    counts = analyze_many(jobs, lambda r: results.__setitem__(r.key, r), workers=2,
                          time_limit_s=30)
    assert len(results) == len(jobs) == counts["ok"] + counts["failed"]
    for key, result in results.items():
        if result.ok:
            numbers = [v for v in result.descriptors.values() if isinstance(v, float)]
            assert all(math.isfinite(v) for v in numbers), key
        else:
            assert result.error and "\n" not in result.error, key
    assert results["good"].ok
    cut = results["damaged_flac_0.flac"]
    assert not cut.ok and "truncated" in cut.error
