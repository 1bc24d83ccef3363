"""PKCE pieces for Spotify sign-in (RFC 7636, S256): verifier, challenge, state, authorize URL.

Pure functions only: no network, no files.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import urlencode

VERIFIER_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
VERIFIER_MIN, VERIFIER_MAX = 43, 128
_VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")

SCOPES: tuple[str, ...] = (
    "user-library-read",
    "user-library-modify",  # ♥ saves to the library (PUT/DELETE /me/library)
    "playlist-read-private",
    "playlist-read-collaborative",
    "user-top-read",
    "user-read-recently-played",
    "user-follow-read",
    "playlist-modify-private",
    "playlist-modify-public",
    "user-read-playback-state",
    "user-modify-playback-state",
)


def make_verifier(length: int = 96) -> str:
    """A fresh random code verifier of `length` characters from the unreserved set."""
    if not VERIFIER_MIN <= length <= VERIFIER_MAX:
        raise ValueError(f"a PKCE verifier has {VERIFIER_MIN}-{VERIFIER_MAX} characters")
    return "".join(secrets.choice(VERIFIER_ALPHABET) for _ in range(length))


def is_valid_verifier(verifier: str) -> bool:
    return bool(_VERIFIER_RE.match(verifier))


def challenge_s256(verifier: str) -> str:
    """base64url without padding of SHA-256(verifier): what Spotify compares the verifier to."""
    if not is_valid_verifier(verifier):
        raise ValueError("not a valid PKCE code verifier")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make_state() -> str:
    """A random value the callback must bring back unchanged (protects against forged callbacks)."""
    return secrets.token_urlsafe(24)


def authorize_url(accounts_url: str, client_id: str, redirect_uri: str, challenge: str,
                  state: str, scopes: tuple[str, ...] | list[str] = SCOPES) -> str:
    """The consent page address the browser opens."""
    query = urlencode({
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "code_challenge_method": "S256",
        "code_challenge": challenge,
        "scope": " ".join(scopes),
        "state": state,
    })
    return f"{accounts_url.rstrip('/')}/authorize?{query}"
