"""Declared dependencies and imports agree: pyproject.toml against the AST of src/desktoprec."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "desktoprec"

# distribution name -> the top-level module(s) it installs, where they differ
IMPORT_NAMES = {
    "pyside6-essentials": {"PySide6"},
    "pyside6-addons": {"PySide6"},
    "faiss-cpu": {"faiss"},
    "tomli-w": {"tomli_w"},
    "bliss-audio": {"bliss_audio"},
    "pyinstaller": {"PyInstaller"},
}

# scripts that another interpreter runs with its own packages; desktoprec never imports them
SIDE_SCRIPTS = {"benchmarks/accuracy_peers.py"}

# the type checker's own standard-library stubs: imported under TYPE_CHECKING, never at run time
TYPE_CHECKER_STDLIB = {"_typeshed"}


def _distribution(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", requirement.strip(), maxsplit=1)[0].lower()


def _modules_of(distribution: str) -> set[str]:
    return IMPORT_NAMES.get(distribution, {distribution.replace("-", "_")})


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def third_party_imports() -> dict[str, set[str]]:
    """Top-level module -> the files of src/desktoprec that import it (stdlib and ours left out)."""
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        if str(path.relative_to(SRC)) in SIDE_SCRIPTS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "desktoprec" and top not in sys.stdlib_module_names | TYPE_CHECKER_STDLIB:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_runtime_dependency_is_imported() -> None:
    imported = set(third_party_imports())
    unused = [d for d in map(_distribution, _project()["dependencies"])
              if not _modules_of(d) & imported]
    assert unused == [], f"declared at run time but never imported by src/: {unused}"


def test_every_import_is_declared() -> None:
    project = _project()
    runtime = {m for d in map(_distribution, project["dependencies"]) for m in _modules_of(d)}
    extras = {m for reqs in project.get("optional-dependencies", {}).values()
              for d in map(_distribution, reqs) for m in _modules_of(d)}
    imports = third_party_imports()
    undeclared = {m: sorted(files) for m, files in imports.items() if m not in runtime | extras}
    assert undeclared == {}, f"imported by src/ but not declared in pyproject.toml: {undeclared}"
    # a module from an optional extra is only for the command that needs it (bench, package)
    optional_only = {m: files for m, files in imports.items() if m not in runtime}
    for module, files in optional_only.items():
        assert all("/benchmarks/" in f or f.endswith("selftest.py") for f in files), (
            f"{module} comes from an optional extra but is imported by {sorted(files)}")


def test_the_dsp_reference_is_a_test_dependency_only() -> None:
    project = _project()
    runtime = {_distribution(d) for d in project["dependencies"]}
    test = {_distribution(d) for d in project["optional-dependencies"]["test"]}
    assert "librosa" not in runtime and "librosa" in test
    assert "librosa" not in third_party_imports()


def test_side_scripts_are_never_imported() -> None:
    for script in SIDE_SCRIPTS:
        module = "desktoprec." + script.removesuffix(".py").replace("/", ".")
        name = module.rsplit(".", 1)[-1]
        for path in SRC.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert f"import {module}" not in text and f"import {name}" not in text, path


def test_the_checker_sees_through_aliases() -> None:
    """The mapping and the scan catch a distribution whose import name differs."""
    assert _distribution("faiss-cpu>=1.8") == "faiss-cpu"
    assert _modules_of("pyside6-essentials") == {"PySide6"}
    assert _distribution("mutagen") == "mutagen" and _modules_of("tomli-w") == {"tomli_w"}
    imports = third_party_imports()
    assert "PySide6" in imports and "faiss" in imports and "numpy" in imports
    assert "json" not in imports and "desktoprec" not in imports
