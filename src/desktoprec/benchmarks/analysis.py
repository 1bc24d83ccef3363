"""Audio analysis speed: CPU seconds per minute of audio, tracks/s on all cores, peak memory.

With --compare-bliss (needs the optional `bench` extra: `pip install bliss-audio`) bliss-audio
analyses the same files in separate processes, alternating with desktoprec's analyzer, and the
CPU ratio is reported. With --excerpt-accuracy the excerpt analysis is compared with whole-track
analysis of the same files (what reading four 30-second windows costs in accuracy).

The measuring children are this module run as a script:
`python -m desktoprec.benchmarks.analysis child ours|bliss LISTFILE`.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktoprec.services import Services

log = logging.getLogger(__name__)

SYNTH_FILES = 6
SYNTH_SECONDS = 150.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--files", type=Path, default=None,
                        help="a folder of audio files (default: synthesized test tracks)")
    parser.add_argument("--limit", type=int, default=0, help="use at most N files")
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternating rounds per analyzer (the median is reported)")
    parser.add_argument("--compare-bliss", action="store_true",
                        help="run bliss-audio on the same files and report the CPU ratio")
    parser.add_argument("--excerpt-accuracy", action="store_true",
                        help="compare excerpt analysis with whole-track analysis")
    parser.add_argument("--workers", type=int, default=None, help="pool size (all cores)")


def _cpu_now() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _child(tool: str, list_file: str) -> None:
    """Runs in a fresh process: analyse every listed file, print CPU spent on the loop only."""
    paths = Path(list_file).read_text().splitlines()
    if tool == "ours":
        from desktoprec.features import dsp

        dsp.warm_up()

        def work(path: str) -> Any:
            return dsp.analyze(path)
    else:
        from bliss_audio import Song

        def work(path: str) -> Any:
            return Song(path).analysis
    failures = 0
    started_cpu, started_wall = _cpu_now(), time.perf_counter()
    for path in paths:
        try:
            work(path)
        except Exception:  # noqa: BLE001 - a file one analyzer rejects is counted, not fatal
            failures += 1
    print(json.dumps({
        "cpu_s": _cpu_now() - started_cpu,
        "wall_s": time.perf_counter() - started_wall,
        "failures": failures,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def _measure(tool: str, list_file: Path, env: dict[str, str]) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-m", "desktoprec.benchmarks.analysis", "child", tool, str(list_file)],
        capture_output=True, text=True, env=env, check=False, timeout=3600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{tool} benchmark child failed: {done.stderr.strip()[-400:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    spent = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    figures["process_cpu_s"] = spent
    return figures


def _audio_files(args: argparse.Namespace, scratch: Path) -> list[Path]:
    from desktoprec.library.scan import iter_audio_files

    if args.files is not None:
        files = list(iter_audio_files([args.files.expanduser().resolve()]))
    else:
        files = _synthesize(scratch)
    if args.limit:
        files = files[: args.limit]
    return files


def _synthesize(folder: Path) -> list[Path]:
    """A few minutes of music-like test audio: beats, chords and noise, in three formats."""
    import numpy as np

    from desktoprec.features import synth

    files = []
    progressions = [[("C", "maj"), ("F", "maj"), ("G", "maj"), ("C", "maj")],
                    [("A", "min"), ("D", "min"), ("E", "maj"), ("A", "min")]]
    for index in range(SYNTH_FILES):
        bpm = 80 + 15 * index
        rate = 44100
        beats = synth.click_track(bpm, seconds=SYNTH_SECONDS, rate=rate, amplitude=0.4)
        chords = synth.chord_progression(progressions[index % 2], rate=rate,
                                         repeats=int(SYNTH_SECONDS // 8) + 1)[: beats.size]
        hiss = synth.noise(SYNTH_SECONDS, "bright", rate=rate, amplitude=0.03, seed=index)
        mix = beats + np.pad(chords, (0, beats.size - chords.size)) + hiss[: beats.size]
        suffix, subtype = [(".flac", None), (".ogg", "VORBIS"), (".mp3", "MPEG_LAYER_III")][
            index % 3]
        files.append(synth.write_audio(folder / f"synth{index}{suffix}", mix, rate=rate,
                                       channels=2, subtype=subtype))
    return files


def _minutes(files: list[Path]) -> float:
    from desktoprec.library.tags import read_tags

    total = 0.0
    for path in files:
        duration = read_tags(path).duration_s
        total += duration or 0.0
    return total / 60.0


def _pool_run(files: list[Path], workers: int | None) -> dict[str, Any]:
    from desktoprec.features.pool import analyze_many

    failures: list[str] = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    counts = analyze_many([(str(i), str(p)) for i, p in enumerate(files)],
                          lambda r: failures.append(r.error or "") if not r.ok else None,
                          workers=workers)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "pool_workers": workers or os.cpu_count(),
        "pool_wall_s": round(wall, 2),
        "pool_tracks_per_s": round(len(files) / wall, 2) if wall > 0 else None,
        "pool_cpu_s": round((after.ru_utime + after.ru_stime)
                            - (before.ru_utime + before.ru_stime), 2),
        "pool_failures": counts["failed"],
        "peak_rss_worker_mb": round(after.ru_maxrss / 1024, 1),
        "peak_rss_parent_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _excerpt_accuracy(files: list[Path]) -> dict[str, Any]:
    """How far excerpt descriptors are from whole-track ones, over the files read in windows."""
    from desktoprec.features import dsp

    tempo_same, key_same, compared = 0, 0, 0
    loudness_gap, centroid_gap = [], []
    for path in files:
        try:
            excerpt = dsp.analyze(path)
            if not excerpt.get("excerpt"):
                continue
            whole = dsp.analyze(path, whole_track=True)
        except Exception as exc:  # noqa: BLE001 - such files are left out of the comparison
            log.debug("excerpt comparison skips %s: %s", path, exc)
            continue
        compared += 1
        a, b = excerpt.get("tempo_bpm"), whole.get("tempo_bpm")
        tempo_same += int(a is not None and b is not None and abs(a - b) <= 0.04 * b)
        key_same += int((excerpt["key"], excerpt["mode"]) == (whole["key"], whole["mode"]))
        if excerpt.get("loudness_db") is not None and whole.get("loudness_db") is not None:
            loudness_gap.append(abs(excerpt["loudness_db"] - whole["loudness_db"]))
        if excerpt.get("spectral_centroid_hz") and whole.get("spectral_centroid_hz"):
            centroid_gap.append(abs(excerpt["spectral_centroid_hz"]
                                    / whole["spectral_centroid_hz"] - 1.0))
    if not compared:
        return {"excerpt_compared_files": 0}
    return {
        "excerpt_compared_files": compared,
        "excerpt_tempo_agreement": round(tempo_same / compared, 3),
        "excerpt_key_mode_agreement": round(key_same / compared, 3),
        "excerpt_loudness_mean_abs_diff_db": round(statistics.fmean(loudness_gap), 2)
        if loudness_gap else None,
        "excerpt_centroid_mean_rel_diff": round(statistics.fmean(centroid_gap), 3)
        if centroid_gap else None,
    }


def run(args: argparse.Namespace, services: Services) -> dict[str, Any]:
    from desktoprec.features.pool import worker_environment

    env = {**os.environ, **worker_environment()}
    with tempfile.TemporaryDirectory(prefix="desktoprec-bench-") as scratch_name:
        scratch = Path(scratch_name)
        files = _audio_files(args, scratch)
        if not files:
            raise SystemExit("desktoprec: no audio files to benchmark")
        list_file = scratch / "files.txt"
        list_file.write_text("\n".join(str(p) for p in files))
        minutes = _minutes(files)
        figures: dict[str, Any] = {"files": len(files), "audio_minutes": round(minutes, 2),
                                   "source": str(args.files) if args.files else "synthesized"}
        # the pool first: its workers' peak memory is then not mixed with bliss's
        pool_figures = _pool_run(files, args.workers)
        ours_runs, bliss_runs = [], []
        for _ in range(max(1, args.rounds)):
            ours_runs.append(_measure("ours", list_file, env))
            if args.compare_bliss:
                bliss_runs.append(_measure("bliss", list_file, env))
        ours_cpu = statistics.median(r["cpu_s"] for r in ours_runs)
        figures.update({
            "cpu_s": round(ours_cpu, 2),
            "cpu_s_per_audio_minute": round(ours_cpu / minutes, 3) if minutes else None,
            "cpu_s_per_track": round(ours_cpu / len(files), 3),
            "process_cpu_s_with_startup": round(statistics.median(
                r["process_cpu_s"] for r in ours_runs), 2),
            "failures": ours_runs[0]["failures"],
            "single_process_peak_rss_mb": round(max(r["max_rss_mb"] for r in ours_runs), 1),
        })
        if bliss_runs:
            bliss_cpu = statistics.median(r["cpu_s"] for r in bliss_runs)
            figures.update({
                "bliss_cpu_s": round(bliss_cpu, 2),
                "bliss_cpu_s_per_audio_minute": round(bliss_cpu / minutes, 3) if minutes else None,
                "bliss_failures": bliss_runs[0]["failures"],
                "bliss_peak_rss_mb": round(max(r["max_rss_mb"] for r in bliss_runs), 1),
                "cpu_ratio_ours_to_bliss": round(ours_cpu / bliss_cpu, 3) if bliss_cpu else None,
            })
        figures.update(pool_figures)
        if args.excerpt_accuracy:
            figures.update(_excerpt_accuracy(files))
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in figures.items()}


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "child":
        _child(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit("usage: python -m desktoprec.benchmarks.analysis child ours|bliss LIST")
