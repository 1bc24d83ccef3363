"""External music catalogues (Deezer, iTunes, MusicBrainz, ListenBrainz): opt-in, one per source.

What each source contacts and what it sends is stated in SOURCES (shown by `desktoprec sources
--list`, the first-run wizard and Settings). Every source is off until the user turns it on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceInfo:
    name: str
    label: str
    contacts: str  # hosts contacted
    sends: str  # what leaves the machine
    gives: str  # what it is used for


SOURCES: dict[str, SourceInfo] = {
    "deezer": SourceInfo(
        "deezer", "Deezer",
        "api.deezer.com (previews from *.dzcdn.net)",
        "the ISRC of each track without sound or genre; Deezer ids of your artists",
        "30-second previews (analysed here), Deezer's bpm and gain, album genres, related "
        "artists and their top tracks"),
    "itunes": SourceInfo(
        "itunes", "iTunes Search",
        "itunes.apple.com (previews from *.mzstatic.com / *.apple.com)",
        "artist + title of each track Deezer has no preview for",
        "30-second previews (analysed here)"),
    "musicbrainz": SourceInfo(
        "musicbrainz", "MusicBrainz",
        "musicbrainz.org (1 request per second)",
        "the ISRC of each track still without a genre, and of one track per artist",
        "genres and tags, and artist MBIDs for ListenBrainz"),
    "listenbrainz": SourceInfo(
        "listenbrainz", "ListenBrainz",
        "labs.api.listenbrainz.org",
        "the MusicBrainz ids (MBIDs) of your most played artists",
        "similar artists (new-artist candidates)"),
}
SOURCE_NAMES: tuple[str, ...] = tuple(SOURCES)
