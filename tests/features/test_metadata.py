"""The opt-in metadata genre source against a real local HTTP server shaped like MusicBrainz."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from desktoprec.features.metadata import MetadataGenres, lookup_many, parse_genres

ANSWERS = {
    "GBAAA0000001": {"isrc": "GBAAA0000001", "recordings": [{
        "id": "r1", "title": "Song",
        "genres": [{"name": "Shoegaze", "count": 3}, {"name": "dream pop", "count": 5}],
        "tags": [{"name": "1991", "count": 9}, {"name": "noise pop", "count": 1}]}]},
    "GBAAA0000002": {"isrc": "GBAAA0000002", "recordings": [{"id": "r2", "tags": []}]},
    "GBAAA0000003": "x" * 600_000,  # oversized: ignored
}


class _Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        isrc = self.path.split("?")[0].rsplit("/", 1)[-1]
        if isrc == "GBAAA0000004":
            self.send_response(503)
            self.end_headers()
            return
        answer = ANSWERS.get(isrc)
        if answer is None:
            self.send_response(404)
            self.end_headers()
            return
        body = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    _Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    monkeypatch.setenv("DESKTOPREC_MUSICBRAINZ_URL", url)
    yield url
    httpd.shutdown()
    httpd.server_close()


def test_parse_genres_prefers_votes_and_genres() -> None:
    assert parse_genres(ANSWERS["GBAAA0000001"]) == ["dream pop", "shoegaze", "noise pop"]
    assert parse_genres({"recordings": [None, {"genres": "x"}, {"tags": [{"name": 5}]}]}) == []
    assert parse_genres([]) == []


def test_lookups_are_rate_limited_cached_and_budgeted(tmp_path: Path, server: str) -> None:
    waits: list[float] = []
    service = MetadataGenres(tmp_path / "mb.json", sleep=waits.append)
    pairs = [("t1", "GBAAA0000001"), ("t2", "GBAAA0000002"), ("t3", "GBAAA0000003"),
             ("t4", "GBAAA0000004"), ("t5", "GBAAA0000005"), ("t6", "not-an-isrc")]
    found = lookup_many(service, pairs, budget=10)
    assert found == {"t1": ["dream pop", "shoegaze", "noise pop"]}
    assert len(_Handler.seen) == 5 and all("fmt=json" in p for p in _Handler.seen)
    assert len(waits) == 4 and all(0 < w <= 1.0 for w in waits)  # one request per second
    again = MetadataGenres(tmp_path / "mb.json", sleep=waits.append)
    assert lookup_many(again, pairs, budget=0) == found  # from the cache, no requests
    assert again.requests_made == 0
    # the 503 was not cached: asked again when the budget allows
    assert lookup_many(again, [("t4", "GBAAA0000004")], budget=5) == {}
    assert again.requests_made == 1

