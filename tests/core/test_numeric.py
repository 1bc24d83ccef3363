"""The shared standardisation and k-means (desktoprec/numeric.py)."""

from __future__ import annotations

import numpy as np

from desktoprec.numeric import column_scale, kmeans, squared_distances, standardize


def test_standardize_ignores_missing_values_and_flat_columns() -> None:
    matrix = np.array([[1.0, 5.0, np.nan], [3.0, 5.0, np.nan], [np.nan, 5.0, np.nan]])
    z, mean, std = standardize(matrix)
    assert np.allclose(mean, [2.0, 5.0, 0.0]) and np.allclose(std, [1.0, 1.0, 1.0])
    assert np.allclose(z[:2, 0], [-1.0, 1.0]) and np.isnan(z[2, 0])
    assert np.allclose(z[:, 1], 0.0)
    mean, std = column_scale(np.array([[np.inf, 2.0], [1.0, 4.0]]))
    assert np.allclose(mean, [1.0, 3.0]) and np.allclose(std, [1.0, 1.0])


def test_matrix_distances_match_the_definition() -> None:
    rng = np.random.default_rng(1)
    points, centers = rng.normal(size=(30, 4)), rng.normal(size=(5, 4))
    direct = ((points[:, None, :] - centers[None]) ** 2).sum(-1)
    assert np.allclose(squared_distances(points, centers), direct)


def test_kmeans_finds_separate_groups_and_is_repeatable() -> None:
    rng = np.random.default_rng(2)
    groups = [rng.normal(loc, 0.1, size=(40, 3)) for loc in (-5.0, 0.0, 5.0)]
    data = np.vstack(groups)
    labels, centers = kmeans(data, 3, seed=4)
    assert sorted(np.round(centers[:, 0]).tolist()) == [-5.0, 0.0, 5.0]
    for g in range(3):  # each group is one cluster (k-means++ seeds one per group here)
        assert len(set(labels[g * 40:(g + 1) * 40].tolist())) == 1
    again, _ = kmeans(data, 3, seed=4)
    assert np.array_equal(labels, again)
    one, center = kmeans(data[:1], 5)
    assert one.tolist() == [0] and center.shape == (1, 3)
