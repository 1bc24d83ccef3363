"""Track vectors made of weighted blocks, and the FAISS index over them (build, save, load, search).

Blocks: sound (standardized descriptors), genre (genre memberships), colisten (positive PMI over
playlist/session co-occurrence, reduced by truncated SVD, for tracks and for their artists) and
metadata (release year and duration as angles, so nearby years score close to 1). Every block is
unit-length where a track has it; a track without a block has a False mask there, and the weights of
its other blocks are renormalized so its combined vector is still unit-length.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from desktoprec.atomicfile import write_atomically
from desktoprec.errors import IndexError_
from desktoprec.numeric import column_scale

log = logging.getLogger(__name__)

BLOCKS = ("sound", "genre", "colisten", "metadata")
DEFAULT_BLOCK_WEIGHTS: dict[str, float] = {
    "sound": 1.0,
    "genre": 0.5,
    "colisten": 1.0,
    "metadata": 0.4,
}
INDEX_FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BLOCK_FILES = ("blocks.npz", "blocks.json")


class IndexDamaged(IndexError_):
    """A saved index file does not match its manifest's checksum, or cannot be read: rebuild
    it and tell the user once (a merely stale index is rebuilt silently)."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexError_(f"No saved index in {folder}.") from exc
    except (OSError, ValueError) as exc:
        raise IndexDamaged(f"The index manifest in {folder} is unreadable ({exc}).") from exc
    if not isinstance(manifest, dict):
        raise IndexDamaged(f"The index manifest in {folder} is not a manifest.")
    return manifest


def _read_checked(folder: Path, name: str, manifest: dict[str, Any]) -> bytes:
    """A file of the index, whose bytes must have the checksum the manifest gives for it."""
    files = manifest.get("files")
    expected = files.get(name) if isinstance(files, dict) else None
    if not isinstance(expected, str):
        raise IndexError_(f"The index manifest does not cover {name}.")
    try:
        data = (folder / name).read_bytes()
    except OSError as exc:
        raise IndexDamaged(f"The index file {name} is missing or unreadable ({exc}).") from exc
    if _sha256(data) != expected:
        raise IndexDamaged(f"the index file {name} is corrupt (checksum mismatch)")
    return data
MAX_GENRE_DIMENSIONS = 256
YEAR_RANGE = (1950.0, 2030.0)


_THREADPOOLS: Any = None
_THREADPOOL_LOCK = threading.Lock()
_THREADPOOL_USERS = 0
_THREADPOOL_LIMITER: Any = None


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """BLAS and OpenMP on one thread while inside (re-entrant and safe across threads).

    The matrices here are small per call; threaded BLAS/OpenMP spent more time waking threads
    than computing (a 100,000 x 86 FAISS search: 7 ms on one thread, 37 ms on two on a busy
    machine). The BLAS limit is process-wide, so it is counted: the first caller sets it and the
    last one to leave restores it. OpenMP's thread count belongs to each thread, so it is set
    and restored for the calling thread.
    """
    global _THREADPOOLS, _THREADPOOL_USERS, _THREADPOOL_LIMITER
    import faiss

    with _THREADPOOL_LOCK:
        if _THREADPOOL_USERS == 0:
            try:
                if _THREADPOOLS is None:
                    # The controller only sees libraries loaded before it: FAISS brings its own
                    # OpenMP and BLAS, so load it first.
                    import faiss
                    from threadpoolctl import ThreadpoolController

                    _THREADPOOLS = ThreadpoolController()
                _THREADPOOL_LIMITER = _THREADPOOLS.select(user_api="blas").limit(limits=1)
            except Exception:  # noqa: BLE001 - without control it is only slower, not wrong
                _THREADPOOL_LIMITER = None
        _THREADPOOL_USERS += 1
    omp_before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(omp_before)
        with _THREADPOOL_LOCK:
            _THREADPOOL_USERS -= 1
            if _THREADPOOL_USERS == 0 and _THREADPOOL_LIMITER is not None:
                _THREADPOOL_LIMITER.restore_original_limits()
                _THREADPOOL_LIMITER = None


