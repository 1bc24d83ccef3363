"""Cover art: fetched once from a real local HTTP server, cached on disk, shown on the card."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage

from desktoprec.domain import Explanation, Recommendation, RecommendationList, Track
from desktoprec.ui.covers import cached_cover, fetch_cover
from desktoprec.ui.pages.recommendations import RecommendationsView


def _png_bytes() -> bytes:
    image = QImage(32, 32, QImage.Format.Format_RGB32)
    image.fill(QColor("#e15759"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


@pytest.fixture
def image_server(qapp: Any) -> Any:
    png = _png_bytes()
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            if self.path == "/cover.png":
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(png)))
                self.end_headers()
                self.wfile.write(png)
            else:
                self.send_error(404)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_fetch_once_then_from_the_cache(image_server: Any, tmp_path: Path) -> None:
    base, hits = image_server
    first = fetch_cover(tmp_path, f"{base}/cover.png")
    assert first is not None and first.read_bytes().startswith(b"\x89PNG")
    assert fetch_cover(tmp_path, f"{base}/cover.png") == first
    assert hits == ["/cover.png"]
    assert cached_cover(tmp_path, f"{base}/cover.png") == first
    assert fetch_cover(tmp_path, f"{base}/missing.png") is None
    assert fetch_cover(tmp_path, "file:///etc/passwd") is None
    assert fetch_cover(tmp_path, "http://127.0.0.1:9/x.png", timeout=2) is None


def test_card_shows_the_fetched_cover(qtbot: Any, ctx: Any, image_server: Any) -> None:
    base, _ = image_server
    tracks = [Track(id=f"c{i}", name=f"Covered {i}", artists=("A",),
                    image_url=f"{base}/cover.png" if i else f"{base}/missing.png")
              for i in range(2)]
    result = RecommendationList(items=tuple(
        Recommendation(track=t, score=1.0, explanation=Explanation(summary="s", reasons=()))
        for t in tracks), recipe={"mode": "for_you"}, figures={})
    view = RecommendationsView(ctx)
    qtbot.addWidget(view)
    view.show_list(result)
    assert view.cards[1].cover.has_image
    assert not view.cards[0].cover.has_image  # a missing cover keeps the drawn placeholder
    assert cached_cover(ctx.services.paths.covers_dir, f"{base}/cover.png") is not None
