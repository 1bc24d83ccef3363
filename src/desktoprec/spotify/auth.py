"""Spotify sign-in: the loopback callback server, the PKCE flow, token exchange and refresh.

The flow runs on whatever thread calls `run_login` (never the UI thread): it binds a one-shot
server to 127.0.0.1 on an ephemeral port, has the browser open the consent page, waits (with a
timeout and a cancel Event) for exactly one callback whose `state` matches, and trades the code
plus verifier for tokens. No client secret: a desktop app cannot keep one.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from desktoprec.errors import AuthError, Cancelled, NetworkError, SignInRequired
from desktoprec.httpdeadline import RequestDeadline, default_deadline
from desktoprec.logs import register_secret
from desktoprec.settings import is_safe_url
from desktoprec.spotify import pkce

log = logging.getLogger(__name__)

CALLBACK_PATH = "/callback"
LOOPBACK_HOST = "127.0.0.1"
HTTP_TIMEOUT_S = 20.0
EXPIRED_MESSAGE = "Your Spotify sign-in has expired; sign in again."

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>desktoprec</title></head>
<body style="font-family: sans-serif; margin: 3em;"><h1>{title}</h1><p>{text}</p></body></html>
"""


@dataclass
class TokenSet:
    """Tokens from Spotify; `expires_at` is seconds since the epoch. repr never shows tokens."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float = 0.0
    scope: str = ""

    def expires_within(self, seconds: float) -> bool:
        return self.expires_at - seconds <= time.time()


@dataclass(frozen=True)
class CallbackResult:
    code: str = field(repr=False)


class LoopbackServer:
    """A one-shot HTTP server on 127.0.0.1:<ephemeral>/callback for the OAuth redirect.

    The first request to /callback decides the outcome: a code with the right state, or an
    error (denied, wrong or missing state). Other paths get 404 and do not count (browsers ask
    for /favicon.ico); anything after the deciding request gets 410, then the server closes.
    """

    def __init__(self, expected_state: str, port: int = 0) -> None:
        self.expected_state = expected_state
        self._done = threading.Event()
        self._result: CallbackResult | None = None
        self._error: AuthError | None = None
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "desktoprec"
            sys_version = ""
            # A local client that connects and sends nothing is dropped after this many seconds
            # (and, the server being threaded, never delays the browser's callback meanwhile).
            timeout = 10

            def log_message(self, format: str, *args: Any) -> None:
                # the request line carries the code: log only the path
                log.debug("loopback: %s", urlsplit(self.path).path)

            def do_GET(self) -> None:
                owner._on_request(self)

            def do_POST(self) -> None:
                self.send_error(405)

        self._httpd = ThreadingHTTPServer((LOOPBACK_HOST, port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="spotify-login-callback", daemon=True)
        self._closed = False

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    @property
    def redirect_uri(self) -> str:
        return f"http://{LOOPBACK_HOST}:{self.address[1]}{CALLBACK_PATH}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._refuse_queued()
        self._httpd.server_close()

    def _refuse_queued(self) -> None:
        """Answer 410 to connections that arrived after the loop stopped but before the socket
        closed, so a late request sees a clear "already used" rather than a reset."""
        listener = self._httpd.socket
        try:
            listener.setblocking(False)
        except OSError:
            return
        for _ in range(16):
            try:
                connection, _address = listener.accept()
            except OSError:
                return
            try:
                connection.settimeout(0.5)
                received = b""
                while b"\r\n\r\n" not in received and len(received) < 65536:
                    chunk = connection.recv(4096)
                    if not chunk:
                        break
                    received += chunk
                connection.sendall(b"HTTP/1.1 410 Gone\r\nContent-Type: text/plain\r\n"
                                   b"Content-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass
            finally:
                connection.close()

    def __enter__(self) -> LoopbackServer:  # noqa: PYI034
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _on_request(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        port = self.address[1]
        host = (request.headers.get("Host") or "").strip().lower()
        if host not in (f"{LOOPBACK_HOST}:{port}", f"[::1]:{port}"):
            # DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends its own Host.
            # The browser's redirect names 127.0.0.1:PORT exactly; anything else does not count.
            _answer(request, 421, "Wrong address", "This server answers only as "
                    f"{LOOPBACK_HOST}:{port}.")
            return
        if parts.path != CALLBACK_PATH:
            _answer(request, 404, "Not found", "This address is not part of the sign-in.")
            return
        with self._lock:
            if self._done.is_set():
                _answer(request, 410, "Already used",
                        "This sign-in has already finished. You can close this tab.")
                return
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            state = query.get("state")
            if state is None or not _same(state, self.expected_state):
                self._error = AuthError(
                    "Spotify sign-in was refused: the answer did not carry this sign-in's "
                    "security code (state), so it may not come from your browser.",
                    hint="start the sign-in again")
                status, title, text = 400, "Sign-in failed", \
                    "The sign-in answer did not match. Start the sign-in again in desktoprec."
            elif query.get("error"):
                error = query["error"]
                if error == "access_denied":
                    self._error = AuthError("Spotify sign-in was cancelled: access was not "
                                            "granted.", hint="run the sign-in again and choose "
                                            "Agree")
                else:
                    self._error = AuthError(f"Spotify refused the sign-in ({error[:80]}).",
                                            hint="check the client ID and the redirect URI "
                                            "http://127.0.0.1/callback in your Spotify app")
                status, title, text = 200, "Sign-in not completed", \
                    "desktoprec was not given access. You can close this tab."
            elif query.get("code"):
                register_secret(query["code"])
                self._result = CallbackResult(code=query["code"])
                status, title, text = 200, "Signed in", \
                    "desktoprec is now connected to Spotify. You can close this tab."
            else:
                self._error = AuthError("Spotify's sign-in answer had neither a code nor an "
                                        "error.", hint="start the sign-in again")
                status, title, text = 400, "Sign-in failed", \
                    "The sign-in answer was incomplete. Start the sign-in again in desktoprec."
            self._done.set()
        _answer(request, status, title, text)

    def wait(self, timeout: float, cancel: threading.Event | None = None) -> CallbackResult:
        """Block until the callback came, the timeout passed or `cancel` was set."""
        deadline = time.monotonic() + timeout
        try:
            while not self._done.wait(0.1):
                if cancel is not None and cancel.is_set():
                    raise Cancelled("Sign-in cancelled.")
                if time.monotonic() >= deadline:
                    raise AuthError(
                        f"Spotify sign-in timed out: no answer from the browser within "
                        f"{timeout:g} seconds.",
                        hint="finish the sign-in in the browser sooner, or try again")
        finally:
            self.close()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


def _answer(request: BaseHTTPRequestHandler, status: int, title: str, text: str) -> None:
    body = _PAGE.format(title=title, text=text).encode("utf-8")
    try:
        request.send_response(status)
        request.send_header("Content-Type", "text/html; charset=utf-8")
        request.send_header("Content-Length", str(len(body)))
        request.send_header("Cache-Control", "no-store")
        request.send_header("Referrer-Policy", "no-referrer")
        request.send_header("Connection", "close")
        request.end_headers()
        request.wfile.write(body)
    except OSError:
        pass


# --- token endpoint ----------------------------------------------------------------------------


def _post_token(accounts_url: str, form: dict[str, str],
                transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    url = f"{accounts_url.rstrip('/')}/api/token"
    with RequestDeadline(default_deadline(), None, "Spotify's sign-in service") as guard:
        try:
            with httpx.Client(timeout=HTTP_TIMEOUT_S, transport=transport) as client:
                response = client.post(
                    url, data=form, extensions={"trace": guard.trace},
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        except (httpx.HTTPError, OSError) as exc:
            guard.raise_if_stopped()
            raise NetworkError("Spotify's sign-in service could not be reached.") from exc
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code == 200 and isinstance(data, dict) \
            and isinstance(data.get("access_token"), str) and data["access_token"]:
        return data
    error = data.get("error") if isinstance(data, dict) else None
    if error == "invalid_grant":
        raise SignInRequired(EXPIRED_MESSAGE)
    if error == "invalid_client":
        raise AuthError("Spotify does not accept this client ID.",
                        hint="check the client ID of your app in the Spotify dashboard")
    if response.status_code >= 500 or response.status_code == 429:
        raise NetworkError(f"Spotify's sign-in service is unavailable right now "
                           f"(HTTP {response.status_code}).", status=response.status_code)
    if response.status_code == 200:
        raise AuthError("Spotify's sign-in service sent an answer without an access token.")
    raise AuthError(f"Spotify refused the token request (HTTP {response.status_code}"
                    f"{', ' + str(error)[:60] if error else ''}).")


def _token_set(data: dict[str, Any], previous_refresh: str | None = None) -> TokenSet:
    try:
        lifetime = float(data.get("expires_in", 3600))
    except (TypeError, ValueError):
        lifetime = 3600.0
    refresh = data.get("refresh_token")
    if not isinstance(refresh, str) or not refresh:
        refresh = previous_refresh  # since July 2026 a refresh may omit it: keep the old one
    tokens = TokenSet(access_token=str(data["access_token"]), refresh_token=refresh,
                      expires_at=time.time() + max(0.0, lifetime),
                      scope=str(data.get("scope") or ""))
    register_secret(tokens.access_token)
    register_secret(tokens.refresh_token)
    return tokens


def exchange_code(accounts_url: str, client_id: str, code: str, redirect_uri: str,
                  verifier: str, transport: httpx.BaseTransport | None = None) -> TokenSet:
    """Trade the authorization code and PKCE verifier for tokens."""
    data = _post_token(accounts_url, {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "client_id": client_id, "code_verifier": verifier}, transport)
    if not isinstance(data.get("refresh_token"), str):
        log.warning("Spotify's sign-in answer had no refresh token; signing in will be needed "
                    "again when the access token expires")
    return _token_set(data)


def refresh_tokens(accounts_url: str, client_id: str, refresh_token: str,
                   transport: httpx.BaseTransport | None = None) -> TokenSet:
    """A new access token; the refresh token is kept when the answer has none.

    Raises SignInRequired when Spotify answers invalid_grant (expired or revoked consent).
    """
    data = _post_token(accounts_url, {"grant_type": "refresh_token",
                                      "refresh_token": refresh_token, "client_id": client_id},
                       transport)
    return _token_set(data, previous_refresh=refresh_token)


# --- opening the browser -----------------------------------------------------------------------
# The consent address carries the sign-in's `state` and PKCE challenge. A command line is readable
# by every local user (/proc/<pid>/cmdline), so a browser started by desktoprec is given only the
# file:// address of a private page (mode 0600 in a 0700 folder) that forwards it to Spotify; the
# page is removed when the sign-in ends.

_REDIRECT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0; url={attr}"><title>desktoprec: Spotify sign-in</title>
<script>window.location.replace({js});</script></head>
<body style="font-family: sans-serif; margin: 3em;"><p>Opening Spotify's sign-in page&hellip;
If nothing happens, <a href="{attr}">continue to Spotify</a>.</p></body></html>
"""
_pages: list[Path] = []
_pages_lock = threading.Lock()


