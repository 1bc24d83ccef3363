"""The export dialog with the real export service: files, Spotify, and the offline queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import emulator_services
from desktoprec.export.service import ExportService
from desktoprec.spotify.client import SpotifyClient
from desktoprec.spotify.emulator import EmulatorServer, generate_account
from desktoprec.storage.tables import PendingExportRow
from desktoprec.ui.context import AppContext
from desktoprec.ui.export_dialog import ExportDialog, recipe_text
from desktoprec.ui.tasks import TaskRunner


def _dialog(qtbot: Any, ctx: Any) -> ExportDialog:
    result = ctx.services.recommend.recommend(n=6)
    dialog = ExportDialog(ctx, [r.track for r in result.items], dict(result.recipe))
    qtbot.addWidget(dialog)
    return dialog


def test_preview_name_and_recipe(qtbot: Any, ctx: Any, library: list[str]) -> None:
    dialog = _dialog(qtbot, ctx)
    assert dialog.preview.count() == 6
    assert dialog.name.text().startswith("desktoprec — For you")
    assert "mode=for_you" in dialog.description.toPlainText()
    assert not dialog.public.isChecked()  # private unless asked
    assert "seeds=a,b" in recipe_text({"mode": "more_like", "seeds": ["a", "b"]})


def test_m3u_and_csv_files(qtbot: Any, ctx: Any, library: list[str], tmp_path: Path) -> None:
    dialog = _dialog(qtbot, ctx)
    dialog.export_to_file("m3u", str(tmp_path / "mix.m3u"))
    assert (tmp_path / "mix.m3u").read_text(encoding="utf-8").startswith("#EXTM3U")
    assert "Saved" in dialog.result_label.full_text()
    dialog.export_to_file("csv", str(tmp_path / "mix.csv"))
    assert (tmp_path / "mix.csv").stat().st_size > 0


def test_offline_spotify_export_is_queued(qtbot: Any, ctx: Any, library: list[str]) -> None:
    class _Tokens:
        def access_token(self) -> str:
            return "x"

        def refresh(self) -> str:
            return "x"

    offline = SpotifyClient("http://127.0.0.1:9/v1", _Tokens(), retries=0, timeout=2)
    ctx.services._cache["export"] = ExportService(ctx.services, client=offline)
    dialog = _dialog(qtbot, ctx)
    dialog.export_to_spotify()
    assert dialog.outcome and dialog.outcome.get("queued")
    assert "queued" in dialog.result_label.full_text()
    with ctx.services.db.read() as session:
        assert session.query(PendingExportRow).count() == 1


def test_spotify_export_through_the_emulator(qtbot: Any, tmp_path: Path) -> None:
    from desktoprec.domain import Track

    with EmulatorServer(generate_account(seed=2, saved_tracks=5, playlists=1)) as server:
        services = emulator_services(server)
        ctx = AppContext(services, TaskRunner(inline=True))
        tracks = [Track(id=tid, name=f"T{i}", artists=("A",), uri=f"spotify:track:{tid}")
                  for i, tid in enumerate(list(server.account.tracks)[:4])]
        tracks.append(Track(id="local:x", name="Mine", artists=("Me",), source="local"))
        dialog = ExportDialog(ctx, tracks, {"mode": "for_you", "diversity": 0.5})
        qtbot.addWidget(dialog)
        dialog.name.setText("My <b>mix</b>")
        dialog.export_to_spotify()
        assert dialog.outcome and not dialog.outcome.get("queued"), dialog.outcome
        text = dialog.result_label.full_text()
        assert "Saved to Spotify" in text and "1 local tracks left out" in text
        created = [r for r in server.requests if r.method == "POST"]
        assert any(r.path.endswith("/me/playlists") for r in created)
        # only local files: nothing to send, and the dialog says so
        dialog.tracks = [Track(id="local:y", name="B", artists=(), source="local")]
        dialog.export_to_spotify()
        assert "None of these tracks is on Spotify" in dialog.result_label.full_text()
        # Spotify refusing gives a message in the dialog, not a crash
        server.faults.add("/v1/me/playlists", status=500, times=10)
        server.faults.add("/me/playlists", status=500, times=10)
        dialog.tracks = tracks
        dialog.name.setText("Another mix")
        dialog.export_to_spotify()
        assert dialog.result_label.full_text().startswith(("Not exported:", "You are offline"))
        services.close()
