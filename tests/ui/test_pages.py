"""Every page of the main window on a small real library."""

from __future__ import annotations

from typing import Any

from desktoprec.browse.insights import project_2d
from desktoprec.settings import load_settings


def test_navigation_shows_every_page(qtbot: Any, window: Any) -> None:
    from desktoprec.ui.main_window import PAGE_NAMES

    for row, name in enumerate(PAGE_NAMES):
        window.nav.setCurrentRow(row)
        assert window.stack.currentWidget() is window.pages[name]
    assert window.windowTitle().startswith("desktoprec")


def test_library_search_by_title_artist_album_genre_and_source(qtbot: Any, window: Any) -> None:
    page = window.go_to("Library")
    assert page.model.rowCount() == 24

    def search(text: str, source: str = "all") -> list[str]:
        page.source.setCurrentIndex(page.source.findData(source))
        page.search.setText(text)
        page.reload()
        return [i.track.id for i in page.model.items]

    assert search("Song 12") == ["t12"]
    assert set(search("Artist 7")) == {"t07", "t15", "t23"}
    assert set(search("Album 5")) == {"t05", "t11", "t17", "t23"}
    assert len(search("techno")) == 5
    assert search("", "local") == ["t05"]
    assert all(int(t[1:]) % 2 for t in search("", "own_file"))
    assert search("img") == ["t03"]
    assert page.model.cell(0, 0).startswith("<img src=x")  # shown literally, never as markup
    assert search("zzz-nothing") == []
    assert "No tracks match" in page.count.full_text()


def test_library_play_and_more_like(qtbot: Any, window: Any) -> None:
    page = window.go_to("Library")
    page.search.setText("Song 12")
    page.reload()
    page.table.selectRow(0)
    page.more_like_selected()
    more = window.pages["More like this"]
    assert window.stack.currentWidget() is more
    assert [s.id for s in more.seeds] == ["t12"]
    assert more.view.cards and all(c.rec.track.id != "t12" for c in more.view.cards)


def test_more_like_this_picker(qtbot: Any, window: Any) -> None:
    page = window.go_to("More like this")
    page.picker.search.setText("Song 1")
    page.picker.run_search()
    assert page.picker.results.count() >= 2
    page.picker.pick_row(0)
    page.picker.pick_row(0)  # the same seed twice counts once
    assert len(page.seeds) == 1
    page.go_button.click()
    assert page.view.current.recipe["mode"] == "more_like"
    page.clear_seeds()
    assert not page.go_button.isEnabled()


def test_continue_a_playlist(qtbot: Any, window: Any) -> None:
    page = window.go_to("Continue a playlist")
    assert page.playlist.count() == 1  # the unreadable playlist is not offered
    page.go_button.click()
    assert page.view.current.recipe["playlist_id"] == "pl1"
    assert page.view.cards


def test_a_to_b_path(qtbot: Any, window: Any) -> None:
    page = window.go_to("A → B path")
    assert not page.go_button.isEnabled()
    page.from_picker.pick_row(2)  # two tracks the small library joins in six steps
    page.to_picker.pick_row(5)
    page.steps.setValue(6)
    page.go_button.click()
    call = page.view.current.recipe
    assert call["mode"] == "path" and call["n"] == 6
    assert len(page.view.cards) == 6


def test_playlists_page(qtbot: Any, window: Any) -> None:
    page = window.go_to("Playlists")
    assert page.playlists.count() == 2
    page.playlists.setCurrentRow(0)
    assert page.tracks.count() == 5
    page.playlists.setCurrentRow(1)
    assert "own" in page.note.full_text()
    page.playlists.setCurrentRow(0)
    page._continue()
    assert window.stack.currentWidget() is window.pages["Continue a playlist"]
    assert window.pages["Continue a playlist"].view.current.recipe["playlist_id"] == "pl1"
    page._open()
    assert window.ctx.opened_urls[-1] == "https://open.spotify.com/playlist/pl1"


def test_insights_map_hover_genres_and_distributions(qtbot: Any, window: Any) -> None:
    page = window.go_to("Insights")
    assert page.map.dot_count() == 24
    assert [g for g, _ in page.genres.items()][:1]
    assert len(page.histograms) == 3
    assert sum(page.histograms[0].counts()) == 24
    dot = page.map._dots[0]
    center = dot.sceneBoundingRect().center()
    text = page.map.describe_at(center.x(), center.y())
    assert " — Artist " in text and "[" in text
    page.color_by.setCurrentIndex(page.color_by.findData("cluster"))
    assert {p[4] for p in page.data.points} == {"cluster 0", "cluster 1", "cluster 2"}


def test_projection_handles_small_inputs() -> None:
    import numpy as np

    assert project_2d(np.zeros((0, 4), np.float32)).shape == (0, 2)
    assert project_2d(np.ones((1, 4), np.float32)).shape == (1, 2)
    assert project_2d(np.random.default_rng(0).normal(size=(10, 4))).shape == (10, 2)


def test_settings_are_saved(qtbot: Any, window: Any, tmp_path: Any) -> None:
    page = window.go_to("Settings")
    page.add_folder(str(tmp_path))
    page.diversity.setValue(80)
    page.close_to_tray.setChecked(False)
    page.theme.setCurrentIndex(page.theme.findData("dark"))
    page.metadata.setChecked(True)
    page.save_button.click()
    saved = load_settings(window.services.paths.settings_file)
    assert saved.music_folders == [str(tmp_path)]
    assert saved.diversity == 0.8
    assert saved.close_to_tray is False
    assert saved.theme == "dark"
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert app.palette().color(QPalette.ColorRole.Window).lightness() < 80  # applied at once
    page.theme.setCurrentIndex(page.theme.findData("light"))
    page.save_button.click()
    assert saved.metadata_service_enabled is True
    page.folders.setCurrentRow(0)
    page.remove_folder()
    assert load_settings(window.services.paths.settings_file).music_folders == []
