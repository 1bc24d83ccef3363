"""The learned ranking model: features per candidate, a logistic regression over them, its file.

The engine describes each (query, candidate) pair by the features in `FEATURES`; the model is a
logistic regression fitted on held-out playlist continuations (see `recommend/evaluate.py`,
`fit_ranker`). Its score is the log-odds that the candidate belongs with the seeds, so scores are
comparable across candidates and queries.

Missing blocks: a similarity whose block the query or the candidate lacks is 0, and the block's
indicator (`has_<block>`) is 0 too; each indicator has its own coefficient, so "no sound data" is
neither rewarded nor punished as if it were a similarity of 0. No renormalisation is needed.

A signal's contribution to one candidate's score is the sum of coefficient x feature value over the
features of that signal (`SIGNAL_OF`); the intercept belongs to no signal. `contributions` gives
them, and explanations show each positive contribution as a share of the positive total.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from desktoprec.errors import RecommendError

# The features, in the order of the model's coefficients.
FEATURES: tuple[str, ...] = (
    "artist_affinity",  # seeds by the artist / (the artist's other tracks + 1)
    "artist_seeded",  # 1 when the artist made one of the seeds
    "cooccur",  # log(1 + weighted count of shared playlists/sessions with the seeds)
    "cooccur_any",  # 1 when it shares at least one
    "sound_sim", "has_sound",
    "genre_sim", "has_genre",
    "colisten_sim", "has_colisten",
    "metadata_sim", "has_metadata",
    "year_close",  # exp(-|year - the seeds' median year| / YEAR_SCALE)
    "has_year",
    "context_fit",  # tanh of the candidate's standardized sound along the wanted direction
)
# Which listener-facing signal each feature belongs to (for contributions and explanations).
SIGNAL_OF: dict[str, str] = {
    "artist_affinity": "artist", "artist_seeded": "artist",
    "cooccur": "colisten", "cooccur_any": "colisten",
    "sound_sim": "sound", "has_sound": "sound",
    "genre_sim": "genre", "has_genre": "genre",
    "colisten_sim": "colisten", "has_colisten": "colisten",
    "metadata_sim": "metadata", "has_metadata": "metadata",
    "year_close": "metadata", "has_year": "metadata",
    "context_fit": "context",
}
# Years: how far from the seeds' median release year `year_close` falls to 1/e; explanations call
# a release "close to" the seeds' year within it.
YEAR_SCALE = 5.0
SIGNALS: tuple[str, ...] = ("artist", "colisten", "sound", "genre", "metadata", "context")
RESOURCE = "ranker.json"
FORMAT = 1


@dataclass(frozen=True)
class Ranker:
    """A fitted logistic regression over `FEATURES` (coefficients in raw feature units)."""

    features: tuple[str, ...]
    coefficients: np.ndarray
    intercept: float
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.features) != len(self.coefficients):
            raise RecommendError("The ranking model's features and coefficients differ in length.")

    @property
    def weights(self) -> dict[str, float]:
        return {name: float(c) for name, c in zip(self.features, self.coefficients)}

    def matrix(self, columns: Mapping[str, np.ndarray], rows: int) -> np.ndarray:
        """The feature matrix in the model's order; a feature not given is 0."""
        out = np.zeros((rows, len(self.features)), dtype=np.float64)
        for j, name in enumerate(self.features):
            value = columns.get(name)
            if value is not None:
                out[:, j] = value
        return out

    def score(self, x: np.ndarray) -> np.ndarray:
        return x @ self.coefficients + self.intercept

    def contributions(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Per signal: the sum of coefficient x value over its features (one value per row)."""
        parts = {signal: np.zeros(len(x), dtype=np.float64) for signal in SIGNALS}
        for j, name in enumerate(self.features):
            parts[SIGNAL_OF.get(name, name)] = parts.get(SIGNAL_OF.get(name, name), 0.0) + \
                x[:, j] * self.coefficients[j]
        return parts

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": "logistic_regression",
            "features": list(self.features),
            "coefficients": [round(float(c), 6) for c in self.coefficients],
            "intercept": round(float(self.intercept), 6),
            **self.meta,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Ranker:
        try:
            if int(data.get("format", 0)) != FORMAT or data.get("kind") != "logistic_regression":
                raise ValueError("unknown format")
            features = tuple(str(f) for f in data["features"])
            coefficients = np.asarray([float(c) for c in data["coefficients"]], dtype=np.float64)
            intercept = float(data["intercept"])
        except (KeyError, TypeError, ValueError) as exc:
            raise RecommendError(f"The ranking model file is not usable: {exc}") from exc
        if not np.all(np.isfinite(coefficients)) or not math.isfinite(intercept):
            raise RecommendError("The ranking model file holds non-finite coefficients.")
        meta = {k: v for k, v in data.items()
                if k not in ("format", "kind", "features", "coefficients", "intercept")}
        return cls(features, coefficients, intercept, meta)

    def save(self, path: Path) -> None:
        from desktoprec.atomicfile import write_atomically

        text = json.dumps(self.to_json(), indent=1) + "\n"
        write_atomically(Path(path), text.encode("utf-8"))


def shipped_path() -> Path:
    """Where the shipped model lives in the source tree (what `eval --fit-ranker` rewrites)."""
    return Path(__file__).resolve().parents[1] / "resources" / RESOURCE


_cache: dict[str, Ranker] = {}
_cache_lock = threading.Lock()


def load_ranker(path: Path | None = None) -> Ranker:
    """The model shipped with the app (src/desktoprec/resources/ranker.json), or one from `path`."""
    key = str(path) if path is not None else RESOURCE
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            return found
        try:
            if path is not None:
                text = Path(path).read_text(encoding="utf-8")
            else:
                text = resources.files("desktoprec").joinpath("resources", RESOURCE).read_text(
                    encoding="utf-8")
            data = json.loads(text)
        except (OSError, ValueError) as exc:
            raise RecommendError(f"The ranking model could not be read: {exc}") from exc
        ranker = Ranker.from_json(data)
        _cache[key] = ranker
        return ranker


# --- fitting ---------------------------------------------------------------------------------


def fit_logistic(
    x: np.ndarray, y: np.ndarray, *, sample_weight: np.ndarray | None = None,
    offset: np.ndarray | None = None,
    l2: float = 1.0, iterations: int = 50, tolerance: float = 1e-8,
) -> tuple[np.ndarray, float]:
    """Logistic regression by iteratively reweighted least squares (Newton), L2 on the slopes.

    Columns are standardized for the solve and the coefficients returned in raw units. `offset`
    is a fixed part of each row's log-odds (a second stage fitted on top of a first).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, np.float64)
    mean = np.average(x, axis=0, weights=w)
    std = np.sqrt(np.average((x - mean) ** 2, axis=0, weights=w))
    std = np.where(std > 1e-12, std, 1.0)
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / std])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    fixed = np.zeros(len(y)) if offset is None else np.asarray(offset, np.float64)
    for _ in range(iterations):
        eta = np.clip(z @ beta + fixed, -30, 30)
        p = 1.0 / (1.0 + np.exp(-eta))
        curvature = w * p * (1 - p)
        gradient = z.T @ (w * (y - p)) - penalty * beta
        hessian = (z * curvature[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if float(np.abs(step).max()) < tolerance:
            break
    slopes = beta[1:] / std
    return slopes, float(beta[0] - (slopes * mean).sum())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
