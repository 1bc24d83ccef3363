"""AuthService: the client ID, signing in and out, the token provider and the shared API client."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypedDict, cast

from desktoprec.errors import ConfigError, DesktopRecError, NetworkError, StorageError
from desktoprec.spotify.auth import CALLBACK_PATH, LOOPBACK_HOST, opener_for, run_login
from desktoprec.spotify.tokens import TokenManager, TokenStore, profile_key
from desktoprec.timeutil import db_now

if TYPE_CHECKING:
    from desktoprec.services import Services
    from desktoprec.spotify.client import SpotifyClient

log = logging.getLogger(__name__)

_CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

# What the user registers in their Spotify app; the port is left out (any loopback port is taken).
REGISTERED_REDIRECT_URI = f"http://{LOOPBACK_HOST}{CALLBACK_PATH}"
# The last step of the help, for someone at the terminal or in the window.
_GIVE_IT = {
    False: "Give it to desktoprec: `desktoprec login --client-id YOUR_ID`, or paste it when asked.",
    True: "Paste it into the Client ID field below.",
}
CLIENT_ID_HELP = """\
desktoprec signs in to Spotify with a client ID of your own (free, about two minutes):

  1. Open https://developer.spotify.com/dashboard and log in with your Spotify account.
  2. Click "Create app".
  3. App name: anything, e.g. "desktoprec". Description: anything.
  4. Redirect URI: {redirect}  (exactly this: 127.0.0.1, not "localhost";
     no port needed, desktoprec picks a free one) and click "Add".
  5. Under "Which API/SDKs are you planning to use?" tick "Web API".
  6. Accept the terms and click "Save".
  7. Open the app's "Settings" and copy the "Client ID" (32 letters and digits).
  8. {give}

Your app stays in Development Mode: it works for up to 5 Spotify users, the app owner needs
Spotify Premium, and every user (you too) must be added under the app's "User Management" with
the e-mail address of their Spotify account."""


class Profile(TypedDict, total=False):
    """The signed-in user's /me profile, as far as desktoprec reads it."""

    id: str
    display_name: str | None
    uri: str


