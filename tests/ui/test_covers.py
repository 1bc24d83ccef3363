"""Cover art: fetched once from a real local HTTP server, cached on disk, shown on the card."""

from __future__ import annotations

import http.server
import socket
import struct
import threading
import zlib
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage

from desktoprec.catalogs.covers import cached_cover, cover_path, fetch_cover
from desktoprec.domain import Explanation, Recommendation, RecommendationList, Track
from desktoprec.ui.pages.recommendations import RecommendationsView


def _png_bytes() -> bytes:
    image = QImage(32, 32, QImage.Format.Format_RGB32)
    image.fill(QColor("#e15759"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def _serve(bodies: dict[str, bytes]) -> Any:
    """A real HTTP server on 127.0.0.1 answering each path of `bodies` (404 otherwise); yields
    its base URL and the paths it was asked for."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = bodies.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


@pytest.fixture
def image_server(qapp: Any) -> Any:
    yield from _serve({"/cover.png": _png_bytes()})


def test_fetch_once_then_from_the_cache(image_server: Any, tmp_path: Path) -> None:
    base, hits = image_server
    first = fetch_cover(tmp_path, f"{base}/cover.png")
    assert first is not None and first.read_bytes().startswith(b"\x89PNG")
    assert fetch_cover(tmp_path, f"{base}/cover.png") == first
    assert hits == ["/cover.png"]
    assert cached_cover(tmp_path, f"{base}/cover.png") == first
    assert fetch_cover(tmp_path, f"{base}/missing.png") is None
    assert fetch_cover(tmp_path, "file:///etc/passwd") is None
    assert fetch_cover(tmp_path, "http://127.0.0.1:9/x.png", deadline=2) is None


def _cards_for(qtbot: Any, ctx: Any, tracks: list[Track]) -> RecommendationsView:
    """A real recommendations view showing one card per track."""
    result = RecommendationList(items=tuple(
        Recommendation(track=t, score=1.0, explanation=Explanation(summary="s", reasons=()))
        for t in tracks), recipe={"mode": "for_you"}, figures={})
    view = RecommendationsView(ctx)
    qtbot.addWidget(view)
    view.show_list(result)
    return view


def test_card_shows_the_fetched_cover(qtbot: Any, ctx: Any, image_server: Any) -> None:
    base, _ = image_server
    tracks = [Track(id=f"c{i}", name=f"Covered {i}", artists=("A",),
                    image_url=f"{base}/cover.png" if i else f"{base}/missing.png")
              for i in range(2)]
    view = _cards_for(qtbot, ctx, tracks)
    assert view.cards[1].cover.has_image
    assert not view.cards[0].cover.has_image  # a missing cover keeps the drawn placeholder
    assert cached_cover(ctx.services.paths.covers_dir, f"{base}/cover.png") is not None


def _image_bytes(fmt: str, colour: str, size: int = 64) -> bytes:
    image = QImage(size, size, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, fmt)
    return bytes(data.data())


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims `width`×`height` pixels (a decompression bomb's first bytes)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + b"\x00" * 200)


@pytest.fixture
def cover_server(qapp: Any) -> Any:
    """A real HTTP server on 127.0.0.1 with a PNG, a JPEG, damaged and hostile images."""
    bodies = {"/real.png": _image_bytes("PNG", "#59a14f"),
              "/real.jpg": _image_bytes("JPG", "#4e79a7"),
              "/corrupt.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,  # starts right only
              "/corrupt.jpg": b"\xff\xd8\xff\xe0" + b"\x13" * 3000,
              "/bomb.png": _png_claiming(60000, 60000),
              "/html.png": b"<html><script>alert(1)</script></html>"}
    yield from _serve(bodies)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends


def test_real_png_and_jpeg_are_decoded_the_rest_fall_back(cover_server: Any,
                                                          tmp_path: Path) -> None:
    from desktoprec.ui.covers import load_cover

    base, hits = cover_server
    png = load_cover(tmp_path, f"{base}/real.png", 56)
    jpeg = load_cover(tmp_path, f"{base}/real.jpg", 56)
    assert png is not None and png.width() == 56
    assert png.pixelColor(28, 28).name() == "#59a14f"
    assert jpeg is not None and abs(jpeg.pixelColor(28, 28).blue() - 0xa7) < 12
    # damaged files that begin like images are cached but never shown; garbage is not cached
    for name in ("corrupt.png", "corrupt.jpg", "bomb.png"):
        assert load_cover(tmp_path, f"{base}/{name}", 56) is None, name
    assert load_cover(tmp_path, f"{base}/html.png", 56) is None
    assert cached_cover(tmp_path, f"{base}/html.png") is None
    assert load_cover(tmp_path, f"http://127.0.0.1:{_closed_port()}/real.png", 56) is None
    # only https leaves this machine: nothing is sent for plain http elsewhere
    assert fetch_cover(tmp_path, "http://covers.example/real.png") is None
    assert fetch_cover(tmp_path, "ftp://127.0.0.1/real.png") is None
    # a hostile file put in the cache (not an image) is not taken for a cover
    planted = cover_path(tmp_path, f"{base}/planted.png")
    planted.write_bytes(b"#!/bin/sh\nrm -rf /\n")
    assert cached_cover(tmp_path, f"{base}/planted.png") is None
    assert load_cover(tmp_path, f"{base}/planted.png", 56) is None  # asked for again: a 404
    assert hits.count("/real.png") == 1 and "/planted.png" in hits  # asked once, then refused


def test_cards_and_player_show_real_covers_or_keep_the_generated_one(
        qtbot: Any, ctx: Any, cover_server: Any) -> None:
    from desktoprec.ui.player_window import PlaybackController, PlayerWindow

    base, _ = cover_server
    urls = [f"{base}/real.jpg", f"{base}/corrupt.png", f"{base}/html.png",
            f"http://127.0.0.1:{_closed_port()}/x.png", None]
    tracks = [Track(id=f"r{i}", name=f"Real {i}", artists=("A",), album=f"Album {i}",
                    image_url=url) for i, url in enumerate(urls)]
    view = _cards_for(qtbot, ctx, tracks)
    assert [c.cover.has_image for c in view.cards] == [True, False, False, False, False]
    generated = view.cards[1].cover.pixmap().toImage()
    assert generated.pixelColor(2, 2).rgb() == view.cards[1].cover.placeholder_colour.rgb()
    real = view.cards[0].cover.pixmap().toImage()
    assert abs(real.pixelColor(28, 28).blue() - 0xa7) < 12
    controller = PlaybackController(ctx)
    player = PlayerWindow(ctx, controller)
    qtbot.addWidget(player)
    controller.queue_model.set(tracks, 0)
    player._on_track_changed(tracks[0])
    assert player.cover.has_image and player.small_cover.has_image
    player._on_track_changed(tracks[2])
    assert not player.cover.has_image  # hostile bytes: the generated cover for its album
    controller.stop()


def test_a_cover_for_a_track_no_longer_shown_is_not_put_up(qtbot: Any, ctx: Any,
                                                           cover_server: Any) -> None:
    """The player moved on before the download ended: the old cover must not replace it."""
    from desktoprec.ui.covers import show_cover
    from desktoprec.ui.tasks import TaskRunner
    from desktoprec.ui.widgets import CoverLabel

    base, _ = cover_server
    ctx.runner = TaskRunner()  # a real background lane this time
    label = CoverLabel(56)
    qtbot.addWidget(label)
    try:
        show_cover(ctx, [label], f"{base}/real.png")
        label.set_placeholder("next album")
        label.wanted_url = ""  # asked for something else meanwhile
        qtbot.waitUntil(lambda: cached_cover(ctx.services.paths.covers_dir,
                                             f"{base}/real.png") is not None)
        show_cover(ctx, [label], f"{base}/real.jpg")
        qtbot.waitUntil(lambda: label.has_image)
        assert abs(label.pixmap().toImage().pixelColor(28, 28).blue() - 0xa7) < 12
    finally:
        ctx.runner.shutdown(timeout=4.0)


def test_the_playlist_view_shows_spotify_s_playlist_image(qtbot: Any, window: Any,
                                                          cover_server: Any) -> None:
    from desktoprec.storage.tables import PlaylistRow

    base, _ = cover_server
    with window.services.db.write() as session:
        session.get(PlaylistRow, "pl1").image_url = f"{base}/real.png"
    page = window.go_to("Playlists")
    page.reload()
    qtbot.waitUntil(lambda: page.playlists.count() == 2)
    page.playlists.setCurrentRow(0)
    assert page.playlist_name.full_text() == "Evening mix"
    assert page.cover.has_image
    assert page.cover.pixmap().toImage().pixelColor(36, 36).name() == "#59a14f"
    page.playlists.setCurrentRow(1)  # no image: the generated cover with its initials
    assert not page.cover.has_image
    assert page.cover.accessibleName() == "cover: Someone else's"


def test_a_cover_arriving_after_its_card_was_deleted_is_dropped(qtbot: Any, ctx: Any,
                                                                cover_server: Any) -> None:
    from desktoprec.ui.covers import show_cover
    from desktoprec.ui.tasks import TaskRunner
    from desktoprec.ui.widgets import CoverLabel

    base, hits = cover_server
    ctx.runner = TaskRunner()
    gone, kept = CoverLabel(56), CoverLabel(56)
    qtbot.addWidget(kept)
    try:
        show_cover(ctx, [gone, kept], f"{base}/real.png")
        gone.deleteLater()  # the list was redrawn before the cover came
        qtbot.waitUntil(lambda: kept.has_image)
    finally:
        ctx.runner.shutdown(timeout=4.0)
    assert hits == ["/real.png"]
