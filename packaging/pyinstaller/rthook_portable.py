"""Runtime hook (portable one-file build only): keep all user data in a folder beside the executable.

An explicit DESKTOPREC_HOME still wins, so the portable build can be pointed elsewhere.
"""

import os
import sys
from pathlib import Path

if not os.environ.get("DESKTOPREC_HOME"):
    os.environ["DESKTOPREC_HOME"] = str(Path(sys.executable).resolve().parent / "desktoprec-data")
