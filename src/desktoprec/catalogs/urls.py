"""Base addresses of the catalogue services: env overrides (loopback http allowed), else https."""

from __future__ import annotations

import logging
import os

from desktoprec.settings import is_safe_url

log = logging.getLogger(__name__)

DEFAULT_URLS = {
    "deezer": "https://api.deezer.com",
    "itunes": "https://itunes.apple.com",
    "musicbrainz": "https://musicbrainz.org",
    "listenbrainz": "https://labs.api.listenbrainz.org",
}
# The first name wins; the later ones are older names kept working.
ENV_NAMES = {
    "deezer": ("DESKTOPREC_DEEZER_API_URL", "DESKTOPREC_PREVIEW_API_URL"),
    "itunes": ("DESKTOPREC_ITUNES_API_URL",),
    "musicbrainz": ("DESKTOPREC_MUSICBRAINZ_API_URL", "DESKTOPREC_MUSICBRAINZ_URL"),
    "listenbrainz": ("DESKTOPREC_LISTENBRAINZ_API_URL",),
}


def is_https(url: str) -> bool:
    """An https address with a host and no credentials in it."""
    return is_safe_url(url) and url.strip().lower().startswith("https:")


def is_loopback_http(url: str) -> bool:
    """A plain-http address on this machine (settings.is_loopback_host: every spelling of it)."""
    return is_safe_url(url) and not is_https(url)


def base_url(service: str, configured: str = "") -> str:
    """The service's base URL: the environment (https, or http on this machine), then a
    configured https address, then the service's public address."""
    for name in ENV_NAMES[service]:
        value = os.environ.get(name, "").strip()
        if not value:
            continue
        if is_https(value) or is_loopback_http(value):
            return value.rstrip("/")
        log.warning("ignoring %s=%r: only https, or http on 127.0.0.1, is used", name,
                    value[:200])
    if configured:
        if is_https(configured):
            return configured.strip().rstrip("/")
        log.warning("ignoring the %s address %r from settings: only https is used there",
                    service, configured[:200])
    return DEFAULT_URLS[service]


def all_base_urls(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Every service's base URL; `overrides` (e.g. the demo's own emulator) win when safe."""
    urls = {name: base_url(name) for name in DEFAULT_URLS}
    for name, value in (overrides or {}).items():
        if name in urls and (is_https(value) or is_loopback_http(value)):
            urls[name] = value.rstrip("/")
    return urls
