"""Moments in time, one way everywhere: aware UTC in code, naive UTC in the database, ISO 8601 text.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC."""
    return datetime.now(UTC)


def to_db(moment: datetime) -> datetime:
    """The database keeps naive UTC datetimes; a naive `moment` is taken to be UTC already."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def db_now() -> datetime:
    """Now, as the database keeps it (naive UTC)."""
    return to_db(utcnow())


def parse_iso(text: str | None) -> datetime | None:
    """An ISO 8601 moment (Spotify's `2026-11-21T10:00:00Z` too) as aware UTC; None if unusable.
    Text without an offset is taken to be UTC."""
    if not text or not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def iso_seconds(moment: datetime) -> str:
    """`2026-11-21T10:00:00Z`, as Spotify writes `added_at`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(moment: datetime) -> str:
    """`2026-11-21T10:00:00.123Z`, as Spotify writes `played_at`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond // 1000:03d}Z"
