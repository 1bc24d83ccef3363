"""No function in src/desktoprec is longer than 80 lines (issue 14): read from the AST."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "desktoprec"
MAX_LINES = 80


def long_functions(source: str, name: str, limit: int = MAX_LINES) -> list[str]:
    """`name:line function (N lines)` for each function or method (nested ones too) whose
    lines, from `def` to its last line, are more than `limit`."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > limit:
                found.append(f"{name}:{node.lineno} {node.name} ({length} lines)")
    return found


def _function_of(lines: int, indent: str = "") -> str:
    body = "".join(f"{indent}    x{i} = {i}\n" for i in range(lines - 1))
    return f"{indent}def f():\n{body}"


def test_the_check_counts_from_def_to_the_last_line() -> None:
    assert long_functions(_function_of(80), "a.py") == []
    assert long_functions(_function_of(81), "a.py") == ["a.py:1 f (81 lines)"]
    method = "class C:\n" + _function_of(81, "    ")
    assert long_functions(method, "b.py") == ["b.py:2 f (81 lines)"]
    nested = "async def outer():\n" + _function_of(81, "    ")
    assert long_functions(nested, "c.py") == ["c.py:1 outer (82 lines)", "c.py:2 f (81 lines)"]


def test_no_function_in_src_is_over_80_lines() -> None:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 50  # the package was found
    found = [item for path in files
             for item in long_functions(path.read_text(encoding="utf-8"),
                                        str(path.relative_to(ROOT)))]
    assert not found, "split these functions along their seams:\n" + "\n".join(found)
