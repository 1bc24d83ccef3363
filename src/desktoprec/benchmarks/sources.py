"""Coverage of the catalogue sources on an emulated Spotify-only account (no music folder).

Starts the Spotify emulator (a generated account, or one built from the real recorded responses
in ../shared/data/spotify-api) and the catalogue emulator, enables every source in a private home,
runs the one after-sync workflow (`SyncService.sync_and_enrich`), and reports: the share of
library tracks with an ISRC that have sound, and that have a real (non-cluster) genre; new-artist
candidates and their evidence; requests and seconds. `--limits relaxed` (the default) asks the
local emulator without the public services' rate windows; `--limits real` keeps them (slow).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktoprec.services import Services
    from desktoprec.sync.service import AfterSyncReport, SyncService, SyncStatus


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--saved", type=int, default=1500, help="saved tracks (default 1500)")
    parser.add_argument("--playlists", type=int, default=25, help="playlists (default 25)")
    parser.add_argument("--per-playlist", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--outsiders", type=int, default=60,
                        help="artists outside the library in the catalogue (default 60)")
    parser.add_argument("--recorded", type=Path, metavar="DIR", default=None,
                        help="build the account from recorded Spotify responses "
                             "(e.g. ../shared/data/spotify-api/spotifyaio-2026)")
    parser.add_argument("--limits", choices=("relaxed", "real"), default="relaxed")
    parser.add_argument("--clip-seconds", type=float, default=12.0)


def recorded_account(folder: Path) -> Any:
    """An emulator account from recorded Web API pages: saved tracks, top tracks and artists,
    recently played, the recorded playlist, and followed artists taken from the artists seen."""
    from desktoprec.spotify.emulator.account import EmulatorAccount, Play

    def load(name: str) -> Any:
        path = folder / name
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    account = EmulatorAccount(user_id="recorded-listener", display_name="Recorded Listener")

    def add(track: Any) -> str | None:
        if not isinstance(track, dict) or not track.get("id") or track.get("is_local"):
            return None
        for artist in [*track.get("artists", []), *(track.get("album") or {}).get("artists", [])]:
            if isinstance(artist, dict) and artist.get("id"):
                account.artists.setdefault(artist["id"], {**artist, "genres": [], "images": []})
        if isinstance(track.get("album"), dict) and track["album"].get("id"):
            account.albums.setdefault(track["album"]["id"], track["album"])
        account.tracks.setdefault(track["id"], track)
        return str(track["id"])

    for item in load("saved_tracks.json").get("items", []):
        tid = add(item.get("track"))
        if tid:
            account.saved.append((tid, item.get("added_at") or "2026-01-01T00:00:00Z"))
    tops = [tid for t in load("top_tracks.json").get("items", []) if (tid := add(t))]
    for time_range in ("short_term", "medium_term", "long_term"):
        account.top_tracks[time_range] = tops
    for item in load("recently_played_tracks.json").get("items", []):
        tid = add(item.get("track"))
        if tid:
            account.recently_played.append(Play(tid, item.get("played_at") or "", None))
    entries = []
    from desktoprec.spotify.emulator.account import PlaylistEntry

    for item in load("playlist_items.json").get("items", []):
        tid = add(item.get("item") or item.get("track"))
        if tid:
            entries.append(PlaylistEntry(added_at=item.get("added_at") or "",
                                         added_by=account.user_id, uri=f"spotify:track:{tid}"))
    if entries:
        from desktoprec.spotify.emulator.account import EmulatorPlaylist

        account.playlists.append(EmulatorPlaylist(
            id="recordedplaylist000001", name="Recorded playlist", owner_id=account.user_id,
            owner_name=account.display_name, description="", public=False, collaborative=False,
            entries=entries))
    account.followed_artists = list(account.artists)[:23]
    return account


@contextmanager
def _catalog_limits(mode: str) -> Iterator[None]:
    """DESKTOPREC_CATALOG_LIMITS set to `relaxed` (or unset for `real`) while the block runs."""
    previous = os.environ.get("DESKTOPREC_CATALOG_LIMITS")
    if mode == "relaxed":
        os.environ["DESKTOPREC_CATALOG_LIMITS"] = "relaxed"
    else:
        os.environ.pop("DESKTOPREC_CATALOG_LIMITS", None)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DESKTOPREC_CATALOG_LIMITS", None)
        else:
            os.environ["DESKTOPREC_CATALOG_LIMITS"] = previous


@dataclass
class _Measured:
    """What one sync-and-enrich run left in the database, and what it answered."""

    result: AfterSyncReport
    status: SyncStatus
    seconds: float
    library: list[str]  # the library's Spotify tracks with an ISRC
    sound: dict[str, str]  # track id -> where its sound came from
    genre_ids: set[str]  # tracks with a real (non-cluster) genre
    cluster_rows: int
    candidates: list[str]
    evidence: dict[str, Any]
    known: set[str]  # the user's artists
    tracks: dict[str, Any]  # the candidates' tracks
    for_you: Sequence[Any] = ()


def _read_coverage(home: Services, sync: SyncService, result: AfterSyncReport,
                   seconds: float) -> _Measured:
    from desktoprec.storage import repo
    from desktoprec.storage.tables import TrackGenreRow, TrackRow, TrackSoundRow

    status = sync.status()
    with home.db.read() as session:
        library = [tid for tid, isrc in session.execute(
            TrackRow.__table__.select().with_only_columns(
                TrackRow.id, TrackRow.isrc).where(TrackRow.source == "spotify"))
            if isrc]
        sound = dict(session.execute(
            TrackSoundRow.__table__.select().with_only_columns(
                TrackSoundRow.track_id, TrackSoundRow.source)).all())
        genre_ids = set(session.scalars(
            TrackGenreRow.__table__.select().with_only_columns(
                TrackGenreRow.track_id).where(TrackGenreRow.source != "cluster")))
        cluster_rows = repo.count(session, TrackGenreRow, TrackGenreRow.source == "cluster")
        candidates = repo.candidate_track_ids(session)
        evidence = repo.candidate_evidence(session, candidates)
        known = repo.user_artist_ids(session)
        tracks = repo.tracks_by_ids(session, candidates)
    return _Measured(result, status, seconds, library, sound, genre_ids, cluster_rows,
                     candidates, evidence, known, tracks)


def _sync_and_measure(args: argparse.Namespace, account: Any, world: Any) -> _Measured:
    """Serve the account and the catalogues, sync and enrich a private home, read the result."""
    from desktoprec.benchmarks.sync import emulator_tokens
    from desktoprec.catalogs.emulator import CatalogEmulator
    from desktoprec.paths import AppPaths
    from desktoprec.services import Services
    from desktoprec.spotify.client import SpotifyClient
    from desktoprec.spotify.emulator import EmulatorServer
    from desktoprec.sync.service import SyncService

    with EmulatorServer(account=account) as spotify, \
            CatalogEmulator(world, clip_seconds=args.clip_seconds) as catalogs, \
            tempfile.TemporaryDirectory(prefix="desktoprec-bench-sources-") as tmp:
        root = Path(tmp)
        home = Services(AppPaths(data_dir=root / "data", config_dir=root / "config",
                                 cache_dir=root / "cache", log_dir=root / "logs"))
        try:
            client = SpotifyClient(spotify.api_url, emulator_tokens(spotify))
            sync = SyncService(home, client=client)
            home.memo("sync", lambda: sync)
            home.library.catalog_urls = catalogs.urls()
            home.library.set_sources(enable=["deezer", "itunes", "musicbrainz",
                                             "listenbrainz"])
            started = time.perf_counter()
            result = sync.sync_and_enrich()
            measured = _read_coverage(home, sync, result, time.perf_counter() - started)
            measured.for_you = home.recommend.recommend(mode="for_you", n=20).items
        finally:
            home.close()
    return measured


def run(args: argparse.Namespace, services: Services) -> dict[str, Any]:
    from desktoprec.catalogs.emulator import world_for_account
    from desktoprec.spotify.emulator import generate_account

    if args.recorded is not None:
        account = recorded_account(args.recorded)
    else:
        account = generate_account(seed=args.seed, saved_tracks=args.saved,
                                   playlists=args.playlists,
                                   tracks_per_playlist=args.per_playlist)
    world = world_for_account(account, seed=args.seed, outsiders=args.outsiders)
    with _catalog_limits(args.limits):
        m = _sync_and_measure(args, account, world)
    library, candidates, evidence, for_you = m.library, m.candidates, m.evidence, m.for_you
    with_sound = sum(1 for t in library if m.sound.get(t, "none") != "none")
    with_genre = sum(1 for t in library if t in m.genre_ids)
    new_artist = sum(1 for t in candidates if not set(m.tracks[t].artist_ids) & m.known)
    new_picks = [item for item in for_you if item.new_artist]
    # an "evidence" reason that names the service which brought the artist (the other kind of
    # evidence reason is Deezer's tempo beside ours)
    with_evidence = sum(1 for item in new_picks
                        if any(reason.block == "evidence" and reason.text.startswith("new to you")
                               for reason in item.explanation.reasons))
    status, enrich = m.status, m.result.enrich
    return {
        "account": "recorded" if args.recorded else f"generated seed {args.seed}",
        "saved_tracks": status.saved_tracks, "playlists": status.playlists,
        "library_tracks_with_isrc": len(library),
        "sound_share": round(with_sound / max(1, len(library)), 4),
        "genre_share": round(with_genre / max(1, len(library)), 4),
        "cluster_genre_rows": m.cluster_rows,
        "sound_coverage": status.sound_coverage, "genre_coverage": status.genre_coverage,
        "new_artist_candidates": status.new_artist_candidates,
        "candidates_by_new_artists": new_artist,
        "candidates_with_evidence": sum(1 for t in candidates if evidence.get(t)),
        "evidence_services": sorted({e.service for v in evidence.values() for e in v}),
        "requests": enrich.requests if enrich else None, "warnings": list(m.result.warnings),
        "for_you_picks": len(for_you), "for_you_new_artist_picks": len(new_picks),
        "for_you_new_artist_picks_with_evidence": with_evidence,
        "limits": args.limits, "seconds": round(m.seconds, 1),
        "goal_sound_80": with_sound >= 0.8 * len(library),
        "goal_genre_80": with_genre >= 0.8 * len(library),
        "goal_candidates": new_artist > 0,
        "goal_for_you_new_30": len(new_picks) >= 0.3 * max(1, len(for_you))
        and with_evidence == len(new_picks),
    }
