"""Finding 3: a damaged vector-set file must not break `recommend` for good.

Every file of the index (FAISS index, id map, blocks.npz, blocks.json) is covered by the
manifest's checksums; a mismatch rebuilds the index with one warning. Temporary files that a
killed rebuild left behind are removed. Driven through the real CLI in a demo profile.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from desktoprec.atomicfile import remove_stale_temporaries, write_atomically
from desktoprec.errors import IndexError_
from desktoprec.index.vectors import IndexDamaged, VectorIndex, load_vector_set

FILES = ("vectors.faiss", "ids.json", "blocks.npz", "blocks.json")


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DESKTOPREC_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "desktoprec", *args], env=env,
                          capture_output=True, text=True, timeout=240, check=False)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    path.write_bytes(bytes(data))


DAMAGES: list[tuple[str, str, Callable[[Path], None]]] = [
    ("blocks.npz", "truncated", _truncate),
    ("blocks.npz", "bit-flipped", _flip),
    ("blocks.json", "[1,2,3]", lambda p: p.write_text("[1,2,3]")),
    ("blocks.json", "bit-flipped", _flip),
    ("vectors.faiss", "truncated", _truncate),
    ("ids.json", "bit-flipped", _flip),
    ("manifest.json", "garbage", lambda p: p.write_bytes(b"\x00\xff garbage")),
    ("manifest.json", "[1,2,3]", lambda p: p.write_text("[1,2,3]")),
    ("blocks.npz", "deleted", lambda p: p.unlink()),
]


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("damaged-index") / "home"
    done = _run(home, "demo", "--headless", "--json", "--tracks-per-style", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    return home


def test_recommend_rebuilds_each_damaged_file_with_one_warning(demo_home: Path) -> None:
    folder = demo_home / "data" / "index"
    first = _run(demo_home, "recommend", "--json", "-n", "5")
    assert first.returncode == 0, first.stderr[-3000:]
    assert "warning" not in first.stderr  # an intact index: reused silently
    count = len(json.loads(first.stdout))
    assert count >= 1
    for name, how, damage in DAMAGES:
        damage(folder / name)
        done = _run(demo_home, "recommend", "--json", "-n", "5")
        assert done.returncode == 0, (name, how, done.stderr[-3000:])
        warnings = [line for line in done.stderr.splitlines() if "warning" in line]
        if name == "manifest.json" or how == "deleted":
            assert len(warnings) <= 1, (name, how, done.stderr)
        else:
            assert len(warnings) == 1 and "damaged" in warnings[0], (name, how, done.stderr)
        assert "unexpected error" not in done.stderr and "Traceback" not in done.stderr
        picks = json.loads(done.stdout)
        assert len(picks) == count and all(item["track_id"] for item in picks), (name, how)
        manifest = json.loads((folder / "manifest.json").read_text())
        assert set(manifest["files"]) == set(FILES)  # rebuilt whole, every file covered
    # the rebuilt index is whole: reused silently next time
    again = _run(demo_home, "recommend", "--json", "-n", "5")
    assert again.returncode == 0 and "warning" not in again.stderr, again.stderr


def test_a_killed_rebuild_leaves_no_temporary_files(demo_home: Path) -> None:
    folder = demo_home / "data" / "index"
    old = time.time() - 3600
    leftovers = [folder / f".{name}.k1ll3d.tmp" for name in FILES + ("manifest.json",)]
    for path in leftovers:
        path.write_bytes(b"half of a file")
        os.utime(path, (old, old))
    _flip(folder / "blocks.npz")
    done = _run(demo_home, "recommend", "--json", "-n", "3")
    assert done.returncode == 0, done.stderr[-3000:]
    assert [p.name for p in leftovers if p.exists()] == []
    assert not list(folder.glob(".*.tmp"))


def test_checksums_cover_every_file_and_a_working_writer_keeps_its_temporary(
        tmp_path: Path) -> None:
    import numpy as np

    index = VectorIndex.build(np.eye(3, dtype=np.float32), ["a", "b", "c"], "fp")
    index.save(tmp_path)
    with pytest.raises(IndexError_) as caught:  # saved without its blocks: stale, not damaged
        load_vector_set(tmp_path, "fp")
    assert not isinstance(caught.value, IndexDamaged)
    # a writer at work right now: its fresh temporary file is not touched
    fresh = tmp_path / ".blocks.npz.w0rk1n.tmp"
    fresh.write_bytes(b"in progress")
    write_atomically(tmp_path / "blocks.npz", b"x")
    assert fresh.exists()
    assert remove_stale_temporaries(tmp_path / "blocks.npz", older_than_s=0) == 1
