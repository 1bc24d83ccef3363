"""Packaging inputs agree with each other (fast: nothing is built; CI's .ci/run builds the bundle)."""

from __future__ import annotations

import ast
import configparser
import json
import os
import re
import struct
import subprocess
import tomllib
from pathlib import Path

import pytest

import desktoprec

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
SPEC = REPO / "pyinstaller.spec"


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _spec_tree() -> ast.Module:
    return ast.parse(SPEC.read_text(encoding="utf-8"))


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_version_is_the_same_in_pyproject_and_the_package() -> None:
    assert _pyproject()["project"]["version"] == desktoprec.__version__


def test_pyinstaller_is_in_the_package_extra() -> None:
    extra = _pyproject()["project"]["optional-dependencies"]["package"]
    assert any(req.replace(" ", "").lower().startswith("pyinstaller") for req in extra)


def test_spec_is_python_and_names_files_that_exist() -> None:
    text = SPEC.read_text(encoding="utf-8")
    _spec_tree()  # parses
    assert 'tomllib.loads((ROOT / "pyproject.toml")' in text  # version from pyproject.toml
    assert "console=False" in text and "upx=False" in text
    assert "DESKTOPREC_ONEFILE" in text and "BUNDLE(" in text and "COLLECT(" in text
    for path in [
        REPO / "src/desktoprec/__main__.py",
        REPO / "resources/desktoprec.ico",
        REPO / "resources/desktoprec.icns",
        PACKAGING / "macos/info_plist.json",
        PACKAGING / "pyinstaller/hooks/hook-keyring.py",
        PACKAGING / "pyinstaller/rthook_portable.py",
        PACKAGING / "pyinstaller/linux_bundle.py",
        PACKAGING / "linux/excludelist",
    ]:
        assert path.is_file(), path
        assert path.name in text or path.parent.name in text, f"the spec does not use {path.name}"


def test_spec_excludes_the_qt_modules_the_app_does_not_use_and_keeps_the_ones_it_does() -> None:
    text = SPEC.read_text(encoding="utf-8")
    for unused in ("QtWebEngineCore", "QtQml", "QtQuick", "QtPdf", "Qt3DCore", "QtCharts"):
        assert f'"{unused}"' in text
    used = {"QtCore", "QtGui", "QtWidgets", "QtMultimedia", "QtSvg", "QtNetwork", "QtDBus"}
    excluded = set(re.findall(r'"(Qt\w+)"', text.split("EXCLUDES")[0]))
    assert not used & excluded


def test_frozen_entry_calls_freeze_support_before_main() -> None:
    text = (REPO / "src/desktoprec/__main__.py").read_text(encoding="utf-8")
    assert text.index("multiprocessing.freeze_support()") < text.index("sys.exit(main())")


def test_self_test_clip_is_package_data() -> None:
    clip = REPO / "src/desktoprec/resources/selftest/clip.flac"
    assert clip.is_file() and 10_000 < clip.stat().st_size < 500_000
    patterns = _pyproject()["tool"]["setuptools"]["package-data"]["desktoprec"]
    assert "resources/**/*" in patterns


