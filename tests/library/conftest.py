"""Tagged audio files written by the tests: every format the scanner reads, with known tags."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from desktoprec.features import synth


def write_tagged(path: Path, *, artist: str | None = None, title: str | None = None,
                 album: str | None = None, isrc: str | None = None, genre: str | None = None,
                 year: str | None = None, seconds: float = 3.0, bpm: float = 120.0) -> Path:
    """An audio file of `seconds` clicks in the format its suffix names, tagged as asked."""
    fmt = path.suffix.lower().lstrip(".")
    rate = 48000 if fmt == "opus" else 44100
    signal = synth.click_track(bpm, seconds=seconds, rate=rate)
    if fmt in ("m4a", "wma"):
        wav = synth.write_audio(path.with_suffix(".tmp.wav"), signal, rate=rate)
        assert shutil.which("ffmpeg"), "ffmpeg is a test dependency"
        codec = "aac" if fmt == "m4a" else "wmav2"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-c:a", codec, str(path)],
                       check=True)
        wav.unlink()
    else:
        subtype = {"mp3": "MPEG_LAYER_III", "opus": "OPUS", "ogg": "VORBIS"}.get(fmt)
        if fmt == "opus":
            tmp = synth.write_audio(path.with_suffix(".ogg"), signal, rate=rate, subtype=subtype)
            tmp.rename(path)
        else:
            synth.write_audio(path, signal, rate=rate, subtype=subtype)
    values = {"artist": artist, "title": title, "album": album, "isrc": isrc, "genre": genre,
              "date": year}
    set_tags(path, {k: v for k, v in values.items() if v is not None})
    return path


def set_tags(path: Path, values: dict[str, str]) -> None:
    """Write `values` (artist, title, album, isrc, genre, date) into the file's own tag format,
    replacing what those fields held."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt in ("mp3", "wav"):
        from mutagen import id3

        frames = {"artist": id3.TPE1, "title": id3.TIT2, "album": id3.TALB, "isrc": id3.TSRC,
                  "genre": id3.TCON, "date": id3.TDRC}
        if fmt == "mp3":
            try:
                tags = id3.ID3(str(path))
            except id3.ID3NoHeaderError:
                tags = id3.ID3()
        else:
            from mutagen.wave import WAVE

            wave = WAVE(str(path))
            if wave.tags is None:
                wave.add_tags()
            tags = wave.tags
        for key, value in values.items():
            tags.setall(frames[key].__name__, [frames[key](encoding=3, text=[value])])
        if fmt == "mp3":
            tags.save(str(path))
        else:
            wave.save()
    elif fmt in ("flac", "ogg", "opus"):
        import mutagen

        audio = mutagen.File(str(path))
        for key, value in values.items():
            audio[key] = [value]
        audio.save()
    elif fmt == "m4a":
        from mutagen.mp4 import MP4, MP4FreeForm

        audio = MP4(str(path))
        atoms = {"artist": "\xa9ART", "title": "\xa9nam", "album": "\xa9alb", "genre": "\xa9gen",
                 "date": "\xa9day"}
        for key, value in values.items():
            if key == "isrc":
                audio["----:com.apple.iTunes:ISRC"] = [MP4FreeForm(value.encode())]
            else:
                audio[atoms[key]] = [value]
        audio.save()
    elif fmt == "wma":
        from mutagen.asf import ASF

        audio = ASF(str(path))
        fields = {"artist": "Author", "title": "Title", "album": "WM/AlbumTitle",
                  "isrc": "WM/ISRC", "genre": "WM/Genre", "date": "WM/Year"}
        for key, value in values.items():
            audio[fields[key]] = [value]
        audio.save()


@pytest.fixture
def tagged() -> Callable[..., Path]:
    return write_tagged
