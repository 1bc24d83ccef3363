"""Looking tracks up: `desktoprec tracks --search`, and "Artist – Title", ids and URIs as seeds."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from desktoprec.cli import main
from desktoprec.errors import ConfigError
from desktoprec.services import Services
from desktoprec.storage.tables import AlbumRow, ArtistRow, TrackArtistRow, TrackRow


@pytest.fixture
def services() -> Iterator[Services]:
    svc = Services()
    with svc.db.write() as s:
        s.add(ArtistRow(id="ar1", name="Night Owls", genres=[]))
        s.add(ArtistRow(id="ar2", name="Day Larks", genres=[]))
        s.add(AlbumRow(id="al1", name="Late Hours", artist_ids=["ar1"]))
        s.add(AlbumRow(id="al2", name="Live at Dawn", artist_ids=["ar1"]))
        s.flush()
        for track_id, name, album, artist, ms in (
                ("t1", "Moonrise", "al1", "ar1", 187_000), ("t2", "Moonrise", "al2", "ar1", 245_000),
                ("t3", "Sunrise", "al1", "ar2", 200_000), ("t4", "Moonrise Kingdom", "al1", "ar2",
                                                           61_000)):
            s.add(TrackRow(id=track_id, uri=f"spotify:track:{track_id}", name=name,
                           album_id=album, duration_ms=ms, source="spotify"))
            s.flush()
            s.add(TrackArtistRow(track_id=track_id, position=0, artist_id=artist))
    yield svc
    svc.close()


def test_tracks_search_shows_album_length_and_id(services: Services,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    services.close()
    assert main(["tracks", "--search", "moonrise"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) == 4  # three tracks and the hint
    assert any("Moonrise" in ln and "Late Hours" in ln and "3:07" in ln and ln.endswith("t1")
               for ln in lines)
    assert any("Live at Dawn" in ln and "4:05" in ln for ln in lines)
    assert "Artist – Title" in lines[-1]
    assert main(["tracks", "--search", "Night Owls", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert {t["id"] for t in found} == {"t1", "t2"}
    assert main(["tracks", "--search", "zzz"]) == 0
    assert "No track" in capsys.readouterr().out


def test_resolve_names_ids_uris_and_artist_title(services: Services) -> None:
    library = services.library
    assert library.resolve_track("t3") == "t3"
    assert library.resolve_track("spotify:track:t3") == "t3"
    assert library.resolve_track("https://open.spotify.com/track/t3?si=x") == "t3"
    assert library.resolve_track("Day Larks – Sunrise") == "t3"
    assert library.resolve_track("day larks - sunrise") == "t3"
    assert library.resolve_track("Day Larks — Moonrise Kingdom") == "t4"
    with pytest.raises(ConfigError, match="2 tracks match") as many:
        library.resolve_track("Night Owls – Moonrise")  # two versions: say which exist
    assert "Late Hours" in str(many.value) and "Live at Dawn" in str(many.value)
    with pytest.raises(ConfigError, match="No track") as none:
        library.resolve_track("Nobody – Nothing")
    assert "tracks --search" in (none.value.hint or "")


def test_path_takes_artist_title(services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    services.close()
    code = main(["path", "--from", "Nobody – Nothing", "--to", "t1"])
    assert code != 0
    assert "No track in your library matches" in capsys.readouterr().err
