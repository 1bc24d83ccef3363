"""Where the shared data folder is: $DESKTOPREC_SHARED_DATA, ../shared/data beside the clone, or
/work/shared/data (a clone made somewhere else on this machine)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def find_shared_data() -> Path:
    candidates = [os.environ.get("DESKTOPREC_SHARED_DATA", ""),
                  str(REPO_ROOT.parent / "shared" / "data"), "/work/shared/data"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return REPO_ROOT.parent / "shared" / "data"
