"""Size of a built bundle per part, as the Markdown table in packaging/README.md.

    python3 packaging/tools/bundle_sizes.py dist/desktoprec [OTHER_BUNDLE ...]

Sizes are of the files' contents in MiB (what `du -sh` shows, give or take the file system's block
rounding); symbolic links count nothing. With two bundles the table has a column for each.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# (part, pattern on the path inside _internal/); the first matching part wins
PARTS = [
    ("OpenBLAS (NumPy's, 64-bit integers)", r"^numpy\.libs/libscipy_openblas64_"),
    ("OpenBLAS (SciPy's; FAISS's calls go to it)", r"^scipy\.libs/libscipy_openblas-"),
    ("OpenBLAS (FAISS's own)", r"^faiss_cpu\.libs/libopenblas"),
    ("Fortran runtimes of the OpenBLAS copies", r"\.libs/lib(gfortran|quadmath)"),
    ("ICU (QtCore links it)", r"PySide6/Qt/lib/libicu"),
    ("FFmpeg (QtMultimedia's playback)", r"PySide6/Qt/lib/(libav|libsw|libQt6FFmpegStub)"),
    ("Qt Qml/Quick (the FFmpeg plugin links them)", r"PySide6/Qt/lib/libQt6(Qml|Quick)"),
    ("Qt libraries (Core, Gui, Widgets, Network, ...)", r"PySide6/Qt/lib/"),
    ("Qt plugins", r"PySide6/Qt/plugins/"),
    ("PySide6/shiboken6 bindings", r"^(PySide6|shiboken6)/"),
    ("SciPy: signal, linalg, optimize, ...", (r"^scipy/(signal|linalg|optimize|integrate|"
                                              r"interpolate|stats|ndimage|spatial|io|odr|cluster)/")),
    ("NumPy (without OpenBLAS)", r"^numpy(\.libs)?/"),
    ("SciPy: fft, sparse, special (without OpenBLAS)", r"^scipy(\.libs)?/"),
    ("FAISS", r"^faiss(_cpu\.libs)?/"),
    ("cryptography (keyring's Secret Service session)", r"^cryptography/"),
    ("SQLAlchemy", r"^sqlalchemy/"),
    ("rapidfuzz (library/match.py; new since the review, generic build only)", r"^rapidfuzz/"),
    ("libsndfile (soundfile)", r"^_soundfile_data/"),
    ("Python runtime and standard library", r"^(libpython|python3\.\d+/|base_library\.zip)"),
    ("dist-info metadata (licences)", r"\.dist-info/"),
    ("desktoprec's own files", r"^desktoprec/"),
    ("other shared libraries beside Python (OpenSSL, SQLite, X11 extensions, ...)", r"^[^/]+\.so"),
]


def sizes(bundle: Path) -> dict[str, int]:
    internal = bundle / "_internal"
    totals: dict[str, int] = {}
    for path in bundle.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        rel = path.relative_to(internal).as_posix() if internal in path.parents else path.name
        part = "the executable and everything else"
        if path.parent == bundle:
            part = "the executable (bootloader + Python archive)"
        else:
            for name, pattern in PARTS:
                if re.search(pattern, rel):
                    part = name
                    break
        totals[part] = totals.get(part, 0) + path.stat().st_size
    return totals


def table(bundles: list[Path]) -> str:
    columns = [sizes(bundle) for bundle in bundles]
    names = [name for name, _ in PARTS] + ["the executable (bootloader + Python archive)",
                                           "the executable and everything else"]
    header = "| part | " + " | ".join(f"`{b}` MiB" for b in bundles) + " |"
    lines = [header, "| --- |" + " ---: |" * len(bundles)]
    for name in names:
        values = [column.get(name, 0) for column in columns]
        if any(values):
            lines.append(f"| {name} | " + " | ".join(f"{v / 2**20:.1f}" for v in values) + " |")
    totals = [sum(column.values()) for column in columns]
    lines.append("| **total** | " + " | ".join(f"**{t / 2**20:.1f}**" for t in totals) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    print(table([Path(arg) for arg in sys.argv[1:]]))
