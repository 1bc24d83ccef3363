"""Small numeric building blocks shared by the areas: column standardisation and k-means."""

from __future__ import annotations

import warnings

import numpy as np


def column_scale(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and standard deviation, ignoring nan and inf; a column without spread
    (or without any value) gets mean 0 / std 1, so dividing by it is always safe."""
    values = np.where(np.isfinite(matrix), matrix, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column: mean 0, std 1
        if len(values):
            mean = np.nanmean(values, axis=0)
            std = np.nanstd(values, axis=0)
        else:
            mean, std = np.zeros(values.shape[1]), np.ones(values.shape[1])
    mean = np.where(np.isfinite(mean), mean, 0.0)
    std = np.where(np.isfinite(std) & (std > 1e-9), std, 1.0)
    return mean, std


def standardize(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns to zero mean and unit variance (float32), ignoring nan; nan stays nan."""
    mean, std = column_scale(matrix)
    mean, std = mean.astype(np.float32), std.astype(np.float32)
    return ((matrix - mean) / std).astype(np.float32), mean, std


def squared_distances(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """(n, k) squared Euclidean distances in matrix form: |x|² − 2·x·c + |c|²."""
    return np.maximum(
        (points * points).sum(1)[:, None] - 2.0 * points @ centers.T
        + (centers * centers).sum(1)[None], 0.0)


def kmeans(data: np.ndarray, k: int, *, seed: int = 0, iterations: int = 50
           ) -> tuple[np.ndarray, np.ndarray]:
    """k-means with k-means++ seeding: (labels, centroids); stops early once nothing moves."""
    points = np.asarray(data, dtype=np.float64)
    rng = np.random.default_rng(seed)
    n = points.shape[0]
    k = max(1, min(k, n))
    centers = np.empty((k, points.shape[1]), dtype=np.float64)
    centers[0] = points[rng.integers(n)]
    for chosen in range(1, k):
        distance = squared_distances(points, centers[:chosen]).min(axis=1)
        total = distance.sum()
        index = rng.choice(n, p=distance / total) if total > 0 else rng.integers(n)
        centers[chosen] = points[index]
    labels = np.zeros(n, dtype=int)
    for step in range(iterations):
        new_labels = squared_distances(points, centers).argmin(axis=1)
        if step and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        for c in range(k):
            members = points[labels == c]
            if len(members):
                centers[c] = members.mean(axis=0)
    return labels, centers
