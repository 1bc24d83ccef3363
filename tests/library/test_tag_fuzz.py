"""Fuzzing the tag reader: hostile bytes behind real audio signatures never raise, never leak."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktoprec.library.tags import MAX_TAG_CHARS, FileTags, read_tags

SIGNATURES = [b"ID3\x04\x00\x00", b"fLaC", b"OggS\x00\x02", b"RIFF\xff\xff\xff\x7fWAVE",
              b"\x00\x00\x00\x20ftypM4A ", b"\xff\xfb\x90\x64", b"FORM\x00\x00\x10\x00AIFF", b""]
SUFFIXES = [".mp3", ".flac", ".ogg", ".opus", ".m4a", ".wav", ".aiff"]


def _check(tags: FileTags) -> None:
    for value in (tags.artist, tags.title, tags.album, tags.genre):
        assert value is None or (isinstance(value, str) and len(value) <= MAX_TAG_CHARS
                                 and "\x00" not in value and "\n" not in value)
    assert tags.isrc is None or len(tags.isrc) == 12
    assert tags.duration_s is None or tags.duration_s > 0


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(signature=st.sampled_from(SIGNATURES), body=st.binary(max_size=4096),
       suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_behind_audio_signatures(tmp_path: Path, signature: bytes, body: bytes,
                                              suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(signature + body)
    _check(read_tags(path))


@pytest.mark.parametrize("suffix", [".mp3", ".flac", ".ogg", ".m4a", ".wav"])
def test_damaged_real_files(tmp_path: Path, tagged: Callable[..., Path], suffix: str) -> None:
    original = tagged(tmp_path / f"orig{suffix}", artist="Artist " * 30, title="Title",
                      album="Album", isrc="USRC17607839", genre="Rock", year="2001", seconds=2)
    data = original.read_bytes()
    rng = random.Random(suffix)
    for trial in range(40):
        damaged = bytearray(data)
        if trial % 3 == 0:
            damaged = damaged[: rng.randrange(1, len(damaged))]
        else:
            for _ in range(rng.randrange(1, 40)):
                position = rng.randrange(0, min(len(damaged), 4096))
                damaged[position] = rng.randrange(256)
        path = tmp_path / f"damaged{trial}{suffix}"
        path.write_bytes(bytes(damaged))
        _check(read_tags(path))
