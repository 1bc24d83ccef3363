"""Validated parsing of Spotify Web API JSON (old and late-2026 shapes) into frozen dataclasses.

The API leaves many fields out or sends null, and has changed shape over the years (`track` became
`item` in playlist entries, `genres` is now usually `[]`, `external_ids` came and went). Everything
optional is treated as optional here; what the app cannot work without (an id, a URI, a name) is
rejected with a `MalformedResponse` that names the field.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from desktoprec.errors import MalformedResponse

log = logging.getLogger(__name__)

# Longest string kept from a name field; the API has no such limit but a UI must.
MAX_TEXT = 1000
# Spotify ids are 22 base-62 characters; an ISRC is CC-XXX-YY-NNNNN without the dashes. Anything
# else from the API is not an identifier: it would end up in exports, file names and URLs.
SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")
ISRC = re.compile(r"[A-Z]{2}[A-Z0-9]{3}[0-9]{7}")
_URI_KINDS = ("track", "episode", "album", "artist", "playlist", "show", "user")


def is_spotify_id(value: object) -> bool:
    return isinstance(value, str) and SPOTIFY_ID.fullmatch(value) is not None


def clean_isrc(value: object) -> str | None:
    """An ISRC as 12 upper-case characters (dashes and spaces dropped), or None."""
    if not isinstance(value, str):
        return None
    compact = re.sub(r"[\s-]", "", value[:64]).upper()
    return compact if ISRC.fullmatch(compact) else None


# --- values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserProfile:
    id: str
    display_name: str | None
    uri: str | None
    product: str | None = None  # gone from /me since 2026-03; kept when an old shape sends it


@dataclass(frozen=True)
class ArtistRef:
    """An artist as it appears inside a track or album (id is None for local files)."""

    id: str | None
    name: str
    uri: str | None = None


@dataclass(frozen=True)
class Artist:
    id: str
    name: str
    uri: str | None
    genres: tuple[str, ...] = ()
    image_url: str | None = None


@dataclass(frozen=True)
class Album:
    id: str | None
    name: str
    uri: str | None = None
    album_type: str | None = None
    release_date: str | None = None
    release_year: int | None = None
    image_url: str | None = None
    artists: tuple[ArtistRef, ...] = ()


@dataclass(frozen=True)
class ApiTrack:
    """A track (or, with kind="episode", a podcast episode) as the API describes it."""

    id: str | None
    uri: str
    name: str
    artists: tuple[ArtistRef, ...] = ()
    album: Album | None = None
    duration_ms: int | None = None
    isrc: str | None = None
    explicit: bool = False
    track_number: int | None = None
    is_playable: bool | None = None
    is_local: bool = False
    kind: str = "track"  # track | episode


@dataclass(frozen=True)
class LocalTrackRef:
    """What a `spotify:local:artist:album:title:seconds` URI says about a user's local file."""

    artist: str | None
    album: str | None
    title: str | None
    duration_ms: int | None


@dataclass(frozen=True)
class PlaylistEntry:
    """One position of a playlist. kind: track | episode | local | unavailable."""

    kind: str
    added_at: str | None
    track: ApiTrack | None
    uri: str | None = None
    name: str | None = None
    artist_name: str | None = None
    album_name: str | None = None
    duration_ms: int | None = None


@dataclass(frozen=True)
class SavedTrack:
    added_at: str
    track: ApiTrack


@dataclass(frozen=True)
class PlayHistory:
    played_at: str
    track: ApiTrack
    context_uri: str | None = None


@dataclass(frozen=True)
class PlaylistSummary:
    id: str
    name: str
    uri: str | None
    snapshot_id: str | None
    owner_id: str | None = None
    owner_name: str | None = None
    collaborative: bool = False
    public: bool | None = None
    description: str | None = None
    image_url: str | None = None
    total: int | None = None


@dataclass(frozen=True)
class Page:
    """One page of a paged list: the raw item objects plus where the next page is."""

    items: tuple[Any, ...]
    next: str | None
    total: int | None = None
    limit: int | None = None
    offset: int | None = None
    cursor_after: str | None = None


# --- field helpers -----------------------------------------------------------------------------


def _where(context: str, key: str) -> str:
    return f"{context}.{key}" if context else key


def _malformed(where: str, problem: str) -> MalformedResponse:
    """The one wording of a response field that is not what Spotify documents."""
    return MalformedResponse(
        f"Spotify sent a response desktoprec could not understand: `{where}` {problem}.")