@dataclass
class VectorSet:
    """Per-block unit vectors (rows of zeros where a track lacks the block) and their masks."""

    blocks: dict[str, np.ndarray]
    masks: dict[str, np.ndarray]
    weights: dict[str, float]
    sound_mean: np.ndarray
    sound_std: np.ndarray
    genre_names: list[str]
    matrix: np.ndarray = field(init=False)
    slices: dict[str, slice] = field(init=False)

    def __post_init__(self) -> None:
        self.matrix, self.slices = combine_blocks(self.blocks, self.masks, self.weights)

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    def combined_query(
        self, parts: Mapping[str, np.ndarray | None], weights: Mapping[str, float] | None = None
    ) -> np.ndarray:
        """One query vector from per-block query vectors (a None block is left out)."""
        chosen = {**self.weights, **(weights or {})}
        query = np.zeros(self.dim, dtype=np.float32)
        present = [b for b in BLOCKS if parts.get(b) is not None and np.any(parts[b])]
        total = sum(chosen[b] for b in present) or 1.0
        for block in present:
            vec = np.asarray(parts[block], dtype=np.float32)
            norm = float(np.linalg.norm(vec)) or 1.0
            query[self.slices[block]] = vec / norm * math.sqrt(chosen[block] / total)
        return query


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms > 1e-12, norms, 1.0)).astype(np.float32)


def combine_blocks(
    blocks: Mapping[str, np.ndarray], masks: Mapping[str, np.ndarray], weights: Mapping[str, float]
) -> tuple[np.ndarray, dict[str, slice]]:
    """Concatenate blocks with sqrt(weight / sum of the weights of the blocks a track has)."""
    n = len(next(iter(blocks.values())))
    total = np.zeros(n, dtype=np.float32)
    for block in BLOCKS:
        total += masks[block].astype(np.float32) * weights[block]
    total = np.where(total > 0, total, 1.0)
    parts = []
    slices: dict[str, slice] = {}
    start = 0
    for block in BLOCKS:
        data = blocks[block]
        scale = np.sqrt(masks[block].astype(np.float32) * weights[block] / total)[:, None]
        parts.append((data * scale).astype(np.float32))
        slices[block] = slice(start, start + data.shape[1])
        start += data.shape[1]
    return np.ascontiguousarray(np.hstack(parts), dtype=np.float32), slices


