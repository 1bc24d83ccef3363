"""The service layer's contract: public service methods take and return typed values, never Any."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "desktoprec"

# A parameter breaks the contract when its type names Any; a result also when it is a bag of
# `object`s (a record in disguise, which no checker follows: records are dataclasses). A mapping
# with one real value type (track id -> path) is a type.
UNTYPED_PARAMETER = re.compile(r"\bAny\b")
UNTYPED_RESULT = re.compile(r"\bAny\b|\bobject\b")

def service_modules() -> list[Path]:
    """services.py, every `<area>/service.py`, and any other module Services takes an area
    from (player/feedback.py: FeedbackService)."""
    root = PACKAGE / "services.py"
    found = {root, *PACKAGE.glob("*/service.py")}
    for node in ast.walk(ast.parse(root.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and any(
                alias.name.endswith("Service") for alias in node.names):
            found.add(PACKAGE.parent.joinpath(*node.module.split(".")).with_suffix(".py"))
    return sorted(found)


def contract_breaches(path: Path) -> list[str]:
    """Every public method (and `__init__`) of a service class (`...Service`) in `path` whose
    parameters or return type are missing or untyped, as `Class.method: what`. The values they
    return (dataclasses) may well have a `to_json() -> dict`: that is the JSON edge, not a
    contract between areas."""
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.ClassDef) or not node.name.endswith(("Service", "Services")):
            continue
        for method in node.body:
            if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if method.name.startswith("_") and method.name != "__init__":
                continue
            name = f"{node.name}.{method.name}"
            args = method.args
            params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
            params += [extra for extra in (args.vararg, args.kwarg) if extra is not None]
            for index, param in enumerate(params):
                if index == 0 and param.arg in ("self", "cls"):
                    continue
                if param.annotation is None:
                    found.append(f"{name}: parameter {param.arg} has no type")
                elif UNTYPED_PARAMETER.search(ast.unparse(param.annotation)):
                    found.append(f"{name}: parameter {param.arg} is "
                                 f"{ast.unparse(param.annotation)}")
            if method.returns is None:
                found.append(f"{name}: no return type")
            elif method.name != "__init__" and UNTYPED_RESULT.search(ast.unparse(method.returns)):
                found.append(f"{name}: returns {ast.unparse(method.returns)}")
    return found


def test_the_scan_sees_every_service_module() -> None:
    names = {f"{path.parent.name}/{path.name}" for path in service_modules()}
    assert {"desktoprec/services.py", "library/service.py", "sync/service.py",
            "recommend/service.py", "player/service.py", "player/feedback.py",
            "export/service.py", "demo/service.py", "spotify/service.py"} <= names


def test_public_service_methods_are_typed() -> None:
    breaches = [f"{path.relative_to(PACKAGE)}: {breach}"
                for path in service_modules() for breach in contract_breaches(path)]
    assert breaches == []


def test_the_scan_catches_an_untyped_method(tmp_path: Path) -> None:
    sample = tmp_path / "service.py"
    sample.write_text(
        "from typing import Any\n"
        "class SampleService:\n"
        "    def __init__(self, services):\n        pass\n"
        "    def counts(self) -> dict[str, object]:\n        return {}\n"
        "    def paths(self) -> dict[str, str]:\n        return {}\n"
        "    def run(self, **options: Any) -> list[Any]:\n        return []\n"
        "    def fine(self, n: dict[str, int]) -> tuple[int, ...]:\n        return ()\n"
        "    def _private(self, x):\n        return x\n"
        "class _Hidden:\n    def open(self, x):\n        return x\n"
        "class Report:\n    def to_json(self) -> dict[str, Any]:\n        return {}\n",
        encoding="utf-8")
    assert contract_breaches(sample) == [
        "SampleService.__init__: parameter services has no type",
        "SampleService.__init__: no return type",
        "SampleService.counts: returns dict[str, object]",
        "SampleService.run: parameter options is Any",
        "SampleService.run: returns list[Any]",
    ]
