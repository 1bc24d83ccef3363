"""The release workflow, the macOS and Windows inputs and the Flatpak manifest, read as their tools do.

YAML through PyYAML, the manifest through flatpak-builder itself when it is installed, plists with
plistlib; the minimum macOS is recomputed from real wheel tags.
"""

from __future__ import annotations

import importlib.util
import json
import plistlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RELEASE = REPO / ".github/workflows/release.yml"
MANIFEST = REPO / "packaging/flatpak/io.github.desktoprec.yml"


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


validate = _load(REPO / "packaging/tools/validate_release.py", "validate_release")
min_macos = _load(REPO / "packaging/macos/min_macos.py", "min_macos")


def test_every_workflow_parses_and_jobs_wait_for_validation() -> None:
    for path in (REPO / ".github/workflows").glob("*.yml"):
        flow = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert flow["jobs"], path
    release = validate.workflow(RELEASE)
    assert release["jobs"]["validate"]["runs-on"].startswith("ubuntu-")
    for name in ("linux", "windows", "macos"):
        assert release["jobs"][name]["needs"] == "validate"
    assert set(release["jobs"]["publish"]["needs"]) == {"linux", "windows", "macos"}


def test_macos_runners_exist_and_cover_both_architectures() -> None:
    runners = validate.macos_runners(validate.workflow(RELEASE))
    assert "macos-13" not in runners  # retired 2025-12-04: the publish step would wait forever
    assert set(runners) <= set(validate.MACOS_RUNNERS)
    assert {validate.MACOS_RUNNERS[r] for r in runners} == {"arm64", "x86_64"}


def test_inno_setup_is_pinned_to_a_version_that_knows_x64compatible() -> None:
    assert validate.inno_version(validate.workflow(RELEASE)) >= (6, 3)
    assert "x64compatible" in (REPO / "packaging/windows/desktoprec.iss").read_text("utf-8")
    readme = (REPO / "packaging/windows/README.md").read_text(encoding="utf-8")
    assert "not signed" in readme and "SmartScreen" in readme and "Run anyway" in readme


def test_minimum_macos_follows_the_wheel_tags() -> None:
    # the file names pip downloads for this project's pins (packaging/README.md)
    arm = ["cp310-abi3-macosx_14_0_universal2", "cp310-abi3-macosx_14_0_arm64",
           "cp311-cp311-macosx_14_0_arm64", "cp311-abi3-macosx_11_0_arm64"]
    intel = ["cp310-abi3-macosx_14_0_universal2", "cp310-abi3-macosx_15_0_x86_64",
             "cp311-cp311-macosx_14_0_x86_64", "cp311-cp311-macosx_10_14_x86_64"]
    assert min_macos.minimum_from_tags(arm, "arm64") == (14, 0) == validate.MACOS_MINIMUM["arm64"]
    assert min_macos.minimum_from_tags(intel, "x86_64") == (15, 0) == validate.MACOS_MINIMUM[
        "x86_64"]
    assert min_macos.minimum_from_tags(["py3-none-any"], "arm64") == (11, 0)
    plist = json.loads((REPO / "packaging/macos/info_plist.json").read_text(encoding="utf-8"))
    assert plist["LSMinimumSystemVersion"] == "14.0"  # the spec raises it to 15.0 on Intel
    assert "min_macos" in (REPO / "pyinstaller.spec").read_text(encoding="utf-8")


def test_entitlements_keep_only_library_validation_and_signing_is_inside_out() -> None:
    entitlements = plistlib.loads((REPO / "packaging/macos/entitlements.plist").read_bytes())
    assert entitlements == {"com.apple.security.cs.disable-library-validation": True}
    script = (REPO / "packaging/macos/build-dmg.sh").read_text(encoding="utf-8")
    commands = [line for line in script.splitlines()
                if line.strip().startswith(("codesign", "sign")) and "--deep" in line]
    assert all("--verify" in line for line in commands)  # --deep only to verify, never to sign
    assert script.count("stapler staple") == 2  # the app and the dmg
    assert "min_macos.py --check" in script


def test_validate_release_passes_on_the_repository() -> None:
    assert validate.problems() == []


@pytest.mark.skipif(not shutil.which("flatpak-builder"), reason="flatpak-builder not installed")
def test_flatpak_manifest_parses_with_flatpak_builder(tmp_path: Path) -> None:
    result = subprocess.run(["flatpak-builder", "--show-manifest", str(MANIFEST)], check=False,
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    assert manifest["id"] == "io.github.desktoprec"
    assert manifest["runtime"] == "org.kde.Platform" and manifest["base"] == "io.qt.PySide.BaseApp"
    assert "--talk-name=org.freedesktop.secrets" in manifest["finish-args"]
    deps = manifest["modules"][0]
    assert deps["name"] == "python3-deps"
    names = {source["dest-filename"].split("-")[0].lower() for source in deps["sources"]}
    assert {"numpy", "scipy", "faiss_cpu", "keyring", "secretstorage", "sqlalchemy"} <= names
    assert not any(name.startswith(("pyside6", "shiboken6")) for name in names)  # the base app's
    assert all(len(source["sha256"]) == 64 for source in deps["sources"])
    build = " ".join(manifest["modules"][1]["build-commands"])
    assert "io.github.desktoprec.metainfo.xml" in build and "io.github.desktoprec.desktop" in build


def test_metainfo_id_matches_the_desktop_file_and_the_bundle_id() -> None:
    import xml.etree.ElementTree as ET

    root = ET.parse(REPO / "packaging/linux/io.github.desktoprec.metainfo.xml").getroot()
    assert root.findtext("id") == "io.github.desktoprec"
    assert root.findtext("launchable") == "io.github.desktoprec.desktop"
    assert (REPO / "packaging/linux" / root.findtext("launchable")).is_file()
    for image in root.iter("image"):
        name = image.text.rsplit("/", 1)[1]
        shot = REPO / "packaging/linux/screenshots" / name
        assert shot.is_file(), f"the screenshot {name} is not in the repository"
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