def sound_block(sound: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Standardized descriptors (a missing single descriptor counts as average), unit rows."""
    has = ~np.all(np.isnan(sound), axis=1) if len(sound) else np.zeros(0, bool)
    mean, std = column_scale(sound[has])
    mean, std = mean.astype(np.float32), std.astype(np.float32)
    z = np.nan_to_num((sound - mean) / std, nan=0.0)
    z[~has] = 0.0
    return _unit_rows(z), has, mean, std


def genre_block(genres: Sequence[tuple[str, ...]]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Multi-hot over the most common genres (at most MAX_GENRE_DIMENSIONS), unit rows."""
    counts: dict[str, int] = {}
    for tags in genres:
        for tag in tags:
            counts[tag] = counts.get(tag, 0) + 1
    names = sorted(counts, key=lambda g: (-counts[g], g))[:MAX_GENRE_DIMENSIONS]
    vocab = {g: i for i, g in enumerate(names)}
    matrix = np.zeros((len(genres), max(1, len(names))), dtype=np.float32)
    for row, tags in enumerate(genres):
        for rank, tag in enumerate(tags):
            col = vocab.get(tag)
            if col is not None:
                matrix[row, col] = 1.0 / (1 + rank)  # the first genre counts most
    has = np.asarray(matrix.any(axis=1), dtype=bool)
    return _unit_rows(matrix), has, names


def metadata_block(year: np.ndarray, duration_ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Year and duration as angles: inner products fall off smoothly with the difference."""
    n = len(year)
    out = np.zeros((n, 4), dtype=np.float32)
    has_year = np.isfinite(year)
    has_duration = np.isfinite(duration_ms) & (duration_ms > 0)
    span = YEAR_RANGE[1] - YEAR_RANGE[0]
    theta = np.clip((np.nan_to_num(year, nan=2000) - YEAR_RANGE[0]) / span, 0, 1) * math.pi
    out[:, 0] = np.where(has_year, np.cos(theta), 0)
    out[:, 1] = np.where(has_year, np.sin(theta), 0)
    seconds = np.clip(np.nan_to_num(duration_ms, nan=180_000) / 1000.0, 30, 900)
    phi = (np.log(seconds) - math.log(30)) / (math.log(900) - math.log(30)) * (math.pi / 2)
    # Duration matters less than era: half the length.
    out[:, 2] = np.where(has_duration, 0.5 * np.cos(phi), 0)
    out[:, 3] = np.where(has_duration, 0.5 * np.sin(phi), 0)
    return _unit_rows(out), has_year | has_duration


def context_matrix(contexts: Sequence[np.ndarray], n_tracks: int) -> sp.csr_matrix:
    """Contexts (playlists, sessions) x tracks, binary."""
    rows = np.concatenate([np.full(len(c), i, dtype=np.int64) for i, c in enumerate(contexts)]
                          ) if contexts else np.zeros(0, np.int64)
    cols = np.concatenate([np.asarray(c, dtype=np.int64) for c in contexts]
                          ) if contexts else np.zeros(0, np.int64)
    matrix = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(contexts), n_tracks)
    )
    matrix.data[:] = 1.0
    return matrix


def _ppmi_embedding(incidence: sp.csr_matrix, dim: int, seed: int = 0) -> np.ndarray:
    """Items x contexts incidence -> positive PMI of (item, context) -> truncated SVD.

    Factorizing the item-context PMI rather than the item-item one keeps the matrix as sparse as
    the playlists themselves (100,000 tracks in 2,000 playlists: a fraction of a second), and two
    items that share contexts still end up close.
    """
    n_items, n_contexts = incidence.shape
    if incidence.nnz == 0 or n_items < 3 or n_contexts < 2:
        return np.zeros((n_items, 1), dtype=np.float32)
    coo = incidence.tocoo()
    item_counts = np.asarray(incidence.sum(axis=1)).ravel().astype(np.float64)
    context_counts = np.asarray(incidence.sum(axis=0)).ravel().astype(np.float64)
    total = float(coo.data.sum()) or 1.0
    # Context counts smoothed (^0.75) as in word2vec, so huge playlists do not dominate.
    smoothed = context_counts ** 0.75
    smoothed *= context_counts.sum() / (smoothed.sum() or 1.0)
    with np.errstate(divide="ignore"):
        pmi = np.log(coo.data * total / (item_counts[coo.row] * smoothed[coo.col]))
    keep = pmi > 0
    ppmi = sp.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=incidence.shape)
    if ppmi.nnz == 0:
        return np.zeros((n_items, 1), dtype=np.float32)
    k = max(1, min(dim, n_items - 1, n_contexts - 1))
    u, s = randomized_svd(ppmi.astype(np.float32), k, seed=seed)
    embedding: np.ndarray = (u * np.sqrt(s)).astype(np.float32)
    return embedding


def _orthonormalize(tall: np.ndarray) -> np.ndarray:
    """Orthonormal columns spanning `tall` by Cholesky QR, done twice for accuracy.

    Only a small Gram matrix is factorized, which stays fast where LAPACK's QR of a
    100,000-row matrix does not (threaded BLAS on a busy machine took seconds).
    """
    basis = tall.astype(np.float64)
    for _ in range(2):
        gram = basis.T @ basis
        gram += np.eye(len(gram)) * (1e-10 * float(np.trace(gram)) + 1e-30)
        try:
            lower = np.linalg.cholesky(gram)
        except np.linalg.LinAlgError:
            q, _ = np.linalg.qr(basis)
            return q.astype(np.float32)
        basis = np.linalg.solve(lower, basis.T).T
    return basis.astype(np.float32)


def randomized_svd(matrix: sp.csr_matrix, k: int, *, oversample: int = 10, power: int = 3,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Left singular vectors and values of a sparse matrix (Halko et al.), numpy only."""
    rng = np.random.default_rng(seed)
    width = min(k + oversample, min(matrix.shape))
    basis = np.asarray(matrix @ rng.standard_normal((matrix.shape[1], width)).astype(np.float32))
    for _ in range(power):
        basis = _orthonormalize(basis)
        basis = np.asarray(matrix @ np.asarray(matrix.T @ basis))
    basis = _orthonormalize(basis)
    small = np.asarray(matrix.T @ basis).T  # width x columns
    left, values, _ = np.linalg.svd(small, full_matrices=False)
    return (basis @ left[:, :k]).astype(np.float32), values[:k].astype(np.float32)


def colisten_block(
    contexts: Sequence[np.ndarray], primary_artist: np.ndarray, n_artists: int, *, dim: int = 32
) -> tuple[np.ndarray, np.ndarray]:
    """Track and artist co-listening embeddings side by side; the track part weighs more."""
    n = len(primary_artist)
    incidence = context_matrix(contexts, n).T.tocsr()  # tracks x contexts
    track_has = np.asarray(incidence.sum(axis=1)).ravel() > 0
    track_emb = _unit_rows(_ppmi_embedding(incidence, dim))
    artist_map = sp.csr_matrix(
        (np.ones(n, dtype=np.float32), (primary_artist.astype(np.int64), np.arange(n))),
        shape=(n_artists, n),
    )
    artist_incidence = (artist_map @ incidence).tocsr()
    artist_incidence.data[:] = 1.0
    artist_has = np.asarray(artist_incidence.sum(axis=1)).ravel() > 0
    artist_emb = _unit_rows(_ppmi_embedding(artist_incidence, dim // 2))
    track_part = track_emb * track_has[:, None] * math.sqrt(0.6)
    artist_part = artist_emb[primary_artist] * artist_has[primary_artist][:, None] * math.sqrt(0.4)
    block = _unit_rows(np.hstack([track_part, artist_part]))
    return block, track_has | artist_has[primary_artist]


def build_vectors(catalog: Any, weights: Mapping[str, float] | None = None) -> VectorSet:
    """All blocks for a Catalog (see recommend/catalog.py)."""
    with single_threaded():
        return _build_vectors(catalog, weights)


def _build_vectors(catalog: Any, weights: Mapping[str, float] | None) -> VectorSet:
    chosen = dict(DEFAULT_BLOCK_WEIGHTS)
    chosen.update(weights or {})
    sound, has_sound, mean, std = sound_block(catalog.sound)
    genre, has_genre, genre_names = genre_block(catalog.genres)
    colisten, has_colisten = colisten_block(
        catalog.contexts, catalog.primary_artist, len(catalog.artist_vocab)
    )
    metadata, has_metadata = metadata_block(catalog.year, catalog.duration_ms)
    return VectorSet(
        blocks={"sound": sound, "genre": genre, "colisten": colisten, "metadata": metadata},
        masks={"sound": has_sound, "genre": has_genre, "colisten": has_colisten,
               "metadata": has_metadata},
        weights=chosen,
        sound_mean=mean,
        sound_std=std,
        genre_names=genre_names,
    )


# --- the FAISS index --------------------------------------------------------------------------


class VectorIndex:
    """Exact inner-product search (faiss.IndexFlatIP) over the combined vectors, with an id map."""

    def __init__(self, index: Any, track_ids: Sequence[str], fingerprint: str) -> None:
        self.index = index
        self.track_ids = list(track_ids)
        self.fingerprint = fingerprint

    @classmethod
    def build(cls, matrix: np.ndarray, track_ids: Sequence[str], fingerprint: str) -> VectorIndex:
        import faiss

        if len(matrix) != len(track_ids):
            raise IndexError_("The vectors and the track ids do not line up.")
        index = faiss.IndexFlatIP(int(matrix.shape[1]))
        if len(matrix):
            with single_threaded():
                index.add(np.ascontiguousarray(matrix, dtype=np.float32))
        return cls(index, track_ids, fingerprint)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions and inner products of the k nearest tracks (best first)."""
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        scores, positions = self.index.search(
            np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k
        )
        keep = positions[0] >= 0
        return positions[0][keep], scores[0][keep]

    def save(self, folder: Path) -> Path:
        """Write index, id map and a manifest, each atomically; the manifest goes last and holds
        the checksum of every file it covers."""
        import faiss

        folder.mkdir(parents=True, exist_ok=True)
        ids_blob = json.dumps(self.track_ids).encode("utf-8")
        try:
            index_bytes = faiss.serialize_index(self.index).tobytes()
            write_atomically(folder / "vectors.faiss", index_bytes)
            write_atomically(folder / "ids.json", ids_blob)
            manifest = {
                "version": INDEX_FORMAT_VERSION,
                "fingerprint": self.fingerprint,
                "count": len(self.track_ids),
                "dim": int(self.index.d),
                "files": {"vectors.faiss": _sha256(index_bytes), "ids.json": _sha256(ids_blob)},
            }
            write_atomically(folder / MANIFEST, json.dumps(manifest, indent=1).encode())
        except OSError as exc:
            raise IndexError_(f"The index could not be saved in {folder}: {exc}") from exc
        return folder

    @classmethod
    def load(cls, folder: Path, expected_fingerprint: str | None = None) -> VectorIndex:
        """Read and verify; raises IndexError_ when anything is missing or stale, IndexDamaged
        when a file does not match its checksum or cannot be read."""
        import faiss

        manifest = _read_manifest(folder)
        if manifest.get("version") != INDEX_FORMAT_VERSION:
            raise IndexError_("The saved index was made by another version.")
        if expected_fingerprint is not None and manifest.get("fingerprint") != expected_fingerprint:
            raise IndexError_("The saved index does not match the library any more.")
        index_bytes = _read_checked(folder, "vectors.faiss", manifest)
        ids_blob = _read_checked(folder, "ids.json", manifest)
        try:
            index = faiss.deserialize_index(np.frombuffer(index_bytes, dtype=np.uint8))
            track_ids = json.loads(ids_blob)
        except (RuntimeError, ValueError) as exc:
            raise IndexDamaged(f"The saved index could not be read: {exc}") from exc
        if not isinstance(track_ids, list) or not all(isinstance(t, str) for t in track_ids) \
                or int(index.ntotal) != len(track_ids) or len(track_ids) != manifest.get("count"):
            raise IndexDamaged("The saved index and its id map disagree.")
        return cls(index, track_ids, str(manifest.get("fingerprint")))


def save_vector_set(vectors: VectorSet, folder: Path, fingerprint: str) -> None:
    """The blocks next to the index, so a start-up with an unchanged library skips the SVD.

    Call after `VectorIndex.save`: the manifest is rewritten last with these files' checksums
    added, so a crash in between leaves an index whose blocks are simply rebuilt next time."""
    import io

    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    arrays: dict[str, np.ndarray] = {"sound_mean": vectors.sound_mean,
                                     "sound_std": vectors.sound_std}
    for block in BLOCKS:
        arrays[f"block_{block}"] = vectors.blocks[block]
        arrays[f"mask_{block}"] = vectors.masks[block]
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    meta = {"fingerprint": fingerprint, "weights": vectors.weights,
            "genre_names": vectors.genre_names, "version": INDEX_FORMAT_VERSION}
    contents = {"blocks.npz": buffer.getvalue(), "blocks.json": json.dumps(meta).encode("utf-8")}
    try:
        manifest = _read_manifest(folder)
    except IndexError_ as exc:
        raise IndexError_(f"The vectors need the index saved first ({exc}).") from exc
    covered = manifest.get("files")
    files: dict[str, Any] = covered if isinstance(covered, dict) else {}
    try:
        for name, data in contents.items():
            write_atomically(folder / name, data)
        manifest["files"] = {**files, **{name: _sha256(data) for name, data in contents.items()}}
        write_atomically(folder / MANIFEST, json.dumps(manifest, indent=1).encode())
    except OSError as exc:
        raise IndexError_(f"The vectors could not be saved in {folder}: {exc}") from exc


def load_vector_set(folder: Path, fingerprint: str) -> VectorSet:
    """The saved blocks, verified against the manifest's checksums and checked for shape;
    raises IndexError_ (stale) or IndexDamaged (damaged: truncated, bit-flipped, rewritten)."""
    import io
    import zipfile
    import zlib

    manifest = _read_manifest(folder)
    if manifest.get("fingerprint") != fingerprint or manifest.get("version") != INDEX_FORMAT_VERSION:
        raise IndexError_("The saved vectors do not match the library any more.")
    meta_blob = _read_checked(folder, "blocks.json", manifest)
    npz_blob = _read_checked(folder, "blocks.npz", manifest)
    try:
        meta = json.loads(meta_blob)
        with np.load(io.BytesIO(npz_blob), allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise IndexDamaged(f"The saved vectors could not be read ({exc}).") from exc
    if not isinstance(meta, dict) or meta.get("fingerprint") != fingerprint \
            or meta.get("version") != INDEX_FORMAT_VERSION:
        raise IndexDamaged("The saved vectors' description does not match their manifest.")
    try:
        blocks = {b: np.asarray(arrays[f"block_{b}"], dtype=np.float32) for b in BLOCKS}
        masks = {b: np.asarray(arrays[f"mask_{b}"]).astype(bool) for b in BLOCKS}
        sound_mean = np.asarray(arrays["sound_mean"], dtype=np.float32)
        sound_std = np.asarray(arrays["sound_std"], dtype=np.float32)
        weights = {b: float(meta["weights"][b]) for b in BLOCKS}
        genre_names = [str(name) for name in meta["genre_names"]]
        count = manifest.get("count")
        if any(a.ndim != 2 or len(a) != count for a in blocks.values()) \
                or any(m.shape != (count,) for m in masks.values()) \
                or sound_mean.shape != (blocks["sound"].shape[1],) \
                or sound_std.shape != sound_mean.shape \
                or not all(math.isfinite(w) and w >= 0 for w in weights.values()):
            raise ValueError("the arrays do not have the shapes of the index")
        return VectorSet(blocks=blocks, masks=masks, weights=weights, sound_mean=sound_mean,
                         sound_std=sound_std, genre_names=genre_names)
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexDamaged(f"The saved vectors are incomplete ({exc}).") from exc
