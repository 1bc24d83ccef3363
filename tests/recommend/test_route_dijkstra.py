"""The A→B route's own Dijkstra gives the same cheapest totals as SciPy's (the test oracle: the
bundle leaves scipy.sparse.csgraph out)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from desktoprec.recommend.path import _cheapest_from


def test_cheapest_totals_match_scipy_on_random_graphs() -> None:
    rng = np.random.default_rng(7)
    for size in (2, 5, 40, 300):
        edges = size * 3
        src = rng.integers(0, size, edges)
        dst = rng.integers(0, size, edges)
        keep = src != dst
        src, dst = src[keep], dst[keep]
        cost = rng.random(len(src)) ** 2 + 1e-9
        total, previous = _cheapest_from(0, size, src, dst, cost)
        # the cheaper of repeated edges, both ways, as a dense matrix (0: no edge)
        dense = np.full((size, size), np.inf)
        for s, d, c in zip(src, dst, cost, strict=True):
            dense[s, d] = dense[d, s] = min(dense[s, d], c)
        dense[~np.isfinite(dense)] = 0.0
        theirs = dijkstra(sp.csr_matrix(dense), directed=False, indices=0)
        assert np.allclose(np.asarray(total), theirs, equal_nan=False), size
        for node in range(size):  # each predecessor lies on a cheapest way
            if node != 0 and np.isfinite(total[node]):
                before = previous[node]
                assert abs(total[before] + dense[before, node] - total[node]) < 1e-9
