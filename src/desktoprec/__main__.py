"""Entry point for `python -m desktoprec`."""

from __future__ import annotations

import multiprocessing
import sys

from desktoprec.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
