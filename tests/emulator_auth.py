"""Test helper: a signed-in stand-in for AuthService whose API client talks to the emulator.

UI and player tests need an API client without driving the whole PKCE sign-in each time; the
emulator issues tokens directly.
"""

from __future__ import annotations

from typing import Any

from desktoprec.spotify.client import SpotifyClient


class EmulatorTokens:
    """A token provider that asks the emulator for a fresh token whenever one is refused."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.token = server.issue_tokens()["access_token"]

    def access_token(self) -> str:
        return self.token

    def refresh(self) -> str:
        self.token = self.server.issue_tokens()["access_token"]
        return self.token


class EmulatorAuth:
    """The parts of AuthService that the UI and the player call, signed in to the emulator."""

    def __init__(self, server: Any) -> None:
        self.client = SpotifyClient(server.api_url, EmulatorTokens(server), retries=0)

    def api(self) -> SpotifyClient:
        return self.client

    def is_signed_in(self) -> bool:
        return True

    def client_id_help(self, in_window: bool = False) -> str:
        return "1. Open https://developer.spotify.com/dashboard ..."
