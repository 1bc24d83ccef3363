"""The A→B route: a shortest path of small steps through the tracks, sampled evenly along its length.

The tracks are points in a "route space" (their sound; the combined vectors with the sound
weighted most when an end has no sound). A k-nearest-neighbour graph joins each track to its closest neighbours, and Dijkstra finds the
cheapest way from A to B, where a step costs its distance raised to ROUTE_EXPONENT: since that
grows faster than the distance, many small steps cost less than one jump, and the route goes
through the tracks in between (drum and bass → breakbeat → ambient → classical) instead of
leaping from one style to the other. The n places of the path are then taken at even distances
along the route's cumulative length, and each track's progress is where it lies on the route
(the arc length of its nearest point on the route's polyline), not its step number.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from desktoprec.errors import RecommendError
from desktoprec.index.vectors import BLOCKS, combine_blocks

if TYPE_CHECKING:
    from desktoprec.recommend.engine import Engine, UserState

# The sound carries the route; genre, co-listening and metadata only keep it coherent.
SOUND_BOOST = 3.0
ROUTE_EXPONENT = 2.0
NEIGHBOURS = 12
# Above this many tracks, the graph is built over the tracks nearest the straight line A→B.
POOL_LIMIT = 2500


@dataclass(frozen=True)
class Route:
    """A path's answer: the chosen tracks, their progress and the route they were taken from."""

    positions: list[int]  # catalog positions, A first and B last
    progress: list[float]  # 0 at A .. 1 at B: where each track lies along the route
    route: list[int]  # the shortest path's tracks (catalog positions), A .. B
    length: float  # the route's cumulative length in route space
    steps: list[float]  # distances between consecutive tracks of the path
    direct: float  # the distance from A to B in route space
    by_sound: bool  # the route space: sound alone (True) or the combined blocks

    @property
    def largest_step_ratio(self) -> float:
        """The largest step as a share of the direct A→B distance (below 1: no single jump)."""
        return max(self.steps) / self.direct if self.direct > 0 else 0.0


def route_space(engine: Engine, start: int, end: int, by_sound: bool | None = None
                ) -> np.ndarray:
    """Each track's point for routing: its sound (standardized descriptors, unit rows) when both
    ends have sound; else the combined blocks with the sound weighted most."""
    vectors = engine.vectors
    if by_sound is None:
        by_sound = bool(vectors.masks["sound"][start] and vectors.masks["sound"][end])
    if by_sound:
        return vectors.blocks["sound"].astype(np.float64)
    weights = dict(vectors.weights)
    weights["sound"] = SOUND_BOOST * weights["sound"]
    matrix, _ = combine_blocks(vectors.blocks, vectors.masks, weights)
    return matrix.astype(np.float64)


def distances(space: np.ndarray, positions: Sequence[int]) -> list[float]:
    """Distances between consecutive positions in route space."""
    rows = space[np.asarray(positions, dtype=np.int64)]
    return [float(d) for d in np.linalg.norm(np.diff(rows, axis=0), axis=1)]


