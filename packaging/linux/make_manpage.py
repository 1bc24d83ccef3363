"""Writes the desktoprec(1) man page (roff) from the command line's own argparse parser.

    python packaging/linux/make_manpage.py OUT.1       # build.sh gzips it into the .deb

Every command and option comes from desktoprec.cli.build_parser(), so the page cannot drift from
`desktoprec --help`. The date is the last commit's (SOURCE_DATE_EPOCH when set), for reproducible
packages.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from desktoprec import __version__
from desktoprec.cli import build_parser


def _roff(text: str) -> str:
    """Escape text for roff: backslashes, and a leading dot or quote that would start a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    lines = []
    for line in text.splitlines():
        lines.append("\\&" + line if line.startswith((".", "'")) else line)
    return "\n".join(lines)


def _options(parser: argparse.ArgumentParser) -> list[str]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
            continue
        if action.option_strings:
            names = ", ".join(f"\\fB{_roff(name)}\\fR" for name in action.option_strings)
            if action.nargs != 0:
                names += f" \\fI{_roff(action.metavar or action.dest.upper())}\\fR"
        else:
            names = f"\\fI{_roff(str(action.metavar or action.dest))}\\fR"
        help_text = (action.help or "").replace("%(default)s", str(action.default))
        out += [".TP", names, _roff(help_text)]
    return out


def _build_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        result = subprocess.run(["git", "log", "-1", "--format=%ct"], check=False,
                                capture_output=True, text=True)
        epoch = result.stdout.strip() or "0"
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).strftime("%Y-%m-%d")


def render() -> str:
    """The whole page."""
    parser = build_parser()
    lines = [
        f'.TH DESKTOPREC 1 "{_build_date()}" "desktoprec {__version__}" "User Commands"',
        ".SH NAME",
        "desktoprec \\- " + _roff(parser.description or "music recommendations").rstrip("."),
        ".SH SYNOPSIS",
        "\\fBdesktoprec\\fR [\\fIOPTIONS\\fR] [\\fICOMMAND\\fR [\\fIARGUMENTS\\fR]]",
        ".SH DESCRIPTION",
        "desktoprec syncs your Spotify library, analyses your own music files and recommends",
        "explained, genre\\-diverse tracks. Without a command it opens the desktop app.",
        ".SH OPTIONS",
        *_options(parser),
        ".SH COMMANDS",
    ]
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help for choice in action._choices_actions}
        for name, sub in action.choices.items():
            lines += [".SS " + _roff(f"desktoprec {name}"), _roff(helps.get(name) or sub.description
                                                                 or "")]
            usage = sub.format_usage().replace("usage: ", "").strip()
            lines += [".PP", "\\fBUsage:\\fR " + _roff(" ".join(usage.split()))]
            options = _options(sub)
            if options:
                lines += [".RS", *options, ".RE"]
    lines += [
        ".SH FILES",
        ".TP", "\\fI~/.local/share/desktoprec\\fR", "the library database, the index and logs",
        ".TP", "\\fI~/.config/desktoprec\\fR", "settings",
        ".SH ENVIRONMENT",
        ".TP", "\\fBDESKTOPREC_HOME\\fR", "keep all data in this folder instead",
        ".SH SEE ALSO",
        "Run \\fBdesktoprec self\\-test\\fR to check that the installation works on this system.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    Path(argv[0]).write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
