"""Enrich: sound, genre and new-artist candidates from the enabled catalogue sources.

One run, in this order, each step cached (catalog_answers), budgeted and resumable:
1. Deezer track by ISRC for every track without sound or genre (preview URL, bpm, gain, album);
2. new-artist candidates: Deezer related artists and their top tracks, ListenBrainz similar
   artists (MBIDs through MusicBrainz), each mapped to a Spotify track by ISRC with
   `GET /search?q=isrc:…&type=track&limit=1`, stored as discovery tracks with their evidence;
3. previews (Deezer, else iTunes matched on artist, title and ±3 s) downloaded and analysed by our
   own DSP in worker processes; the clip is deleted once analysed;
4. genres: Deezer album genres, then MusicBrainz genres/tags by ISRC;
5. the offline refresh of `track_sound`, `track_genres`, sound families and sound evidence.
A source that is down, slow or answering errors costs one warning and is left alone for the run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from desktoprec.catalogs import SOURCE_NAMES, SOURCES
from desktoprec.catalogs import deezer as deezer_mod
from desktoprec.catalogs import itunes as itunes_mod
from desktoprec.catalogs import listenbrainz as listenbrainz_mod
from desktoprec.catalogs import musicbrainz as musicbrainz_mod
from desktoprec.catalogs.cache import MISSING, AnswerCache
from desktoprec.catalogs.http import BadAnswer, BudgetSpent, Fetcher, Limits, SourceDown
from desktoprec.catalogs.urls import all_base_urls
from desktoprec.domain import Progress
from desktoprec.errors import Cancelled
from desktoprec.timeutil import db_now

if TYPE_CHECKING:
    from desktoprec.domain import CandidateEvidence
    from desktoprec.library.service import SourcesRefresh

log = logging.getLogger(__name__)

MAX_AUDIO_BYTES = 2 * 1024 * 1024
USER_ARTISTS = 25  # the user's artists whose neighbours are asked for
RELATED_PER_ARTIST = 6
TOP_TRACKS_PER_ARTIST = 3
MAX_CANDIDATE_TRACKS = 400
DOWNLOADS_PER_S = 10
DEFAULT_LIMITS = {"deezer": deezer_mod.LIMITS, "itunes": itunes_mod.LIMITS,
                  "musicbrainz": musicbrainz_mod.LIMITS, "listenbrainz": listenbrainz_mod.LIMITS}


def audio_suffix(head: bytes) -> str | None:
    """The file suffix for a downloaded preview, from its first bytes (None: not audio we read)."""
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return ".mp3"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return ".wav"
    if head.startswith(b"OggS"):
        return ".ogg"
    if head.startswith(b"fLaC"):
        return ".flac"
    return None


@dataclass
class EnrichReport:
    sources: list[str] = field(default_factory=list)
    tracks_considered: int = 0
    deezer_tracks: int = 0
    previews_downloaded: int = 0
    previews_analysed: int = 0
    previews_unusable: int = 0
    genres_found: dict[str, int] = field(default_factory=dict)
    candidate_artists: int = 0
    candidates_added: int = 0
    candidate_evidence: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    stopped: dict[str, str] = field(default_factory=dict)  # service -> why (budget | reason)
    warnings: list[str] = field(default_factory=list)
    refresh: SourcesRefresh | None = None  # the offline refresh that followed, when it ran
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["refresh"] = data["refresh"] or {}
        return data

    def summary(self) -> str:
        if not self.sources:
            return "enrich: no catalogue source is enabled (desktoprec sources --enable ...)"
        sound = self.refresh.sound if self.refresh else {}
        genres = self.refresh.genres if self.refresh else {}
        return (f"enrich ({', '.join(self.sources)}): {self.previews_analysed} previews "
                f"analysed, {self.candidates_added} new-artist candidates; sound: "
                f"{sound.get('preview', 0)} from previews, {sound.get('none', 0)} without; "
                f"genres: {sum(v for k, v in genres.items() if k not in ('none', 'clusters'))} "
                f"tracks with a genre, {genres.get('none', 0)} without")


@dataclass
class _Track:
    id: str
    isrc: str | None
    name: str
    artists: list[str]
    artist_ids: list[str]
    duration_ms: int | None
    needs_sound: bool
    needs_genre: bool


def _norm(name: str) -> str:
    from desktoprec.library.match import normalize_artist

    return normalize_artist(name or "")


class _CandidatePool:
    """The new-artist candidate tracks found so far, with the best evidence per source."""

    def __init__(self, known_ids: set[str]) -> None:
        self.known_ids = known_ids
        self.found: dict[str, dict[str, Any]] = {}  # spotify track id -> track JSON
        self.evidence: dict[str, dict[tuple[str, str], CandidateEvidence]] = {}
        self.neighbours: set[str] = set()

    def add(self, spotify_track: dict[str, Any] | None, ev: CandidateEvidence) -> None:
        found = self.found
        if not spotify_track or len(found) >= MAX_CANDIDATE_TRACKS and \
                spotify_track["id"] not in found:
            return
        credits = [a for a in spotify_track.get("artists") or [] if isinstance(a, dict)]
        if any(a.get("id") in self.known_ids for a in credits):
            return  # by an artist the user knows: not a new-artist candidate
        found[spotify_track["id"]] = spotify_track
        slot = self.evidence.setdefault(spotify_track["id"], {})
        old = slot.get((ev.service, ev.via_artist_id))
        if old is None or old.score < ev.score:
            slot[(ev.service, ev.via_artist_id)] = ev


class _Run:
    def __init__(self, services: Any, sources: list[str], urls: dict[str, str],
                 spotify: Any, limits: dict[str, Limits], progress: Progress | None,
                 cancel: threading.Event | None, sleep: Callable[[float], None]) -> None:
        self.services = services
        self.db = services.db
        self.sources = sources
        self.progress = progress
        self.cancel = cancel
        self.cache = AnswerCache(self.db)
        self.report = EnrichReport(sources=list(sources))
        self.stopped: dict[str, str] = {}
        self._spotify = spotify
        self.fetchers: dict[str, Fetcher] = {}
        hosts = {"deezer": deezer_mod.CDN_HOSTS, "itunes": itunes_mod.CDN_HOSTS}
        # Preview files come from the services' CDNs: a download fetcher of their own, so a CDN
        # that fails stops the previews of that source, not its API.
        self.downloads: dict[str, Fetcher] = {}
        for name in sources:
            self.fetchers[name] = Fetcher(name, urls[name], limits[name], sleep=sleep,
                                          allowed_hosts=hosts.get(name, ()))
            if name in hosts:
                self.downloads[name] = Fetcher(
                    f"{name}-previews", urls[name],
                    Limits(DOWNLOADS_PER_S, 1.0, limits[name].budget), sleep=sleep,
                    allowed_hosts=hosts[name])
        self.deezer = deezer_mod.DeezerClient(self.fetchers["deezer"]) \
            if "deezer" in sources else None
        self.itunes = itunes_mod.ItunesClient(self.fetchers["itunes"]) \
            if "itunes" in sources else None
        self.musicbrainz = musicbrainz_mod.MusicBrainzClient(self.fetchers["musicbrainz"]) \
            if "musicbrainz" in sources else None
        self.listenbrainz = listenbrainz_mod.ListenBrainzClient(self.fetchers["listenbrainz"]) \
            if "listenbrainz" in sources else None

    # --- plumbing ------------------------------------------------------------------------------

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("Enriching was cancelled; what was fetched is kept.")

    def tick(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(phase, done, total)

    def down(self, service: str, reason: str) -> None:
        if service in self.stopped:
            return
        self.stopped[service] = reason
        base = service.removesuffix("-previews")
        label = SOURCES[base].label if base in SOURCES else service.capitalize()
        if base != service:
            label = f"Previews from {label}"
        message = (f"{label} could not be used this time ({reason}); it is skipped until the "
                   "next run and nothing else is affected.")
        log.warning(message)
        self.report.warnings.append(message)

    def ask(self, service: str, key: str, call: Callable[[], Any]) -> Any:
        """The cached answer, or ask (None: not found, unusable, or the source stopped)."""
        value = self.cache.lookup(service, key)
        if value is not MISSING:
            return value
        if service in self.stopped:
            return None
        try:
            value = call()
        except deezer_mod.NotFound:
            self.cache.put(service, key, "not_found")
            return None
        except BadAnswer as exc:
            log.info("%s: unusable answer for %s: %s", service, key, exc)
            self.cache.put(service, key, "rejected", {"reason": str(exc)[:200]})
            return None
        except BudgetSpent:
            self.stopped[service] = "budget"
            self.report.stopped[service] = "budget"
            return None
        except SourceDown as exc:
            self.down(service, str(exc))
            return None
        self.cache.put(service, key, "found" if value not in (None, [], {}) else "not_found",
                       value)
        return value

    def spotify(self) -> Any:
        if self._spotify is None and "spotify" not in self.stopped:
            try:
                self._spotify = self.services.auth.api()
            except Exception as exc:  # noqa: BLE001 - not signed in: candidates cannot be mapped
                self.down("spotify", f"not signed in to Spotify: {exc}")
        return self._spotify

    # --- reading the library ---------------------------------------------------------------------

    def tracks(self, ids: list[str] | None = None) -> list[_Track]:
        from desktoprec.features.dsp import ANALYZER_VERSION
        from desktoprec.storage.tables import (
            AnalysisRow,
            ArtistRow,
            AudioFeaturesRow,
            LocalFileRow,
            TrackArtistRow,
            TrackRow,
        )

        with self.db.read() as session:
            query = select(TrackRow.id, TrackRow.isrc, TrackRow.name, TrackRow.duration_ms) \
                .where(~TrackRow.id.like("local:%")).order_by(TrackRow.id)
            if ids is not None:
                query = query.where(TrackRow.id.in_(ids))
            rows = session.execute(query).all()
            artists: dict[str, list[tuple[str, str, bool]]] = {}
            for tid, aid, name, genres in session.execute(
                    select(TrackArtistRow.track_id, ArtistRow.id, ArtistRow.name, ArtistRow.genres)
                    .join(ArtistRow, ArtistRow.id == TrackArtistRow.artist_id)
                    .order_by(TrackArtistRow.track_id, TrackArtistRow.position)):
                artists.setdefault(tid, []).append((aid, name or "", bool(genres)))
            own = set(session.scalars(
                select(LocalFileRow.track_id)
                .join(AnalysisRow, AnalysisRow.content_hash == LocalFileRow.content_hash)
                .where(LocalFileRow.removed.is_(False),
                       AnalysisRow.analyzer_version == ANALYZER_VERSION,
                       AnalysisRow.ok.is_(True))))
            tagged = set(session.scalars(select(LocalFileRow.track_id).where(
                LocalFileRow.removed.is_(False), LocalFileRow.genre.is_not(None),
                LocalFileRow.genre != "")))
            features = set(session.scalars(select(AudioFeaturesRow.track_id)))
        out = []
        for tid, isrc, name, duration in rows:
            credit = artists.get(tid, [])
            out.append(_Track(
                id=tid, isrc=(isrc or "").strip().upper() or None, name=name or "",
                artists=[n for _, n, _ in credit], artist_ids=[a for a, _, _ in credit],
                duration_ms=duration, needs_sound=tid not in own and tid not in features,
                needs_genre=tid not in tagged and not any(g for _, _, g in credit)))
        return out

    # --- 1. Deezer by ISRC -----------------------------------------------------------------------

    def deezer_track(self, isrc: str) -> dict[str, Any] | None:
        if self.deezer is None:
            return None
        client = self.deezer
        return self.ask("deezer", f"isrc:{isrc}", partial(client.track_by_isrc, isrc))

    def deezer_lookups(self, tracks: list[_Track]) -> None:
        todo = [t for t in tracks if t.isrc and (t.needs_sound or t.needs_genre)]
        for done, track in enumerate(todo, start=1):
            self.check()
            if track.isrc and self.deezer_track(track.isrc):
                self.report.deezer_tracks += 1
            if done % 25 == 0 or done == len(todo):
                self.tick("deezer", done, len(todo))

    # --- 2. candidates ---------------------------------------------------------------------------

    def user_artists(self) -> list[tuple[str, str]]:
        """(Spotify id, name) of the user's artists, the most listened first."""
        from collections import Counter

        from desktoprec.storage.tables import (
            ArtistRow,
            FollowedArtistRow,
            RecentlyPlayedRow,
            SavedTrackRow,
            TopArtistRow,
            TrackArtistRow,
        )

        with self.db.read() as session:
            order: Counter[str] = Counter()
            for time_range, rank, aid in session.execute(
                    select(TopArtistRow.time_range, TopArtistRow.rank, TopArtistRow.artist_id)):
                order[aid] += 100.0 / (1 + rank) * (2 if time_range == "short_term" else 1)
            for aid in session.scalars(select(TrackArtistRow.artist_id).where(
                    TrackArtistRow.track_id.in_(select(RecentlyPlayedRow.track_id)))):
                order[aid] += 3
            for aid in session.scalars(select(TrackArtistRow.artist_id).where(
                    TrackArtistRow.track_id.in_(select(SavedTrackRow.track_id)))):
                order[aid] += 1
            for aid in session.scalars(select(FollowedArtistRow.artist_id)):
                order[aid] += 5
            names = dict(session.execute(select(ArtistRow.id, ArtistRow.name)).all())
        ranked = sorted(order, key=lambda a: (-order[a], a))
        return [(a, names.get(a) or "") for a in ranked if names.get(a) and
                not a.startswith("local-artist:")]

    def deezer_artist_id(self, artist_id: str, name: str, tracks: list[_Track]) -> int | None:
        want = _norm(name)
        for track in tracks:
            if artist_id in track.artist_ids and track.isrc:
                answer = self.cache.peek("deezer", f"isrc:{track.isrc}")
                artist = (answer or {}).get("artist") if isinstance(answer, dict) else None
                if artist and _norm(artist.get("name", "")) == want:
                    return int(artist["id"])
        return self.deezer_artist_by_name(name)

    def deezer_artist_by_name(self, name: str) -> int | None:
        if self.deezer is None:
            return None
        want = _norm(name)
        client = self.deezer
        found = self.ask("deezer", f"artist-search:{want}", partial(client.search_artist, name))
        for item in found or []:
            if _norm(item.get("name", "")) == want:
                return int(item["id"])
        return None

    def deezer_tracks_of(self, deezer_artist: int) -> list[dict[str, Any]]:
        """Top tracks of a Deezer artist, each with its ISRC (top lists carry none)."""
        assert self.deezer is not None
        client = self.deezer
        top = self.ask("deezer", f"top:{deezer_artist}",
                       lambda: client.top(deezer_artist, TOP_TRACKS_PER_ARTIST)) or []
        out = []
        for item in top[:TOP_TRACKS_PER_ARTIST]:
            tid = item.get("id")
            if not isinstance(tid, int):
                continue
            full = self.ask("deezer", f"track:{tid}", partial(client.track, tid))
            if isinstance(full, dict) and full.get("isrc"):
                if self.cache.lookup("deezer", f"isrc:{full['isrc']}") is MISSING:
                    self.cache.put("deezer", f"isrc:{full['isrc']}", "found", full)
                out.append(full)
        return out

    def spotify_by_isrc(self, isrc: str) -> dict[str, Any] | None:
        from desktoprec.errors import SpotifyError

        value = self.cache.lookup("spotify", f"isrc:{isrc}")
        if value is not MISSING:
            return value
        client = self.spotify()
        if client is None or "spotify" in self.stopped:
            return None
        try:
            answer = client.search(f"isrc:{isrc}", "track", 1)
        except SpotifyError as exc:
            self.down("spotify", exc.user_text())
            return None
        tracks = answer.get("tracks") if isinstance(answer, dict) else None
        items = tracks.get("items") if isinstance(tracks, dict) else None
        found = next((i for i in items or [] if isinstance(i, dict) and i.get("id")), None)
        self.cache.put("spotify", f"isrc:{isrc}", "found" if found else "not_found", found)
        return found

    def spotify_by_artist(self, name: str) -> list[dict[str, Any]]:
        from desktoprec.errors import SpotifyError

        key = f"artist-tracks:{_norm(name)}"
        value = self.cache.lookup("spotify", key)
        if value is not MISSING:
            return value or []
        client = self.spotify()
        if client is None or "spotify" in self.stopped:
            return []
        try:
            answer = client.search(f'artist:"{name[:100]}"', "track", TOP_TRACKS_PER_ARTIST)
        except SpotifyError as exc:
            self.down("spotify", exc.user_text())
            return []
        tracks = answer.get("tracks") if isinstance(answer, dict) else None
        items = [i for i in (tracks or {}).get("items") or [] if isinstance(i, dict)
                 and any(_norm(a.get("name", "")) == _norm(name) for a in i.get("artists") or []
                         if isinstance(a, dict))]
        self.cache.put("spotify", key, "found" if items else "not_found", items)
        return items

    def mbid_of(self, artist_id: str, name: str, tracks: list[_Track]) -> str | None:
        if self.musicbrainz is None:
            return None
        want = _norm(name)
        client = self.musicbrainz
        tried = 0
        for track in tracks:
            if artist_id not in track.artist_ids or not track.isrc or tried >= 2:
                continue
            tried += 1
            isrc = track.isrc
            answer = self.ask("musicbrainz", f"isrc:{isrc}", partial(client.by_isrc, isrc))
            for artist in (answer or {}).get("artists", []):
                if _norm(artist.get("name", "")) == want:
                    return str(artist["mbid"])
        return None

    def candidates(self, tracks: list[_Track]) -> list[str]:
        """Find, map and store new-artist candidates; returns the new Spotify track ids."""
        from desktoprec.storage import repo

        if self.deezer is None and self.listenbrainz is None:
            return []
        with self.db.read() as session:
            known_ids = repo.user_artist_ids(session)
        artists = [(a, n) for a, n in self.user_artists() if a in known_ids][:USER_ARTISTS]
        known_names = {_norm(n) for _, n in self.user_artists()}
        pool = _CandidatePool(known_ids)
        total = len(artists)
        for done, (artist_id, name) in enumerate(artists, start=1):
            self.check()
            self.tick("candidates", done - 1, total)
            if self.deezer is not None and "deezer" not in self.stopped:
                self._deezer_candidates(pool, artist_id, name, tracks, known_names)
            if self.listenbrainz is not None and "listenbrainz" not in self.stopped:
                self._listenbrainz_candidates(pool, artist_id, name, tracks, known_names)
            if done % 5 == 0:
                self.cache.flush()
        self.tick("candidates", total, total)
        self.report.candidate_artists = len(pool.neighbours)
        self._store_candidates(pool)
        return list(pool.found)

    def _deezer_candidates(self, pool: _CandidatePool, artist_id: str, name: str,
                           tracks: list[_Track], known_names: set[str]) -> None:
        """The tracks of the artists Deezer relates to one of the user's artists."""
        from desktoprec.domain import CandidateEvidence

        assert self.deezer is not None
        deezer_id = self.deezer_artist_id(artist_id, name, tracks)
        if deezer_id is None:
            return
        related = self.ask("deezer", f"related:{deezer_id}",
                           partial(self.deezer.related, deezer_id, 20)) or []
        fresh = [r for r in related if _norm(r.get("name", "")) not in known_names]
        for rank, item in enumerate(fresh[:RELATED_PER_ARTIST]):
            score = round(1.0 - rank / max(1, len(fresh[:RELATED_PER_ARTIST])), 4)
            pool.neighbours.add(_norm(item["name"]))
            for spotify_track, cand in self._neighbour_tracks(item["name"], int(item["id"])):
                pool.add(spotify_track, CandidateEvidence(
                    "deezer", "related", artist_id, name, cand, score))

    def _listenbrainz_candidates(self, pool: _CandidatePool, artist_id: str, name: str,
                                 tracks: list[_Track], known_names: set[str]) -> None:
        """The tracks of the artists ListenBrainz finds similar to one of the user's artists."""
        from desktoprec.domain import CandidateEvidence

        assert self.listenbrainz is not None
        mbid = self.mbid_of(artist_id, name, tracks)
        if not mbid:
            return
        similar = self.ask("listenbrainz", f"similar:{mbid}",
                           partial(self.listenbrainz.similar, mbid)) or []
        fresh_lb = [s for s in similar if _norm(s.get("name", "")) not in known_names
                    and s.get("mbid") != mbid]
        for item in fresh_lb[:RELATED_PER_ARTIST]:
            pool.neighbours.add(_norm(item["name"]))
            for spotify_track, cand in self._neighbour_tracks(item["name"], None):
                pool.add(spotify_track, CandidateEvidence(
                    "listenbrainz", "similar", artist_id, name, cand,
                    float(item.get("score", 0.0))))

    def _neighbour_tracks(self, name: str,
                          deezer_id: int | None) -> list[tuple[dict[str, Any], str]]:
        """(Spotify track, candidate artist name) pairs for one neighbour artist."""
        out = []
        if self.deezer is not None and "deezer" not in self.stopped:
            deezer_id = deezer_id or self.deezer_artist_by_name(name)
            if deezer_id is not None:
                for item in self.deezer_tracks_of(deezer_id):
                    mapped = self.spotify_by_isrc(item["isrc"])
                    if mapped:
                        out.append((mapped, name))
                return out
        for item in self.spotify_by_artist(name):
            out.append((item, name))
        return out

    def _store_candidates(self, pool: _CandidatePool) -> None:
        """Store the candidate tracks that parse, with their evidence."""
        from desktoprec.errors import SpotifyError
        from desktoprec.spotify.parse import parse_track
        from desktoprec.storage import repo
        from desktoprec.storage.tables import TrackRow

        found, evidence = pool.found, pool.evidence
        parsed = []
        for index, (tid, data) in enumerate(found.items()):
            try:
                parsed.append(parse_track(data, f"search.tracks[{index}]"))
            except SpotifyError:
                evidence.pop(tid, None)
        with self.db.write() as session:
            before = set(session.scalars(select(TrackRow.id).where(TrackRow.id.in_(list(found)))))
            repo.upsert_tracks(session, parsed, source="discovery")
            for tid, items in evidence.items():
                self.report.candidate_evidence += repo.upsert_candidate_evidence(
                    session, tid, items.values())
        self.report.candidates_added = len([t for t in found if t not in before])

    # --- 3. previews -----------------------------------------------------------------------------

    def previews(self, tracks: list[_Track]) -> None:
        from desktoprec.features.dsp import ANALYZER_VERSION
        from desktoprec.storage.tables import AnalysisRow

        todo = [t for t in tracks if t.needs_sound]
        with self.db.read() as session:
            analysed = set(session.scalars(select(AnalysisRow.content_hash).where(
                AnalysisRow.analyzer_version == ANALYZER_VERSION)))
        folder = Path(self.services.paths.cache_dir) / "previews"
        files: dict[str, tuple[Path, str, str]] = {}  # track id -> (file, from, url)
        for done, track in enumerate(todo, start=1):
            self.check()
            if done % 25 == 0 or done == len(todo):
                self.tick("previews", done, len(todo))
            known = self.cache.lookup("preview", track.id)
            if known is not MISSING and (known is None or known.get("hash") in analysed):
                continue
            source, url = self.preview_url(track)
            if url is None or source is None or source in self.stopped:
                continue
            fetcher = self.downloads[source]
            if fetcher.down:
                continue
            try:
                answer = fetcher.get(url, limit=MAX_AUDIO_BYTES, what="the preview file")
            except BadAnswer as exc:
                self.cache.put("preview", track.id, "rejected", {"reason": str(exc)[:200]})
                self.report.previews_unusable += 1
                continue
            except BudgetSpent:
                self.stopped[source] = self.report.stopped[source] = "budget"
                continue
            except SourceDown as exc:
                self.down(f"{source}-previews", str(exc))
                continue
            suffix = audio_suffix(answer.body[:16]) if answer.status == 200 else None
            if suffix is None:
                self.cache.put("preview", track.id, "rejected",
                               {"reason": f"not audio (HTTP {answer.status})"})
                self.report.previews_unusable += 1
                continue
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{track.id.replace(':', '_').replace('/', '_')}{suffix}"
            path.write_bytes(answer.body)
            files[track.id] = (path, source, url)
            self.report.previews_downloaded += 1
        self.cache.flush()
        self.analyse(files)

    def preview_url(self, track: _Track) -> tuple[str | None, str | None]:
        if track.isrc and self.deezer is not None:
            answer = self.cache.peek("deezer", f"isrc:{track.isrc}")
            if isinstance(answer, dict) and answer.get("preview"):
                return "deezer", str(answer["preview"])
        if self.itunes is not None and track.artists and track.name:
            client = self.itunes
            match = self.ask("itunes", f"song:{track.id}", partial(
                client.find_song, track.artists[0], track.name, track.duration_ms))
            if isinstance(match, dict) and match.get("preview"):
                return "itunes", str(match["preview"])
        return None, None

    def analyse(self, files: dict[str, tuple[Path, str, str]]) -> None:

        from desktoprec.features.dsp import ANALYZER_VERSION
        from desktoprec.features.pool import analyze_many
        from desktoprec.library.scan import content_hash
        from desktoprec.storage.tables import AnalysisRow

        if not files:
            return
        hashes = {tid: content_hash(path) for tid, (path, _, _) in files.items()}
        with self.db.read() as session:
            status = {row.content_hash: row.ok for row in session.scalars(
                select(AnalysisRow).where(AnalysisRow.content_hash.in_(set(hashes.values())),
                                          AnalysisRow.analyzer_version == ANALYZER_VERSION))}
        jobs = list({d: (d, str(files[t][0])) for t, d in hashes.items() if d not in status}
                    .values())
        results: list[Any] = []

        def on_result(result: Any) -> None:
            results.append(result)

        try:
            if jobs:
                analyze_many(jobs, on_result, cancel=self.cancel,
                             progress=lambda _p, d, t: self.tick("analyze previews", d, t))
        finally:
            now = db_now()
            if results:
                with self.db.write() as session:
                    for result in results:
                        session.merge(AnalysisRow(
                            content_hash=result.key, analyzer_version=ANALYZER_VERSION,
                            ok=result.ok, error=result.error, descriptors=result.descriptors,
                            analyzed_at=now))
                        status[result.key] = bool(result.ok and result.descriptors)
            for tid, digest in hashes.items():
                path, source, _ = files[tid]
                if digest not in status:
                    continue  # cancelled before its turn: the next run analyses it
                if status[digest]:
                    self.cache.put("preview", tid, "found", {"hash": digest, "from": source})
                    self.report.previews_analysed += 1
                else:
                    self.cache.put("preview", tid, "rejected", {"reason": "not analysable"})
                    self.report.previews_unusable += 1
                path.unlink(missing_ok=True)
            self.cache.flush()

    # --- 4. genres -------------------------------------------------------------------------------

    def genres(self, tracks: list[_Track]) -> None:
        todo = [t for t in tracks if t.needs_genre and t.isrc]
        counts = {"deezer": 0, "musicbrainz": 0}
        for done, track in enumerate(todo, start=1):
            self.check()
            if done % 25 == 0 or done == len(todo):
                self.tick("genres", done, len(todo))
            isrc = track.isrc
            assert isrc is not None
            if self.deezer is not None:
                answer = self.cache.peek("deezer", f"isrc:{isrc}")
                album = answer.get("album") if isinstance(answer, dict) else None
                if album and isinstance(album.get("id"), int):
                    names = self.ask("deezer", f"album:{album['id']}",
                                     partial(self.deezer.album_genres, album["id"]))
                    if names:
                        counts["deezer"] += 1
                        continue
            if self.musicbrainz is not None:
                answer = self.ask("musicbrainz", f"isrc:{isrc}",
                                  partial(self.musicbrainz.by_isrc, isrc))
                if isinstance(answer, dict) and answer.get("genres"):
                    counts["musicbrainz"] += 1
        self.report.genres_found = counts

    def close(self) -> None:
        self.cache.flush()
        for name, fetcher in [*self.fetchers.items(),
                              *((f"{n}-previews", f) for n, f in self.downloads.items())]:
            self.report.requests[name] = fetcher.requests_made
            fetcher.close()
        self.report.stopped.update({k: v for k, v in self.stopped.items()
                                    if k not in self.report.stopped})