def project(space: np.ndarray, route: Sequence[int], positions: Sequence[int] | np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Each position's arc length along the route's polyline, at its nearest point on it, and
    its distance from that point."""
    nodes = space[np.asarray(route, dtype=np.int64)]
    starts, seg = nodes[:-1], np.diff(nodes, axis=0)
    seg_len = np.linalg.norm(seg, axis=1)
    seg_len2 = np.maximum(seg_len * seg_len, 1e-24)
    cumulative = np.concatenate([[0.0], np.cumsum(seg_len)])
    wanted = np.asarray(positions, dtype=np.int64)
    arc, off = np.zeros(len(wanted)), np.zeros(len(wanted))
    for first in range(0, len(wanted), 256):  # points x segments x dimensions, in slices
        points = space[wanted[first:first + 256]]
        t = np.clip(((points[:, None, :] - starts[None]) * seg[None]).sum(2) / seg_len2, 0.0, 1.0)
        gap = np.linalg.norm(points[:, None, :] - (starts[None] + t[..., None] * seg[None]),
                             axis=2)
        best = np.argmin(gap, axis=1)
        rows = np.arange(len(points))
        arc[first:first + len(points)] = cumulative[best] + t[rows, best] * seg_len[best]
        off[first:first + len(points)] = gap[rows, best]
    return arc, off


def _pool(space: np.ndarray, start: int, end: int, blocked: set[int]) -> np.ndarray:
    """The tracks the graph is built over: all of them, or those nearest the line A→B."""
    candidates = np.setdiff1d(np.arange(len(space)),
                              np.fromiter(blocked - {start, end}, dtype=np.int64))
    if len(candidates) > POOL_LIMIT:
        a, axis = space[start], space[end] - space[start]
        t = np.clip((space[candidates] - a) @ axis / max(float(axis @ axis), 1e-24), 0.0, 1.0)
        off = np.linalg.norm(space[candidates] - (a + t[:, None] * axis), axis=1)
        candidates = candidates[np.argpartition(off, POOL_LIMIT)[:POOL_LIMIT]]
    return np.union1d(candidates, [start, end]).astype(np.int64)


def _cheapest_from(origin: int, size: int, src: np.ndarray, dst: np.ndarray,
                   cost: np.ndarray) -> tuple[list[float], list[int]]:
    """Dijkstra from `origin` over the undirected edges src[i]–dst[i] with cost[i]: the cheapest
    total to every node and the node before it on that way (-1: none). Our own few lines, so the
    bundle needs no scipy.sparse.csgraph (2 MiB) for a graph of at most POOL_LIMIT nodes."""
    edges: list[list[tuple[int, float]]] = [[] for _ in range(size)]
    for s, d, c in zip(src.tolist(), dst.tolist(), cost.tolist(), strict=True):
        edges[s].append((d, c))
        edges[d].append((s, c))  # a neighbour either way is an edge both ways
    total = [math.inf] * size
    previous = [-1] * size
    total[origin] = 0.0
    queue = [(0.0, origin)]
    while queue:
        so_far, node = heapq.heappop(queue)
        if so_far > total[node]:
            continue  # a stale entry: a cheaper way to this node was found since
        for neighbour, step in edges[node]:
            candidate = so_far + step
            if candidate < total[neighbour]:
                total[neighbour] = candidate
                previous[neighbour] = node
                heapq.heappush(queue, (candidate, neighbour))
    return total, previous


def shortest_route(space: np.ndarray, start: int, end: int, pool: np.ndarray) -> list[int]:
    """The cheapest A→B route over a k-nearest-neighbour graph of the pool's tracks, where a
    step costs its distance to the power ROUTE_EXPONENT (so small steps beat one jump)."""
    rows = space[pool].astype(np.float32)
    gram = rows @ rows.T
    norms = np.diag(gram).copy()
    dist = np.sqrt(np.maximum(norms[:, None] + norms[None, :] - 2 * gram, 0.0))
    del gram
    np.fill_diagonal(dist, np.inf)
    a, b = int(np.searchsorted(pool, start)), int(np.searchsorted(pool, end))
    size = len(pool)
    k = min(NEIGHBOURS, size - 1)
    while True:
        nearest = np.argpartition(dist, k - 1, axis=1)[:, :k]
        src = np.repeat(np.arange(size), k)
        dst = nearest.ravel()
        # identical tracks (distance 0) still need an edge: a tiny positive cost
        cost = np.maximum(dist[src, dst].astype(np.float64), 1e-9) ** ROUTE_EXPONENT
        total, previous = _cheapest_from(a, size, src, dst, cost)
        if math.isfinite(total[b]) or k >= size - 1:
            break
        k = min(size - 1, 4 * k)  # the graph falls apart between A and B: more neighbours
    nodes = [b]
    while nodes[-1] != a:
        nodes.append(int(previous[nodes[-1]]))
    return [int(pool[i]) for i in reversed(nodes)]


def find_path(engine: Engine, start: int, end: int, steps: int,
              state: UserState | None = None) -> Route:
    """`steps` tracks from `start` to `end` (both included), evenly spaced along the route.

    No two versions of a song, no artist twice in a row; disliked tracks, artists and genres are
    left out (the ends are the user's own choice and stay).
    """
    if steps < 2:
        raise RecommendError("A path needs at least 2 steps.")
    if start == end:
        raise RecommendError("Pick two different tracks for a path.")
    catalog = engine.catalog
    blocked = engine.disliked(state) if state is not None else set()
    has_sound = engine.vectors.masks["sound"]
    by_sound = bool(has_sound[start] and has_sound[end]) and int(has_sound.sum()) >= 2 * steps
    if by_sound:
        # A track without sound has no place between two sounds: it would be a shortcut
        # through the other blocks, not a step in sound.
        blocked |= set(np.flatnonzero(~has_sound).tolist())
    space = route_space(engine, start, end, by_sound)
    pool = _pool(space, start, end, blocked)
    route = shortest_route(space, start, end, pool)
    nodes = space[np.asarray(route, dtype=np.int64)]
    cumulative = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(nodes, axis=0),
                                                                 axis=1))])
    length = float(cumulative[-1])
    arc, gap = project(space, route, pool)
    # The candidates: strictly between the ends along the route, one version per song (the
    # one nearest the route), no version of A or B.
    taken = set(engine.versions([start, end]))
    candidates: list[int] = []
    for i in np.argsort(gap, kind="stable").tolist():
        pos = int(pool[i])
        if pos in taken or not 0.0 < arc[i] < length:
            continue
        candidates.append(i)
        taken |= engine.versions([pos])
    targets = [_point_at(nodes, cumulative, step / (steps - 1) * length)
               for step in range(1, steps - 1)]
    picks = _assign(space, pool, arc, candidates, targets, catalog.primary_artist,
                    int(catalog.primary_artist[start]), int(catalog.primary_artist[end]))
    chosen = [start, *(int(pool[i]) for i in picks), end]
    share = length or 1.0
    progress = [0.0, *(float(arc[i]) / share for i in picks), 1.0]
    return Route(positions=chosen, progress=progress, route=route, length=length,
                 steps=distances(space, chosen),
                 direct=float(np.linalg.norm(space[end] - space[start])), by_sound=by_sound)


def _assign(space: np.ndarray, pool: np.ndarray, arc: np.ndarray, candidates: list[int],
            targets: list[np.ndarray], primary: np.ndarray, first_artist: int,
            last_artist: int) -> list[int]:
    """One candidate per target point, in route order (strictly rising arc length), no artist
    twice in a row (A's artist not first, B's not last), nearest the targets in total.

    Dynamic programming over the candidates sorted by arc length: for each target, the best
    total cost ending at each candidate, from the best earlier candidate by another artist
    (the best and the best by another artist than the best are kept as the scan goes).
    """
    wanted = len(targets)
    if wanted == 0:
        return []
    order = sorted(candidates, key=lambda i: float(arc[i]))
    if len(order) < wanted:
        raise RecommendError("Not enough different tracks to make that path.",
                             hint="ask for fewer steps, or pick two other tracks")
    artists = [int(primary[pool[i]]) for i in order]
    arcs = [float(arc[i]) for i in order]
    rows = space[pool[np.asarray(order, dtype=np.int64)]]
    near = np.stack([np.linalg.norm(rows - t, axis=1) for t in targets])  # targets x candidates
    size = len(order)
    cost = np.full((wanted, size), np.inf)
    back = np.full((wanted, size), -1, dtype=np.int64)
    for c in range(size):
        if artists[c] != first_artist:
            cost[0, c] = near[0, c]
    for j in range(1, wanted):
        best: tuple[float, int, int] = (np.inf, -1, -1)  # cost, artist, candidate
        other: tuple[float, int, int] = (np.inf, -1, -1)  # best by another artist than best's
        c = 0
        while c < size:
            group = c
            while group < size and arcs[group] == arcs[c]:
                group += 1
            for d in range(c, group):  # equal arc lengths cannot follow one another
                prior = best if best[1] != artists[d] else other
                if np.isfinite(prior[0]):
                    cost[j, d] = prior[0] + near[j, d]
                    back[j, d] = prior[2]
            for d in range(c, group):
                entry = (float(cost[j - 1, d]), artists[d], d)
                if entry[0] < best[0]:
                    if best[1] != entry[1]:
                        other = best
                    best = entry
                elif entry[0] < other[0] and entry[1] != best[1]:
                    other = entry
            c = group
    final = np.where(np.asarray(artists) != last_artist, cost[-1], np.inf)
    if not np.isfinite(final).any():
        raise RecommendError("Not enough different tracks to make that path.",
                             hint="ask for fewer steps, or pick two other tracks")
    picks = [int(np.argmin(final))]
    for j in range(wanted - 1, 0, -1):
        picks.append(int(back[j, picks[-1]]))
    return [order[c] for c in reversed(picks)]


def straight_path(engine: Engine, start: int, end: int, steps: int) -> list[int]:
    """The earlier method, kept as the benchmark's baseline: the nearest track to each point on
    the straight line between A's and B's vectors (it jumps where the line crosses empty space)."""
    blocks, masks = engine.vectors.blocks, engine.vectors.masks
    primary = engine.catalog.primary_artist
    used = engine.versions([start, end])
    result = [start]
    boost = {"sound": SOUND_BOOST * engine.vectors.weights["sound"]}
    for step in range(1, steps - 1):
        alpha = step / (steps - 1)
        parts: dict[str, np.ndarray | None] = {}
        for block in BLOCKS:
            a = blocks[block][start] if masks[block][start] else None
            b = blocks[block][end] if masks[block][end] else None
            parts[block] = (1 - alpha) * a + alpha * b if a is not None and b is not None \
                else a if a is not None else b
        found, _ = engine.index.search(engine.vectors.combined_query(parts, boost), 200)
        choice = next((p for p in found.tolist() if p not in used
                       and primary[p] != primary[result[-1]]
                       and not (step == steps - 2 and primary[p] == primary[end])), None)
        if choice is None:
            raise RecommendError("Not enough different tracks to make that path.")
        result.append(choice)
        used |= engine.versions([choice])
    result.append(end)
    return result


def _point_at(nodes: np.ndarray, cumulative: np.ndarray, arc: float) -> np.ndarray:
    """The point on the route's polyline at this arc length."""
    i = int(np.clip(np.searchsorted(cumulative, arc, side="right") - 1, 0, len(nodes) - 2))
    span = cumulative[i + 1] - cumulative[i]
    t = (arc - cumulative[i]) / span if span > 0 else 0.0
    return np.asarray(nodes[i] + min(max(t, 0.0), 1.0) * (nodes[i + 1] - nodes[i]))