def browser_address(url: str) -> str:
    """What to give a browser for `url`: the file:// address of a private page that forwards to
    it, so the address itself never appears on a command line (falls back to `url` itself when
    no private file can be written)."""
    import html
    import json
    import tempfile

    try:
        folder = Path(tempfile.mkdtemp(prefix="desktoprec-sign-in-"))  # 0700
        page = folder / "sign-in.html"
        fd = os.open(page, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(_REDIRECT_PAGE.format(attr=html.escape(url, quote=True),
                                               js=json.dumps(url).replace("</", "<\\/")))
    except OSError as exc:
        log.warning("no private sign-in page could be written (%s); the browser gets the "
                    "address itself", exc)
        return url
    with _pages_lock:
        _pages.append(folder)
    return page.as_uri()


def remove_browser_pages() -> None:
    """Delete the forwarding pages of finished sign-ins."""
    import shutil

    with _pages_lock:
        folders, _pages[:] = list(_pages), []
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)



def split_command(command: str, windows: bool | None = None) -> list[str]:
    """A command line as argv: POSIX quoting, or on Windows backslashes kept (paths) and the
    surrounding quotes of each word removed."""
    if windows is None:
        windows = os.name == "nt"
    if not windows:
        return shlex.split(command)
    words = shlex.split(command, posix=False)
    return [w[1:-1] if len(w) >= 2 and w[0] == w[-1] and w[0] in "\"'" else w for w in words]