RELAX_ENV = "DESKTOPREC_CATALOG_LIMITS"


def _relaxed_for_emulators(bases: dict[str, str]) -> dict[str, Limits]:
    """With DESKTOPREC_CATALOG_LIMITS=relaxed, services on this machine (our emulator) are
    asked without the public services' rate windows (tests, benchmarks). Never for a real
    address: public services always get their documented limits."""
    import os

    from desktoprec.catalogs.urls import is_loopback_http

    if os.environ.get(RELAX_ENV, "").strip().lower() != "relaxed":
        return {}
    return {name: Limits(1000, 1.0, DEFAULT_LIMITS[name].budget * 10, DEFAULT_LIMITS[name].retries)
            for name, url in bases.items() if is_loopback_http(url) and name in DEFAULT_LIMITS}


def enrich(services: Any, *, sources: list[str] | None = None,
           urls: dict[str, str] | None = None, spotify: Any = None,
           limits: dict[str, Limits] | None = None, progress: Progress | None = None,
           cancel: threading.Event | None = None, sleep: Callable[[float], None] = time.sleep,
           refresh: bool = True) -> EnrichReport:
    """One enrich run (see the module docstring); `sources` defaults to the enabled ones."""
    started = time.monotonic()
    chosen = [s for s in (sources if sources is not None else
                          services.settings.enabled_source_names()) if s in SOURCE_NAMES]
    if not chosen:
        report = EnrichReport()
        if refresh:
            report.refresh = services.library.refresh_sources(progress, cancel)
        return report
    bases = all_base_urls(urls)
    run = _Run(services, chosen, bases, spotify,
               {**DEFAULT_LIMITS, **_relaxed_for_emulators(bases), **(limits or {})},
               progress, cancel, sleep)
    try:
        tracks = run.tracks()
        run.report.tracks_considered = len(tracks)
        run.deezer_lookups(tracks)
        new_ids = run.candidates(tracks)
        if new_ids:
            fresh = run.tracks(new_ids)
            run.deezer_lookups(fresh)
            known = {t.id for t in tracks}
            tracks.extend(t for t in fresh if t.id not in known)
        run.previews(tracks)
        run.genres(tracks)
    finally:
        run.close()
    if refresh:
        run.report.refresh = services.library.refresh_sources(progress, cancel)
    run.report.seconds = round(time.monotonic() - started, 2)
    log.info("enrich: %s", run.report.summary())
    return run.report
