"""A small Spotify library server on 127.0.0.1 for sync tests until/besides the emulator.

Serves late-2026 shapes (`item` + `track`, `/items`, page ≤ 50, closed audio-features) from an
in-memory account, records every request, and injects faults by path prefix.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Fault:
    prefix: str
    status: int = 500
    body: bytes = b'{"error": {"status": 500, "message": "boom"}}'
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    mode: str = "status"  # status | truncate | drop | malformed | slow
    delay: float = 2.0


class Faults:
    def __init__(self) -> None:
        self.items: list[Fault] = []
        self.lock = threading.Lock()

    def add(self, prefix: str, **kw: Any) -> None:
        if isinstance(kw.get("body"), (dict, str)):
            body = kw["body"]
            kw["body"] = (json.dumps(body) if isinstance(body, dict) else body).encode()
        with self.lock:
            self.items.append(Fault(prefix, **kw))

    def take(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.items:
                if path.startswith(fault.prefix) and fault.times != 0:
                    fault.times -= 1
                    return fault
        return None

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


def make_track(n: int, *, isrc: bool = True) -> dict[str, Any]:
    artist = {"id": f"ar{n % 37}", "name": f"Artist {n % 37}", "type": "artist",
              "uri": f"spotify:artist:ar{n % 37}"}
    return {
        "id": f"tr{n}", "uri": f"spotify:track:tr{n}", "name": f"Track {n}", "type": "track",
        "duration_ms": 180000 + n, "explicit": False, "track_number": 1, "is_local": False,
        "artists": [artist],
        "album": {"id": f"al{n % 90}", "name": f"Album {n % 90}", "album_type": "album",
                  "uri": f"spotify:album:al{n % 90}", "release_date": "2001-02-03",
                  "images": [{"url": "https://i.example/a.jpg", "width": 300, "height": 300}],
                  "artists": [artist]},
        "external_ids": {"isrc": f"QZ{n:010d}"} if isrc else {},
    }


@dataclass
class Library:
    user_id: str = "user1"
    saved: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # newest first
    playlists: dict[str, dict[str, Any]] = field(default_factory=dict)
    followed: list[dict[str, Any]] = field(default_factory=list)
    recent: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def generate(cls, saved: int = 120, playlists: int = 4, per_playlist: int = 60) -> Library:
        lib = cls()
        for n in range(saved):
            lib.saved.append((f"2026-01-{1 + (saved - n) % 28:02d}T00:{n // 60 % 60:02d}:"
                              f"{n % 60:02d}Z", make_track(n)))
        for p in range(playlists):
            entries = [{"added_at": "2026-01-01T00:00:00Z", "is_local": False,
                        "item": make_track(1000 + p * per_playlist + i),
                        "track": make_track(1000 + p * per_playlist + i)}
                       for i in range(per_playlist)]
            lib.playlists[f"pl{p}"] = {"name": f"Playlist {p}", "owner": lib.user_id,
                                       "collaborative": False, "snapshot": "s1",
                                       "entries": entries}
        lib.followed = [{"id": f"ar{i}", "name": f"Artist {i}", "type": "artist",
                         "uri": f"spotify:artist:ar{i}", "genres": []} for i in range(5)]
        lib.recent = [{"played_at": f"2026-02-01T10:{i:02d}:00.000Z", "track": make_track(i),
                       "context": None} for i in range(10)]
        return lib


class FakeSpotify:
    """A threaded HTTP server; `api_url`, `requests`, `faults`, `library`."""

    def __init__(self, library: Library | None = None) -> None:
        self.library = library or Library.generate()
        self.faults = Faults()
        self.requests: list[tuple[str, str, dict[str, list[str]], int]] = []
        self.tokens = {"good-token"}
        self.created: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle ---
    def start(self) -> FakeSpotify:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeSpotify:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def reset_requests(self) -> None:
        self.requests.clear()

    def paths(self) -> list[str]:
        return [path for _, path, _, _ in self.requests]

    # --- routes ---
    def route(self, method: str, path: str, query: dict[str, list[str]],
              body: Any) -> tuple[int, Any]:
        lib = self.library
        q = {k: v[0] for k, v in query.items()}
        limit = min(int(q.get("limit", 20)), 50)
        offset = int(q.get("offset", 0))

        def paged(items: list[Any], base: str) -> dict[str, Any]:
            chunk = items[offset:offset + limit]
            nxt = (f"{self.api_url}{base}?offset={offset + limit}&limit={limit}"
                   if offset + limit < len(items) else None)
            return {"items": chunk, "total": len(items), "limit": limit, "offset": offset,
                    "next": nxt, "previous": None, "href": self.api_url + base}

        if method == "GET" and path == "/me":
            return 200, {"id": lib.user_id, "display_name": "Tester",
                         "uri": f"spotify:user:{lib.user_id}"}
        if method == "GET" and path == "/me/tracks":
            if int(q.get("limit", 20)) > 50:
                return 400, {"error": {"status": 400, "message": "Invalid limit"}}
            return 200, paged([{"added_at": a, "track": t} for a, t in lib.saved], "/me/tracks")
        if method == "GET" and path == "/me/playlists":
            items = [{"id": pid, "name": p["name"], "uri": f"spotify:playlist:{pid}",
                      "snapshot_id": p["snapshot"], "collaborative": p["collaborative"],
                      "public": False, "description": "", "images": [],
                      "owner": {"id": p["owner"], "display_name": p["owner"]},
                      "items": {"total": len(p["entries"])},
                      "tracks": {"total": len(p["entries"])}}
                     for pid, p in lib.playlists.items()]
            return 200, paged(items, "/me/playlists")
        if path.startswith("/playlists/") and path.endswith("/items"):
            pid = path.split("/")[2]
            playlist = lib.playlists.get(pid)
            if playlist is None:
                return 404, {"error": {"status": 404, "message": "Resource not found"}}
            if method == "GET":
                if playlist["owner"] != lib.user_id and not playlist["collaborative"]:
                    return 403, {"error": {"status": 403, "message": "Forbidden"}}
                return 200, paged(playlist["entries"], path)
            uris = (body or {}).get("uris", [])
            if len(uris) > 100:
                return 400, {"error": {"status": 400, "message": "Too many uris"}}
            entries = [{"added_at": "2026-03-01T00:00:00Z", "is_local": False,
                        "item": {"id": u.split(":")[-1], "uri": u, "name": u, "type": "track"}}
                       for u in uris]
            if method == "PUT":
                playlist["entries"] = entries
            else:
                playlist["entries"].extend(entries)
            playlist["snapshot"] = f"s{int(time.time() * 1e6)}"
            return (200 if method == "PUT" else 201), {"snapshot_id": playlist["snapshot"]}
        if method == "PUT" and path.startswith("/playlists/"):
            pid = path.split("/")[2]
            if pid not in lib.playlists:
                return 404, {"error": {"status": 404, "message": "Resource not found"}}
            lib.playlists[pid].update({k: v for k, v in (body or {}).items() if k == "name"})
            lib.playlists[pid]["description"] = (body or {}).get("description")
            return 200, None
        if method == "POST" and path == "/me/playlists":
            pid = f"new{len(self.created)}"
            lib.playlists[pid] = {"name": body["name"], "owner": lib.user_id,
                                  "collaborative": False, "snapshot": "n1", "entries": [],
                                  "public": body.get("public", True),
                                  "description": body.get("description")}
            self.created.append({"id": pid, **body})
            return 201, {"id": pid, "uri": f"spotify:playlist:{pid}", "name": body["name"]}
        if method == "GET" and path.startswith("/me/top/"):
            if path.endswith("/tracks"):
                return 200, paged([t for _, t in lib.saved[:15]], path)
            return 200, paged(lib.followed, path)
        if method == "GET" and path == "/me/player/recently-played":
            after = q.get("after")
            items = lib.recent
            if after:
                from datetime import datetime

                def ms(p: dict[str, Any]) -> int:
                    return int(datetime.fromisoformat(
                        p["played_at"].replace("Z", "+00:00")).timestamp() * 1000)

                items = [p for p in items if ms(p) > int(after)]
            return 200, {"items": items[:limit], "next": None, "limit": limit,
                         "cursors": {"after": None}, "href": ""}
        if method == "GET" and path == "/me/following":
            after = q.get("after")
            start = 0
            if after:
                start = next((i + 1 for i, a in enumerate(lib.followed) if a["id"] == after), 0)
            chunk = lib.followed[start:start + limit]
            more = start + limit < len(lib.followed)
            return 200, {"artists": {
                "items": chunk, "total": len(lib.followed), "limit": limit,
                "cursors": {"after": chunk[-1]["id"] if more and chunk else None},
                "next": (f"{self.api_url}/me/following?type=artist&limit={limit}"
                         f"&after={chunk[-1]['id']}") if more and chunk else None}}
        if path.startswith("/audio-features"):
            return 403, {"error": {"status": 403, "message": "Forbidden"}}
        return 404, {"error": {"status": 404, "message": "Service not found"}}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSpotify
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path[3:] if parts.path.startswith("/v1") else parts.path
        query = parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        fake = self.fake
        auth = self.headers.get("Authorization", "")
        fault = fake.faults.take(path)
        if fault is not None and fault.mode == "slow":
            time.sleep(fault.delay)
            fault = None
        if auth.removeprefix("Bearer ") not in fake.tokens:
            status, payload = 401, {"error": {"status": 401, "message": "The access token expired"}}
        elif fault is not None and fault.mode == "drop":
            fake.requests.append((self.command, path, query, 0))
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        elif fault is not None:
            with fake._lock:
                fake.requests.append((self.command, path, query, fault.status))
            data = fault.body
            if fault.mode == "truncate":
                _, payload = fake.route(self.command, path, query, body)
                data = json.dumps(payload).encode()[: max(1, len(json.dumps(payload)) // 2)]
                status = 200
            elif fault.mode == "malformed":
                data, status = b'{"items": "not a list", "next": 7}', 200
            else:
                status = fault.status
            self.send_response(status)
            for key, value in fault.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        else:
            with fake._lock:
                status, payload = fake.route(self.command, path, query, body)
        with fake._lock:
            fake.requests.append((self.command, path, query, status))
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815

    def log_message(self, *args: Any) -> None:
        pass
