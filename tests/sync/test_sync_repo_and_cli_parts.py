"""Storage helpers the sync relies on, the terminal progress bar, and an account switch."""

from __future__ import annotations

import io
from typing import Any

from desktoprec.commands.sync import TerminalProgress
from desktoprec.services import Services
from desktoprec.spotify import parse
from desktoprec.spotify.emulator import EmulatorServer
from desktoprec.storage import repo
from desktoprec.storage.tables import TrackRow


def _track(n: int, isrc: str | None = None) -> parse.ApiTrack:
    # built directly: these readable ids are not Spotify ids, which parse_track would refuse
    return parse.ApiTrack(
        id=f"t{n}", uri=f"spotify:track:t{n}", name=f"T{n}", duration_ms=1000,
        artists=(parse.ArtistRef(id="a1", name="A", uri=None),),
        album=parse.Album(id="al", name="Al"), isrc=isrc)


def test_discovery_upsert_never_demotes_library_tracks(services: Services) -> None:
    with services.db.write() as session:
        repo.upsert_tracks(session, [_track(1, "ISRC1")])
        repo.upsert_tracks(session, [_track(1), _track(2)], source="discovery")
    with services.db.read() as session:
        rows = {r.id: r for r in session.query(TrackRow)}
    assert rows["t1"].source == "spotify" and rows["t2"].source == "discovery"
    assert rows["t1"].isrc == "ISRC1"  # a later answer without ISRC keeps the known one
    with services.db.write() as session:
        repo.upsert_tracks(session, [_track(2)])  # now in the library
    with services.db.read() as session:
        assert session.get(TrackRow, "t2").source == "spotify"
        found = repo.tracks_by_ids(session, ["t2", "missing"])
    assert list(found) == ["t2"] and found["t2"].artists == ("A",)


def test_artist_genres_not_forgotten_when_spotify_sends_empty(services: Services) -> None:
    with services.db.write() as session:
        repo.upsert_artists(session, [parse.Artist("a1", "A", None, ("pop",))])
        repo.upsert_artists(session, [parse.Artist("a1", "A2", None, ())])
    from desktoprec.storage.tables import ArtistRow

    with services.db.read() as session:
        row = session.get(ArtistRow, "a1")
    assert row.genres == ["pop"] and row.name == "A2"


def test_progress_bar_only_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    bar = TerminalProgress(tty)
    bar("saved_tracks", 50, 100)
    bar("saved_tracks", 100, 100)
    bar.finish()
    assert "saved tracks" in tty.getvalue() and "100/100" in tty.getvalue()
    plain = io.StringIO()
    TerminalProgress(plain)("saved_tracks", 1, 2)
    assert plain.getvalue() == ""


def test_another_account_replaces_the_library(services: Services, emulator: EmulatorServer,
                                              make_sync: Any) -> None:
    sync, _, _ = make_sync(services, emulator)
    sync.sync()
    emulator.account.user_id = "someone-else"
    report = sync.sync()
    assert report.kind == "full" and any("different Spotify account" in w
                                         for w in report.warnings)
    status = sync.status()
    assert status.user.id == "someone-else"
    # everything the emulator lists is now someone else's: nothing of theirs is readable
    assert status.playlists == sum(p.collaborative for p in emulator.account.playlists)
