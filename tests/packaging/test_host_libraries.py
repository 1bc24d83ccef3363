"""The Linux bundle leaves host libraries out and replaces FAISS's OpenBLAS and ICU's data correctly.

Works on the real ELF files of this machine and of the installed wheels: the pruning on system
libraries, the BLAS shim by calling sgemm_ through it, the ICU stub by its symbol. When a built
bundle is present (dist/desktoprec, after `make package`) it is checked as well.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
EXCLUDELIST = REPO / "packaging/linux/excludelist"
BUNDLE = REPO / "dist/desktoprec"
SITE = Path(sysconfig.get_paths()["platlib"])

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux bundle")


def _linux_bundle():
    spec = importlib.util.spec_from_file_location(
        "linux_bundle", REPO / "packaging/pyinstaller/linux_bundle.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["linux_bundle"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


lb = _linux_bundle()
PATTERNS = lb.read_excludelist(EXCLUDELIST)


def _system_library(name: str) -> str:
    output = subprocess.run(["/sbin/ldconfig", "-p"], check=True, capture_output=True,
                            text=True).stdout
    for line in output.splitlines():
        if line.strip().startswith(name + " ") and "x86-64" in line or (
                line.strip().startswith(name + " ") and "64" in line):
            return line.rsplit("=> ", 1)[1].strip()
    pytest.fail(f"{name} is not installed here")


def test_excludelist_covers_what_the_review_found_in_the_bundle() -> None:
    found_by_review = [
        "libstdc++.so.6", "libgcc_s.so.1", "libX11.so.6", "libxcb.so.1", "libfontconfig.so.1",
        "libfreetype.so.6", "libharfbuzz.so.0", "libz.so.1", "libexpat.so.1", "libuuid.so.1",
        "libgpg-error.so.0", "libglib-2.0.so.0", "libdbus-1.so.3", "libsystemd.so.0",
        "libselinux.so.1", "libgcrypt.so.20", "libpulse.so.0", "libpulsecommon-16.1.so",
        "libc.so.6", "libmvec.so.1", "libGL.so.1",
    ]
    assert [name for name in found_by_review if not lb.is_excluded(name, PATTERNS)] == []
    # and not what the bundle must carry itself
    for kept in ("libQt6Core.so.6", "libpython3.11.so.1.0", "libsndfile_x86_64.so",
                 "libxkbcommon.so.0", "libsqlite3.so.0"):
        assert not lb.is_excluded(kept, PATTERNS), kept
    assert "pkg2appimage" in EXCLUDELIST.read_text(encoding="utf-8")  # the source is named


def test_pruning_drops_excluded_and_no_longer_linked_host_libraries() -> None:
    """Real files: Python's _ctypes module links libffi; libz is excluded; libbz2 is linked by
    nothing in this set, so it goes; the extension module itself is never pruned."""
    dynload = Path(sysconfig.get_config_var("DESTSHARED"))
    ctypes_module = next(dynload.glob("_ctypes.cpython-*.so"))
    assert "libffi.so.8" in lb.needed(str(ctypes_module))
    entries = [
        (f"python3.11/lib-dynload/{ctypes_module.name}", str(ctypes_module), "EXTENSION"),
        ("libffi.so.8", _system_library("libffi.so.8"), "BINARY"),
        ("libz.so.1", _system_library("libz.so.1"), "BINARY"),
        ("libbz2.so.1.0", _system_library("libbz2.so.1.0"), "BINARY"),
    ]
    report = lb.Report()
    kept = [dest for dest, _, _ in lb.drop_host_libraries(entries, PATTERNS, report)]
    assert kept == [entries[0][0], "libffi.so.8"]
    assert report.excluded == ["libz.so.1"]
    assert report.unreferenced == ["libbz2.so.1.0"]


def _wheel_library(folder: str, prefix: str) -> Path:
    matches = sorted((SITE / folder).glob(prefix + "*.so*"))
    if not matches:
        pytest.fail(f"no {prefix}* in {SITE / folder}: is the wheel installed?")
    return matches[0]


@pytest.mark.skipif(not shutil.which("cc"), reason="the shim needs a C compiler")
def test_faiss_blas_shim_forwards_to_scipys_openblas(tmp_path: Path) -> None:
    faiss_blas = _wheel_library("faiss_cpu.libs", "libopenblas")
    scipy_blas = _wheel_library("scipy.libs", "libscipy_openblas-")
    libfaiss = SITE / "faiss/libfaiss.so"
    entries = [("faiss/libfaiss.so", str(libfaiss), "BINARY"),
               (f"faiss_cpu.libs/{faiss_blas.name}", str(faiss_blas), "BINARY"),
               (f"scipy.libs/{scipy_blas.name}", str(scipy_blas), "BINARY")]
    report = lb.Report()
    out = lb.blas_shim(entries, tmp_path, report)
    assert report.warnings == []
    shim = Path(out[1][1])
    assert shim.parent == tmp_path and shim.name == faiss_blas.name
    assert lb.needed(str(shim))[0] == lb.soname(str(scipy_blas))
    assert "libc.so.6" in lb.needed(str(shim))  # lintian: library-not-linked-against-libc
    assert lb.soname(str(shim)) == lb.soname(str(faiss_blas))
    wanted = lb.dynamic_symbols(str(libfaiss), defined=False) & lb.dynamic_symbols(
        str(faiss_blas), defined=True)
    assert {"sgemm_", "ssyrk_", "sgesvd_"} <= wanted
    assert lb.dynamic_symbols(str(shim), defined=True) >= wanted
    # call sgemm_ through the shim: C = A @ B for column-major 2x3 and 3x2 matrices
    ctypes.CDLL(str(scipy_blas), mode=os.RTLD_GLOBAL)
    sgemm = ctypes.CDLL(str(shim)).sgemm_
    a = np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    b = np.asfortranarray(np.arange(6, dtype=np.float32).reshape(3, 2) / 2)
    c = np.zeros((2, 2), dtype=np.float32, order="F")
    m, n, k = (ctypes.c_int(v) for v in (2, 2, 3))
    one, zero = ctypes.c_float(1.0), ctypes.c_float(0.0)
    no = ctypes.c_char(b"N")
    ptr = lambda array: array.ctypes.data_as(ctypes.c_void_p)
    sgemm(ctypes.byref(no), ctypes.byref(no), ctypes.byref(m), ctypes.byref(n), ctypes.byref(k),
          ctypes.byref(one), ptr(a), ctypes.byref(m), ptr(b), ctypes.byref(k),
          ctypes.byref(zero), ptr(c), ctypes.byref(m), ctypes.c_size_t(1), ctypes.c_size_t(1))
    np.testing.assert_allclose(c, a @ b)


@pytest.mark.skipif(not shutil.which("cc"), reason="the stub needs a C compiler")
def test_icu_stub_keeps_the_name_and_entry_point_without_the_data(tmp_path: Path) -> None:
    real = _wheel_library("PySide6/Qt/lib", "libicudata")
    symbol = f"icudt{real.name.rsplit('.', 1)[1]}_dat"
    entries = [(f"PySide6/Qt/lib/{real.name}", str(real), "BINARY")]
    report = lb.Report()
    stub = Path(lb.icu_stub(entries, tmp_path, report)[0][1])
    assert report.warnings == [] and stub.parent == tmp_path
    assert symbol in lb.dynamic_symbols(str(stub), defined=True)
    assert lb.soname(str(stub)) == lb.soname(str(real))
    assert lb.needed(str(stub)) == ["libc.so.6"]  # lintian: shared-library-lacks-prerequisites
    assert stub.stat().st_size < 100_000 < real.stat().st_size


def test_built_bundle_has_no_host_library_and_no_build_machine_search_path() -> None:
    if not (BUNDLE / "desktoprec").is_file():
        pytest.skip("no built bundle: `make package` builds dist/desktoprec")
    files = [p for p in BUNDLE.rglob("*") if p.is_file() or p.is_symlink()]
    assert [p.name for p in files if lb.is_excluded(p.name, PATTERNS)] == []
    leaking = [p.name for p in files if p.is_file() and not p.is_symlink() and lb.is_elf(str(p))
               and any(not s.startswith("$ORIGIN") for s in lb.search_paths(str(p)))]
    assert leaking == []
    size = sum(p.stat().st_size for p in files if p.is_file() and not p.is_symlink())
    assert size <= 250 * 2**20
