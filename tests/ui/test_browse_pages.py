"""The one search box, the artist and album views and the Library's columns, in the real window."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication

from desktoprec.settings import load_settings
from desktoprec.storage.tables import (
    AlbumRow,
    ArtistRow,
    FeedbackRow,
    SavedTrackRow,
    TrackArtistRow,
    TrackRow,
)


def _add_japanese_album(services: Any) -> None:
    with services.db.write() as s:
        s.add(ArtistRow(id="jp1", name="東京事変", genres=["j-rock"]))
        s.add(AlbumRow(id="jpal", name="教育", release_year=2004, artist_ids=["jp1"]))
        s.flush()
        for number, (tid, name, ms) in enumerate((("jp-a", "群青日和", 221_000),
                                                  ("jp-b", "遭難", 236_000)), 1):
            s.add(TrackRow(id=tid, name=name, album_id="jpal", duration_ms=ms,
                           track_number=number, uri=f"spotify:track:{tid}", source="spotify"))
            s.flush()
            s.add(TrackArtistRow(track_id=tid, position=0, artist_id="jp1"))
        s.add(SavedTrackRow(track_id="jp-a", added_at="2024-05-06T07:08:09Z"))
        s.add(FeedbackRow(track_id="jp-a", kind="play", at=datetime(2026, 1, 1)))


def _results(page: Any) -> dict[str, list[list[str]]]:
    """Group title → rows (the cells' text) of the search results tree."""
    out = {}
    tree = page.tree
    for g in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(g)
        out[group.text(0).split(" (")[0]] = [
            [group.child(r).text(c) for c in range(4)] for r in range(group.childCount())]
    return out


def test_ctrl_f_and_typing_show_results_grouped_by_kind(qtbot: Any, window: Any) -> None:
    _add_japanese_album(window.services)
    browsing = window.browsing
    window.show()
    qtbot.waitExposed(window)
    # Ctrl+F is the window's shortcut for the box (the offscreen platform gives no keyboard
    # focus, so the key itself is driven under Xvfb by scripts/screenshots.py)
    assert browsing.focus_action in window.actions()
    assert browsing.focus_action.shortcut().matches(QKeySequence("Ctrl+F")) == \
        QKeySequence.SequenceMatch.ExactMatch
    browsing.field.setText("old words")
    browsing.focus_action.trigger()
    assert browsing.field.selectedText() == "old words"  # typing replaces them
    if QGuiApplication.platformName() != "offscreen":
        assert QApplication.focusWidget() is browsing.field
    browsing.field.clear()
    qtbot.keyClicks(browsing.field, "artist 1")
    qtbot.keyClick(browsing.field, Qt.Key.Key_Return)
    page = browsing.search_page
    assert window.stack.currentWidget() is page
    groups = _results(page)
    assert list(groups) == ["Tracks", "Artists", "Albums"]
    assert [row[0] for row in groups["Artists"]] == ["Artist 1"]
    assert {row[0] for row in groups["Albums"]} == {"Album 1", "Album 3", "Album 5"}  # theirs
    # a track row carries its album and length, so two of one name can be told apart
    song = next(row for row in groups["Tracks"] if row[0] == "Song 1")
    assert song[1:] == ["Artist 1", "Album 1", "3:01"]
    browsing.field.clear()
    browsing.field.setText("群青")  # typed through an input method, not key by key
    browsing.search_now()
    assert _results(page) == {"Tracks": [["群青日和", "東京事変", "教育", "3:41"]]}
    browsing.field.setText("evening")
    browsing.search_now()
    assert _results(page)["Playlists"][0][0] == "Evening mix"
    page.activate(page.tree.topLevelItem(0).child(0))  # a playlist opens on the Playlists page
    playlists = window.pages["Playlists"]
    assert window.stack.currentWidget() is playlists
    assert playlists.current().id == "pl1"
    browsing.field.setText("zzz nothing at all")
    browsing.search_now()
    assert page.tree.topLevelItemCount() == 0 and "Nothing" in page.summary.full_text()


def test_artist_and_album_views_open_from_results_and_back_returns(qtbot: Any,
                                                                  window: Any) -> None:
    _add_japanese_album(window.services)
    browsing = window.browsing
    window.go_to("Library")
    browsing.field.setText("東京事変")
    browsing.search_now()
    page = browsing.search_page
    groups = _results(page)
    assert groups["Artists"][0][0] == "東京事変"
    assert groups["Albums"][0][:3] == ["教育", "東京事変", "2004"]
    artist_group = next(page.tree.topLevelItem(g) for g in range(page.tree.topLevelItemCount())
                        if page.tree.topLevelItem(g).text(0).startswith("Artists"))
    page.activate(artist_group.child(0))
    artist = browsing.artist_page
    assert window.stack.currentWidget() is artist
    assert artist.name.full_text() == "東京事変"
    assert "2 tracks in your library · 1 saved · 1 played (1 play)" in artist.facts.full_text()
    assert "j-rock" in artist.genres.full_text()
    assert artist.albums.count() == 1 and artist.albums.item(0).text().startswith("教育 (2004)")
    assert {artist.tracks.topLevelItem(r).text(1) for r in range(2)} == {"群青日和", "遭難"}
    artist.albums.itemActivated.emit(artist.albums.item(0))
    album = browsing.album_page
    assert window.stack.currentWidget() is album
    assert album.name.full_text() == "教育"
    assert "2004 · 2 tracks in your library · 7:37" in album.facts.full_text()
    rows = [[album.tracks.topLevelItem(r).text(c) for c in (0, 1, 4)] for r in range(2)]
    assert rows == [["1", "群青日和", "3:41"], ["2", "遭難", "3:56"]]
    assert not album.cover.has_image  # no cover address: the drawn placeholder, not a blank
    album.back_button.click()
    assert window.stack.currentWidget() is artist
    artist.back_button.click()
    assert window.stack.currentWidget() is page
    browsing.back()
    assert window.stack.currentWidget() is window.pages["Library"]
    assert window.nav.currentRow() == list(window.pages).index("Library")


def test_library_rows_go_to_their_artist_and_album(qtbot: Any, window: Any) -> None:
    page = window.go_to("Library")
    page.reload()
    row = next(r for r, i in enumerate(page.model.items) if i.track.id == "t07")
    page.table.selectRow(row)
    actions = dict(page.row_actions(page.model.items[row]))
    actions["Go to artist"]()
    assert window.stack.currentWidget() is window.browsing.artist_page
    assert window.browsing.artist_page.name.full_text() == "Artist 7"
    actions["Go to album"]()
    assert window.stack.currentWidget() is window.browsing.album_page
    assert window.browsing.album_page.name.full_text() == "Album 1"


def test_library_shows_date_added_plays_and_genre_source_and_columns_persist(
        qtbot: Any, window: Any, ctx: Any) -> None:
    from desktoprec.ui.pages.library import COLUMN_KEYS, LibraryPage

    _add_japanese_album(window.services)
    page = window.go_to("Library")
    page.reload()
    column = {key: COLUMN_KEYS.index(key) for key in ("added", "plays", "genre_source")}
    assert [page.model.HEADERS[c] for c in column.values()] == \
        ["Date added", "Plays", "Genre from"]
    row = next(r for r, i in enumerate(page.model.items) if i.track.id == "jp-a")
    assert page.model.cell(row, column["added"]) == "2024-05-06"
    assert page.model.cell(row, column["plays"]) == "1"
    other = next(r for r, i in enumerate(page.model.items) if i.track.id == "t01")
    assert page.model.cell(other, column["added"]) == "—"  # not saved: nothing invented
    assert page.model.cell(other, column["plays"]) == "—"
    assert page.model.cell(other, column["genre_source"]) == "file tags"
    # the sound column reads its source codes through the one word table, as the genre one does
    from desktoprec.words import source_word

    sound = COLUMN_KEYS.index("sound")
    for r, item in enumerate(page.model.items):
        shown = page.model.cell(r, sound)
        assert shown == ("—" if item.sound_source == "none" else source_word(item.sound_source))
        assert shown not in ("own_file", "none", "preview")
    page.table.sortByColumn(column["plays"], Qt.SortOrder.DescendingOrder)
    assert page.model.items[0].track.id == "jp-a"
    page.table.sortByColumn(column["added"], Qt.SortOrder.DescendingOrder)
    assert page.model.items[0].track.id == "jp-a"
    # hide "Plays" from the header's menu: hidden now, remembered in the settings file
    page.column_actions[column["plays"]].setChecked(False)
    assert page.table.isColumnHidden(column["plays"])
    saved = load_settings(window.services.paths.settings_file)
    assert saved.library_hidden_columns == ["plays"]
    again = LibraryPage(ctx)
    qtbot.addWidget(again)
    assert again.table.isColumnHidden(column["plays"])
    assert not again.column_actions[column["plays"]].isChecked()
    assert not again.table.isColumnHidden(column["added"])
    page.column_actions[column["plays"]].setChecked(True)
    assert load_settings(window.services.paths.settings_file).library_hidden_columns == []


def test_recommendation_cards_and_track_results_lead_to_their_artist_and_album(
        qtbot: Any, window: Any) -> None:
    browsing = window.browsing
    for_you = window.go_to("For you")
    for_you.reload()
    view = for_you.view
    assert view.cards
    track = view.cards[0].rec.track
    menu = view.list.card_menu(0)  # the card's own menu, with the way to its artist and album
    entries = {a.text(): a for a in menu.actions() if a.text()}
    assert "Play\tEnter" in entries or any(t.startswith("Play") for t in entries)
    entries["Go to artist"].trigger()
    assert window.stack.currentWidget() is browsing.artist_page
    assert browsing.artist_page.name.full_text() == track.artists[0]
    entries["Go to album"].trigger()
    assert window.stack.currentWidget() is browsing.album_page
    assert browsing.album_page.name.full_text() == track.album
    # the search page's Go to album does the same for a track result
    browsing.field.setText("Song 13")
    browsing.search_now()
    page = browsing.search_page
    assert page.current_track() is not None and page.current_track().id == "t13"
    assert page.album_button.isEnabled() and page.open_button.text() == "Play"
    page.album_button.click()
    assert browsing.album_page.name.full_text() == "Album 1"
    page.artist_button.click()
    assert browsing.artist_page.name.full_text() == "Artist 5"


def test_down_from_the_box_enters_the_results_and_a_duet_offers_both_artists(
        qtbot: Any, window: Any) -> None:
    with window.services.db.write() as s:
        s.add(TrackArtistRow(track_id="t02", position=1, artist_id="ar5"))  # a duet
    browsing = window.browsing
    browsing.field.setText("song 2")
    browsing.search_now()
    tree = browsing.search_page.tree
    assert tree.topLevelItemCount()
    down = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Down, Qt.KeyboardModifier.NoModifier)
    assert browsing.eventFilter(browsing.field, down)  # taken: the results get the keyboard
    up = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Up, Qt.KeyboardModifier.NoModifier)
    assert not browsing.eventFilter(browsing.field, up)
    qtbot.keyClick(browsing.field, Qt.Key.Key_Down)
    if QGuiApplication.platformName() != "offscreen":  # offscreen gives no keyboard focus
        assert tree.hasFocus()
    assert tree.currentItem() is not None and browsing.field.text() == "song 2"
    page = window.go_to("Library")
    page.reload()
    item = next(i for i in page.model.items if i.track.id == "t02")
    labels = [label for label, _ in page.row_actions(item)]
    assert labels == ["Play", "More like this", "Go to Artist 2", "Go to Artist 5", "Go to album"]
    dict(page.row_actions(item))["Go to Artist 5"]()
    assert browsing.artist_page.name.full_text() == "Artist 5"