def test_desktop_file_matches_the_launcher_and_icons() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(PACKAGING / "linux/io.github.desktoprec.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "desktoprec" == entry["TryExec"]
    assert entry["Icon"] == "desktoprec"
    assert entry["Terminal"] == "false"
    categories = entry["Categories"]
    assert categories.endswith(";") and "AudioVideo;" in categories
    build = (PACKAGING / "linux/build.sh").read_text(encoding="utf-8")
    assert '"$STAGE/usr/bin/$APP"' in build  # the launcher the Exec line runs
    assert "APP_ID=io.github.desktoprec" in build  # installed under the AppStream id
    assert "apps/$APP.png" in build and "scalable/apps/$APP.svg" in build


def test_icon_files_have_the_sizes_their_names_say() -> None:
    pngs = sorted((REPO / "resources/icons").glob("desktoprec-*.png"))
    assert {16, 32, 48, 128, 256, 512} <= {int(p.stem.split("-")[1]) for p in pngs}
    for png in pngs:
        size = int(png.stem.split("-")[1])
        assert _png_size(png) == (size, size), png
    ico = (REPO / "resources/desktoprec.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 4
    icns = (REPO / "resources/desktoprec.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)


def test_deb_control_template_has_the_fields_build_sh_fills() -> None:
    text = (PACKAGING / "linux/deb/control.in").read_text(encoding="utf-8")
    fields = dict(
        line.split(": ", 1) for line in text.splitlines() if line and not line.startswith(" ")
    )
    assert fields["Package"] == "desktoprec"
    assert fields["Version"] == "@VERSION@"
    assert fields["Architecture"] == "@ARCH@"
    assert fields["Installed-Size"] == "@INSTALLED_SIZE@"
    for required in ("Maintainer", "Description", "Depends", "Section", "Priority"):
        assert fields.get(required), required
    assert fields["Depends"] == "@DEPENDS@"  # packaging/linux/deb_depends.py works it out
    build = (PACKAGING / "linux/build.sh").read_text(encoding="utf-8")
    for placeholder in re.findall(r"@[A-Z_]+@", text):
        assert f"s/{placeholder}/" in build, f"build.sh does not fill {placeholder}"


def test_deb_scripts_and_linux_scripts_are_valid_shell() -> None:
    scripts = [*(PACKAGING / "linux").glob("*.sh"), PACKAGING / "linux/deb/postinst",
               PACKAGING / "linux/deb/postrm", *(PACKAGING / "macos").glob("*.sh")]
    for script in scripts:
        assert os.access(script, os.X_OK), f"{script} is not executable"
        result = subprocess.run(["sh", "-n", str(script)], check=False, capture_output=True,
                                text=True)
        assert result.returncode == 0, f"{script}: {result.stderr}"


def test_launcher_finds_the_bundle_relative_to_itself(tmp_path: Path) -> None:
    """As in a `dpkg -x` root: /usr/bin/desktoprec runs ../../opt/desktoprec/desktoprec."""
    bundle = tmp_path / "opt/desktoprec/desktoprec"
    bundle.parent.mkdir(parents=True)
    bundle.write_text('#!/bin/sh\necho "bundle got: $*"\n', encoding="utf-8")
    bundle.chmod(0o755)
    launcher = tmp_path / "usr/bin/desktoprec"
    launcher.parent.mkdir(parents=True)
    launcher.write_bytes((PACKAGING / "linux/launcher.sh").read_bytes())
    launcher.chmod(0o755)
    result = subprocess.run([str(launcher), "self-test", "--json"], check=False, capture_output=True,
                            text=True, timeout=30, cwd="/")
    assert result.stdout.strip() == "bundle got: self-test --json"


def test_macos_plist_values() -> None:
    plist = json.loads((PACKAGING / "macos/info_plist.json").read_text(encoding="utf-8"))
    assert re.fullmatch(r"[a-z0-9]+(\.[a-z0-9-]+)+", plist["CFBundleIdentifier"])
    assert plist["CFBundleIdentifier"] == "io.github.desktoprec"  # the AppStream id too
    assert plist["LSUIElement"] is False  # a normal Dock app, not a menu-bar-only agent
    assert plist["NSHighResolutionCapable"] is True


def test_inno_setup_script_matches_the_bundle() -> None:
    text = (PACKAGING / "windows/desktoprec.iss").read_text(encoding="utf-8")
    assert "dist\\desktoprec\\*" in text
    assert "desktoprec.exe" in text
    assert "resources\\desktoprec.ico" in text
    assert "{group}" in text  # Start-menu shortcut
    assert "autostart" in text.lower() and "Tasks:" in text  # the optional autostart task
    assert "Uninstall" in text
    build = (PACKAGING / "windows/build.ps1").read_text(encoding="utf-8")
    assert "pyinstaller.spec" in build and "self-test" in build and "ISCC" in build


def test_release_workflow_builds_on_three_systems_and_runs_the_self_test() -> None:
    text = (REPO / ".github/workflows/release.yml").read_text(encoding="utf-8")
    for runner in ("ubuntu-", "windows-", "macos-"):
        assert runner in text
    assert "make package" in text  # the same steps as here: the Makefile runs build.sh
    assert "sh packaging/linux/build.sh" in (REPO / "Makefile").read_text(encoding="utf-8")
    assert "packaging/windows/build.ps1" in text
    assert "packaging/macos/build-dmg.sh" in text
    assert "upload-artifact" in text


@pytest.mark.parametrize("hook", sorted((PACKAGING / "pyinstaller").rglob("*.py")))
def test_pyinstaller_hooks_parse(hook: Path) -> None:
    tree = ast.parse(hook.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{hook.name} needs a docstring saying what it is for"


def _licences_module():  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("licences", PACKAGING / "pyinstaller/licences.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STALE = ("numba", "llvmlite", "librosa", "spotipy", "authlib", "essentia")


def test_spec_carries_the_licences_of_the_runtime_distributions_and_nothing_else() -> None:
    carried = {name.lower().replace("_", "-") for name in _licences_module().runtime_distributions()}
    declared = {re.split(r"[<>=!~; \[]", req, maxsplit=1)[0].lower().replace("_", "-")
                for req in _pyproject()["project"]["dependencies"]}
    assert declared <= carried  # each declared dependency, and what it pulls in (SecretStorage, ...)
    assert {"secretstorage", "jeepney", "httpcore", "shiboken6"} <= carried
    for extra in ("librosa", "pytest", "pyinstaller", "mypy", "ruff", "hypothesis", "pyyaml"):
        assert extra not in carried
    assert '".dist-info/RECORD"' in SPEC.read_text(encoding="utf-8")  # the licences, not file lists


def test_spec_and_hooks_name_no_package_the_app_does_not_import() -> None:
    text = SPEC.read_text(encoding="utf-8").lower()
    for stale in STALE:
        assert stale not in text, stale
    assert "runtime_hooks" in text and "rthook_portable" in text  # the only runtime hook
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "src/desktoprec").rglob("*.py"))
    for hook in (PACKAGING / "pyinstaller/hooks").glob("hook-*.py"):
        package = hook.stem.removeprefix("hook-")
        assert re.search(rf"^\s*(import|from) {package}\b", source, re.MULTILINE), hook.name


def test_the_project_home_is_the_same_in_pyproject_the_metainfo_and_the_package() -> None:
    import xml.etree.ElementTree as ET

    urls = _pyproject()["project"]["urls"]
    root = ET.parse(PACKAGING / "linux/io.github.desktoprec.metainfo.xml").getroot()
    metainfo = {u.get("type"): u.text for u in root.iter("url")}
    assert urls["Homepage"] == metainfo["homepage"] == desktoprec.HOMEPAGE
    assert urls["Issues"] == metainfo["bugtracker"]


def _spec_list(name: str) -> list[str]:
    for node in _spec_tree().body:
        if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == name for target in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError(f"pyinstaller.spec has no {name} list")


def test_no_module_the_app_imports_is_left_out_of_the_bundle() -> None:
    """A module the spec leaves out (UNUSED_SCIPY, UNUSED_QT) and src/ imports would fail only
    in the built bundle: scipy.sparse.csgraph did, in the A→B path."""
    excluded = [f"scipy.{name}" for name in _spec_list("UNUSED_SCIPY")]
    excluded += [f"PySide6.{name}" for name in _spec_list("UNUSED_QT")]
    imported: dict[str, str] = {}
    for path in sorted((REPO / "src" / "desktoprec").rglob("*.py")):
        if path.name == "accuracy_peers.py":  # another interpreter's script, not in the bundle
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                imported.setdefault(name, str(path.relative_to(REPO)))
    left_out = {name: where for name, where in imported.items()
                if any(name == gone or name.startswith(gone + ".") for gone in excluded)}
    assert left_out == {}
