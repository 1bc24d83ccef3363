"""Butterworth low- and high-pass filters in numpy alone, so the bundle can leave scipy.signal out."""

from __future__ import annotations

import numpy as np

_TAIL_LEVEL = 1e-13  # the impulse response is treated as over once it has decayed this far


def butterworth(x: np.ndarray, cutoff: float, rate: float, order: int = 2,
                kind: str = "low") -> np.ndarray:
    """Filter a 1-D signal causally with a digital Butterworth filter (float64 out).

    The design is scipy's `butter(order, cutoff, btype, fs=rate)`: the analog Butterworth prototype
    with its cut-off pre-warped, mapped by the bilinear transform; the output is what `sosfilt`
    gives from a zero initial state. It is computed as a linear convolution in the frequency
    domain: the filter's response is evaluated on an FFT grid long enough that the impulse
    response has died away (below 1e-13) before it could wrap around onto the signal.
    """
    if kind not in ("low", "high"):
        raise ValueError(f"kind must be 'low' or 'high', not {kind!r}")
    if order < 1:
        raise ValueError("order must be at least 1")
    if not 0.0 < cutoff < rate / 2.0:
        raise ValueError(f"cut-off {cutoff} Hz must lie between 0 and half the rate ({rate / 2} Hz)")
    signal = np.asarray(x, dtype=np.float64)
    if signal.ndim != 1:
        raise ValueError("butterworth filters 1-D signals")
    if signal.size == 0:
        return signal.copy()
    warped = 2.0 * rate * np.tan(np.pi * cutoff / rate)
    k = np.arange(order)
    poles = warped * np.exp(1j * np.pi * (2 * k + order + 1) / (2 * order))  # left half-plane
    digital = (1.0 + poles / (2.0 * rate)) / (1.0 - poles / (2.0 * rate))
    radius = float(np.max(np.abs(digital)))
    tail = int(np.ceil(np.log(_TAIL_LEVEL) / np.log(radius))) + 16 * order if radius > 0 else 0
    size = 1 << int(np.ceil(np.log2(signal.size + tail)))
    omega = 2.0 * np.pi * np.arange(size // 2 + 1) / size
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        s = 2j * rate * np.tan(omega / 2.0)  # the analog frequency the bilinear map sends omega to
        if kind == "low":
            response = np.prod(-poles[:, None] / (s[None, :] - poles[:, None]), axis=0)
        else:
            response = np.prod(s[None, :] / (s[None, :] - poles[:, None]), axis=0)
    response[-1] = 0.0 if kind == "low" else 1.0  # Nyquist, where tan() is infinite
    spectrum = np.fft.rfft(signal, size) * response
    return np.fft.irfft(spectrum, size)[: signal.size]