def _obj(value: Any, context: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _malformed(context or "body", f"should be an object, got {type(value).__name__}")
    return value


def _require_str(data: dict[str, Any], key: str, context: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise _malformed(_where(context, key), "is missing or not text")
    return value[:MAX_TEXT]


def _opt_str(data: dict[str, Any], key: str, context: str = "") -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise _malformed(_where(context, key), "should be text")
    return value[:MAX_TEXT]


def _opt_int(data: dict[str, Any], key: str, context: str = "") -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _malformed(_where(context, key), "should be a number")
    if math.isnan(value) or abs(value) > 2**53:  # NaN or absurd
        raise _malformed(_where(context, key), "is out of range")
    return int(value)


def _opt_bool(data: dict[str, Any], key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


def _list(data: dict[str, Any], key: str, context: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _malformed(_where(context, key), "should be a list")
    return value


def _image_url(data: dict[str, Any], context: str) -> str | None:
    """The largest image's URL (the API lists them in varying order)."""
    best: tuple[int, str] | None = None
    for image in _list(data, "images", context):
        if not isinstance(image, dict):
            continue
        url = image.get("url")
        if not isinstance(url, str) or not url:
            continue
        width = image.get("width")
        size = width if isinstance(width, int) and not isinstance(width, bool) else 0
        if best is None or size > best[0]:
            best = (size, url)
    return best[1] if best else None


def release_year(release_date: str | None) -> int | None:
    if not release_date or len(release_date) < 4 or not release_date[:4].isdigit():
        return None
    year = int(release_date[:4])
    return year if year > 0 else None


def _id_from_uri(uri: str | None, kind: str) -> str | None:
    prefix = f"spotify:{kind}:"
    if uri and uri.startswith(prefix) and is_spotify_id(uri[len(prefix):]):
        return uri[len(prefix):]
    return None


def _opt_id(data: dict[str, Any], key: str, context: str = "") -> str | None:
    """An optional Spotify id: anything that is not 22 base-62 characters counts as missing."""
    value = _opt_str(data, key, context)
    if value is not None and not is_spotify_id(value):
        log.debug("ignoring a malformed id at %s", _where(context, key))
        return None
    return value


def _require_id(data: dict[str, Any], key: str, context: str) -> str:
    value = _require_str(data, key, context)
    if not is_spotify_id(value):
        raise _malformed(_where(context, key), "is not a Spotify id")
    return value


def _uri(data: dict[str, Any], kind: str, item_id: str | None, context: str) -> str | None:
    """The object's URI: `spotify:<kind>:<its id>` (the one the API sent only when it says
    exactly that, so a URI can never carry other text into an export)."""
    sent = _opt_str(data, "uri", context)
    if item_id is not None:
        return f"spotify:{kind}:{item_id}"
    if sent and kind in _URI_KINDS and _id_from_uri(sent, kind):
        return sent
    return None


# --- objects -----------------------------------------------------------------------------------


def parse_user(data: Any) -> UserProfile:
    data = _obj(data, "me")
    return UserProfile(
        id=_require_str(data, "id", "me"),
        display_name=_opt_str(data, "display_name", "me"),
        uri=_opt_str(data, "uri", "me"),
        product=_opt_str(data, "product", "me"),
    )


def parse_artist_ref(data: Any, context: str) -> ArtistRef:
    data = _obj(data, context)
    artist_id = _opt_id(data, "id", context)
    return ArtistRef(
        id=artist_id,
        name=_opt_str(data, "name", context) or "",
        uri=_uri(data, "artist", artist_id, context),
    )


def parse_artist(data: Any, context: str = "artist") -> Artist:
    data = _obj(data, context)
    genres = tuple(g[:200] for g in _list(data, "genres", context) if isinstance(g, str) and g)
    artist_id = _require_id(data, "id", context)
    return Artist(
        id=artist_id,
        name=_opt_str(data, "name", context) or "",
        uri=_uri(data, "artist", artist_id, context),
        genres=genres,
        image_url=_image_url(data, context),
    )


def parse_album(data: Any, context: str = "album") -> Album:
    data = _obj(data, context)
    release_date = _opt_str(data, "release_date", context)
    artists = tuple(
        parse_artist_ref(a, f"{context}.artists[{i}]")
        for i, a in enumerate(_list(data, "artists", context))
    )
    album_type = _opt_str(data, "album_type", context)
    album_id = _opt_id(data, "id", context)
    return Album(
        id=album_id,
        name=_opt_str(data, "name", context) or "",
        uri=_uri(data, "album", album_id, context),
        album_type=album_type.lower() if album_type else None,
        release_date=release_date,
        release_year=release_year(release_date),
        image_url=_image_url(data, context),
        artists=artists,
    )


def parse_track(data: Any, context: str = "track") -> ApiTrack:
    """A track or episode object; local files are allowed an id of null (their URI says it all)."""
    data = _obj(data, context)
    kind = "episode" if data.get("type") == "episode" else "track"
    is_local = bool(data.get("is_local")) or str(data.get("uri") or "").startswith("spotify:local:")
    uri = _require_str(data, "uri", context)
    track_id = _opt_str(data, "id", context)
    if is_local:
        if not uri.startswith("spotify:local:"):
            uri = "spotify:local:::" + ":"  # the parts are unknown; never the text sent
    else:
        if track_id is not None and not is_spotify_id(track_id):
            raise _malformed(f"{context}.id", "is not a Spotify id")
        track_id = track_id or _id_from_uri(uri, kind)
        if track_id is None:
            raise _malformed(f"{context}.id", "is missing")
        uri = f"spotify:{kind}:{track_id}"
    album_data = data.get("album")
    album = parse_album(album_data, f"{context}.album") if isinstance(album_data, dict) else None
    if kind == "episode" and album is None and isinstance(data.get("show"), dict):
        show = data["show"]
        show_id = _opt_id(show, "id")
        album = Album(id=show_id, name=_opt_str(show, "name") or "",
                      uri=_uri(show, "show", show_id, ""), album_type="show",
                      release_date=_opt_str(data, "release_date"),
                      release_year=release_year(_opt_str(data, "release_date")),
                      image_url=_image_url(show, f"{context}.show"))
    artists = tuple(
        parse_artist_ref(a, f"{context}.artists[{i}]")
        for i, a in enumerate(_list(data, "artists", context))
    )
    external_ids = data.get("external_ids")
    isrc = None
    if isinstance(external_ids, dict):
        isrc = clean_isrc(external_ids.get("isrc"))
    name = _opt_str(data, "name", context)
    if name is None and not is_local:
        raise _malformed(f"{context}.name", "is missing")
    return ApiTrack(
        id=None if is_local else track_id,
        uri=uri,
        name=name or "",
        artists=artists,
        album=album,
        duration_ms=_opt_int(data, "duration_ms", context),
        isrc=isrc,
        explicit=bool(data.get("explicit")),
        track_number=_opt_int(data, "track_number", context),
        is_playable=_opt_bool(data, "is_playable"),
        is_local=is_local,
        kind=kind,
    )


def decode_local_uri(uri: str) -> LocalTrackRef:
    """`spotify:local:Artist:Album:Title:215` → its parts (URL-encoded with + for spaces)."""
    if not uri.startswith("spotify:local:"):
        raise MalformedResponse(f"Spotify sent a local-file URI desktoprec could not read: {uri!r}")
    parts = uri[len("spotify:local:"):].split(":")
    # Titles cannot contain a raw ':' (it is percent-encoded), but be lenient with odd URIs.
    while len(parts) < 4:
        parts.append("")
    artist, album, title, seconds = parts[0], parts[1], ":".join(parts[2:-1]), parts[-1]

    def text(value: str) -> str | None:
        decoded = unquote_plus(value).strip()
        return decoded[:MAX_TEXT] or None

    duration = int(seconds) * 1000 if seconds.isdigit() else None
    return LocalTrackRef(artist=text(artist), album=text(album), title=text(title),
                         duration_ms=duration)


def parse_playlist_entry(data: Any, context: str = "items[]") -> PlaylistEntry:
    """A playlist entry: read `item`, fall back to `track`; null → unavailable; local; episode."""
    data = _obj(data, context)
    added_at = _opt_str(data, "added_at", context)
    key = "item" if "item" in data else "track"
    payload = data.get(key)
    if payload is None and key == "item":
        payload = data.get("track")  # a deprecation-window response may fill only the old key
    if payload is None:
        return PlaylistEntry(kind="unavailable", added_at=added_at, track=None)
    track = parse_track(payload, f"{context}.{key}")
    if track.is_local or data.get("is_local") is True:
        local = decode_local_uri(track.uri) if track.uri.startswith("spotify:local:") else None
        artist_name = track.artists[0].name if track.artists and track.artists[0].name else None
        return PlaylistEntry(
            kind="local",
            added_at=added_at,
            track=None,
            uri=track.uri,
            name=track.name or (local.title if local else None),
            artist_name=artist_name or (local.artist if local else None),
            album_name=(track.album.name if track.album and track.album.name else None)
            or (local.album if local else None),
            duration_ms=track.duration_ms or (local.duration_ms if local else None),
        )
    artist_name = ", ".join(a.name for a in track.artists if a.name) or None
    return PlaylistEntry(
        kind=track.kind,
        added_at=added_at,
        track=track,
        uri=track.uri,
        name=track.name,
        artist_name=artist_name,
        album_name=track.album.name if track.album else None,
        duration_ms=track.duration_ms,
    )


def parse_saved_track(data: Any, context: str = "items[]") -> SavedTrack | None:
    """A `/me/tracks` entry; None when the track is gone (`track: null`)."""
    data = _obj(data, context)
    added_at = _require_str(data, "added_at", context)
    track = _wrapped_track(data, context)
    return SavedTrack(added_at=added_at, track=track) if track is not None else None


def _wrapped_track(data: dict[str, Any], context: str) -> ApiTrack | None:
    """The track of a `{"track" (or "item"): {...}}` wrapper; None when it is gone or has no id."""
    payload = data.get("track", data.get("item"))
    if payload is None:
        return None
    track = parse_track(payload, f"{context}.track")
    return track if track.id is not None else None


def parse_play_history(data: Any, context: str = "items[]") -> PlayHistory | None:
    data = _obj(data, context)
    played_at = _require_str(data, "played_at", context)
    track = _wrapped_track(data, context)
    if track is None:
        return None
    context_obj = data.get("context")
    context_uri = _opt_str(context_obj, "uri") if isinstance(context_obj, dict) else None
    return PlayHistory(played_at=played_at, track=track, context_uri=context_uri)


def parse_playlist(data: Any, context: str = "playlist") -> PlaylistSummary:
    """A playlist object from `/me/playlists` or `/playlists/{id}` (`items` or old `tracks`)."""
    data = _obj(data, context)
    owner = data.get("owner") if isinstance(data.get("owner"), dict) else {}
    counts = data.get("items") if isinstance(data.get("items"), dict) else data.get("tracks")
    total = _opt_int(counts, "total", f"{context}.items") if isinstance(counts, dict) else None
    public = data.get("public")
    playlist_id = _require_id(data, "id", context)
    return PlaylistSummary(
        id=playlist_id,
        name=_opt_str(data, "name", context) or "",
        uri=_uri(data, "playlist", playlist_id, context),
        snapshot_id=_opt_str(data, "snapshot_id", context),
        owner_id=_opt_str(owner, "id", f"{context}.owner"),
        owner_name=_opt_str(owner, "display_name", f"{context}.owner"),
        collaborative=bool(data.get("collaborative")),
        public=public if isinstance(public, bool) else None,
        description=_opt_str(data, "description", context),
        image_url=_image_url(data, context),
        total=total,
    )


def embedded_playlist_entries(data: Any) -> Page | None:
    """The first page of entries embedded in a full playlist object, if any."""
    data = _obj(data, "playlist")
    for key in ("items", "tracks"):
        inner = data.get(key)
        if isinstance(inner, dict) and "items" in inner:
            return parse_page(inner, context=f"playlist.{key}")
    return None


def parse_audio_features(data: Any, context: str = "audio_features") -> dict[str, float]:
    data = _obj(data, context)
    _require_str(data, "id", context)
    features: dict[str, float] = {}
    for key, value in data.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            features[key] = float(value)
    return features


def parse_page(data: Any, context: str = "page", wrapper: str | None = None) -> Page:
    """A paging object (offset or cursor based); `wrapper` unwraps e.g. `{"artists": {...}}`."""
    data = _obj(data, context)
    if wrapper is not None:
        data = _obj(data.get(wrapper), _where(context, wrapper))
        context = _where(context, wrapper)
    items = data.get("items")
    if not isinstance(items, list):
        raise _malformed(_where(context, "items"), "is missing or not a list")
    next_url = data.get("next")
    if next_url is not None and not isinstance(next_url, str):
        raise _malformed(_where(context, "next"), "should be a URL")
    cursors = data.get("cursors")
    after = None
    if isinstance(cursors, dict) and cursors.get("after") is not None:
        after = str(cursors["after"])
    return Page(
        items=tuple(items),
        next=next_url or None,
        total=_opt_int(data, "total", context),
        limit=_opt_int(data, "limit", context),
        offset=_opt_int(data, "offset", context),
        cursor_after=after,
    )


def parse_items(page: Page, parser: Any, context: str) -> list[Any]:
    """Parse every item of a page with `parser(item, context)`, dropping the None results."""
    out = []
    for index, raw in enumerate(page.items):
        parsed = parser(raw, f"{context}[{index}]")
        if parsed is not None:
            out.append(parsed)
    return out
