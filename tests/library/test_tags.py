"""Tags from every format the scanner reads, and hostile tag text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from desktoprec.library.tags import MAX_TAG_CHARS, clean_isrc, clean_text, read_tags


@pytest.mark.parametrize("suffix", [".mp3", ".flac", ".ogg", ".opus", ".m4a", ".wav", ".wma"])
def test_tags_of_every_format(tmp_path: Path, tagged: Callable[..., Path], suffix: str) -> None:
    path = tagged(tmp_path / f"song{suffix}", artist="Björk", title="Jóga", album="Homogenic",
                  isrc="GBAYE9700123", genre="Electronic", year="1997-09-15", seconds=3.0)
    tags = read_tags(path)
    assert tags.error is None
    assert (tags.artist, tags.title, tags.album) == ("Björk", "Jóga", "Homogenic")
    assert tags.isrc == "GBAYE9700123"
    assert tags.genre == "Electronic" and tags.year == 1997
    assert tags.duration_s == pytest.approx(3.0, abs=0.15)
    assert tags.format == {".ogg": "ogg"}.get(suffix, suffix.lstrip("."))


def test_untagged_and_unreadable_files(tmp_path: Path, tagged: Callable[..., Path]) -> None:
    bare = read_tags(tagged(tmp_path / "bare.flac"))
    assert bare.error is None and bare.artist is None and bare.duration_s == pytest.approx(3, 0.1)
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"\x00garbage" * 100)
    assert read_tags(junk).error


def test_hostile_tag_text_is_plain_and_capped(tmp_path: Path,
                                              tagged: Callable[..., Path]) -> None:
    path = tagged(tmp_path / "evil.flac", artist="A\x00B\x1b[31m\nC" + "x" * 5000,
                  title="  spaced   out  ", isrc="not-an-isrc")
    tags = read_tags(path)
    assert "\x00" not in tags.artist and "\x1b" not in tags.artist and "\n" not in tags.artist
    assert len(tags.artist) <= MAX_TAG_CHARS
    assert tags.title == "spaced out"
    assert tags.isrc is None
    assert clean_isrc("us-rc1-76-07839") == "USRC17607839"
    assert clean_text(b"\xff\xfebytes") is not None
