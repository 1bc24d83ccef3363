"""What preparing the offline demo did, step by step (`demo --headless --json`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktoprec.catalogs.enrich import EnrichReport
    from desktoprec.library.scan import ScanReport
    from desktoprec.library.service import LibraryAnalysis
    from desktoprec.recommend.discovery import DiscoveryReport
    from desktoprec.recommend.results import IndexReport
    from desktoprec.sync.library import SyncReport


@dataclass(frozen=True, slots=True)
class DemoReport:
    """Each step's own report. `first_index` is None when the index before the audio failed or
    a finished demo was refreshed, `index` when that refresh left the library unchanged (the
    saved index was kept), `discovery` when it failed (then `discovery_error` says why),
    `enrich` when it was left to a later `DemoService.enrich` call."""

    tracks: int
    artists: int
    music_folder: str
    emulator: str  # the emulator's API address
    signed_in_as: str | None
    sync: SyncReport
    first_index: IndexReport | None
    discovery: DiscoveryReport | None
    discovery_error: str | None
    files_written: int
    scan: ScanReport
    analysis: LibraryAnalysis
    index: IndexReport | None  # None: the library was unchanged, the saved index was kept
    enrich: EnrichReport | None
    seconds: dict[str, float]  # step -> seconds it took

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "tracks": self.tracks, "artists": self.artists, "music_folder": self.music_folder,
            "emulator": self.emulator, "signed_in_as": self.signed_in_as,
            "sync": self.sync.to_dict()}
        if self.first_index is not None:
            data["first_index"] = self.first_index.to_json()
        if self.discovery is not None:
            data["discovery"] = self.discovery.to_dict()
        elif self.discovery_error is not None:
            data["discovery"] = {"error": self.discovery_error}
        data["files_written"] = self.files_written
        data["scan"] = self.scan.to_dict()
        data["analysis"] = self.analysis.to_json()
        data["index"] = self.index.to_json() if self.index is not None else None
        if self.enrich is not None:
            data["enrich"] = self.enrich.to_dict()
        data["seconds"] = dict(self.seconds)
        return data
