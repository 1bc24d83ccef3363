"""Spotify URIs and open.spotify.com links, parsed in one place (spotify/uris.py)."""

from __future__ import annotations

import pytest

from desktoprec.spotify import uris

TRACK = "4uLU6hMCjMI75M1A2tKUQC"


@pytest.mark.parametrize("ref", [
    f"spotify:track:{TRACK}",
    f"https://open.spotify.com/track/{TRACK}",
    f"https://open.spotify.com/track/{TRACK}?si=abc123",
    f"https://open.spotify.com/intl-de/track/{TRACK}",
    f"  spotify:track:{TRACK}  ",
])
def test_track_references(ref: str) -> None:
    assert uris.parse(ref) == ("track", TRACK)
    assert uris.spotify_id(ref) == TRACK and uris.spotify_id(ref, "track") == TRACK


def test_other_kinds_and_plain_text() -> None:
    assert uris.parse("spotify:playlist:37i9dQZF1DX") == ("playlist", "37i9dQZF1DX")
    assert uris.spotify_id("spotify:playlist:37i9dQZF1DX", "track") == "spotify:playlist:37i9dQZF1DX"
    assert uris.spotify_id("https://open.spotify.com/playlist/abc?x=1", "playlist") == "abc"
    assert uris.parse(TRACK) is None and uris.spotify_id(f" {TRACK} ") == TRACK
    assert uris.parse("local:0123abcd") is None
    assert uris.parse("spotify:local:Artist:Album:Title:180") is None
    assert uris.parse("https://evil.example/track/abc") is None


def test_web_links() -> None:
    assert uris.web_url(f"spotify:track:{TRACK}") == f"https://open.spotify.com/track/{TRACK}"
    assert uris.web_url("spotify:user:john.doe") == "https://open.spotify.com/user/john.doe"
    assert uris.web_url("spotify:local:a:b:c:1") == "spotify:local:a:b:c:1"
    assert uris.uri("track", TRACK) == f"spotify:track:{TRACK}"
