"""Finding 9: a huge Retry-After names the day to try again; covers never follow a redirect to
another host or down to http. (The broken pipe is in test_readonly_profile_and_pipes.py, the
callback's Host header in test_loopback_hostile.py.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktoprec.catalogs.covers import fetch_cover, redirect_allowed
from desktoprec.errors import RateLimited
from desktoprec.spotify.client import SpotifyClient, describe_wait

from .conftest import Answer, HostileServer, StaticTokens

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize("header", ["1e308", "inf", "31536000", "200000"])
def test_a_long_retry_after_names_the_date(hostile_server: HostileServer, header: str) -> None:
    hostile_server.answer = Answer(status=429, body=b"{}", headers={
        "Content-Type": "application/json", "Retry-After": header})
    client = SpotifyClient(hostile_server.url + "/v1", StaticTokens(), max_wait=1)
    with pytest.raises(RateLimited) as caught:
        client.request("GET", "/me")
    text = caught.value.user_text()
    found = re.search(r"after (\d{4}-\d{2}-\d{2}) \d{2}:\d{2} UTC", text)
    assert found, text
    assert found.group(1) > datetime.now(UTC).strftime("%Y-%m-%d")


def test_wait_descriptions() -> None:
    now = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)
    assert describe_wait(600, now) == "in about 10 minutes (after 21:10 UTC)"
    assert describe_wait(3 * 3600, now).endswith("(after 2026-12-02 00:00 UTC)")
    assert "days" in describe_wait(7 * 86400, now)
    assert "ten years" in describe_wait(float("inf"), now)


def test_a_cover_redirect_to_another_host_or_http_is_not_followed(tmp_path: Path) -> None:
    elsewhere = HostileServer().start()
    origin = HostileServer().start()
    try:
        elsewhere.answer = Answer(status=200, body=PNG, headers={"Content-Type": "image/png"})
        origin.by_path["/to-other-host"] = Answer(status=302, body=b"", headers={
            "Location": f"{elsewhere.url}/cover.png"})
        origin.by_path["/to-http-same-host"] = Answer(status=302, body=b"", headers={
            "Location": f"{origin.url}/cover.png"})
        origin.by_path["/cover.png"] = Answer(status=200, body=PNG,
                                              headers={"Content-Type": "image/png"})
        assert fetch_cover(tmp_path, f"{origin.url}/to-other-host") is None
        assert fetch_cover(tmp_path, f"{origin.url}/to-http-same-host") is None
        assert elsewhere.requests == []
        got = fetch_cover(tmp_path, f"{origin.url}/cover.png")  # no redirect: fetched
        assert got is not None and got.read_bytes() == PNG
    finally:
        elsewhere.stop()
        origin.stop()
    assert redirect_allowed("https://i.scdn.co/a", "https://i.scdn.co/b")
    assert not redirect_allowed("https://i.scdn.co/a", "http://i.scdn.co/b")
    assert not redirect_allowed("https://i.scdn.co/a", "https://evil.example/b")
    assert not redirect_allowed("https://i.scdn.co/a", "https://i.scdn.co:8443/b")
