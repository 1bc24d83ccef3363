"""The Spotify emulator behaves as the late-2026 notes say: PKCE, tokens, shapes, limits, faults."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from desktoprec.spotify.emulator import (
    EmulatorServer,
    PlaylistEntry,
    album_json,
    artist_json,
    generate_account,
    loopback_redirect_ok,
    track_json,
)

VERIFIER = "v" * 20 + "-._~" + "A1b2C3d4E5f6G7h8I9j0K" + "x" * 5
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(
    b"=").decode()
REDIRECT = "http://127.0.0.1:5555/callback"


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(generate_account(seed=3, saved_tracks=120, playlists=10)) as emulator:
        yield emulator


@pytest.fixture
def api(server: EmulatorServer) -> Iterator[httpx.Client]:
    token = server.issue_tokens()["access_token"]
    with httpx.Client(base_url=server.api_url,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def _authorize(server: EmulatorServer, **overrides: str) -> httpx.Response:
    params = {"client_id": "cid", "response_type": "code", "redirect_uri": REDIRECT,
              "code_challenge_method": "S256", "code_challenge": CHALLENGE,
              "scope": "user-library-read playlist-read-private", "state": "st4te"}
    params.update(overrides)
    params = {k: v for k, v in params.items() if v != "<omit>"}
    return httpx.get(f"{server.accounts_url}/authorize", params=params)


def _code(server: EmulatorServer) -> str:
    response = _authorize(server)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["st4te"]
    return query["code"][0]


def _token(server: EmulatorServer, **form: str) -> httpx.Response:
    return httpx.post(f"{server.accounts_url}/api/token", data=form)


# --- accounts service ----------------------------------------------------------------------------


def test_authorize_redirects_with_code_and_state(server: EmulatorServer) -> None:
    response = _authorize(server)
    location = urlsplit(response.headers["location"])
    assert (location.scheme, location.netloc, location.path) == ("http", "127.0.0.1:5555",
                                                                 "/callback")
    assert set(parse_qs(location.query)) == {"code", "state"}


@pytest.mark.parametrize("redirect", [
    "http://localhost:5555/callback", "http://127.0.0.1:5555/other", "https://127.0.0.1/callback",
    "http://example.com/callback", "http://127.0.0.1:5555/callback?x=1", "not a url"])
def test_authorize_rejects_bad_redirect_uris(server: EmulatorServer, redirect: str) -> None:
    response = _authorize(server, redirect_uri=redirect)
    assert response.status_code == 400
    assert "redirect" in response.text.lower()
    assert not loopback_redirect_ok(redirect)


def test_ipv6_loopback_redirect_is_accepted() -> None:
    assert loopback_redirect_ok("http://[::1]:8080/callback")
    assert loopback_redirect_ok("http://127.0.0.1/callback")


@pytest.mark.parametrize(("override", "error"), [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge": "short"}, "invalid_request"),
    ({"scope": "user-library-read made-up-scope"}, "invalid_scope"),
])
def test_authorize_errors_go_back_to_the_app(server: EmulatorServer, override: dict[str, str],
                                             error: str) -> None:
    response = _authorize(server, **override)
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["location"]).query)["error"] == [error]


def test_authorize_without_client_id_is_refused(server: EmulatorServer) -> None:
    assert _authorize(server, client_id="<omit>").status_code == 400


def test_deny_switch_gives_access_denied(server: EmulatorServer) -> None:
    server.deny = True
    try:
        query = parse_qs(urlsplit(_authorize(server).headers["location"]).query)
    finally:
        server.deny = False
    assert query == {"error": ["access_denied"], "state": ["st4te"]}


def test_code_exchange_checks_verifier_and_is_single_use(server: EmulatorServer) -> None:
    code = _code(server)
    good = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": "cid", "code_verifier": VERIFIER}
    answer = _token(server, **good)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["refresh_token"] and body["access_token"]
    assert body["scope"] == "user-library-read playlist-read-private"
    again = _token(server, **good)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(("change", "error"), [
    ({"code_verifier": VERIFIER[:-1] + "y"}, "invalid_grant"),
    ({"code_verifier": "short"}, "invalid_grant"),
    ({"redirect_uri": "http://127.0.0.1:5556/callback"}, "invalid_grant"),
    ({"client_id": "someone-else"}, "invalid_client"),
    ({"code": "EMU-CODE-made-up"}, "invalid_grant"),
])
def test_code_exchange_refusals(server: EmulatorServer, change: dict[str, str],
                                error: str) -> None:
    form = {"grant_type": "authorization_code", "code": _code(server), "redirect_uri": REDIRECT,
            "client_id": "cid", "code_verifier": VERIFIER, **change}
    answer = _token(server, **form)
    assert answer.status_code == 400
    assert answer.json()["error"] == error


def test_token_endpoint_wants_a_form_not_json(server: EmulatorServer) -> None:
    answer = httpx.post(f"{server.accounts_url}/api/token",
                        json={"grant_type": "refresh_token", "client_id": "cid"})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


def test_refresh_omits_refresh_token_by_default_and_revocation(server: EmulatorServer) -> None:
    tokens = server.issue_tokens(client_id="cid")
    answer = _token(server, grant_type="refresh_token", refresh_token=tokens["refresh_token"],
                    client_id="cid")
    assert answer.status_code == 200
    assert "refresh_token" not in answer.json()
    fresh = answer.json()["access_token"]
    assert httpx.get(f"{server.api_url}/me",
                     headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    server.revoke_refresh_tokens()
    refused = _token(server, grant_type="refresh_token", refresh_token=tokens["refresh_token"],
                     client_id="cid")
    assert refused.status_code == 400 and refused.json() == {
        "error": "invalid_grant", "error_description": "Refresh token revoked"}


def test_access_tokens_expire() -> None:
    with EmulatorServer(generate_account(saved_tracks=5, playlists=1),
                        token_lifetime=0.3) as emulator:
        token = emulator.issue_tokens()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{emulator.api_url}/me", headers=headers).status_code == 200
        time.sleep(0.4)
        expired = httpx.get(f"{emulator.api_url}/me", headers=headers)
    assert expired.status_code == 401
    assert expired.json() == {"error": {"status": 401, "message": "The access token expired"}}


def test_missing_or_unknown_token_is_401(server: EmulatorServer) -> None:
    assert httpx.get(f"{server.api_url}/me").status_code == 401
    wrong = httpx.get(f"{server.api_url}/me", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "Invalid access token" in wrong.text


def test_expire_all_tokens(api: httpx.Client, server: EmulatorServer) -> None:
    assert api.get("/me").status_code == 200
    server.expire_all_tokens()
    assert api.get("/me").status_code == 401


# --- Web API shapes ----------------------------------------------------------------------------


def _same_keys(ours: dict, recorded: dict, ignore: set[str]) -> None:
    missing = set(recorded) - set(ours) - ignore
    assert not missing, f"keys the real API sends but the emulator does not: {missing}"


def test_shapes_match_recorded_2026_responses(api: httpx.Client, shared_data: Path) -> None:
    recorded = shared_data / "spotify-api" / "spotifyaio-2026"
    saved = json.loads((recorded / "saved_tracks.json").read_text())
    page = api.get("/me/tracks", params={"limit": 3}).json()
    _same_keys(page, saved, set())
    _same_keys(page["items"][0], saved["items"][0], set())
    removed = {"available_markets", "popularity", "linked_from"}
    _same_keys(page["items"][0]["track"], saved["items"][0]["track"], removed)
    assert page["items"][0]["track"]["external_ids"]["isrc"]

    items = json.loads((recorded / "playlist_items.json").read_text())
    own = api.get("/me/playlists").json()["items"][0]
    entries = api.get(f"/playlists/{own['id']}/items").json()
    _same_keys(entries, items, set())
    _same_keys(entries["items"][0], items["items"][0], set())
    assert entries["items"][0]["item"] == entries["items"][0]["track"]
    _same_keys(entries["items"][0]["item"], items["items"][0]["track"], removed)

    me = json.loads((recorded / "current_user.json").read_text())
    profile = api.get("/me").json()
    _same_keys(profile, me, {"country", "email", "product", "followers"})
    assert not {"country", "email", "product", "followers"} & set(profile)

    artist = api.get(f"/artists/{page['items'][0]['track']['artists'][0]['id']}").json()
    _same_keys(artist, json.loads((recorded / "artist.json").read_text()),
               {"followers", "popularity"})
    assert artist["genres"] == []

    played = json.loads((recorded / "recently_played_tracks.json").read_text())
    recent = api.get("/me/player/recently-played", params={"limit": 2}).json()
    _same_keys(recent, played, set())
    _same_keys(recent["items"][0], played["items"][0], set())


def test_saved_tracks_page_through_all(api: httpx.Client) -> None:
    seen: list[str] = []
    url: str | None = "/me/tracks?limit=50"
    while url:
        page = api.get(url).json()
        seen.extend(i["track"]["id"] for i in page["items"])
        url = page["next"]
    assert len(seen) == len(set(seen)) == 120
    added = [i["added_at"] for i in api.get("/me/tracks?limit=50").json()["items"]]
    assert added == sorted(added, reverse=True)


@pytest.mark.parametrize("path", ["/me/tracks?limit=51", "/me/playlists?limit=51",
                                  "/me/top/tracks?limit=51", "/me/tracks?limit=0",
                                  "/me/following?type=artist&limit=60",
                                  "/me/player/recently-played?limit=51",
                                  "/search?q=a&type=track&limit=11"])
def test_limits_are_enforced(api: httpx.Client, path: str) -> None:
    assert api.get(path).status_code == 400


@pytest.mark.parametrize(("path", "status"), [
    ("/audio-features/abc", 403), ("/audio-features?ids=a", 403), ("/audio-analysis/abc", 403),
    ("/recommendations?seed_tracks=a", 404), ("/artists/abc/related-artists", 404),
    ("/tracks?ids=a,b", 403), ("/artists?ids=a", 403), ("/albums?ids=a", 403),
    ("/artists/abc/top-tracks", 403), ("/browse/new-releases", 403),
    ("/browse/featured-playlists", 403), ("/users/someone", 403),
    ("/users/someone/playlists", 403), ("/markets", 403), ("/nothing/here", 404),
])
def test_closed_endpoints(api: httpx.Client, path: str, status: int) -> None:
    assert api.get(path).status_code == status


def test_old_playlist_tracks_path_is_gone(api: httpx.Client) -> None:
    own = api.get("/me/playlists").json()["items"][0]["id"]
    assert api.get(f"/playlists/{own}/tracks").status_code == 404
    assert api.post(f"/playlists/{own}/tracks", json={"uris": []}).status_code == 404


def test_playlists_others_items_are_403_and_special_entries(api: httpx.Client,
                                                            server: EmulatorServer) -> None:
    listed = api.get("/me/playlists?limit=50").json()["items"]
    user = server.account.user_id
    foreign = [p for p in listed if p["owner"]["id"] != user]
    collaborative = [p for p in listed if p["collaborative"]]
    assert foreign and collaborative
    assert api.get(f"/playlists/{foreign[0]['id']}/items").status_code == 403
    assert api.get(f"/playlists/{foreign[0]['id']}").status_code == 200
    assert api.get(f"/playlists/{collaborative[0]['id']}/items").status_code == 200
    entries = api.get(f"/playlists/{listed[0]['id']}/items?limit=50").json()["items"]
    local = [e for e in entries if e["is_local"]]
    assert local and local[0]["item"]["id"] is None
    assert local[0]["item"]["uri"].startswith("spotify:local:")
    assert any(e["item"] is None for e in entries)
    assert any(e["item"] and e["item"]["type"] == "episode" for e in entries)


def test_playlist_edits_change_snapshot_and_check_ownership(api: httpx.Client,
                                                            server: EmulatorServer) -> None:
    made = api.post("/me/playlists", json={"name": "Made by test"})
    assert made.status_code == 201
    playlist = made.json()
    assert playlist["public"] is True
    private = api.post("/me/playlists", json={"name": "Private", "public": False}).json()
    assert private["public"] is False
    uris = [f"spotify:track:{t}" for t, _ in server.account.saved[:101]]
    assert api.post(f"/playlists/{playlist['id']}/items",
                    json={"uris": uris}).status_code == 400  # > 100
    added = api.post(f"/playlists/{playlist['id']}/items", json={"uris": uris[:100]})
    assert added.status_code == 201
    first_snapshot = added.json()["snapshot_id"]
    assert first_snapshot != playlist["snapshot_id"]
    replaced = api.put(f"/playlists/{playlist['id']}/items", json={"uris": uris[:3]}).json()
    assert replaced["snapshot_id"] != first_snapshot
    items = api.get(f"/playlists/{playlist['id']}/items").json()
    assert [e["item"]["uri"] for e in items["items"]] == uris[:3]
    assert api.get(f"/playlists/{playlist['id']}").json()["snapshot_id"] == \
        replaced["snapshot_id"]
    assert api.post(f"/playlists/{playlist['id']}/items",
                    json={"uris": ["spotify:album:x"]}).status_code == 400
    listed = api.get("/me/playlists?limit=50").json()["items"]
    foreign = next(p for p in listed if p["owner"]["id"] != server.account.user_id)
    assert api.post(f"/playlists/{foreign['id']}/items",
                    json={"uris": uris[:1]}).status_code == 403
    assert api.post("/users/x/playlists", json={"name": "no"}).status_code == 403


def test_mutation_helpers_change_what_is_served(api: httpx.Client,
                                                server: EmulatorServer) -> None:
    account = server.account
    unsaved = next(t for t in account.tracks if not account.is_saved(t))
    before = api.get("/me/tracks?limit=1").json()
    account.save_track(unsaved, "2026-11-20T10:00:00Z")
    after = api.get("/me/tracks?limit=1").json()
    assert after["total"] == before["total"] + 1
    assert after["items"][0]["track"]["id"] == unsaved
    own = next(p for p in account.playlists if p.owner_id == account.user_id)
    snapshot = api.get(f"/playlists/{own.id}").json()["snapshot_id"]
    account.add_to_playlist(own.id, [f"spotify:track:{unsaved}"])
    assert api.get(f"/playlists/{own.id}").json()["snapshot_id"] != snapshot
    account.unsave_track(unsaved)
    assert api.get("/me/tracks?limit=1").json()["total"] == before["total"]


def test_top_recent_following_cursors(api: httpx.Client, server: EmulatorServer) -> None:
    for kind in ("tracks", "artists"):
        for time_range in ("short_term", "medium_term", "long_term"):
            page = api.get(f"/me/top/{kind}", params={"time_range": time_range}).json()
            assert page["items"] and page["total"] >= len(page["items"])
    assert api.get("/me/top/tracks?time_range=forever").status_code == 400

    first = api.get("/me/player/recently-played?limit=20").json()
    assert len(first["items"]) == 20
    older = api.get(first["next"]).json()
    assert older["items"][0]["played_at"] < first["items"][-1]["played_at"]
    everything = api.get("/me/player/recently-played?limit=50").json()
    assert len(everything["items"]) == 50 and everything["next"] is None

    followed: list[str] = []
    url: str | None = "/me/following?type=artist&limit=2"
    while url:
        page = api.get(url).json()["artists"]
        followed.extend(a["id"] for a in page["items"])
        url = page["next"]
    assert followed == server.account.followed_artists


def test_catalog_lookups_and_search(api: httpx.Client, server: EmulatorServer) -> None:
    track = next(iter(server.account.tracks.values()))
    assert api.get(f"/tracks/{track['id']}").json()["name"] == track["name"]
    album_id = track["album"]["id"]
    album = api.get(f"/albums/{album_id}").json()
    assert track["id"] in [t["id"] for t in album["tracks"]["items"]]
    assert api.get(f"/albums/{album_id}/tracks").json()["total"] == album["tracks"]["total"]
    artist_id = track["artists"][0]["id"]
    assert album_id in [a["id"] for a in api.get(f"/artists/{artist_id}/albums").json()["items"]]
    assert api.get("/tracks/0000000000000000000000").status_code == 404
    isrc = track["external_ids"]["isrc"]
    found = api.get("/search", params={"q": f"isrc:{isrc}", "type": "track"}).json()
    assert [t["id"] for t in found["tracks"]["items"]] == [track["id"]]
    words = api.get("/search", params={"q": track["name"], "type": "track,artist",
                                       "limit": 10}).json()
    assert len(words["tracks"]["items"]) <= 10 and "artists" in words


def test_player_premium_and_devices() -> None:
    account = generate_account(seed=5, saved_tracks=10, playlists=1, devices=0)
    with EmulatorServer(account) as emulator:
        token = emulator.issue_tokens()["access_token"]
        with httpx.Client(base_url=emulator.api_url,
                          headers={"Authorization": f"Bearer {token}"}) as api:
            uri = f"spotify:track:{account.saved[0][0]}"
            assert api.get("/me/player").status_code == 204
            no_device = api.put("/me/player/play", json={"uris": [uri]})
            assert no_device.status_code == 404
            assert no_device.json()["error"]["reason"] == "NO_ACTIVE_DEVICE"
            device = account.add_device("dev1", "Laptop", active=True)
            assert api.put("/me/player/play", json={"uris": [uri]}).status_code == 204
            state = api.get("/me/player").json()
            assert state["is_playing"] and state["item"]["uri"] == uri
            assert state["device"]["id"] == device["id"]
            assert api.post("/me/player/queue", params={"uri": uri}).status_code == 204
            assert api.put("/me/player/pause").status_code == 204
            assert api.get("/me/player").json()["is_playing"] is False
            account.add_device("dev2", "Phone")
            assert api.put("/me/player", json={"device_ids": ["dev2"]}).status_code == 204
            devices = api.get("/me/player/devices").json()["devices"]
            assert [d["id"] for d in devices if d["is_active"]] == ["dev2"]
            account.premium = False
            refused = api.post("/me/player/next")
            assert refused.status_code == 403
            assert refused.json()["error"]["reason"] == "PREMIUM_REQUIRED"


def test_faults_modes(api: httpx.Client, server: EmulatorServer) -> None:
    server.faults.add("/me/tracks", status=429, headers={"Retry-After": "7"}, times=2)
    assert api.get("/me/tracks").status_code == 429
    limited = api.get("/me/tracks")
    assert limited.headers["retry-after"] == "7"
    assert api.get("/me/tracks").status_code == 200
    server.faults.add("/me", mode="malformed")
    with pytest.raises(json.JSONDecodeError):
        api.get("/me").json()
    server.faults.add("/me", mode="truncate")
    with pytest.raises(httpx.HTTPError):
        api.get("/me")
    server.faults.add("/v1/me", mode="drop")
    with pytest.raises(httpx.HTTPError):
        api.get("/me")
    server.faults.add("/me", mode="slow", delay=0.2)
    assert api.get("/me").status_code == 200
    server.faults.add("/api/token", status=503)
    assert _token(server, grant_type="refresh_token", client_id="x").status_code == 503
    assert len(server.faults) == 0


def test_request_log_counts(api: httpx.Client, server: EmulatorServer) -> None:
    server.reset_requests()
    api.get("/me")
    api.get("/me/tracks")
    api.get("/audio-features/x")
    assert server.count("/v1/me") == 2
    assert server.count("/v1/audio-features", status=403) == 1
    assert [r.path for r in server.requests] == ["/v1/me", "/v1/me/tracks",
                                                 "/v1/audio-features/x"]


def test_rate_limit_per_30s() -> None:
    with EmulatorServer(generate_account(saved_tracks=5, playlists=1),
                        rate_limit_per_30s=3) as emulator:
        token = emulator.issue_tokens()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        codes = [httpx.get(f"{emulator.api_url}/me", headers=headers) for _ in range(4)]
    assert [c.status_code for c in codes] == [200, 200, 200, 429]
    assert 1 <= int(codes[-1].headers["retry-after"]) <= 30


def test_unregistered_user_gets_plain_text_403(api: httpx.Client,
                                               server: EmulatorServer) -> None:
    server.registered = False
    try:
        answer = api.get("/me")
    finally:
        server.registered = True
    assert answer.status_code == 403
    assert answer.text == "User not registered in the Developer Dashboard"


def test_account_built_from_plain_json() -> None:
    from desktoprec.spotify.emulator import EmulatorAccount

    account = EmulatorAccount(user_id="me", display_name="Me")
    artist = artist_json("A" * 22, "Artist", genres=["jazz"])
    album = album_json("B" * 22, "Album", [artist], "2001", total_tracks=1)
    track = track_json("C" * 22, "Song", album, [artist], 200_000, "USABC0100001")
    account.add_track(track)  # album and artist are taken from the track
    account.save_track(track["id"], "2026-01-01T00:00:00Z")
    account.add_playlist("Mine", playlist_id="D" * 22, entries=[
        PlaylistEntry("2026-01-01T00:00:00Z", "me", uri=track["uri"])])
    with EmulatorServer(account) as emulator:
        token = emulator.issue_tokens()["access_token"]
        with httpx.Client(base_url=emulator.api_url,
                          headers={"Authorization": f"Bearer {token}"}) as api:
            assert api.get("/me").json()["id"] == "me"
            assert api.get(f"/artists/{'A' * 22}").json()["name"] == "Artist"
            assert api.get(f"/artists/{'A' * 22}/albums").json()["items"][0]["id"] == "B" * 22
            assert api.get(f"/playlists/{'D' * 22}/items").json()["items"][0]["item"]["id"] == \
                "C" * 22


def test_generate_account_is_deterministic_and_big_enough() -> None:
    first = generate_account(seed=9, saved_tracks=300, playlists=20)
    again = generate_account(seed=9, saved_tracks=300, playlists=20)
    assert first.saved == again.saved
    assert [p.snapshot_id for p in first.playlists] == [p.snapshot_id for p in again.playlists]
    assert first.tracks == again.tracks
    assert generate_account(seed=10, saved_tracks=300, playlists=20).saved != first.saved
    big = generate_account(seed=1, saved_tracks=10_000, playlists=200)
    assert len(big.saved) == 10_000 and len(big.playlists) == 200
    isrcs = [t["external_ids"]["isrc"] for t in big.tracks.values()]
    assert len(set(isrcs)) == len(isrcs)


def test_stop_also_ends_kept_alive_connections() -> None:
    emulator = EmulatorServer(generate_account(saved_tracks=5, playlists=1)).start()
    token = emulator.issue_tokens()["access_token"]
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.get(f"{emulator.api_url}/me").status_code == 200
        emulator.stop()
        with pytest.raises(httpx.HTTPError):
            client.get(f"{emulator.api_url}/me", timeout=5)
        port = emulator.port
        emulator.start()  # the network comes back, on the same address, same tokens
        try:
            assert emulator.port == port
            assert client.get(f"{emulator.api_url}/me").status_code == 200
        finally:
            emulator.stop()
