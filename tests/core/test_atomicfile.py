"""The one atomic write: unique temporary names beside the file, old content kept on failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktoprec.atomicfile import replacing, write_atomically


def test_replacing_renames_a_finished_file_over_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "song.flac"
    target.write_bytes(b"old")
    with replacing(target) as partial:
        assert partial.parent == tmp_path and partial.name.startswith(".song.flac.")
        assert partial.suffix == ".tmp" and partial != target
        partial.write_bytes(b"new")
        assert target.read_bytes() == b"old"  # readers still see the old file meanwhile
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["song.flac"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "song.flac"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), replacing(target) as partial:
        partial.write_bytes(b"half")
        raise RuntimeError("the encoder gave up")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["song.flac"]


def test_two_writers_never_share_a_temporary_name(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    with replacing(target) as first, replacing(target) as second:
        assert first != second
        first.write_bytes(b"1")
        second.write_bytes(b"2")
    assert target.read_bytes() == b"1"  # the outer block finishes last
    write_atomically(target, b"3")
    assert target.read_bytes() == b"3"
    assert [p.name for p in tmp_path.iterdir()] == ["index.json"]


def test_no_module_writes_through_a_fixed_temporary_name() -> None:
    import re

    source = Path(__file__).resolve().parents[2] / "src" / "desktoprec"
    fixed = re.compile(r"""with_(suffix|name)\([^)]*["'][^"']*\.(tmp|part|partial)["']""")
    offenders = [str(p.relative_to(source)) for p in source.rglob("*.py")
                 if fixed.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
