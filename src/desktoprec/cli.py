"""The command line: parses arguments, calls the service layer, turns errors into one clear line."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence

from desktoprec import __version__
from desktoprec.errors import Cancelled, DesktopRecError
from desktoprec.logs import format_exception_redacted, redact

log = logging.getLogger(__name__)

# Each module registers its own subcommands: register(subparsers) -> None, and every parser sets
# `handler(args, services) -> int`.
COMMAND_MODULES = (
    "desktoprec.commands.account",  # login, logout, emulator
    "desktoprec.commands.sync",  # sync, status, export
    "desktoprec.commands.library",  # scan, analyze
    "desktoprec.commands.sources",  # sources, enrich
    "desktoprec.commands.tracks",  # tracks --search
    "desktoprec.commands.recommend",  # recommend, path, eval, feedback
    "desktoprec.commands.app",  # app (default), demo, launch
    "desktoprec.commands.demo",  # demo
    "desktoprec.commands.bench",  # bench ...
    "desktoprec.commands.selftest",  # self-test
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BUG = 0, 1, 2, 130, 70
EXIT_BROKEN_PIPE = 141  # as if ended by SIGPIPE, what a shell reports for `cmd | head`


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"desktoprec: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="desktoprec", description="Explained, genre-diverse music recommendations.")
    parser.add_argument("--version", action="version", version=f"desktoprec {__version__}")
    parser.add_argument("--debug", action="store_true", help="verbose logs and tracebacks")
    parser.add_argument("--no-crash-dialog", action="store_true", help="no crash dialog (CI)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def _run(handler: Callable[..., int], args: argparse.Namespace) -> int:
    from desktoprec.logs import configure_logging
    from desktoprec.paths import app_paths
    from desktoprec.services import Services

    paths = app_paths().ensure()
    warning = configure_logging(paths.log_file, debug=args.debug)
    if warning:
        print(f"desktoprec: warning: {warning}", file=sys.stderr)
    services = Services(paths)
    try:
        if services.settings.load_warning:
            print(f"desktoprec: warning: {services.settings.load_warning}", file=sys.stderr)
        return int(handler(args, services) or 0)
    finally:
        # A damaged database moved aside at start-up is told once, whatever the command did.
        notice = services.recovery_notice()
        if notice:
            print(f"desktoprec: warning: {notice}", file=sys.stderr)
        for text in services.notices:
            print(f"desktoprec: warning: {redact(text)}", file=sys.stderr)
        services.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["app", *(argv or sys.argv[1:])])
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return _run(handler, args)
    except Cancelled as exc:
        print(f"desktoprec: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("desktoprec: interrupted; what was finished is kept.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader went away (`desktoprec sync --json | head`): nothing more to say to it
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except DesktopRecError as exc:
        log.error("%s", exc.user_text(), exc_info=args.debug)
        if args.debug:
            print(format_exception_redacted(exc), file=sys.stderr, end="")
        print(f"desktoprec: {redact(exc.user_text())}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # the last resort: a bug, reported briefly
        log.exception("unexpected error")
        if args.debug or os.environ.get("DESKTOPREC_DEBUG"):
            # The traceback is for a bug report: printed whole, but never with a token in it.
            print(format_exception_redacted(exc), file=sys.stderr, end="")
            return EXIT_BUG
        print(
            redact(f"desktoprec: unexpected error ({type(exc).__name__}: {exc}); "
                   "details are in the log, run with --debug for a traceback"),
            file=sys.stderr,
        )
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
