"""Hostile files from a music folder: tag fuzzing, names that are not UTF-8, and real decoder bombs
and never-ending inputs through the real analysis pool (each costs only itself).

tests/library and tests/features cover hand-made cases and a misbehaving analyzer; here the tag
reader is fuzzed on real containers and the real analyzer meets files built to exhaust it.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import random
import shutil
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktoprec.features import synth
from desktoprec.features.pool import FileResult, analyze_many
from desktoprec.library.tags import MAX_TAG_CHARS, FileTags, read_tags


def _library_test_helpers() -> ModuleType:
    """The library tests' tagged-file writer (loaded by path: conftest modules share a name)."""
    path = Path(__file__).resolve().parents[1] / "library" / "conftest.py"
    spec = importlib.util.spec_from_file_location("library_tagged_files", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_helpers = _library_test_helpers()
write_tagged, set_tags = _helpers.write_tagged, _helpers.set_tags

FORMATS = ["flac", "ogg", "mp3", "wav", "m4a"] if shutil.which("ffmpeg") else [
    "flac", "ogg", "mp3", "wav"]
_ISRC_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@functools.cache
def _base_files() -> dict[str, bytes]:
    """One short, validly tagged file per format, as bytes to copy and damage."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="desktoprec-tag-bases-") as tmp:
        for fmt in FORMATS:
            path = write_tagged(Path(tmp) / f"base.{fmt}", artist="Artist", title="Title",
                                album="Album", isrc="USRC17607839", genre="Rock", year="1999",
                                seconds=1.0)
            out[fmt] = path.read_bytes()
    return out


def _assert_clean(tags: FileTags) -> None:
    assert isinstance(tags, FileTags)
    for value in (tags.artist, tags.title, tags.album, tags.genre):
        if value is None:
            continue
        assert isinstance(value, str) and 0 < len(value) <= MAX_TAG_CHARS
        assert not any(ord(c) < 32 or ord(c) == 127 for c in value), repr(value)
        assert value == value.strip()
    if tags.isrc is not None:
        assert len(tags.isrc) == 12 and set(tags.isrc) <= _ISRC_CHARS
    if tags.year is not None:
        assert 1800 <= tags.year <= 2099
    if tags.duration_s is not None:
        assert 0 <= tags.duration_s < 10 * 24 * 3600


_hostile_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(max_codepoint=0x20), max_size=40),  # control characters
    st.sampled_from(["<img src=x onerror=alert(1)>", "../../../etc/passwd", "\u202egnp.exe",
                     "a\x00b", "=cmd|' /C calc'!A0", "\ufeff\u200b", "x" * 12_000, "🎵" * 400,
                     " \n\t ", "(17)", "(255)Rock", "US-RC1-76-07839", "0000", "99999"]),
)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(fmt=st.sampled_from(FORMATS), artist=_hostile_text, title=_hostile_text,
       album=_hostile_text, genre=_hostile_text, isrc=_hostile_text, year=_hostile_text)
def test_fuzz_tag_values(tmp_path: Path, fmt: str, artist: str,
                         title: str, album: str, genre: str, isrc: str, year: str) -> None:
    path = tmp_path / f"fuzz.{fmt}"
    path.write_bytes(_base_files()[fmt])
    try:
        _retag(path, fmt, {"artist": artist, "title": title, "album": album, "genre": genre,
                           "isrc": isrc, "date": year})
    except (ValueError, TypeError, UnicodeError):
        return  # mutagen refused to write such a value: nothing to read back
    _assert_clean(read_tags(path))


def _retag(path: Path, fmt: str, values: dict[str, str]) -> None:
    values = {k: v.replace("\x00", "") if fmt in ("flac", "ogg") else v for k, v in values.items()}
    set_tags(path, values)


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(fmt=st.sampled_from(FORMATS), seed=st.integers(0, 2**32 - 1),
       damage=st.sampled_from(["flip", "truncate", "splice", "zero-run", "grow-sizes"]))
def test_fuzz_damaged_containers(tmp_path: Path, fmt: str,
                                 seed: int, damage: str) -> None:
    """Random damage where the tags live (the first few kB): read_tags reads or reports."""
    rng = random.Random(seed)
    data = bytearray(_base_files()[fmt])
    head = min(len(data), 4096)
    if damage == "flip":
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(head)] = rng.randrange(256)
    elif damage == "truncate":
        del data[rng.randrange(1, head):]
    elif damage == "splice":
        at = rng.randrange(head)
        data[at:at] = rng.randbytes(rng.randint(1, 2000))
    elif damage == "zero-run":
        at = rng.randrange(head)
        data[at:at + rng.randint(1, 512)] = b"\x00" * 512
    else:  # make every plausible 4-byte length field enormous
        for _ in range(rng.randint(1, 10)):
            at = rng.randrange(max(1, head - 4))
            data[at:at + 4] = struct.pack(">I", rng.choice([0x7FFFFFFF, 0xFFFFFFFF, 0x10000000]))
    path = tmp_path / f"damaged.{fmt}"
    path.write_bytes(bytes(data))
    _assert_clean(read_tags(path))


# --- names -------------------------------------------------------------------------------------


def test_scan_survives_names_that_are_not_utf8_and_hostile_titles(
        tmp_path: Path, desktoprec_home: Path) -> None:
    from desktoprec.services import Services

    music = tmp_path / "music"
    music.mkdir()
    good = write_tagged(music / "good.flac", artist="Band", title="../../../etc/passwd",
                        seconds=1.0)
    bad = write_tagged(music / "bad.flac", artist="Band", title="Hidden", seconds=1.0)
    os.rename(bytes(bad), os.fsencode(music) + b"/\xff\xfe not utf8.flac")
    weird_dir = os.fsencode(music) + b"/\xc3\x28 folder"
    os.mkdir(weird_dir)
    shutil.copy(good, os.fsdecode(weird_dir + b"/inside.flac"))
    write_tagged(music / "line\nbreak <b>.flac", artist="<script>x</script>", title="T",
                 seconds=1.0)
    services = Services()
    try:
        report = services.library.scan([music])
        assert report.found == 2  # the two files with storable names
        assert report.tag_errors == 0
        # Nothing was written outside the home folder because of a title.
        assert not (tmp_path / "etc").exists()
    finally:
        services.close()


# --- the real analyzer meets files built to exhaust it ------------------------------------------


def _flac_with_unknown_length(path: Path, minutes: int) -> Path:
    """Silence compresses to almost nothing; with STREAMINFO's sample count zeroed (legal:
    "unknown"), a decoder cannot know where it ends."""
    import soundfile

    rate = 22050
    block = np.zeros(rate * 60, dtype=np.int16)
    with soundfile.SoundFile(str(path), "w", samplerate=rate, channels=1, subtype="PCM_16",
                             format="FLAC") as handle:
        for _ in range(minutes):
            handle.write(block)
    data = bytearray(path.read_bytes())
    assert data[:4] == b"fLaC"
    packed = int.from_bytes(data[18:26], "big") & ~((1 << 36) - 1)
    data[18:26] = packed.to_bytes(8, "big")
    path.write_bytes(bytes(data))
    return path


def _wav_header(channels: int, rate: int, bits: int, data_size: int) -> bytes:
    block = channels * bits // 8
    return (b"RIFF" + struct.pack("<I", 36 + data_size) + b"WAVE" + b"fmt "
            + struct.pack("<IHHIIHH", 16, 1, channels, rate, (rate * block) & 0xFFFFFFFF,
                          block & 0xFFFF, bits)
            + b"data" + struct.pack("<I", data_size))


HOSTILE: dict[str, Callable[[Path], Path]] = {
    "flac_bomb": lambda d: _flac_with_unknown_length(d / "bomb.flac", minutes=20),
    "fifo": lambda d: (os.mkfifo(d / "fifo.mp3"), d / "fifo.mp3")[1],
    "dev_zero": lambda d: (os.symlink("/dev/zero", d / "zero.wav"), d / "zero.wav")[1],
    "wav_65535_channels": lambda d: _write(d / "channels.wav",
                                           _wav_header(65535, 44100, 16, 65535 * 2 * 100)
                                           + b"\x01" * 65535 * 2 * 100),
    "wav_rate_1hz": lambda d: _write(d / "rate1.wav", _wav_header(1, 1, 16, 400) + b"\x00" * 400),
    "wav_float_nan": lambda d: _write(d / "nan.wav", _nan_wav()),
    "id3_claims_256mb": lambda d: _write(d / "id3.mp3", b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f"
                                         + os.urandom(3000)),
    "ogg_then_noise": lambda d: _write(d / "noise.ogg", b"OggS\x00\x02" + os.urandom(20_000)),
    "directory_named_like_audio": lambda d: (os.mkdir(d / "album.flac"), d / "album.flac")[1],
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _nan_wav() -> bytes:
    samples = np.full(22050, np.nan, dtype="<f4")
    header = bytearray(_wav_header(1, 22050, 32, samples.nbytes))
    header[20:22] = struct.pack("<H", 3)  # IEEE float
    return bytes(header) + samples.tobytes()


def test_real_hostile_audio_costs_only_itself(tmp_path: Path) -> None:
    good = synth.write_audio(tmp_path / "good.wav", synth.click_track(120, seconds=6))
    files = {name: make(tmp_path) for name, make in HOSTILE.items()}
    files["good"] = good
    results: dict[str, FileResult] = {}
    counts = analyze_many([(name, str(path)) for name, path in files.items()],
                          lambda r: results.__setitem__(r.key, r), workers=2,
                          time_limit_s=8.0, memory_limit_mb=1200)
    assert set(results) == set(files)
    assert results["good"].ok, results["good"].error
    assert results["good"].descriptors["tempo_bpm"] == pytest.approx(120, abs=2)
    for name in HOSTILE:
        result = results[name]
        if result.ok:  # decoding garbage into numbers is allowed; they must be finite
            values = [v for v in result.descriptors.values() if isinstance(v, float)]
            assert all(np.isfinite(values)), (name, result.descriptors)
        else:
            assert result.error and len(result.error) < 300 and "\n" not in result.error, name
    # The never-ending inputs could not have produced a result.
    for name in ("fifo", "dev_zero", "directory_named_like_audio"):
        assert not results[name].ok, (name, results[name])
    assert "longer than 8 s" in (results["fifo"].error or "")
    assert counts["total"] == len(files)
