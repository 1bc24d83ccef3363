"""The numpy Butterworth filters give what scipy.signal's butter + sosfilt give (scipy as reference)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from scipy import signal as reference

from desktoprec.features.filters import butterworth

SRC = Path(__file__).resolve().parents[2] / "src" / "desktoprec"


@pytest.mark.parametrize("kind,cutoff", [("low", 40.0), ("low", 400.0), ("low", 9_000.0),
                                         ("high", 20.0), ("high", 3_000.0), ("high", 6_000.0)])
@pytest.mark.parametrize("order", [1, 2, 4])
@pytest.mark.parametrize("rate", [22_050, 44_100])
def test_matches_scipy_butter_sosfilt(kind: str, cutoff: float, order: int, rate: int) -> None:
    x = np.random.default_rng(order).standard_normal(20_000)
    sos = reference.butter(order, cutoff, btype=kind, fs=rate, output="sos")
    expected = reference.sosfilt(sos, x)
    got = butterworth(x, cutoff, rate, order=order, kind=kind)
    assert got.shape == x.shape and got.dtype == np.float64
    assert np.max(np.abs(got - expected)) < 1e-9 * np.max(np.abs(expected))


def test_is_causal_and_starts_from_rest() -> None:
    x = np.zeros(4_000)
    x[1_000] = 1.0
    y = butterworth(x, 500.0, 22_050, order=4, kind="low")
    assert np.all(y[:1_000] == pytest.approx(0.0, abs=1e-12))
    assert np.max(np.abs(y[1_000:])) > 1e-3


def test_low_pass_keeps_low_and_removes_high_tones() -> None:
    rate = 22_050
    t = np.arange(rate) / rate
    low, high = np.sin(2 * np.pi * 100 * t), np.sin(2 * np.pi * 5_000 * t)
    kept = butterworth(low + high, 400.0, rate, order=4, kind="low")[rate // 2:]
    spectrum = np.abs(np.fft.rfft(kept)) / kept.size * 2  # 2 Hz bins over the last half second
    assert spectrum[50] == pytest.approx(1.0, abs=0.02)  # 100 Hz passes
    assert spectrum[2_500] < 1e-3  # 5 kHz is gone (-24 dB per octave from 400 Hz)


def test_bad_arguments_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="half the rate"):
        butterworth(np.ones(10), 12_000.0, 22_050)
    with pytest.raises(ValueError, match="kind"):
        butterworth(np.ones(10), 100.0, 22_050, kind="band")
    assert butterworth(np.zeros(0), 100.0, 22_050).size == 0


def test_no_module_imports_scipy_signal() -> None:
    """The bundle leaves scipy.signal (~400 modules) out; an import of it would fail there."""
    offenders = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            if any(name == "scipy.signal" or name.startswith("scipy.signal.") for name in names):
                offenders.append(str(path.relative_to(SRC)))
    assert not offenders
