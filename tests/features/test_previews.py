"""The opt-in preview sound source against a real local HTTP server shaped like Deezer's API."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
import soundfile as sf
from sqlalchemy import select

from desktoprec.features import previews
from desktoprec.features.previews import PreviewSource, audio_suffix, preview_api_url
from desktoprec.features.synth import RATE, click_track
from desktoprec.services import Services
from desktoprec.settings import DEFAULT_PREVIEW_API_URL, Settings
from desktoprec.storage.tables import TrackRow, TrackSoundRow

FOUND = "GBAAA2600001"
FOUND_TOO = "GBAAA2600002"
NOT_FOUND = "GBAAA2600003"
MALFORMED = "GBAAA2600004"
OVERSIZED = "GBAAA2600005"
PLAIN_HTTP = "GBAAA2600006"
NO_PREVIEW = "GBAAA2600007"
NOT_AUDIO = "GBAAA2600008"
BUSY = "GBAAA2600009"
STREAMED_BIG = "GBAAA2600010"


def _mp3_clip() -> bytes:
    """Six seconds of clicks at 120 BPM, encoded as MP3 by libsndfile."""
    buffer = io.BytesIO()
    signal = click_track(120.0, seconds=6.0) + 0.01 * np.random.default_rng(1).standard_normal(
        int(6.0 * RATE)).astype(np.float32)
    sf.write(buffer, signal, RATE, format="MP3")
    return buffer.getvalue()


CLIP = _mp3_clip()


class _Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []
    base: ClassVar[str] = ""

    def _send(self, status: int, body: bytes, content_type: str, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length:  # without one, HTTP/1.0 ends the body by closing the connection
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading an oversized body, as it should

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        base = type(self).base
        if self.path.startswith("/media/"):
            name = self.path.rsplit("/", 1)[-1]
            if name in ("big.mp3", "stream.mp3"):
                self._send(200, b"ID3" + b"\0" * (3 * 1024 * 1024), "audio/mpeg",
                           length=name == "big.mp3")
            elif name == "page.mp3":
                self._send(200, b"<html>not found</html>", "text/html")
            else:
                self._send(200, CLIP, "audio/mpeg")
            return
        isrc = self.path.rsplit(":", 1)[-1]
        answers: dict[str, object] = {
            FOUND: {"id": 1, "isrc": FOUND, "preview": f"{base}/media/one.mp3"},
            FOUND_TOO: {"id": 2, "isrc": FOUND_TOO, "preview": f"{base}/media/two.mp3"},
            NOT_FOUND: {"error": {"type": "DataException", "message": "no data", "code": 800}},
            MALFORMED: '{"id": 4, "preview": "http',
            OVERSIZED: {"id": 5, "preview": f"{base}/media/big.mp3"},
            PLAIN_HTTP: {"id": 6, "preview": "http://cdn.example.org/6.mp3"},
            NO_PREVIEW: {"id": 7, "preview": ""},
            NOT_AUDIO: {"id": 8, "preview": f"{base}/media/page.mp3"},
            STREAMED_BIG: {"id": 10, "preview": f"{base}/media/stream.mp3"},
            BUSY: {"error": {"type": "Exception", "message": "Quota limit exceeded", "code": 4}},
        }
        answer = answers.get(isrc, {"error": {"code": 800}})
        body = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
        self._send(200, body, "application/json")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    _Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    _Handler.base = url
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("DESKTOPREC_PREVIEW_API_URL", url)
    monkeypatch.setattr(previews, "MIN_INTERVAL_S", 0.0)
    yield url
    httpd.shutdown()
    httpd.server_close()


def _lookups() -> list[str]:
    return [p for p in _Handler.seen if p.startswith("/track/")]


def _add_tracks(services: Services, isrcs: dict[str, str | None]) -> None:
    with services.db.write() as session:
        for track_id, isrc in isrcs.items():
            session.add(TrackRow(id=track_id, name=track_id, isrc=isrc, source="spotify"))


def _sources(services: Services) -> dict[str, str]:
    with services.db.read() as session:
        return {row.track_id: row.source for row in session.scalars(select(TrackSoundRow))}


def test_settings_default_off_and_name_what_they_contact(monkeypatch: pytest.MonkeyPatch) -> None:
    from desktoprec.settings import PREVIEW_SOURCE_DESCRIPTION

    settings = Settings()
    assert settings.preview_source_enabled is False
    assert "deezer" in PREVIEW_SOURCE_DESCRIPTION.lower()
    monkeypatch.delenv("DESKTOPREC_PREVIEW_API_URL", raising=False)
    assert preview_api_url(settings) == DEFAULT_PREVIEW_API_URL
    settings.preview_api_url = "http://evil.example.org"  # plain http elsewhere: refused
    assert preview_api_url(settings) == DEFAULT_PREVIEW_API_URL
    monkeypatch.setenv("DESKTOPREC_PREVIEW_API_URL", "http://127.0.0.1:9/")
    assert preview_api_url(settings) == "http://127.0.0.1:9"




def test_not_found_is_remembered_for_thirty_days(tmp_path: Path, server: str) -> None:
    now = [1_000_000.0]
    source = PreviewSource(tmp_path / "previews", clock=lambda: now[0])
    assert source.fetch(NOT_FOUND) is None
    assert source.fetch(NO_PREVIEW) is None
    assert len(_lookups()) == 2
    source.save()
    later = PreviewSource(tmp_path / "previews", clock=lambda: now[0])
    now[0] += 29 * 24 * 3600
    assert later.fetch(NOT_FOUND) is None and later.requests_made == 0
    now[0] += 2 * 24 * 3600
    assert later.fetch(NOT_FOUND) is None and later.requests_made == 1  # asked again after 30 d
    index = json.loads((tmp_path / "previews" / "index.json").read_text())
    assert index[NOT_FOUND]["status"] == "not_found"


def test_requests_are_rate_limited_and_budgeted(tmp_path: Path, server: str) -> None:
    waits: list[float] = []
    source = PreviewSource(tmp_path / "previews", budget=5, min_interval_s=1.0,
                           sleep=waits.append)
    assert source.fetch(FOUND) is not None  # lookup + download
    assert source.fetch(FOUND_TOO) is not None
    assert source.fetch(NOT_FOUND) is None  # would need 2 more: over the budget of 5
    assert source.requests_made == 4 and len(_Handler.seen) == 4
    assert len(waits) == 3 and all(0 < w <= 1.0 for w in waits)  # one request a second
    assert source.fetch(FOUND) is not None and source.requests_made == 4  # cached file


def test_unsafe_names_and_hosts_are_refused(tmp_path: Path, server: str) -> None:
    source = PreviewSource(tmp_path / "previews")
    assert source.fetch("../../etc/passwd") is None
    assert source.fetch("GB/AA2600001") is None
    assert _Handler.seen == []
    deezer = PreviewSource(tmp_path / "d", base_url=DEFAULT_PREVIEW_API_URL)
    assert deezer._allowed_download_url("https://cdnt-preview.dzcdn.net/api/1/x.mp3")
    assert not deezer._allowed_download_url("https://cdnt-preview.dzcdn.net.evil.org/x.mp3")
    assert not deezer._allowed_download_url("http://cdnt-preview.dzcdn.net/x.mp3")
    assert not deezer._allowed_download_url("http://127.0.0.1:8000/x.mp3")  # not a loopback base
    assert not deezer._allowed_download_url("file:///etc/passwd")
    assert audio_suffix(b"ID3\x04") == ".mp3" and audio_suffix(b"<html>") is None
    # a body with no declared length is cut off at the limit, and nothing is kept
    assert source.fetch(STREAMED_BIG) is None
    assert not list((tmp_path / "previews").glob("*.mp3"))
    assert source._index[STREAMED_BIG]["reason"].startswith("the preview file is too large")








def test_settings_file_with_an_unsafe_preview_address_falls_back(tmp_path: Path) -> None:
    from desktoprec.settings import load_settings

    path = tmp_path / "settings.toml"
    path.write_text('preview_source_enabled = true\npreview_api_url = "ftp://example.org"\n')
    settings = load_settings(path)
    assert settings.preview_source_enabled is True
    assert settings.preview_api_url == DEFAULT_PREVIEW_API_URL
