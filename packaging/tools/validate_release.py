"""Checks the release inputs on Linux before the release workflow spends runner time on them.

    python3 packaging/tools/validate_release.py     # the workflow's `validate` job runs this

Parses the spec (Python), the workflows and the Flatpak manifest (YAML), the macOS plist values
(JSON) and entitlements (plist), checks the macOS runners exist and the declared minimum macOS,
validates the AppStream metainfo and the .desktop file when their tools are installed, and
compiles the Inno Setup script only where its compiler `iscc` exists (Windows; there is no
Linux package of it, so on Linux it says so and the windows job compiles it).
"""

from __future__ import annotations

import ast
import json
import plistlib
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
# GitHub-hosted macOS runners that exist (macos-13 was retired on 2025-12-04)
MACOS_RUNNERS = {"macos-14": "arm64", "macos-15": "arm64", "macos-26": "arm64",
                 "macos-15-intel": "x86_64"}
# the oldest macOS the shipped wheels support, per architecture (packaging/macos/min_macos.py;
# measured from the wheel file names: pip download --platform macosx_15_0_<arch> --no-deps ...)
MACOS_MINIMUM = {"arm64": (14, 0), "x86_64": (15, 0)}
INNO_MINIMUM = (6, 3)  # ArchitecturesAllowed=x64compatible


def workflow(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def macos_runners(flow: dict) -> list[str]:
    return list(flow["jobs"]["macos"]["strategy"]["matrix"]["runner"])


def inno_version(flow: dict) -> tuple[int, ...]:
    for step in flow["jobs"]["windows"]["steps"]:
        command = str(step.get("run", ""))
        if "choco install innosetup" in command and "--version=" in command:
            value = command.split("--version=", 1)[1].split()[0]
            return tuple(int(part) for part in value.split("."))
    return ()


def problems() -> list[str]:
    found = []
    ast.parse((REPO / "pyinstaller.spec").read_text(encoding="utf-8"))
    flows = {path.name: workflow(path) for path in sorted((REPO / ".github/workflows").glob("*.yml"))}
    release = flows["release.yml"]
    for runner in macos_runners(release):
        if runner not in MACOS_RUNNERS:
            found.append(f"release.yml: macOS runner {runner!r} does not exist")
    if inno_version(release) < INNO_MINIMUM:
        found.append("release.yml: Inno Setup must be pinned to 6.3 or newer (x64compatible)")
    for name, job in release["jobs"].items():
        if name != "validate" and "validate" not in str(job.get("needs", "")) and name != "publish":
            found.append(f"release.yml: job {name} does not wait for validate")
    yaml.safe_load((REPO / "packaging/flatpak/io.github.desktoprec.yml").read_text("utf-8"))
    plist = json.loads((REPO / "packaging/macos/info_plist.json").read_text(encoding="utf-8"))
    floor = tuple(int(p) for p in plist["LSMinimumSystemVersion"].split("."))
    if floor < min(MACOS_MINIMUM.values()):
        found.append(f"info_plist.json: LSMinimumSystemVersion {floor} is below every wheel's")
    entitlements = plistlib.loads((REPO / "packaging/macos/entitlements.plist").read_bytes())
    for key in entitlements:
        if "jit" in key or "unsigned-executable-memory" in key or "network" in key:
            found.append(f"entitlements.plist: {key} is not needed")
    if shutil.which("appstreamcli"):
        result = subprocess.run(["appstreamcli", "validate", "--no-net", str(
            REPO / "packaging/linux/io.github.desktoprec.metainfo.xml")], check=False)
        if result.returncode:
            found.append("the AppStream metainfo does not validate")
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(
            REPO / "packaging/linux/io.github.desktoprec.desktop")], check=False)
        if result.returncode:
            found.append("the .desktop file does not validate")
    iscc = shutil.which("iscc") or shutil.which("ISCC.exe")
    if iscc:
        result = subprocess.run([iscc, "/O-", str(REPO / "packaging/windows/desktoprec.iss")],
                                check=False)
        if result.returncode:
            found.append("Inno Setup could not compile desktoprec.iss")
    else:
        print("validate_release.py: no iscc here (Inno Setup is Windows-only and in no Linux "
              "registry): the windows job compiles desktoprec.iss")
    return found


if __name__ == "__main__":
    issues = problems()
    for issue in issues:
        print(f"validate_release.py: {issue}", file=sys.stderr)
    print("validate_release.py: " + ("FAILED" if issues else "all release inputs are valid"))
    sys.exit(1 if issues else 0)
