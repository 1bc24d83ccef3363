"""Creating or updating desktoprec's playlists on Spotify: private by default, ≤100 URIs a call."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypedDict

from desktoprec.errors import ExportError, MalformedResponse, NotAvailable
from desktoprec.spotify.client import SpotifyClient

log = logging.getLogger(__name__)

BATCH = 100
MADE_BY = "Made by desktoprec"
# Spotify caps playlist descriptions at 300 characters.
MAX_DESCRIPTION = 300
# Spotify ids are 22 base-62 characters; anything else would make Spotify refuse the whole batch.
EXPORTABLE_URI = re.compile(r"^spotify:(track|episode):[A-Za-z0-9]{22}$")


@dataclass(frozen=True)
class ExportResult:
    playlist_id: str
    uri: str | None
    created: bool
    tracks: int
    skipped: int
    requests: int


class ExportOutcome(TypedDict, total=False):
    """What one export to Spotify did (`export --json`); a queued one has pending_id/message."""

    name: str
    playlist_id: str
    uri: str | None
    created: bool
    tracks: int
    skipped: int
    public: bool
    requests: int
    queued: bool
    pending_id: int
    message: str
    added: int  # adding to an existing playlist: how many tracks were appended


def make_description(recipe: str | None = None, description: str | None = None) -> str:
    """`Made by desktoprec` plus the recipe, cut to Spotify's limit."""
    text = description.strip() if description else MADE_BY
    if MADE_BY.lower() not in text.lower():
        text = f"{MADE_BY}: {text}"
    if recipe:
        text = f"{text} — {recipe.strip()}"
    # Angle brackets are refused by Spotify in descriptions; newlines render oddly.
    text = " ".join(text.replace("<", "(").replace(">", ")").split())
    return text[:MAX_DESCRIPTION]


def exportable(uris: Sequence[str]) -> tuple[list[str], int]:
    """The URIs Spotify can put in a playlist (local files cannot be added); and how many not."""
    keep = [u.strip() for u in uris if u and EXPORTABLE_URI.match(u.strip())]
    return keep, len(uris) - len(keep)


def push_playlist(client: SpotifyClient, *, name: str, uris: Sequence[str], public: bool,
                  description: str, existing_id: str | None,
                  on_created: Callable[[str, str | None], None] | None = None) -> ExportResult:
    """Make (or update, when `existing_id` still exists) a playlist holding exactly `uris`.

    `on_created(id, uri)` runs as soon as a new playlist exists, before its items are added, so
    a failure half-way still leaves one playlist to update next time, never a second one.
    """
    before = client.requests_made
    keep, skipped = exportable(uris)
    playlist_id: str | None = existing_id
    uri: str | None = None
    created = False
    if playlist_id is not None and not _still_listed(client, playlist_id):
        # "Delete" in Spotify's apps only unfollows: the playlist would be updated out of sight
        log.info("the earlier export %s is no longer in the user's playlists; making a new one",
                 playlist_id)
        playlist_id = None
    if playlist_id is not None:
        try:
            client.request("PUT", f"/playlists/{playlist_id}",
                           json={"name": name, "description": description, "public": public})
            # PUT with a body replaces every item; the rest are appended in batches below.
            client.request("PUT", f"/playlists/{playlist_id}/items", json={"uris": keep[:BATCH]})
            uri = f"spotify:playlist:{playlist_id}"
        except NotAvailable as exc:
            log.info("the earlier export %s is gone (%s); making a new playlist", playlist_id, exc)
            playlist_id = None
    if playlist_id is None:
        made = client.request("POST", "/me/playlists",
                              json={"name": name, "public": public, "description": description})
        if not isinstance(made, dict) or not isinstance(made.get("id"), str):
            raise MalformedResponse("Spotify did not say which playlist it created.")
        playlist_id = made["id"]
        uri = made.get("uri") if isinstance(made.get("uri"), str) else None
        created = True
        if on_created is not None:
            on_created(playlist_id, uri)
        if keep[:BATCH]:
            client.request("POST", f"/playlists/{playlist_id}/items",
                           json={"uris": keep[:BATCH]})
    for start in range(BATCH, len(keep), BATCH):
        client.request("POST", f"/playlists/{playlist_id}/items",
                       json={"uris": keep[start:start + BATCH]})
    if playlist_id is None:  # pragma: no cover - guarded above
        raise ExportError()
    return ExportResult(playlist_id=playlist_id, uri=uri or f"spotify:playlist:{playlist_id}",
                        created=created, tracks=len(keep), skipped=skipped,
                        requests=client.requests_made - before)


def _still_listed(client: SpotifyClient, playlist_id: str) -> bool:
    """Whether the user still has the playlist (owns or follows it): /me/playlists lists it."""
    for page in client.pages("/me/playlists", {}):
        if any(isinstance(p, dict) and p.get("id") == playlist_id for p in page.get("items", [])):
            return True
    return False


def result_dict(name: str, result: ExportResult, public: bool) -> ExportOutcome:
    return {"name": name, "playlist_id": result.playlist_id, "uri": result.uri,
            "created": result.created, "tracks": result.tracks, "skipped": result.skipped,
            "public": public, "requests": result.requests, "queued": False}
