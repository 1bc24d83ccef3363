"""`desktoprec self-test [--json]`: checks that this installation can run (see desktoprec.selftest)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from desktoprec.selftest import CHECK_NAMES, CheckResult, is_frozen, run_checks

if TYPE_CHECKING:
    from desktoprec.services import Services


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "self-test",
        help="check that Qt, the database, audio analysis, the index and the keyring work",
        description="Checks this installation: " + ", ".join(CHECK_NAMES) + ". Exits 0 only "
        "when every check passes.",
    )
    parser.add_argument("--json", action="store_true",
                        help='end with one JSON line: {"qt": {"ok": ..., "detail": ...}, ...}')
    parser.add_argument("--only", metavar="CHECKS", default=",".join(CHECK_NAMES),
                        help="comma-separated subset of: " + ", ".join(CHECK_NAMES))
    parser.add_argument("--output", metavar="FILE", type=Path,
                        help="also write the JSON object to FILE (a windowed Windows build has "
                        "no console to print to)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, services: Services) -> int:
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in names if name not in CHECK_NAMES]
    if unknown or not names:
        from desktoprec.errors import ConfigError

        raise ConfigError(f"unknown self-test check(s): {', '.join(unknown) or '(none)'}",
                          hint="choose from " + ", ".join(CHECK_NAMES))
    # A windowed (console=False) Windows build has sys.stdout/stderr set to None.
    human: TextIO | None = sys.stderr if args.json else sys.stdout

    def report(result: CheckResult) -> None:
        if human is not None:
            mark = "ok  " if result.ok else "FAIL"
            print(f"{mark} {result.name:<9} {result.detail}  ({result.seconds:.1f} s)",
                  file=human, flush=True)

    if human is not None:
        where = "frozen bundle" if is_frozen() else "source install"
        print(f"desktoprec self-test ({where}, {sys.executable})", file=human, flush=True)
    results = run_checks(names, on_result=report)
    payload = {name: result.to_dict() for name, result in results.items()}
    line = json.dumps(payload, sort_keys=False)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(line + "\n", encoding="utf-8")
    failed = [name for name, result in results.items() if not result.ok]
    if human is not None:
        summary = "all checks passed" if not failed else "failed: " + ", ".join(failed)
        print(summary, file=human, flush=True)
    if args.json and sys.stdout is not None:
        print(line, flush=True)
    return 0 if not failed else 1
