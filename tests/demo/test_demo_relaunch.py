"""A returning demo listener: preparing a finished demo again rebuilds no index it already has."""

from __future__ import annotations

from pathlib import Path

from desktoprec.services import Services

TRACKS_PER_STYLE = 1


def _index_files(services: Services) -> dict[str, int]:
    folder = Path(services.paths.index_dir)
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.iterdir()) if p.is_file()}


def test_a_relaunch_keeps_the_index_while_the_library_stamp_is_unchanged() -> None:
    first = Services()
    try:
        report = first.demo.prepare(tracks_per_style=TRACKS_PER_STYLE, enrich=False)
        assert report.first_index is not None and report.index is not None
        assert first.demo.is_prepared()
        stamp = first.demo.library_stamp()
    finally:
        first.demo.stop()
        first.close()

    again = Services()  # a new process on the same home, as a relaunch is
    try:
        files = _index_files(again)
        assert files  # the first launch saved an index
        shown: list[str] = []
        report = again.demo.prepare(tracks_per_style=TRACKS_PER_STYLE, enrich=False,
                                    on_first_index=lambda: shown.append("first index"))
        assert again.demo.library_stamp() == stamp
        assert report.first_index is None and report.index is None  # nothing was rebuilt
        assert shown == []  # the window had its list from the saved index already
        assert report.files_written == 0
        assert _index_files(again) == files  # not one index file was written again
        # and the kept index answers: a list from it, with the demo's tracks
        assert again.recommend.engine().catalog.ids
    finally:
        again.demo.stop()
        again.close()


def test_an_index_whose_library_changed_is_rebuilt() -> None:
    services = Services()
    try:
        services.demo.prepare(tracks_per_style=TRACKS_PER_STYLE, enrich=False)
        files = _index_files(services)
        kept = services.demo._index_if_changed(services.demo.library_stamp(), None, None)
        assert kept is None and _index_files(services) == files
        # a stamp the library no longer has (a sync or a scan changed it since)
        rebuilt = services.demo._index_if_changed(("an older library",), None, None)
        assert rebuilt is not None and rebuilt.tracks > 0
        assert _index_files(services) != files
    finally:
        services.demo.stop()
        services.close()
