"""PKCE pieces: verifier alphabet and length, S256 challenge, state, the authorize address."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktoprec.spotify import pkce


def test_rfc7636_example_challenge() -> None:
    # RFC 7636, appendix B
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce.challenge_s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@given(st.integers(min_value=43, max_value=128))
def test_verifiers_have_the_allowed_length_and_alphabet(length: int) -> None:
    verifier = pkce.make_verifier(length)
    assert len(verifier) == length
    assert re.fullmatch(r"[A-Za-z0-9\-._~]+", verifier)
    challenge = pkce.challenge_s256(verifier)
    assert len(challenge) == 43 and "=" not in challenge
    assert re.fullmatch(r"[A-Za-z0-9\-_]+", challenge)


@pytest.mark.parametrize("length", [0, 42, 129])
def test_out_of_range_lengths_are_refused(length: int) -> None:
    with pytest.raises(ValueError):
        pkce.make_verifier(length)


@given(st.text(max_size=140))
def test_only_valid_verifiers_get_a_challenge(text: str) -> None:
    valid = 43 <= len(text) <= 128 and re.fullmatch(r"[A-Za-z0-9\-._~]+", text) is not None
    assert pkce.is_valid_verifier(text) == valid
    if not valid:
        with pytest.raises(ValueError):
            pkce.challenge_s256(text)


def test_default_verifier_and_state_are_random() -> None:
    verifiers = {pkce.make_verifier() for _ in range(50)}
    states = {pkce.make_state() for _ in range(50)}
    assert len(verifiers) == 50 and len(states) == 50
    assert all(len(s) >= 32 for s in states)


def test_authorize_url_carries_everything_spotify_checks() -> None:
    url = pkce.authorize_url("https://accounts.spotify.com/", "my-client",
                             "http://127.0.0.1:4567/callback", "c" * 43, "the-state")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "accounts.spotify.com",
                                                        "/authorize")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "client_id": "my-client", "response_type": "code",
        "redirect_uri": "http://127.0.0.1:4567/callback", "code_challenge_method": "S256",
        "code_challenge": "c" * 43, "scope": " ".join(pkce.SCOPES), "state": "the-state"}
    assert "user-library-read" in query["scope"] and "playlist-read-private" in query["scope"]


def test_scopes_are_the_ones_used() -> None:
    # the player reads /me/player (user-read-playback-state); currently-playing was never used
    assert "user-read-currently-playing" not in pkce.SCOPES
    assert "user-read-playback-state" in pkce.SCOPES and "user-library-modify" in pkce.SCOPES
