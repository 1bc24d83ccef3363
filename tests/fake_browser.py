"""A stand-in web browser for sign-in tests: `python tests/fake_browser.py ADDRESS`.

desktoprec gives a browser the file:// address of a private page that forwards to Spotify's
consent page (so the sign-in's state never appears on a command line); this script reads that
page as a browser would, follows its forwarding address and then the redirects (the emulator's
consent answers with a 302 to the loopback callback). A plain http(s) address is followed as is.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx


def target_of(address: str) -> str:
    if not address.startswith("file://"):
        return address
    page = Path(unquote(urlsplit(address).path)).read_text(encoding="utf-8")
    found = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', page)
    if found is None:
        raise SystemExit(f"fake browser: no forwarding address in {address}")
    return html.unescape(found.group(1))


if __name__ == "__main__":
    httpx.get(target_of(sys.argv[-1]), follow_redirects=True, timeout=30, trust_env=False)
