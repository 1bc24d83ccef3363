"""Genres from sound: k-means over the standardized descriptors, each cluster named by its words."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from desktoprec.numeric import kmeans, standardize
from desktoprec.words import name_clusters


def sound_cluster_genres(
    sound: np.ndarray, names: Sequence[str], *, k: int = 24, seed: int = 0, iterations: int = 25
) -> tuple[list[str | None], np.ndarray]:
    """Cluster the sound descriptors (k-means) and name each cluster by what sets it apart.

    Returns one genre name per track (None without sound) and the cluster centroids (standardized).
    """
    n = len(sound)
    has = ~np.all(np.isnan(sound), axis=1) if n else np.zeros(0, bool)
    result: list[str | None] = [None] * n
    if has.sum() < 2:
        return result, np.zeros((0, len(names)), np.float32)
    z, _, _ = standardize(sound[has])
    z = np.nan_to_num(z, nan=0.0)
    labels, centroids = kmeans(z, k, seed=seed, iterations=iterations)
    cluster_names = name_clusters(centroids, names, words=2)  # the sound families' namer
    for pos, cluster in zip(np.flatnonzero(has), labels):
        result[int(pos)] = cluster_names[int(cluster)]
    return result, centroids.astype(np.float32)
