"""The SQLite schema as SQLAlchemy 2.0 declarative models (ORM classes end in `Row`).

Spotify ids are kept as text primary keys. Local files that match no Spotify track become tracks of
their own with ids of the form `local:<sha1>` and `source="local"`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


# --- the Spotify catalogue as far as the user's library reaches ----------------------------------


class ArtistRow(Base):
    __tablename__ = "artists"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String, default="")
    uri: Mapped[str | None] = mapped_column(String, nullable=True)
    # Spotify's genres are deprecated and usually []: kept when present, never relied on.
    genres: Mapped[list[str]] = mapped_column(JSON, default=list)
    image_url: Mapped[str | None] = mapped_column(String, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AlbumRow(Base):
    __tablename__ = "albums"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String, default="")
    uri: Mapped[str | None] = mapped_column(String, nullable=True)
    album_type: Mapped[str | None] = mapped_column(String, nullable=True)
    release_date: Mapped[str | None] = mapped_column(String, nullable=True)
    release_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    image_url: Mapped[str | None] = mapped_column(String, nullable=True)
    artist_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    tracks_fetched: Mapped[bool] = mapped_column(Boolean, default=False)


class TrackRow(Base):
    __tablename__ = "tracks"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    uri: Mapped[str | None] = mapped_column(String, nullable=True)
    name: Mapped[str] = mapped_column(String, default="")
    album_id: Mapped[str | None] = mapped_column(ForeignKey("albums.id"), nullable=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    isrc: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    track_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # spotify | local | discovery  (discovery: from followed/top artists' albums, not the library)
    source: Mapped[str] = mapped_column(String, default="spotify")
    is_playable: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class TrackArtistRow(Base):
    __tablename__ = "track_artists"
    track_id: Mapped[str] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"),
                                          primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    artist_id: Mapped[str] = mapped_column(ForeignKey("artists.id"), index=True)


class IsrcRow(Base):
    """Every (ISRC, track id) pair seen: relinking gives one recording several ids."""

    __tablename__ = "isrcs"
    isrc: Mapped[str] = mapped_column(String, primary_key=True)
    track_id: Mapped[str] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"),
                                          primary_key=True)


# --- the user's library -------------------------------------------------------------------------


class AccountRow(Base):
    __tablename__ = "account"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String, nullable=True)
    uri: Mapped[str | None] = mapped_column(String, nullable=True)
    # Learned from the first player call (/me no longer says): None = unknown.
    premium: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class SavedTrackRow(Base):
    __tablename__ = "saved_tracks"
    track_id: Mapped[str] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"),
                                          primary_key=True)
    added_at: Mapped[str] = mapped_column(String, index=True)  # ISO 8601 as Spotify sends it


class PlaylistRow(Base):
    __tablename__ = "playlists"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String, default="")
    uri: Mapped[str | None] = mapped_column(String, nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    owner_id: Mapped[str | None] = mapped_column(String, nullable=True)
    owner_name: Mapped[str | None] = mapped_column(String, nullable=True)
    collaborative: Mapped[bool] = mapped_column(Boolean, default=False)
    public: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    image_url: Mapped[str | None] = mapped_column(String, nullable=True)
    snapshot_id: Mapped[str | None] = mapped_column(String, nullable=True)
    # The snapshot whose entries are stored; entries are re-read only when snapshot_id differs.
    items_snapshot_id: Mapped[str | None] = mapped_column(String, nullable=True)
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    list_position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    readable: Mapped[bool] = mapped_column(Boolean, default=True)
    skipped_reason: Mapped[str | None] = mapped_column(String, nullable=True)
    made_by_desktoprec: Mapped[bool] = mapped_column(Boolean, default=False)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    synced_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class PlaylistEntryRow(Base):
    __tablename__ = "playlist_entries"
    playlist_id: Mapped[str] = mapped_column(ForeignKey("playlists.id", ondelete="CASCADE"),
                                             primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    # track | episode | local | unavailable
    kind: Mapped[str] = mapped_column(String, default="track")
    track_id: Mapped[str | None] = mapped_column(ForeignKey("tracks.id"), nullable=True, index=True)
    added_at: Mapped[str | None] = mapped_column(String, nullable=True)
    uri: Mapped[str | None] = mapped_column(String, nullable=True)
    # Local and episode entries keep what Spotify says about them.
    name: Mapped[str | None] = mapped_column(String, nullable=True)
    artist_name: Mapped[str | None] = mapped_column(String, nullable=True)
    album_name: Mapped[str | None] = mapped_column(String, nullable=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)


class TopTrackRow(Base):
    __tablename__ = "top_tracks"
    time_range: Mapped[str] = mapped_column(String, primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    track_id: Mapped[str] = mapped_column(ForeignKey("tracks.id"))


class TopArtistRow(Base):
    __tablename__ = "top_artists"
    time_range: Mapped[str] = mapped_column(String, primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    artist_id: Mapped[str] = mapped_column(ForeignKey("artists.id"))


class RecentlyPlayedRow(Base):
    __tablename__ = "recently_played"
    played_at: Mapped[str] = mapped_column(String, primary_key=True)
    track_id: Mapped[str] = mapped_column(ForeignKey("tracks.id"), index=True)
    context_uri: Mapped[str | None] = mapped_column(String, nullable=True)


class FollowedArtistRow(Base):
    __tablename__ = "followed_artists"
    artist_id: Mapped[str] = mapped_column(ForeignKey("artists.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class SyncStateRow(Base):
    """Cursors, last-sync times, resume markers and remembered probes (e.g. audio-features)."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class FeedbackRow(Base):
    """The user's own signals: play, skip, like, dislike (later issues read and add to this)."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    track_id: Mapped[str] = mapped_column(String, index=True)
    kind: Mapped[str] = mapped_column(String)  # play | skip | like | dislike
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    position_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    context: Mapped[str | None] = mapped_column(String, nullable=True)


class DislikedRow(Base):
    """Artists or genres the user asked never to be recommended."""

    __tablename__ = "disliked"
    kind: Mapped[str] = mapped_column(String, primary_key=True)  # artist | genre
    value: Mapped[str] = mapped_column(String, primary_key=True)
    at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


# --- exports ------------------------------------------------------------------------------------


class ExportRow(Base):
    """Playlists desktoprec made on Spotify, by name, so exporting again updates the same one."""

    __tablename__ = "exports"
    name: Mapped[str] = mapped_column(String, primary_key=True)
    playlist_id: Mapped[str] = mapped_column(String)
    uri: Mapped[str | None] = mapped_column(String, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class PendingExportRow(Base):
    """A Spotify export asked for while offline, sent when the network is back."""

    __tablename__ = "pending_exports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String, nullable=True)


# --- local music files and sound (issue: sound) -------------------------------------------------


class LocalFileRow(Base):
    __tablename__ = "local_files"
    path: Mapped[str] = mapped_column(String, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    mtime: Mapped[float] = mapped_column(Float)
    content_hash: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    format: Mapped[str | None] = mapped_column(String, nullable=True)
    title: Mapped[str | None] = mapped_column(String, nullable=True)
    artist: Mapped[str | None] = mapped_column(String, nullable=True)
    album: Mapped[str | None] = mapped_column(String, nullable=True)
    isrc: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    genre: Mapped[str | None] = mapped_column(String, nullable=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    tag_error: Mapped[str | None] = mapped_column(String, nullable=True)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The Spotify track this file matched, or its own `local:` track.
    track_id: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    match_method: Mapped[str | None] = mapped_column(String, nullable=True)  # isrc | name | none
    scanned_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AnalysisRow(Base):
    """DSP descriptors cached by content hash and analyzer version."""

    __tablename__ = "analyses"
    content_hash: Mapped[str] = mapped_column(String, primary_key=True)
    analyzer_version: Mapped[str] = mapped_column(String, primary_key=True)
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    error: Mapped[str | None] = mapped_column(String, nullable=True)
    descriptors: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    analyzed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AudioFeaturesRow(Base):
    """Spotify audio features, only for apps that still get them."""

    __tablename__ = "audio_features"
    track_id: Mapped[str] = mapped_column(String, primary_key=True)
    features: Mapped[dict[str, Any]] = mapped_column(JSON)


class TrackSoundRow(Base):
    """Which source gave a track its sound vector, and the vector itself (float32 bytes)."""

    __tablename__ = "track_sound"
    track_id: Mapped[str] = mapped_column(String, primary_key=True)
    source: Mapped[str] = mapped_column(String)  # own_file | spotify | preview | none
    descriptors: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class TrackGenreRow(Base):
    """Real genres per track with where they came from (spotify | tags | deezer | musicbrainz).

    Sound families (clusters) live in `track_sound_families`, never here.
    """

    __tablename__ = "track_genres"
    track_id: Mapped[str] = mapped_column(String, primary_key=True)
    genre: Mapped[str] = mapped_column(String, primary_key=True)
    source: Mapped[str] = mapped_column(String)
    weight: Mapped[float] = mapped_column(Float, default=1.0)


class SoundClusterRow(Base):
    __tablename__ = "sound_clusters"
    cluster_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    centroid: Mapped[list[float]] = mapped_column(JSON)
    size: Mapped[int] = mapped_column(Integer, default=0)


class CandidateEvidenceRow(Base):
    """Why a track from outside the library is a new-artist candidate: which service named it."""

    __tablename__ = "candidate_evidence"
    # The Spotify track the candidate was mapped to by ISRC.
    track_id: Mapped[str] = mapped_column(String, primary_key=True)
    service: Mapped[str] = mapped_column(String, primary_key=True)  # deezer | listenbrainz | spotify
    # The user's artist (Spotify id) that brought it.
    via_artist_id: Mapped[str] = mapped_column(String, primary_key=True)
    relation: Mapped[str] = mapped_column(String)  # related | similar | top_tracks | album
    via_artist_name: Mapped[str] = mapped_column(String, default="")
    candidate_artist_name: Mapped[str] = mapped_column(String, default="")
    # The service's own figure (higher = closer): ListenBrainz score, rank-based for Deezer.
    score: Mapped[float] = mapped_column(Float, default=0.0)
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class TrackSoundFamilyRow(Base):
    """Each track's sound family: a k-means cluster of sound descriptors. NEVER a genre: it is
    kept out of `track_genres` and out of every "N genres" figure."""

    __tablename__ = "track_sound_families"
    track_id: Mapped[str] = mapped_column(String, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String)


class CatalogAnswerRow(Base):
    """What an external catalogue service (deezer, itunes, musicbrainz, listenbrainz, spotify
    search) said about one key, trimmed to what we use: the cache that makes enrich resumable."""

    __tablename__ = "catalog_answers"
    service: Mapped[str] = mapped_column(String, primary_key=True)
    key: Mapped[str] = mapped_column(String, primary_key=True)  # e.g. "isrc:GBDUW0000059"
    status: Mapped[str] = mapped_column(String)  # found | not_found | rejected
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    fetched_at: Mapped[datetime] = mapped_column(DateTime)


class SoundEvidenceRow(Base):
    """A service's own figures about a track's sound (Deezer's bpm and gain), kept beside our
    own analysis so "why" can show both when they disagree."""

    __tablename__ = "sound_evidence"
    track_id: Mapped[str] = mapped_column(String, primary_key=True)
    service: Mapped[str] = mapped_column(String, primary_key=True)  # deezer
    bpm: Mapped[float | None] = mapped_column(Float, nullable=True)  # None: the service has none
    gain: Mapped[float | None] = mapped_column(Float, nullable=True)  # dB, as the service says
    preview_from: Mapped[str | None] = mapped_column(String, nullable=True)  # deezer | itunes


# --- recommendations (issue: recommendations) ---------------------------------------------------


class RecommendationListRow(Base):
    """Each list shown or printed, with its recipe, for `export --from-last` and novelty memory."""

    __tablename__ = "recommendation_lists"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    recipe: Mapped[dict[str, Any]] = mapped_column(JSON)
    track_ids: Mapped[list[str]] = mapped_column(JSON)


class RecommendedRow(Base):
    __tablename__ = "recommended"
    track_id: Mapped[str] = mapped_column(String, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, primary_key=True)


Index("ix_feedback_track_kind", FeedbackRow.track_id, FeedbackRow.kind)