class AuthService:
    """One per Services; the UI and the CLI sign in, out and reach the API only through this."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._lock = threading.RLock()
        self._manager: TokenManager | None = None
        self._manager_client_id: str | None = None
        self._client: SpotifyClient | None = None  # the shared client, closed when replaced

    # --- client ID ---------------------------------------------------------------------------

    def client_id(self) -> str:
        return str(self.services.settings.effective_client_id())

    def set_client_id(self, client_id: str) -> None:
        """Connect a Spotify app: the one way the CLI (`login --client-id`) and the window (first
        run wizard, settings) set a client ID. A real ID ends the demo first (its emulator,
        sign-in and data) and points the API and sign-in back at Spotify's own addresses."""
        client_id = client_id.strip()
        if not _CLIENT_ID_RE.match(client_id):
            raise ConfigError("That does not look like a Spotify client ID (letters and digits, "
                              "as shown in the app's settings in the Spotify dashboard).")
        from desktoprec.demo.service import DEMO_CLIENT_ID
        from desktoprec.settings import DEFAULT_ACCOUNTS_URL, DEFAULT_API_URL

        settings = self.services.settings
        if client_id != DEMO_CLIENT_ID and (settings.demo_mode
                                            or settings.client_id == DEMO_CLIENT_ID):
            if self.services.demo.is_preparing():
                raise ConfigError("The demo is still being prepared.",
                                  hint="cancel it or let it finish, then connect your account")
            log.info("a real client ID ends the demo in this profile")
            self.services.demo.leave()
            with self._lock:
                self._manager = None
        addresses_changed = (settings.api_url, settings.accounts_url) != (
            DEFAULT_API_URL, DEFAULT_ACCOUNTS_URL) or settings.local_spotify is not None
        if client_id != DEMO_CLIENT_ID:
            settings.api_url = DEFAULT_API_URL
            settings.accounts_url = DEFAULT_ACCOUNTS_URL
            settings.forget_local_spotify()
        if settings.client_id != client_id or addresses_changed:
            before = self.client_id()
            old_manager = self.token_provider() if before else None
            settings.client_id = client_id
            self.services.save_settings()
            if old_manager is not None and self.client_id() != before:
                # tokens belong to the app that issued them: the old ones are useless now
                old_manager.clear()
            self._drop_api()

    connect_spotify = set_client_id

    def client_id_help(self, in_window: bool = False) -> str:
        """The steps to register an app; `in_window` ends them in the window, not a command."""
        return CLIENT_ID_HELP.format(redirect=REGISTERED_REDIRECT_URI, give=_GIVE_IT[in_window])

    # --- tokens ------------------------------------------------------------------------------

    def token_provider(self) -> TokenManager:
        """The object the API client asks for tokens (access_token(), refresh())."""
        with self._lock:
            client_id = self.client_id()
            if self._manager is None or self._manager_client_id != client_id:
                store = TokenStore(profile_key(str(self.services.paths.data_dir.resolve()), client_id))
                self._manager = TokenManager(
                    store, accounts_url=self.services.settings.effective_accounts_url,
                    client_id=self.client_id)
                self._manager_client_id = client_id
            return self._manager

    def keyring_backend(self) -> str:
        return self.token_provider().store.backend_name()

    def keyring_warning(self) -> str | None:
        """Set when tokens cannot be kept between runs (no usable keyring)."""
        return self.token_provider().store.warning

    def is_signed_in(self) -> bool:
        if not self.client_id():
            return False
        return self.token_provider().has_tokens()

    # --- sign in / out -----------------------------------------------------------------------

    def login(self, open_with: str | None = None, timeout: float = 300,
              cancel: threading.Event | None = None,
              open_url: Callable[[str], None] | None = None,
              on_url: Callable[[str], None] | None = None) -> Profile:
        """Sign in with PKCE through the browser; returns the /me profile (also stored)."""
        client_id = self.client_id()
        if not client_id:
            raise ConfigError("No Spotify client ID is set.",
                              hint="run `desktoprec login --client-id ID`; "
                                   "`desktoprec login` explains how to get one")
        settings = self.services.settings
        self._refuse_dead_demo(settings)
        accounts_url = settings.effective_accounts_url()
        # plain http (the emulator) only when the environment or the running demo named it
        local_ok = settings.address_origin("accounts") in ("environment", "local")
        opener = open_url or opener_for(open_with)
        tokens = run_login(accounts_url, client_id, open_url=opener,
                           timeout=timeout, cancel=cancel, on_url=on_url,
                           allow_plain_http=local_ok)
        self.token_provider().set_tokens(tokens)
        self._drop_api()
        profile = self.api().me()
        self._store_profile(profile)
        log.info("signed in to Spotify as %s", profile.get("id"))
        return cast(Profile, dict(profile))

    def logout(self) -> None:
        """Forget the tokens (keyring and memory); the synced library stays."""
        self.token_provider().clear()
        self._drop_api()
        log.info("signed out of Spotify")

    # --- API client --------------------------------------------------------------------------

    def api(self) -> SpotifyClient:
        """The shared SpotifyClient, built on first use with the effective API URL."""
        from desktoprec.spotify.client import SpotifyClient

        with self._lock:
            self._refuse_dead_demo(self.services.settings)
            provider = self.token_provider()
            url = self.services.settings.effective_api_url()

            def build() -> SpotifyClient:
                return SpotifyClient(url, provider)

            client = self.services.memo("spotify-api", build)
            if client.api_url.rstrip("/") != url:  # the address changed
                self._client = client
                self._drop_api()
                client = self.services.memo("spotify-api", build)
            self._client = client
            return client

    @staticmethod
    def _refuse_dead_demo(settings: Any) -> None:
        """The demo's tokens belong to its emulator: while it is not running, they must not be
        sent anywhere (Spotify would refuse them; an old port may now belong to someone else)."""
        from desktoprec.demo.service import DEMO_CLIENT_ID

        if (settings.demo_mode or settings.effective_client_id() == DEMO_CLIENT_ID) \
                and settings.address_origin("api") not in ("environment", "local"):
            raise NetworkError("The demo's Spotify runs only while `desktoprec demo` does.",
                               hint="start `desktoprec demo`, or connect your own account with "
                                    "`desktoprec login --client-id ID`")

    def _drop_api(self) -> None:
        with self._lock:
            client, self._client = self._client, None
            self.services.forget("spotify-api")
            if client is not None:
                try:
                    client.close()
                except Exception:
                    log.debug("closing the old API client failed", exc_info=True)

    def _store_profile(self, profile: dict[str, Any]) -> None:
        from desktoprec.storage.tables import AccountRow

        user_id = profile.get("id")
        if not isinstance(user_id, str) or not user_id:
            return
        try:
            with self.services.db.write() as session:
                row = session.get(AccountRow, user_id)
                if row is None:
                    row = AccountRow(id=user_id)
                    session.add(row)
                name = profile.get("display_name")
                row.display_name = name if isinstance(name, str) else None
                uri = profile.get("uri")
                row.uri = uri if isinstance(uri, str) else None
                row.updated_at = db_now()
        except DesktopRecError:
            raise
        except Exception as exc:
            raise StorageError("Your Spotify profile could not be saved locally.") from exc
