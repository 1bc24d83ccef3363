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
from desktoprec.ui.export_dialog import ExportDialog, describe_recipe, file_stem
from desktoprec.ui.tasks import TaskRunner


def _dialog(qtbot: Any, ctx: Any) -> ExportDialog:
    result = ctx.services.recommend.recommend(n=6)
    dialog = ExportDialog(ctx, [r.track for r in result.items], dict(result.recipe))
    qtbot.addWidget(dialog)
    return dialog


def test_preview_name_and_recipe(qtbot: Any, ctx: Any, library: list[str]) -> None:
    dialog = _dialog(qtbot, ctx)
    assert dialog.preview.count() == 6
    assert dialog.name.text().startswith("desktoprec For you 20")
    text = dialog.description.toPlainText()
    assert text.startswith("Picks for you, made by desktoprec on") and "6 tracks" in text
    assert "mode=" not in text and "recipe" not in text
    assert not dialog.public.isChecked()  # private unless asked
    assert "like the ones you chose" in describe_recipe({"mode": "more_like"}, 3)
    # the default file name has single spaces only
    assert "  " not in dialog.default_file("m3u").name
    assert file_stem("desktoprec — For you  2026-12-01") == "desktoprec For you 2026-12-01"


def test_tracks_can_be_removed_and_reordered(qtbot: Any, ctx: Any, library: list[str],
                                             tmp_path: Path) -> None:
    dialog = _dialog(qtbot, ctx)
    ids = [t.id for t in dialog.tracks]
    dialog.preview.setCurrentRow(0)
    dialog.preview.item(0).setSelected(True)
    dialog.remove_button.click()
    assert [t.id for t in dialog.tracks] == ids[1:]
    assert dialog.count.full_text() == "5 tracks"
    dialog.preview.setCurrentRow(0)
    dialog.down_button.click()
    assert [t.id for t in dialog.tracks][:2] == [ids[2], ids[1]]
    dialog.up_button.click()
    assert [t.id for t in dialog.tracks][:2] == [ids[1], ids[2]]
    dialog.export_to_file("csv", str(tmp_path / "edited.csv"))
    import csv

    with (tmp_path / "edited.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    assert [r[1] for r in rows] == [t.id for t in dialog.tracks]  # the edited list, in order
    assert len(rows) == 5


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


def test_add_to_an_existing_playlist_and_new_ones_show_without_a_sync(qtbot: Any) -> None:
    from desktoprec.domain import Track

    with EmulatorServer(generate_account(seed=3, saved_tracks=8, playlists=2)) as server:
        services = emulator_services(server)
        services.sync.sync()
        ctx = AppContext(services, TaskRunner(inline=True))
        own = services.export.own_playlists()
        assert own, "the emulator's listener owns playlists"
        target = own[0]
        before = {p.id: p.total for p in services.browse.playlists()}
        tracks = [Track(id=tid, name=f"T{i}", artists=("A",), uri=f"spotify:track:{tid}")
                  for i, tid in enumerate(list(server.account.tracks)[:3])]
        dialog = ExportDialog(ctx, tracks, {"mode": "for_you"})
        qtbot.addWidget(dialog)
        assert dialog.existing.count() == len(own)
        dialog.existing_choice.setChecked(True)
        assert not dialog.name.isEnabled() and dialog.existing.isEnabled()
        dialog.existing.setCurrentIndex(dialog.existing.findData(target.id))
        dialog.export_to_spotify()
        assert dialog.outcome and dialog.outcome.get("added") == 3, dialog.outcome
        assert "Added 3 tracks" in dialog.result_label.full_text()
        posted = [r for r in server.requests
                  if r.method == "POST" and r.path.endswith(f"/playlists/{target.id}/items")]
        assert posted
        after = {p.id: p.total for p in services.browse.playlists()}
        assert after[target.id] == (before[target.id] or 0) + 3  # stored locally too
        # a new playlist is in Playlists at once, with its tracks, before any sync
        dialog.new_choice.setChecked(True)
        dialog.name.setText("Fresh picks")
        dialog.export_to_spotify()
        made = [p for p in services.browse.playlists() if p.name == "Fresh picks"]
        assert made and made[0].total == 3
        assert len(services.browse.playlist_tracks(made[0].id)) == 3
        # someone else's playlist is refused with a message
        with services.db.write() as s:
            from desktoprec.storage.tables import PlaylistRow

            s.add(PlaylistRow(id="theirs", name="Not mine", owner_id="someone-else"))
        import pytest

        from desktoprec.errors import ExportError

        with pytest.raises(ExportError, match="not yours"):
            services.export.add_to_playlist("theirs", [tracks[0].uri or ""])
        services.close()