def opener_for(open_with: str | None) -> Callable[[str], None]:
    """`open_with` is a command line: the address is appended as its last argument. None: the
    web browser. Either way the address given is `browser_address(url)`, a private page."""
    if not open_with:
        def open_browser(url: str) -> None:
            if not webbrowser.open(browser_address(url)):
                raise AuthError("No web browser could be opened for the Spotify sign-in.",
                                hint="use --open-with COMMAND, or open the address shown")
        return open_browser
    try:
        argv = split_command(open_with)
    except ValueError as exc:
        raise AuthError(f"The --open-with command could not be read: {exc}.") from exc
    if not argv:
        raise AuthError("The --open-with command is empty.")

    def run_command(url: str) -> None:
        try:
            process = subprocess.Popen([*argv, browser_address(url)], stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as exc:
            raise AuthError(f"The command {argv[0]!r} could not be started to open the "
                            f"sign-in page ({exc.strerror or exc}).") from exc
        # reap it in the background so a long-lived browser does not hold us up
        threading.Thread(target=process.wait, name="login-opener", daemon=True).start()

    return run_command


def run_login(accounts_url: str, client_id: str, *, open_url: Callable[[str], None],
              timeout: float = 300.0, cancel: threading.Event | None = None,
              scopes: tuple[str, ...] = pkce.SCOPES,
              on_url: Callable[[str], None] | None = None,
              transport: httpx.BaseTransport | None = None,
              allow_plain_http: bool = False) -> TokenSet:
    """The whole PKCE sign-in: loopback server, consent page, callback, token exchange.

    The accounts address must be https; plain http (only ever on this machine) is accepted
    when the caller vouches for where it came from (`allow_plain_http`: the environment of a
    test or the running demo's emulator), since the code and verifier travel to it.
    """
    if not client_id:
        raise AuthError("No Spotify client ID is set.", hint="run `desktoprec login` to set one")
    scheme = urlsplit(accounts_url).scheme
    if scheme != "https" and not (allow_plain_http and is_safe_url(accounts_url)):
        raise AuthError(f"Refusing to sign in through {accounts_url[:200]!r}: Spotify's sign-in "
                        "address must be https.",
                        hint="remove accounts_url from the settings file")
    verifier = pkce.make_verifier()
    register_secret(verifier)
    state = pkce.make_state()
    try:
        server = LoopbackServer(state)
    except OSError as exc:
        raise AuthError(f"The sign-in could not listen on {LOOPBACK_HOST} "
                        f"({exc.strerror or exc}).") from exc
    with server:
        url = pkce.authorize_url(accounts_url, client_id, server.redirect_uri,
                                 pkce.challenge_s256(verifier), state, scopes)
        try:
            if on_url is not None:
                on_url(url)
            try:
                open_url(url)
            except AuthError as exc:
                if on_url is None:
                    raise
                # the address was shown: the user can still open it by hand while we wait
                log.warning("the sign-in page could not be opened automatically: %s", exc)
            result = server.wait(timeout, cancel)
        finally:
            remove_browser_pages()
    if cancel is not None and cancel.is_set():
        raise Cancelled("Sign-in cancelled.")
    return exchange_code(accounts_url, client_id, result.code, server.redirect_uri, verifier,
                         transport)
