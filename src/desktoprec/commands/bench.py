"""`desktoprec bench NAME`: runs a benchmark module and prints its figures (JSON with --json)."""

from __future__ import annotations

import argparse
import importlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktoprec.services import Services

# name -> module in desktoprec.benchmarks; each has add_arguments(parser) and run(args, services).
BENCHMARKS = {
    "sync": "desktoprec.benchmarks.sync",
    "analysis": "desktoprec.benchmarks.analysis",
    "recommend": "desktoprec.benchmarks.recommend",
    "ui": "desktoprec.benchmarks.ui",
    "demo": "desktoprec.benchmarks.demo",
    "accuracy": "desktoprec.benchmarks.accuracy",
    "sources": "desktoprec.benchmarks.sources",
    "browse": "desktoprec.benchmarks.browse",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("bench", help="measure speed, memory and accuracy")
    names = parser.add_subparsers(dest="bench", metavar="NAME", required=True)
    for name, module_name in BENCHMARKS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        sub = names.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0])
        sub.add_argument("--json", action="store_true", help="print one JSON object")
        module.add_arguments(sub)
        sub.set_defaults(handler=_handler(module))


def _handler(module: Any) -> Any:
    def handle(args: argparse.Namespace, services: Services) -> int:
        figures = module.run(args, services)
        if args.json:
            print(json.dumps(figures, indent=None, default=str))
        elif hasattr(module, "format_table"):  # figures that read best as a table
            print(module.format_table(figures))
        else:
            for key, value in figures.items():
                print(f"{key}: {value}")
        return 0

    return handle
