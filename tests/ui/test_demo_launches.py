"""The real window, opened twice on one home with the demo: the Library shows the same count."""

from __future__ import annotations

from typing import Any

from desktoprec.services import Services
from desktoprec.ui.context import AppContext
from desktoprec.ui.main_window import MainWindow
from desktoprec.ui.tasks import TaskRunner

TRACKS_PER_STYLE = 3  # a small demo: both launches stay well under a minute on two cores


def _launch(qtbot: Any) -> tuple[str, int]:
    """One launch: the window prepares the demo (and fetches its previews), then the Library's
    count line and the For you state are read; the window then quits as a user would."""
    services = Services()
    services.demo.requested_tracks_per_style = TRACKS_PER_STYLE
    ctx = AppContext(services, TaskRunner(), demo=True)
    ctx.open_url_hook = lambda url: None
    win = MainWindow(ctx, show_wizard=False)
    qtbot.addWidget(win)
    try:
        win.start()
        qtbot.waitUntil(lambda: win.demo_ready, timeout=300_000)
        # after "ready" the previews are fetched in a second job; the numbers settle after it
        qtbot.waitUntil(lambda: win.job is None, timeout=300_000)
        size = services.browse.library_size()
        win.go_to("Library")
        library = win.pages["Library"]
        library.reload()  # what is in the database now, not a list read during preparation
        qtbot.waitUntil(lambda: library.count.full_text() == f"{size} tracks", timeout=60_000)
        return library.count.full_text(), size
    finally:
        win.quit_app()
        services.close()


def test_the_window_shows_the_same_library_count_on_each_launch(qtbot: Any) -> None:
    first_text, first_size = _launch(qtbot)
    second_text, second_size = _launch(qtbot)
    assert first_size > 0
    assert (second_text, second_size) == (first_text, first_size)


def test_a_path_list_says_which_genres_it_goes_through() -> None:
    from desktoprec.ui.pages.recommendations import describe_figures

    text = describe_figures({"path_genres": ["drum and bass", "hip hop", "folk", "classical"],
                             "distinct_artists": 8, "distinct_genres": 4}, ())
    assert text.endswith("through drum and bass → hip hop → folk → classical")
    assert "through" not in describe_figures({"distinct_artists": 3, "distinct_genres": 2}, ())


def test_a_returning_listener_gets_a_list_before_the_demo_is_refreshed(qtbot: Any) -> None:
    """On a prepared home the window's first list comes from the saved index, before any
    sign-in or sync; the refresh that follows rewrites no index file."""
    from pathlib import Path

    first = Services()
    first.demo.prepare(tracks_per_style=1, enrich=False)
    first.demo.stop()
    first.close()
    services = Services()
    folder = Path(services.paths.index_dir)
    saved = {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file()}
    ctx = AppContext(services, TaskRunner(), demo=True)
    ctx.open_url_hook = lambda url: None
    win = MainWindow(ctx, show_wizard=False)
    qtbot.addWidget(win)
    jobs_at_first_list: list[str] = []
    ctx.recommendations_shown.connect(
        lambda _r: jobs_at_first_list.append(win.job_title if win.job is not None else ""))
    try:
        win.start()
        qtbot.waitUntil(lambda: bool(jobs_at_first_list), timeout=120_000)
        assert jobs_at_first_list[0] == ""  # nothing was being prepared behind the first list
        assert win.for_you_page.view.cards
        qtbot.waitUntil(lambda: win.demo_ready, timeout=300_000)
        now = {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file()}
        assert now == saved  # the refresh kept the saved index
    finally:
        win.quit_app()
        services.close()
