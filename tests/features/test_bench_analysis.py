"""`desktoprec bench analysis` measures real figures on a small folder (no timing asserts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktoprec.cli import main
from desktoprec.features import synth


def test_bench_analysis_reports_cpu_and_pool_figures(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    music = tmp_path / "music"
    synth.write_audio(music / "a.flac", synth.click_track(100, seconds=130), channels=2)
    synth.write_audio(music / "b.ogg", synth.click_track(130, seconds=20), subtype="VORBIS")
    code = main(["bench", "analysis", "--json", "--files", str(music), "--rounds", "1",
                 "--workers", "2", "--excerpt-accuracy"])
    assert code == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["files"] == 2 and figures["failures"] == 0
    assert figures["audio_minutes"] == pytest.approx(2.5, abs=0.05)
    assert figures["cpu_s"] > 0 and figures["cpu_s_per_audio_minute"] > 0
    assert figures["pool_tracks_per_s"] > 0 and figures["pool_failures"] == 0
    assert 0 < figures["peak_rss_worker_mb"] < 2048
    assert figures["excerpt_compared_files"] == 1
    assert figures["excerpt_tempo_agreement"] == 1.0
