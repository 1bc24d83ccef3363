"""Works out the .deb's Depends: the Debian packages holding the libraries the bundle links but leaves
to the host (packaging/linux/excludelist and the rest of the system).

    python3 packaging/linux/deb_depends.py BUNDLE_DIR      # prints "libc6 (>= 2.35), libgl1, ..."

For every ELF file in the bundle, each DT_NEEDED library that is not in the bundle is looked up in
the dynamic linker's cache (`ldconfig -p`) and its package with `dpkg-query -S`. libc6 gets the
newest GLIBC symbol version the bundle uses as its minimum, libstdc++6 the GCC release of the
newest GLIBCXX version. A library the host does not have at all is an error: the package would not
start.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

# GLIBCXX symbol version -> the GCC release whose libstdc++ first has it (libstdc++6's version)
GLIBCXX_TO_GCC = {"3.4.26": "9", "3.4.28": "10", "3.4.29": "11", "3.4.30": "12", "3.4.31": "13",
                  "3.4.32": "13.2", "3.4.33": "14"}


def _elf_files(root: Path) -> list[Path]:
    files = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    files.append(path)
    return files


def _readelf(*args: str) -> str:
    return subprocess.run(["readelf", "-W", *args], check=False, capture_output=True,
                          text=True).stdout


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def host_libraries(root: Path) -> tuple[set[str], str, str]:
    """(NEEDED names not in the bundle, newest GLIBC_ version, newest GLIBCXX_ version)."""
    present = {path.name for path in root.rglob("*")}
    wanted: set[str] = set()
    glibc, glibcxx = "2.2.5", "3.4"
    for path in _elf_files(root):
        wanted.update(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]",
                                 _readelf("-d", str(path))))
        versions = _readelf("-V", str(path))
        for found in re.findall(r"Name: GLIBC_([0-9.]+)", versions):
            glibc = max(glibc, found, key=_version_key)
        for found in re.findall(r"Name: GLIBCXX_([0-9.]+)", versions):
            glibcxx = max(glibcxx, found, key=_version_key)
    return {name for name in wanted if name not in present}, glibc, glibcxx


def _ldconfig_paths() -> dict[str, str]:
    machine = os.uname().machine.replace("_", "-")
    paths: dict[str, str] = {}
    output = subprocess.run(["/sbin/ldconfig", "-p"], check=True, capture_output=True,
                            text=True).stdout
    for line in output.splitlines()[1:]:
        match = re.match(r"\s*(\S+) \(([^)]*)\) => (\S+)", line)
        if match and (machine in match.group(2) or "64" in match.group(2)):
            paths.setdefault(match.group(1), match.group(3))
    return paths


def _package_of(path: str) -> str | None:
    candidates = [path, os.path.realpath(path)]
    for candidate in list(candidates):  # merged /usr: dpkg may know either spelling
        if candidate.startswith("/usr/"):
            candidates.append(candidate[4:])
        else:
            candidates.append("/usr" + candidate)
    for candidate in candidates:
        result = subprocess.run(["dpkg-query", "-S", candidate], check=False,
                                capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0].split(",")[0].strip()
    return None


def depends(root: Path) -> tuple[list[str], list[str]]:
    """(the Depends entries, libraries no package provides)."""
    names, glibc, glibcxx = host_libraries(root)
    cache = _ldconfig_paths()
    packages: dict[str, str] = {}
    unknown = []
    for name in sorted(names):
        path = cache.get(name)
        package = _package_of(path) if path else None
        if package is None:
            unknown.append(name)
        else:
            packages[package] = package
    packages["libc6"] = f"libc6 (>= {glibc})"
    if "libstdc++6" in packages and glibcxx in GLIBCXX_TO_GCC:
        packages["libstdc++6"] = f"libstdc++6 (>= {GLIBCXX_TO_GCC[glibcxx]})"
    return [packages[key] for key in sorted(packages)], unknown


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    entries, unknown = depends(Path(argv[0]))
    if unknown:
        print(f"deb_depends.py: no installed package provides {', '.join(unknown)}: install them "
              "on the build machine (scripts/install-system-deps.sh) so the .deb can depend on "
              "them", file=sys.stderr)
        return 1
    print(", ".join(entries))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
