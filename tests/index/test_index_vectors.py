"""Block vectors (explicit missing blocks, renormalized weights) and the saved FAISS index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktoprec.errors import IndexError_
from desktoprec.index.vectors import (
    BLOCKS,
    VectorIndex,
    build_vectors,
    colisten_block,
    combine_blocks,
    load_vector_set,
    metadata_block,
    save_vector_set,
    sound_block,
)
from desktoprec.recommend.catalog import Catalog


def small_catalog(n: int = 30, seed: int = 0) -> Catalog:
    rng = np.random.default_rng(seed)
    sound = rng.normal(size=(n, 4)).astype(np.float32)
    sound[0] = np.nan  # no sound at all
    sound[1, 2] = np.nan  # one descriptor missing
    genres = [("a",) if i % 3 == 0 else ("b", "c") if i % 3 == 1 else () for i in range(n)]
    year = np.full(n, 2010, dtype=np.float32)
    year[2] = np.nan
    contexts = [np.arange(0, 10, dtype=np.int32), np.arange(5, 15, dtype=np.int32),
                np.asarray([20, 21, 22], dtype=np.int32)]
    return Catalog(
        ids=[f"t{i}" for i in range(n)], names=[f"Song {i}" for i in range(n)],
        artists=[(f"Artist {i % 7}",) for i in range(n)],
        artist_keys=[(f"a{i % 7}",) for i in range(n)],
        albums=[None] * n, album_keys=[None] * n, uris=[None] * n, isrcs=[None] * n,
        year=year, duration_ms=np.full(n, 180_000, dtype=np.float32), sound=sound,
        sound_names=("energy", "tempo", "valence", "acousticness"),
        sound_source=["own_file"] * n, genres=genres, genre_source=["tags"] * n,
        contexts=contexts, context_ids=["p0", "p1", "p2"], context_kinds=["playlist"] * 3,
    )


def test_missing_blocks_are_masks_not_zeros_pretending() -> None:
    catalog = small_catalog()
    vectors = build_vectors(catalog)
    assert not vectors.masks["sound"][0] and vectors.masks["sound"][1]
    assert not vectors.masks["genre"][2] and vectors.masks["genre"][0]
    assert vectors.masks["metadata"][2]  # duration is still known
    # tracks 25.. are in no playlist, but their artists are: artist-level co-listening
    assert vectors.masks["colisten"][25]
    norms = np.linalg.norm(vectors.matrix, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-4), "every combined vector is unit length"
    # A track without sound spends its weight on the blocks it has.
    sound_part = vectors.matrix[0, vectors.slices["sound"]]
    assert not np.any(sound_part)


def test_block_weights_are_renormalized() -> None:
    n = 3
    blocks = {b: np.eye(n, 3, dtype=np.float32) for b in BLOCKS}
    masks = {b: np.ones(n, bool) for b in BLOCKS}
    masks["sound"][1] = False
    weights = {"sound": 2.0, "genre": 1.0, "colisten": 1.0, "metadata": 0.0}
    matrix, slices = combine_blocks(blocks, masks, weights)
    genre_share_full = float(matrix[0, slices["genre"]] @ matrix[0, slices["genre"]])
    genre_share_missing = float(matrix[1, slices["genre"]] @ matrix[1, slices["genre"]])
    assert genre_share_full == pytest.approx(1 / 4)
    assert genre_share_missing == pytest.approx(1 / 2)


def test_sound_block_standardizes() -> None:
    sound = np.asarray([[1.0, 100.0], [2.0, 300.0], [np.nan, np.nan]], dtype=np.float32)
    unit, has, mean, _std = sound_block(sound)
    assert has.tolist() == [True, True, False]
    assert mean.tolist() == pytest.approx([1.5, 200.0])
    assert np.allclose(unit[0], -unit[1])  # opposite after standardizing, whatever the units


def test_metadata_similarity_falls_with_the_years() -> None:
    year = np.asarray([2000, 2002, 2020, np.nan], dtype=np.float32)
    duration = np.asarray([200_000, 200_000, 200_000, np.nan], dtype=np.float32)
    unit, has = metadata_block(year, duration)
    assert has.tolist() == [True, True, True, False]
    assert unit[0] @ unit[1] > unit[0] @ unit[2]


def test_colisten_puts_playlist_mates_together() -> None:
    contexts = [np.asarray([0, 1, 2]), np.asarray([0, 1, 2]), np.asarray([3, 4, 5]),
                np.asarray([3, 4, 5]), np.asarray([0, 5])]
    artists = np.arange(6, dtype=np.int32)
    block, has = colisten_block(contexts, artists, 6, dim=4)
    assert has.all()
    assert block[0] @ block[1] > block[0] @ block[3]


def test_index_search_save_load_roundtrip(tmp_path: Path) -> None:
    catalog = small_catalog()
    vectors = build_vectors(catalog)
    fingerprint = catalog.fingerprint()
    index = VectorIndex.build(vectors.matrix, catalog.ids, fingerprint)
    found, scores = index.search(vectors.matrix[5], 3)
    assert found[0] == 5 and scores[0] == pytest.approx(1.0, abs=1e-4)
    folder = index.save(tmp_path / "index")
    save_vector_set(vectors, folder, fingerprint)
    assert not list(folder.glob("*.tmp")), "no temporary files left behind"
    again = VectorIndex.load(folder, fingerprint)
    assert again.track_ids == catalog.ids and len(again) == len(catalog)
    assert np.array_equal(again.search(vectors.matrix[5], 3)[0], found)
    loaded = load_vector_set(folder, fingerprint)
    assert np.array_equal(loaded.matrix, vectors.matrix)


def test_stale_or_corrupt_index_is_refused(tmp_path: Path) -> None:
    catalog = small_catalog()
    vectors = build_vectors(catalog)
    folder = VectorIndex.build(vectors.matrix, catalog.ids, catalog.fingerprint()).save(
        tmp_path / "index")
    other = small_catalog(seed=1)
    assert other.fingerprint() != catalog.fingerprint()
    with pytest.raises(IndexError_, match="does not match"):
        VectorIndex.load(folder, other.fingerprint())
    data = bytearray((folder / "vectors.faiss").read_bytes())
    data[-10] ^= 0xFF
    (folder / "vectors.faiss").write_bytes(bytes(data))
    with pytest.raises(IndexError_, match="corrupt"):
        VectorIndex.load(folder, catalog.fingerprint())
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(IndexError_):
        VectorIndex.load(folder, catalog.fingerprint())
    with pytest.raises(IndexError_):
        VectorIndex.load(tmp_path / "nowhere")


def test_fingerprint_follows_what_vectors_depend_on() -> None:
    a = small_catalog()
    b = small_catalog()
    assert a.fingerprint() == b.fingerprint()
    b.contexts.append(np.asarray([1, 2], dtype=np.int32))
    assert a.fingerprint() != b.fingerprint()


def test_single_threaded_is_counted_across_threads() -> None:
    """Overlapping users in two threads leave the thread pools as they found them."""
    import threading

    import desktoprec.index.vectors as vectors_module
    from desktoprec.index.vectors import single_threaded

    with single_threaded():
        pass  # the controller now knows the BLAS libraries numpy and FAISS loaded

    def threads() -> list[int]:
        controller = vectors_module._THREADPOOLS.select(user_api="blas")
        return sorted(i["num_threads"] for i in controller.info())

    before = threads()
    inside = threading.Event()
    release = threading.Event()

    def worker() -> None:
        with single_threaded():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=worker)
    thread.start()
    assert inside.wait(10)
    with single_threaded():
        import faiss

        assert faiss.omp_get_max_threads() == 1
        assert vectors_module._THREADPOOL_USERS == 2
    assert vectors_module._THREADPOOL_USERS == 1
    release.set()
    thread.join(10)
    # The first one in was not the last one out: the limit is still restored exactly once.
    assert vectors_module._THREADPOOL_USERS == 0 and vectors_module._THREADPOOL_LIMITER is None
    assert threads() == before
