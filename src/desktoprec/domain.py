"""Plain, immutable values that cross layers and threads: tracks, recommendations, explanations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, cast

# What a long call reports as it goes: progress(phase, done, total).
Progress = Callable[[str, int, int], None]


class JsonRecord:
    """A service result whose `--json` form is its fields, in order, as plain JSON values."""

    __slots__ = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(cast(Any, self))  # every JsonRecord is a dataclass


# Where a block's data came from, as a code (words.py has the words people read):
# sound: own_file | preview | spotify; genre: spotify | tags | deezer | musicbrainz | itunes |
# listenbrainz | cluster (a sound family); colisten: listening (the user's playlists and plays);
# metadata: spotify; "none" when the track has no data for the block, "other" for a source code
# this version does not know.
SourceCode = Literal["own_file", "preview", "spotify", "tags", "deezer", "musicbrainz", "itunes",
                     "listenbrainz", "cluster", "listening", "none", "other"]
SourceBlock = Literal["sound", "genre", "colisten", "metadata"]


@dataclass(frozen=True)
class Track:
    id: str
    name: str
    artists: tuple[str, ...]
    artist_ids: tuple[str, ...] = ()
    album: str | None = None
    uri: str | None = None
    duration_ms: int | None = None
    isrc: str | None = None
    image_url: str | None = None
    release_year: int | None = None
    source: str = "spotify"  # spotify | local | discovery
    local_path: str | None = None  # a playable file of the user's, when there is one


@dataclass(frozen=True)
class CandidateEvidence:
    """One service's word that a track from outside the library suits the user (issue 10)."""

    service: str  # deezer | listenbrainz | spotify
    relation: str  # related | similar | top_tracks | album
    via_artist_id: str  # the user's artist (Spotify id) that brought it
    via_artist_name: str
    candidate_artist_name: str
    score: float  # the service's own figure, higher = closer


@dataclass(frozen=True)
class Reason:
    """One numbered reason: `text` for people, `block` it came from, `value` for charts."""

    text: str
    block: str  # sound | genre | colisten | metadata | artist | context | diversity | profile
    value: float | None = None


@dataclass(frozen=True)
class Explanation:
    summary: str
    reasons: tuple[Reason, ...]
    block_shares: dict[str, float] = field(default_factory=dict)
    sources: dict[SourceBlock, SourceCode] = field(default_factory=dict)  # block -> its source

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "reasons": [r.text for r in self.reasons],
            "reason_details": [
                {"text": r.text, "block": r.block, "value": r.value} for r in self.reasons
            ],
            "block_shares": dict(self.block_shares),
            "sources": dict(self.sources),
        }


@dataclass(frozen=True)
class Recommendation:
    track: Track
    score: float
    explanation: Explanation
    diversity_pick: bool = False
    genres: tuple[str, ...] = ()
    sources: dict[SourceBlock, SourceCode] = field(default_factory=dict)
    # sound descriptors of this track and of the seeds/profile, for the "why" chart
    sound: dict[str, float] = field(default_factory=dict)
    seed_sound: dict[str, float] = field(default_factory=dict)
    new_artist: bool = False  # by no artist the user has saved, played, followed or had on top

    def to_dict(self) -> dict[str, Any]:
        return {
            "track_id": self.track.id,
            "uri": self.track.uri,
            "name": self.track.name,
            "artists": list(self.track.artists),
            "album": self.track.album,
            "score": round(float(self.score), 6),
            "explanation": self.explanation.to_dict(),
            "diversity_pick": self.diversity_pick,
            "genres": list(self.genres),
            "sources": dict(self.sources),
            "new_artist": self.new_artist,
            "block_shares": dict(self.explanation.block_shares),
            "reasons": [r.text for r in self.explanation.reasons],
        }


@dataclass(frozen=True)
class RecommendationList:
    items: tuple[Recommendation, ...]
    recipe: dict[str, Any]
    figures: dict[str, Any]  # distinct_artists, distinct_genres, largest_artist_share, ...
    list_id: int | None = None
