"""Finding 7: the single-instance socket cannot be squatted, and two quick launches cannot both
run. Real processes (offscreen Qt), each doing what `desktoprec app` does at start-up."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

LAUNCH = """
import sys, time
from pathlib import Path
from PySide6.QtCore import QCoreApplication
from desktoprec.ui.single_instance import SingleInstance
app = QCoreApplication([])
go = Path(sys.argv[2])
while not go.exists():          # both processes start claiming at the same moment
    time.sleep(0.001)
single = SingleInstance(Path(sys.argv[1]))
primary = single.claim()
print("primary" if primary else "handed-over", single.name, flush=True)
if primary:                     # stay up a while, serving the other launch's knock
    end = time.monotonic() + 4
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    single.close()
"""


def test_two_quick_launches_give_exactly_one_running_app(tmp_path: Path) -> None:
    data_dir = tmp_path / "home" / "data"
    data_dir.mkdir(parents=True)
    script = tmp_path / "launch.py"
    script.write_text(LAUNCH)
    go = tmp_path / "go"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for _round in range(3):
        go.unlink(missing_ok=True)
        launches = [subprocess.Popen([sys.executable, str(script), str(data_dir), str(go)],
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True) for _ in range(2)]
        time.sleep(1.5)  # both imported Qt and wait at the start line
        go.write_text("")
        outputs = [p.communicate(timeout=60) for p in launches]
        roles = [out.split()[0] for out, _err in outputs if out.strip()]
        assert sorted(roles) == ["handed-over", "primary"], outputs
    name = Path(outputs[0][0].split()[1])
    folder = name.parent
    # not a predictable name in /tmp: a folder only this user can enter
    assert folder != Path("/tmp") and stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert folder.stat().st_uid == os.getuid()


def test_a_folder_someone_else_could_enter_is_tightened_or_refused(tmp_path: Path) -> None:
    from desktoprec.ui.single_instance import _private_folder

    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    loose.chmod(0o777)
    assert _private_folder(loose) == loose and stat.S_IMODE(loose.stat().st_mode) == 0o700
    link = tmp_path / "link"
    link.symlink_to(loose)
    assert _private_folder(link) is None  # a symlink planted where the folder should be
