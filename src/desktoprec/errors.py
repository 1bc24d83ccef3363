"""desktoprec's one error tree; every error carries a message fit for a person.

    DesktopRecError
    ├── ConfigError              settings, client ID, usage
    ├── AuthError                sign-in, tokens
    │   ├── SignInRequired       no tokens, or the refresh token was refused (invalid_grant)
    │   └── KeyringUnavailable   no OS keyring backend
    ├── SpotifyError             the Web API answered badly or not at all
    │   ├── RateLimited          429; carries retry_after seconds
    │   ├── NotAvailable         an endpoint closed for this app (403/404)
    │   ├── PremiumRequired      player calls on a free account
    │   ├── NoActiveDevice       player calls with no Spotify Connect device
    │   ├── MalformedResponse    JSON that is not what the API promises
    │   └── NetworkError         no connection, timeouts, 5xx
    ├── StorageError             the database or files on disk
    ├── AnalysisError            decoding or analysing audio
    ├── IndexError_              the vector index
    ├── RecommendError           recommending (unknown seed, empty catalog)
    ├── ExportError              exporting playlists
    ├── Cancelled                the user cancelled long work
    └── SyncInProgress           a second sync while one runs
"""

from __future__ import annotations


class DesktopRecError(Exception):
    """Base of every error desktoprec raises on purpose; `str()` is the message for a person."""

    default_message = "Something went wrong."
    hint: str | None = None

    def __init__(self, message: str | None = None, *, hint: str | None = None) -> None:
        super().__init__(message or self.default_message)
        if hint is not None:
            self.hint = hint

    @property
    def message(self) -> str:
        return str(self)

    def user_text(self) -> str:
        """The message plus what to do about it, in one line."""
        return f"{self}  ({self.hint})" if self.hint else str(self)


class ConfigError(DesktopRecError):
    default_message = "The configuration is not usable."


class AuthError(DesktopRecError):
    default_message = "Signing in to Spotify failed."


class SignInRequired(AuthError):
    default_message = "You are not signed in to Spotify."
    hint = "run `desktoprec login` or use Sign in in the app"


class KeyringUnavailable(AuthError):
    default_message = "No system keyring is available to keep your Spotify sign-in."
    hint = "install and unlock a Secret Service keyring (GNOME Keyring or KWallet)"


class SpotifyError(DesktopRecError):
    default_message = "Spotify answered with an error."

    def __init__(
        self, message: str | None = None, *, status: int | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class RateLimited(SpotifyError):
    default_message = "Spotify's rate limit was reached."

    def __init__(self, message: str | None = None, *, retry_after: float = 0.0,
                 reason: str | None = None) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after
        self.reason = reason


class NotAvailable(SpotifyError):
    default_message = "Spotify does not offer this to apps in Development Mode."


class PremiumRequired(SpotifyError):
    default_message = "Playback control needs Spotify Premium."
    hint = "use Open in Spotify instead"


class NoActiveDevice(SpotifyError):
    default_message = "No Spotify device is active."
    hint = "open Spotify on a device, then try again"


class MalformedResponse(SpotifyError):
    default_message = "Spotify sent a response desktoprec could not understand."


class NetworkError(SpotifyError):
    default_message = "Spotify could not be reached."
    hint = "check your network connection; nothing stored was lost"


class StorageError(DesktopRecError):
    default_message = "The local database could not be used."


class AnalysisError(DesktopRecError):
    default_message = "The audio could not be analysed."


class IndexError_(DesktopRecError):  # the underscore avoids shadowing the builtin IndexError
    default_message = "The recommendation index is not usable."


class RecommendError(DesktopRecError):
    default_message = "No recommendations could be made."


class ExportError(DesktopRecError):
    default_message = "The playlist could not be exported."


class Cancelled(DesktopRecError):
    default_message = "Cancelled."


class SyncInProgress(DesktopRecError):
    default_message = "A library sync is already running."
    hint = "wait for it to finish"
