"""Guard: every module outside ui/ imports with PySide6 made unimportable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "desktoprec"

PROBE = r"""
import importlib, pkgutil, sys
class BlockQt:
    def find_spec(self, name, path=None, target=None):
        if name == "PySide6" or name.startswith("PySide6."):
            raise ImportError("Qt is blocked outside ui/")
        return None
sys.meta_path.insert(0, BlockQt())
import desktoprec
failed = []
names = []
for info in pkgutil.walk_packages(desktoprec.__path__, "desktoprec."):
    if info.name.startswith("desktoprec.ui") or ".ui." in info.name:
        continue
    names.append(info.name)
    try:
        importlib.import_module(info.name)
    except Exception as exc:
        failed.append(f"{info.name}: {type(exc).__name__}: {exc}")
print(len(names))
print("\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_modules_outside_ui_do_not_import_qt() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            timeout=240, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert int(result.stdout.splitlines()[0]) >= 10  # the walk really found the modules


def test_every_module_opens_with_a_docstring() -> None:
    missing = []
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8").lstrip()
        if not text.startswith(('"""', "'''")):
            missing.append(str(path.relative_to(SRC)))
    assert not missing, f"modules without an opening docstring: {missing}"
