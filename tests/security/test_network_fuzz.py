"""Hostile network answers: the client and parser either work or raise the SpotifyError tree.

Two fuzzes: (1) real recorded Spotify responses mutated at any depth — fields deleted, nulled,
retyped, made huge — through every parser; (2) raw bytes, statuses and headers from a real HTTP
server on 127.0.0.1 through `SpotifyClient.request` and `.pages`.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktoprec.errors import DesktopRecError, MalformedResponse, RateLimited, SpotifyError
from desktoprec.spotify import parse
from desktoprec.spotify.client import SpotifyClient
from shared_location import find_shared_data

from .conftest import Answer, HostileServer, StaticTokens

RECORDED = find_shared_data() / "spotify-api"


def _recorded(name: str) -> Any:
    for folder in ("spotifyaio-2026", "web-api-java"):
        path = RECORDED / folder / name
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError(name)


def _page_then(parser: Any, wrapper: str | None = None) -> Any:
    def run(data: Any) -> list[Any]:
        page = parse.parse_page(data, "page", wrapper)
        return parse.parse_items(page, parser, "items")

    return run


def _embedded_entries(data: Any) -> list[Any]:
    page = parse.embedded_playlist_entries(data)
    return parse.parse_items(page, parse.parse_playlist_entry, "items") if page else []


# (recorded file, how the app parses it)
CASES: list[tuple[str, Any]] = [
    ("saved_tracks.json", _page_then(parse.parse_saved_track)),
    ("playlist_items.json", _page_then(parse.parse_playlist_entry)),
    ("playlist_2.json", parse.parse_playlist),
    ("playlist_2.json", _embedded_entries),
    ("recently_played_tracks.json", _page_then(parse.parse_play_history)),
    ("top_tracks.json", _page_then(parse.parse_track)),
    ("artist.json", parse.parse_artist),
    ("artist_pre2026-03.json", parse.parse_artist),
    ("current_user.json", parse.parse_user),
    ("playlist-localfiles-response.json", _embedded_entries),
    ("GetUsersSavedTracksRequest.json", _page_then(parse.parse_saved_track)),
    ("GetCurrentUsersRecentlyPlayedTracksRequest.json", _page_then(parse.parse_play_history)),
]


def test_recorded_responses_parse_unchanged() -> None:
    """The baseline the fuzz mutates: every recorded response parses as it is."""
    for name, parser in CASES:
        parser(_recorded(name))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):
            out.extend(_paths(value, (*prefix, index)))
    return out


HOSTILE_VALUES: list[Any] = [
    None, True, 0, -1, 2**63, -(2**70), 1e308, math.inf, -math.inf, math.nan, "", " ", "x" * 200_000,
    "<img src=x onerror=alert(1)>", "../../../../etc/passwd", "\u202etxt.exe", "\x00\x01\x1b[31m",
    [], [None], [[[]]], {}, {"": None}, "spotify:local:::::", "spotify:track:", 3.5,
]


def _mutate(document: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    doc = copy.deepcopy(document)
    if not path:
        return value if action != "delete" else {}
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "delete":
        if isinstance(parent, dict):
            parent.pop(last, None)
        else:
            parent.pop(last)
    elif action == "wrap":
        parent[last] = [parent[last]]
    else:
        parent[last] = value
    return doc


@st.composite
def _mutations(draw: st.DrawFn) -> tuple[int, Any]:
    case_index = draw(st.integers(0, len(CASES) - 1))
    document = _recorded(CASES[case_index][0])
    doc = document
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["delete", "replace", "replace", "wrap"]))
        value = draw(st.sampled_from(HOSTILE_VALUES))
        doc = _mutate(doc, path, action, value)
    return case_index, doc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_fuzz_mutated_recorded_responses(mutation: tuple[int, Any]) -> None:
    case_index, document = mutation
    _name, parser = CASES[case_index]
    try:
        result = parser(document)
    except MalformedResponse as exc:
        assert str(exc).startswith("Spotify sent") and len(str(exc)) < 500
        return
    # What parsed is bounded: no name longer than the cap survives into the app.
    text = repr(result)
    assert "x" * (parse.MAX_TEXT + 1) not in text


# --- raw bytes from a real server through the client -------------------------------------------


def _client(server: HostileServer, **kw: Any) -> SpotifyClient:
    options: dict[str, Any] = {"max_wait": 0.05, "retries": 1, "retry_delay": 0.0,
                               "timeout": 5.0, "sleep": lambda _s: None}
    options.update(kw)
    return SpotifyClient(server.url + "/v1", StaticTokens(), **options)


_SHARED_CLIENTS: dict[str, SpotifyClient] = {}

RAW_BODIES = [
    b"", b"{", b"[" * 3000, b"{\"a\":" * 3000, b"\xff\xfe\x00garbage", b"null", b"[]", b"42",
    b'"text"', b"NaN", b'{"items": "no"}', b'{"items": [], "next": 5}', b"\x00" * 5000,
    b'{"items": [null, 1, "x", {}], "next": null}', json.dumps({"items": [{}] * 3000}).encode(),
    b'{"error": {"status": 500}}', "{\"name\": \"\ud800\"}".encode("utf-8", "surrogatepass"),
]
STATUSES = [200, 201, 204, 301, 302, 400, 401, 403, 404, 418, 429, 500, 502, 503, 599]
RETRY_AFTERS = [None, "0", "-5", "3600", "inf", "nan", "1e308", "99999999999999999999", "abc", ""]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(st.sampled_from(RAW_BODIES), st.binary(max_size=300)),
    status=st.sampled_from(STATUSES),
    retry_after=st.sampled_from(RETRY_AFTERS),
    content_type=st.sampled_from(["application/json", "text/html", "text/plain; charset=utf-8"]),
    paged=st.booleans(),
)
def test_fuzz_raw_answers_through_the_client(
    hostile_server: HostileServer, body: bytes, status: int, retry_after: str | None,
    content_type: str, paged: bool,
) -> None:
    headers = {"Content-Type": content_type}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    if status in (301, 302):
        headers["Location"] = "http://198.51.100.7/steal"
    hostile_server.answer = Answer(status=status, body=body, headers=headers)
    # One client per server for all examples: building an httpx client costs more than a request.
    client = _SHARED_CLIENTS.get(hostile_server.url) or _SHARED_CLIENTS.setdefault(
        hostile_server.url, _client(hostile_server))
    try:
        if paged:
            for page in client.pages("/me/tracks"):
                parse.parse_items(parse.parse_page(page), parse.parse_saved_track, "items")
        else:
            client.request("GET", "/me")
    except DesktopRecError as exc:
        message = exc.user_text()
        assert message and len(message) < 1000 and "\n" not in message
        if status == 429 and isinstance(exc, RateLimited):
            assert exc.retry_after >= 0
    # Nothing ever went anywhere but the server it was pointed at (no redirect was followed).
    assert all(not path.startswith("http") for _m, path, _h in hostile_server.requests)


@pytest.mark.parametrize("retry_after", ["3600", "inf", "1e308", "99999999999999999999"])
def test_long_rate_limits_end_in_one_clear_error(hostile_server: HostileServer,
                                                 retry_after: str) -> None:
    hostile_server.answer = Answer(status=429, body=b'{"error":{"status":429}}',
                                   headers={"Retry-After": retry_after})
    client = _client(hostile_server, max_wait=30.0)
    with pytest.raises(RateLimited) as caught:
        client.request("GET", "/me")
    client.close()
    assert "try again" in str(caught.value)
    assert len(hostile_server.requests) == 1  # told, not slept


def test_truncated_body_is_malformed_not_a_crash(hostile_server: HostileServer) -> None:
    hostile_server.answer = Answer(body=b'{"id": "me", "na', lie_about_length=5000)
    client = _client(hostile_server)
    with pytest.raises(SpotifyError):
        client.request("GET", "/me")
    client.close()


def test_dropped_connection_is_a_network_error(hostile_server: HostileServer) -> None:
    from desktoprec.errors import NetworkError

    hostile_server.answer = Answer(drop=True)
    client = _client(hostile_server)
    with pytest.raises(NetworkError) as caught:
        client.request("GET", "/me")
    client.close()
    assert "could not be reached" in str(caught.value)


def test_oversized_body_is_refused(hostile_server: HostileServer) -> None:
    hostile_server.answer = Answer(body=b'{"items": [' + b'"x",' * 300_000 + b'"x"]}')
    client = _client(hostile_server, max_body_bytes=1_000_000)
    with pytest.raises(MalformedResponse) as caught:
        client.request("GET", "/me/tracks")
    client.close()
    assert "large" in str(caught.value)


def test_bearer_token_goes_only_to_the_api_host(hostile_server: HostileServer) -> None:
    """A hostile `next` link naming another host must not carry the token to that host."""
    attacker = HostileServer().start()
    try:
        next_url = f"{attacker.url}/v1/me/tracks?offset=50"
        hostile_server.answer = Answer(
            body=json.dumps({"items": [{"x": 1}], "next": next_url}).encode())
        attacker.answer = Answer(body=json.dumps({"items": [], "next": None}).encode())
        client = _client(hostile_server)
        try:
            for _page in client.pages("/me/tracks"):
                pass
        except DesktopRecError:
            pass
        client.close()
        assert len(hostile_server.requests) >= 1
        leaked = [h for _m, _p, h in attacker.requests if "Authorization" in h]
        assert not leaked, "the bearer token was sent to a host named in a `next` link"
    finally:
        attacker.stop()
