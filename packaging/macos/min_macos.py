"""The oldest macOS the app bundle can run on: the highest minimum among the wheels it ships.

    python3 packaging/macos/min_macos.py                 # prints e.g. 14.0 (this Python's wheels)
    python3 packaging/macos/min_macos.py --check PLIST   # fails when the plist claims less

Each installed distribution's WHEEL file names its tags (`cp311-cp311-macosx_14_0_arm64`); the
macOS version in a tag is the oldest that wheel supports. pyinstaller.spec writes the result into
Info.plist as LSMinimumSystemVersion; packaging/macos/build-dmg.sh checks it. Measured for the
wheels this project pins (pip download --platform ...): arm64 14.0 (PySide6 6.12, FAISS 1.15.1,
NumPy, SciPy), x86_64 15.0 (FAISS 1.15.1).
"""

from __future__ import annotations

import platform
import plistlib
import re
import sys
from importlib import metadata

TAG = re.compile(r"macosx_(\d+)_(\d+)_(\w+)$")


def minimum_from_tags(tags: list[str], arch: str) -> tuple[int, int]:
    """Highest macOS minimum among wheel tags for `arch` (universal2 counts for both)."""
    best = (11, 0)  # the first release for Apple silicon; also what pure-Python wheels need
    for tag in tags:
        match = TAG.search(tag)
        if match and match.group(3) in (arch, "universal2", "intel" if arch == "x86_64" else ""):
            best = max(best, (int(match.group(1)), int(match.group(2))))
    return best


def installed_tags() -> list[str]:
    tags = []
    for dist in metadata.distributions():
        wheel = dist.read_text("WHEEL") or ""
        tags += [line.split(":", 1)[1].strip() for line in wheel.splitlines()
                 if line.startswith("Tag:")]
    return tags


def main(argv: list[str]) -> int:
    arch = platform.machine()
    major, minor = minimum_from_tags(installed_tags(), arch)
    needed = f"{major}.{minor}"
    if argv[:1] == ["--check"] and len(argv) == 2:
        with open(argv[1], "rb") as handle:
            declared = plistlib.load(handle).get("LSMinimumSystemVersion", "0")
        if tuple(int(p) for p in declared.split(".")) < (major, minor):
            print(f"min_macos.py: Info.plist says macOS {declared}, the wheels need {needed}",
                  file=sys.stderr)
            return 1
        print(f"min_macos.py: LSMinimumSystemVersion {declared} (the wheels need {needed}, {arch})")
        return 0
    print(needed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
