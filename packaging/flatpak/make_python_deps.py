"""Writes python3-deps.json, the Flatpak module with desktoprec's Python dependencies as wheels.

    pip install --dry-run --ignore-installed --target /tmp/x --only-binary=:all: \\
        --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \\
        --platform manylinux_2_17_x86_64 --python-version 3.12 --implementation cp \\
        --report report.json numpy scipy soxr threadpoolctl soundfile faiss-cpu sqlalchemy \\
        httpx platformdirs mutagen tomli-w keyring
    python3 packaging/flatpak/make_python_deps.py report.json > packaging/flatpak/python3-deps.json

PySide6 is not listed: the PySide base app (io.qt.PySide.BaseApp) provides it, built against the
KDE runtime's Qt. Wheels that came from a local mirror get their files.pythonhosted.org address by
PyPI's name-based path; the hashes are the ones pip checked.
"""

from __future__ import annotations

import json
import sys
from urllib.parse import urlparse


def _url(url: str, filename: str) -> str:
    if not url.startswith("file://"):
        return url
    name = filename.split("-", 1)[0]
    python_tag = filename[:-4].split("-")[-3]
    return f"https://files.pythonhosted.org/packages/{python_tag}/{name[0]}/{name}/{filename}"


def module(report: dict) -> dict:
    sources, names = [], []
    for item in sorted(report["install"], key=lambda i: i["metadata"]["name"].lower()):
        info = item["download_info"]
        filename = urlparse(info["url"]).path.rsplit("/", 1)[-1]
        sources.append({"type": "file", "url": _url(info["url"], filename),
                        "sha256": info["archive_info"]["hashes"]["sha256"],
                        "dest-filename": filename})
        names.append(item["metadata"]["name"])
    return {
        "name": "python3-deps",
        "buildsystem": "simple",
        "only-arches": ["x86_64"],
        "build-commands": [
            "pip3 install --verbose --exec-prefix=/app --prefix=/app --no-deps --no-index "
            '--find-links="file://${PWD}" ' + " ".join(names)],
        "sources": sources,
    }


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as handle:
        print(json.dumps(module(json.load(handle)), indent=2))
