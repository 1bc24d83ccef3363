"""The four catalogue clients against a real local server: documented shapes, errors, limits.

Deezer answers come verbatim from the real recorded responses in ../shared/data/deezer-api.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktoprec.catalogs import deezer, itunes, listenbrainz, musicbrainz
from desktoprec.catalogs.emulator import DEFAULT_ALGORITHMS, CatalogEmulator, CatalogWorld
from desktoprec.catalogs.http import BadAnswer, BudgetSpent, Fetcher, Limits, SourceDown
from desktoprec.catalogs.urls import base_url

FAST = Limits(1000, 1.0, 1000)


def _fetcher(server: CatalogEmulator, service: str, limits: Limits = FAST,
             **kw: object) -> Fetcher:
    return Fetcher(service, server.urls()[service], limits, sleep=lambda s: None, **kw)  # type: ignore[arg-type]


def test_deezer_recorded_track_album_relations_and_errors(recorded: CatalogEmulator) -> None:
    client = deezer.DeezerClient(_fetcher(recorded, "deezer"))
    track = client.track_by_isrc("GBDUW0000059")
    assert track["bpm"] == 123 and track["gain"] == -12.4 and track["id"] == 3135556
    assert track["preview"].startswith("https://cdns-preview-d.dzcdn.net/")
    assert track["artist"] == {"id": 27, "name": "Daft Punk"} and track["album"]["id"] == 302127
    other = client.track(1425844092)
    assert "bpm" not in other  # Deezer's bpm 0 means "no tempo", never a tempo of 0
    assert client.album_genres(302127) == ["Dance"]
    related = client.related(27, 10)
    assert [a["name"] for a in related[:3]] == ["Justice", "Kavinsky", "Gorillaz"]
    top = client.top(27, 5)
    assert top and all("isrc" not in t for t in top)  # top lists carry no ISRC
    with pytest.raises(deezer.NotFound):  # HTTP 200 with {"error": {"code": 800}}
        client.album_genres(999)


def test_deezer_quota_error_is_retried_then_the_source_stops(recorded: CatalogEmulator) -> None:
    waits: list[float] = []
    fetcher = Fetcher("deezer", recorded.urls()["deezer"], FAST, sleep=waits.append)
    client = deezer.DeezerClient(fetcher)
    recorded.faults["deezer"] = "error4"
    with pytest.raises(SourceDown, match="quota"):
        client.track_by_isrc("GBDUW0000059")
    assert waits == [FAST.window_s] * deezer.QUOTA_RETRIES
    assert fetcher.down and recorded.count("deezer") == deezer.QUOTA_RETRIES + 1
    with pytest.raises(SourceDown):  # stopped for the run: no more requests
        client.album_genres(302127)
    assert recorded.count("deezer") == deezer.QUOTA_RETRIES + 1


def test_rate_window_budget_size_limit_and_deadline(recorded: CatalogEmulator) -> None:
    clock = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    fetcher = Fetcher("deezer", recorded.urls()["deezer"], Limits(2, 5.0, 3), sleep=sleep,
                      clock=lambda: clock[0])
    for _ in range(3):
        fetcher.get("/artist/27")
    assert waits == [5.0]  # the third request waited for the 5 s window
    with pytest.raises(BudgetSpent):
        fetcher.get("/artist/27")
    small = _fetcher(recorded, "deezer")
    with pytest.raises(BadAnswer, match="too large"):
        small.get("/artist/27/radio", limit=1000)
    recorded.slow_s = 1.5
    recorded.faults["deezer"] = "slow"
    slow = Fetcher("deezer", recorded.urls()["deezer"], FAST, deadline_s=0.5)
    with pytest.raises(SourceDown, match="in time|too slow"):
        slow.get("/artist/27")


def test_the_deadline_counts_from_the_request_not_the_rate_wait(
        recorded: CatalogEmulator) -> None:
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds  # a long wait for the rate window (iTunes: 20 a minute)

    fetcher = Fetcher("deezer", recorded.urls()["deezer"], Limits(1, 60.0, 10), sleep=sleep,
                      clock=lambda: clock[0], deadline_s=5.0)
    fetcher.get("/artist/27")
    assert fetcher.get("/artist/27").status == 200  # waited 60 s, then answered at once
    assert clock[0] == 60.0 and fetcher.down is None


def test_down_and_503_cost_one_source_down(recorded: CatalogEmulator) -> None:
    recorded.faults["musicbrainz"] = "down"
    with pytest.raises(SourceDown, match="could not be reached"):
        musicbrainz.MusicBrainzClient(_fetcher(recorded, "musicbrainz")).by_isrc("GBDUW0000059")
    recorded.faults["musicbrainz"] = "503"
    waits: list[float] = []
    fetcher = Fetcher("musicbrainz", recorded.urls()["musicbrainz"], FAST, sleep=waits.append)
    with pytest.raises(SourceDown, match="503"):
        musicbrainz.MusicBrainzClient(fetcher).by_isrc("GBDUW0000059")
    assert len(waits) == FAST.retries  # Retry-After honoured between the tries


def test_urls_env_loopback_only_and_settings_https_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKTOPREC_PREVIEW_API_URL", "http://127.0.0.1:9/deezer")
    assert base_url("deezer") == "http://127.0.0.1:9/deezer"  # the old name still works
    monkeypatch.setenv("DESKTOPREC_DEEZER_API_URL", "http://example.com/deezer")
    assert base_url("deezer") == "http://127.0.0.1:9/deezer"  # plain http elsewhere: ignored
    monkeypatch.delenv("DESKTOPREC_PREVIEW_API_URL")
    assert base_url("deezer") == "https://api.deezer.com"
    assert base_url("itunes", "http://127.0.0.1:5") == "https://itunes.apple.com"
    assert base_url("itunes", "https://mirror.example/it") == "https://mirror.example/it"
    fetcher = Fetcher("deezer", "https://api.deezer.com", FAST,
                      allowed_hosts=deezer.CDN_HOSTS)
    assert fetcher.url_allowed("https://cdns-preview-d.dzcdn.net/stream/x.mp3")
    assert not fetcher.url_allowed("https://evil.example/x.mp3")
    assert not fetcher.url_allowed("http://cdns-preview-d.dzcdn.net/x.mp3")
    assert not fetcher.url_allowed("http://127.0.0.1/x.mp3")


def _world() -> CatalogWorld:
    world = CatalogWorld()
    world.itunes_songs = [
        {"trackId": 1, "artistName": "Daft Punk", "trackName": "Harder, Better, Faster, Stronger",
         "previewUrl": "/audio/x.mp3", "trackTimeMillis": 224_000, "primaryGenreName": "Dance"},
        {"trackId": 2, "artistName": "Daft Punk", "trackName": "Harder Better Faster Stronger",
         "previewUrl": "/audio/y.mp3", "trackTimeMillis": 300_000},
    ]
    mbid = "056e4f3e-d505-4dad-8ec1-d04f521cbb56"
    world.mb_recordings["GBDUW0000059"] = [{
        "id": "7e0a8ba1-0000-4000-8000-000000000001", "title": "Harder, Better, Faster, Stronger",
        "artist-credit": [{"name": "Daft Punk", "artist": {"id": mbid, "name": "Daft Punk"}}],
        "genres": [{"name": "french house", "count": 4}, {"name": "electronic", "count": 9}],
        "tags": [{"name": "electronic", "count": 3}, {"name": "1999", "count": 1}]}]
    world.lb_similar[mbid] = [
        {"artist_mbid": "a1b2c3d4-0000-4000-8000-000000000002", "name": "Justice", "score": 812,
         "reference_mbid": mbid},
        {"artist_mbid": "not-an-mbid", "name": "Broken", "score": 9}]
    return world


def test_itunes_matches_artist_title_and_three_seconds() -> None:
    with CatalogEmulator(_world()) as server:
        client = itunes.ItunesClient(_fetcher(server, "itunes"))
        found = client.find_song("Daft Punk", "Harder Better Faster Stronger", 222_500)
        assert found is not None and found["id"] == 1 and found["genre"] == "Dance"
        assert client.find_song("Daft Punk", "Harder Better Faster Stronger", 260_000) is None
        assert client.find_song("Nobody", "Nothing", 100_000) is None  # resultCount 0


def test_musicbrainz_genres_artists_and_not_found() -> None:
    with CatalogEmulator(_world()) as server:
        client = musicbrainz.MusicBrainzClient(_fetcher(server, "musicbrainz"))
        found = client.by_isrc("GBDUW0000059")
        assert found == {"genres": ["electronic", "french house"],
                         "artists": [{"mbid": "056e4f3e-d505-4dad-8ec1-d04f521cbb56",
                                      "name": "Daft Punk"}]}
        assert client.by_isrc("USXXX0000001") is None  # 404
        request = next(p for s, p in server.requests if s == "musicbrainz")
        assert "inc=artist-credits+genres+tags" in request and "fmt=json" in request


def test_listenbrainz_reads_valid_algorithms_from_a_400() -> None:
    world = _world()
    world.algorithms = (DEFAULT_ALGORITHMS[1],)
    with CatalogEmulator(world) as server:
        client = listenbrainz.ListenBrainzClient(_fetcher(server, "listenbrainz"))
        similar = client.similar("056e4f3e-d505-4dad-8ec1-d04f521cbb56")
        assert similar == [{"mbid": "a1b2c3d4-0000-4000-8000-000000000002", "name": "Justice",
                            "score": 812.0}]
        assert client.algorithm == world.algorithms[0]
        assert server.count("listenbrainz") == 2  # the refused name, then the valid one
        assert listenbrainz.algorithms_in(json.dumps(
            {"error": "Valid: session_based_a_1, session_based_b_2"}).encode()) == [
            "session_based_a_1", "session_based_b_2"]


def test_musicbrainz_isrc_answer_prefers_genres_and_votes_and_skips_junk() -> None:
    answer = {"isrc": "GBAAA0000001", "recordings": [{
        "id": "r1", "title": "Song",
        "genres": [{"name": "Shoegaze", "count": 3}, {"name": "dream pop", "count": 5}],
        "tags": [{"name": "1991", "count": 9}, {"name": "noise pop", "count": 1}]}]}
    assert musicbrainz.parse_isrc_answer(answer)["genres"] == ["dream pop", "shoegaze",
                                                               "noise pop"]
    junk = {"recordings": [None, {"genres": "x"}, {"tags": [{"name": 5}]}]}
    assert musicbrainz.parse_isrc_answer(junk)["genres"] == []
    assert musicbrainz.parse_isrc_answer([])["genres"] == []


def test_preview_bytes_name_their_audio_format() -> None:
    from desktoprec.catalogs.enrich import audio_suffix

    assert audio_suffix(b"ID3\x04") == ".mp3" and audio_suffix(b"\xff\xfb\x90\x00") == ".mp3"
    assert audio_suffix(b"RIFF\x00\x00\x00\x00WAVEfmt ") == ".wav"
    assert audio_suffix(b"OggS\x00") == ".ogg" and audio_suffix(b"fLaC\x00") == ".flac"
    assert audio_suffix(b"<html>") is None and audio_suffix(b"") is None


def test_preview_settings_default_off_and_their_address_is_https_or_loopback(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from desktoprec.settings import (
        DEFAULT_PREVIEW_API_URL,
        PREVIEW_SOURCE_DESCRIPTION,
        Settings,
        load_settings,
    )

    settings = Settings()
    assert settings.preview_source_enabled is False
    assert "deezer" in PREVIEW_SOURCE_DESCRIPTION.lower()
    monkeypatch.delenv("DESKTOPREC_PREVIEW_API_URL", raising=False)
    monkeypatch.delenv("DESKTOPREC_DEEZER_API_URL", raising=False)
    assert base_url("deezer", settings.preview_api_url) == DEFAULT_PREVIEW_API_URL
    settings.preview_api_url = "http://evil.example.org"  # plain http elsewhere: refused
    assert base_url("deezer", settings.preview_api_url) == DEFAULT_PREVIEW_API_URL
    monkeypatch.setenv("DESKTOPREC_PREVIEW_API_URL", "http://127.0.0.1:9/")
    assert base_url("deezer", settings.preview_api_url) == "http://127.0.0.1:9"
    path = tmp_path / "settings.toml"
    path.write_text('preview_source_enabled = true\npreview_api_url = "ftp://example.org"\n')
    loaded = load_settings(path)
    assert loaded.preview_source_enabled is True
    assert loaded.preview_api_url == DEFAULT_PREVIEW_API_URL


def test_requests_name_the_app_and_its_real_home_as_the_contact() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import desktoprec

    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("User-Agent", ""))
            body = b'{"recordings": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        fetcher = Fetcher("musicbrainz", f"http://127.0.0.1:{httpd.server_port}", FAST,
                          sleep=lambda s: None)
        assert fetcher.get_json("/ws/2/isrc/GBDUW0000059")[0] == 200
        fetcher.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert seen == [f"desktoprec/{desktoprec.__version__} ( {desktoprec.HOMEPAGE} )"]
    assert desktoprec.HOMEPAGE.startswith("https://") and "example" not in desktoprec.HOMEPAGE


def test_catalogue_addresses_use_the_one_loopback_check() -> None:
    from desktoprec.catalogs.urls import is_https, is_loopback_http

    for local in ("http://127.0.0.1:5/x", "http://127.1:5", "http://[::1]:5", "http://localhost:5",
                  "http://0x7f000001:5"):
        assert is_loopback_http(local) and not is_https(local), local
    for remote in ("http://example.org", "http://127.0.0.1.example.org", "ftp://127.0.0.1",
                   "http://user:pw@127.0.0.1:5", "https://user@example.org", "", "not a url"):
        assert not is_loopback_http(remote), remote
    assert is_https("https://api.deezer.com") and is_https(" HTTPS://api.deezer.com ")
    assert not is_https("https://user:pw@api.deezer.com") and not is_https("https://")
