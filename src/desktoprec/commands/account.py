"""`desktoprec login`, `logout` and `emulator`: Spotify sign-in from the command line, and a local
Spotify to try everything against."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from typing import TYPE_CHECKING, Any

from desktoprec.errors import ConfigError

if TYPE_CHECKING:
    from desktoprec.services import Services

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    login = subparsers.add_parser("login", help="sign in to Spotify in your browser (PKCE)")
    login.add_argument("--client-id", metavar="ID",
                       help="your Spotify app's client ID (saved in the settings)")
    login.add_argument("--open-with", metavar="CMD",
                       help="open the sign-in page by running CMD with the address as its last "
                            "argument (default: your web browser)")
    login.add_argument("--timeout", metavar="S", type=float, default=300.0,
                       help="give up after S seconds without an answer (default 300)")
    login.set_defaults(handler=_login)

    logout = subparsers.add_parser("logout", help="forget the Spotify sign-in on this computer")
    logout.set_defaults(handler=_logout)

    emulator = subparsers.add_parser(
        "emulator", help="serve a local emulated Spotify account (for trying things out)")
    emulator.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any)")
    emulator.add_argument("--saved", type=int, metavar="N",
                          help="generate an account with N saved tracks instead of the demo one")
    emulator.add_argument("--playlists", type=int, metavar="N",
                          help="number of playlists of a generated account")
    emulator.add_argument("--seed", type=int, metavar="N", help="seed of a generated account")
    emulator.add_argument("--token-lifetime", type=float, default=3600.0, metavar="S",
                          help="access token lifetime in seconds (default 3600)")
    emulator.add_argument("--catalogs", action="store_true",
                          help="also serve emulated Deezer, iTunes, MusicBrainz and ListenBrainz "
                               "for this account (with artists outside its library)")
    emulator.set_defaults(handler=_emulator)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _login(args: argparse.Namespace, services: Services) -> int:
    auth = services.auth
    if args.client_id:
        auth.set_client_id(args.client_id)
    if not auth.client_id():
        print(auth.client_id_help())
        if not sys.stdin.isatty():
            raise ConfigError("No Spotify client ID is set.",
                              hint="run `desktoprec login --client-id YOUR_ID`")
        try:
            entered = input("\nPaste your Client ID here: ").strip()
        except EOFError:
            entered = ""
        if not entered:
            raise ConfigError("No Spotify client ID was entered.")
        auth.set_client_id(entered)
    if args.timeout <= 0:
        raise ConfigError("--timeout must be a positive number of seconds.")

    def show(url: str) -> None:
        _say("Opening the Spotify sign-in page. If no browser opens, visit:\n  " + url)

    profile = auth.login(open_with=args.open_with, timeout=args.timeout,
                         cancel=threading.Event(), on_url=show)
    name = profile.get("display_name") or profile.get("id") or "you"
    print(f"Signed in to Spotify as {name}.")
    warning = auth.keyring_warning()
    if warning:
        _say(f"desktoprec: warning: {warning}")
    else:
        print(f"Your sign-in is kept in the system keyring ({auth.keyring_backend()}).")
    return 0


def _logout(args: argparse.Namespace, services: Services) -> int:
    services.auth.logout()
    print("Signed out of Spotify; your synced library stays on this computer.")
    return 0


def _emulator(args: argparse.Namespace, services: Services) -> int:
    from desktoprec.spotify.emulator import EmulatorServer, generate_account

    generated = any(v is not None for v in (args.saved, args.playlists, args.seed))
    account = None
    if not generated:
        try:
            from desktoprec.demo.account import build_emulator_account

            account = build_emulator_account()
        except (ImportError, ConfigError) as exc:
            log.info("demo account not available (%s); generating one", exc)
    if account is None:
        account = generate_account(seed=args.seed or 0,
                                   saved_tracks=200 if args.saved is None else args.saved,
                                   playlists=10 if args.playlists is None else args.playlists)
    catalogs = None
    if getattr(args, "catalogs", False):
        from desktoprec.catalogs.emulator import CatalogEmulator, world_for_account

        catalogs = CatalogEmulator(world_for_account(account, seed=args.seed or 0)).start()
    server = EmulatorServer(account, port=args.port, token_lifetime=args.token_lifetime)
    try:
        server.start()
    except OSError as exc:
        raise ConfigError(f"The emulator could not listen on port {args.port} "
                          f"({exc.strerror or exc}).") from exc
    print(f"Spotify emulator for {account.display_name!r}: {len(account.saved)} saved tracks, "
          f"{len(account.playlists)} playlists.")
    print(f"  API:      {server.api_url}")
    print(f"  Accounts: {server.accounts_url}")
    print("Point desktoprec at it with:")
    print(f"  export DESKTOPREC_SPOTIFY_API_URL={server.api_url}")
    print(f"  export DESKTOPREC_SPOTIFY_ACCOUNTS_URL={server.accounts_url}")
    print("  export DESKTOPREC_CLIENT_ID=emulator")
    if catalogs is not None:
        for name, value in catalogs.env().items():
            print(f"  export {name}={value}")
        print("  desktoprec sources --enable all   # then: desktoprec sync")
    print("Press Ctrl+C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("Emulator stopped.")
    finally:
        server.stop()
        if catalogs is not None:
            catalogs.stop()
    return 0
