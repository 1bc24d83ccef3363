"""Linux bundle surgery for pyinstaller.spec: host libraries out, one BLAS for SciPy and FAISS, no ICU data.

Everything here works on PyInstaller's binaries list, entries (dest, source, typecode), and reads ELF
files with binutils' `readelf`; it builds two tiny libraries with the C compiler (`cc`) and fixes
library search paths with `patchelf`. Without `cc` the two replacements are skipped with a warning
(the bundle is then bigger, but complete). tests/packaging imports this file too.
"""

from __future__ import annotations

import fnmatch
import os
import platform
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

Entry = tuple[str, str, str]

HOST_DIRS = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/local/lib/")
# A library PyInstaller collected beside the bundle's Python: libpython is opened by the bootloader
# (not linked), so it is never pruned as unreferenced.
NEVER_PRUNED = ("libpython",)


@dataclass
class Report:
    """What the surgery did, for the build log and packaging/README.md."""

    excluded: list[str] = field(default_factory=list)
    unreferenced: list[str] = field(default_factory=list)
    replaced: dict[str, str] = field(default_factory=dict)
    stripped: list[str] = field(default_factory=list)
    rpath_fixed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_excludelist(path: Path) -> list[str]:
    """The file-name patterns of packaging/linux/excludelist (comments and blank lines skipped)."""
    patterns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            patterns.append(entry)
    return patterns


def is_excluded(name: str, patterns: list[str]) -> bool:
    """True when a library file name matches one of the excludelist's patterns."""
    base = os.path.basename(name)
    return any(fnmatch.fnmatchcase(base, pattern) for pattern in patterns)


def _readelf(*args: str) -> str:
    result = subprocess.run(["readelf", "-W", *args], check=False, capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else ""


def is_elf(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def needed(path: str) -> list[str]:
    """The DT_NEEDED names of an ELF file."""
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", _readelf("-d", path))


def search_paths(path: str) -> list[str]:
    """The DT_RPATH/DT_RUNPATH entries of an ELF file."""
    found = re.findall(r"\((?:RPATH|RUNPATH)\)\s+Library (?:rpath|runpath): \[([^\]]*)\]",
                       _readelf("-d", path))
    return [part for value in found for part in value.split(":") if part]


def soname(path: str) -> str:
    match = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", _readelf("-d", path))
    return match.group(1) if match else os.path.basename(path)


def dynamic_symbols(path: str, defined: bool) -> set[str]:
    """Names of the dynamic symbols an ELF file defines (or, with defined=False, imports)."""
    names = set()
    for line in _readelf("--dyn-syms", path).splitlines():
        parts = line.split()
        if len(parts) < 8 or not parts[0].endswith(":"):
            continue
        undefined = parts[6] == "UND"
        if undefined != defined and parts[3] in ("FUNC", "NOTYPE", "OBJECT", "IFUNC"):
            names.add(parts[7].split("@")[0])
    return names


def has_symbol_table(path: str) -> bool:
    return " .symtab " in _readelf("-S", path)


def _is_host_library(dest: str, source: str) -> bool:
    """Collected from the system (or beside the build Python) rather than from a wheel."""
    if "/" in dest.replace("\\", "/") or os.path.basename(dest).startswith(NEVER_PRUNED):
        return False
    return os.path.realpath(source).startswith(HOST_DIRS) or "/site-packages/" not in source


def _is_vendored_library(dest: str) -> bool:
    """A library auditwheel put in a wheel's <name>.libs/ folder: only ever loaded by linking."""
    parent = os.path.dirname(dest.replace("\\", "/"))
    return parent.endswith(".libs") and "/" not in parent


def drop_host_libraries(binaries: list[Entry], patterns: list[str], report: Report) -> list[Entry]:
    """Drop excluded libraries, then (repeatedly) host and vendored libraries nothing links any more."""
    kept = []
    for entry in binaries:
        if is_excluded(entry[0], patterns):
            report.excluded.append(entry[0])
        else:
            kept.append(entry)
    while True:
        wanted: set[str] = set()
        for dest, source, kind in kept:
            if kind != "SYMLINK" and is_elf(source):
                wanted.update(needed(source))
        survivors = []
        for entry in kept:
            dest, source, kind = entry
            prunable = _is_host_library(dest, source) or _is_vendored_library(dest)
            if prunable and os.path.basename(dest) not in wanted and kind != "SYMLINK":
                report.unreferenced.append(dest)
            else:
                survivors.append(entry)
        if len(survivors) == len(kept):
            break
        kept = survivors
    names = {entry[0] for entry in kept if entry[2] != "SYMLINK"}
    # a symlink whose target left with its library goes too
    return [e for e in kept if e[2] != "SYMLINK" or os.path.normpath(
        os.path.join(os.path.dirname(e[0]), e[1])) in names or e[1] in names]


def _compile(source: Path, output: Path, args: list[str], report: Report) -> bool:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        report.warnings.append(f"no C compiler: {output.name} not built, the original stays")
        return False
    result = subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", str(output), str(source),
                             *args], check=False, capture_output=True, text=True)
    if result.returncode != 0:
        report.warnings.append(f"{output.name} did not compile: {result.stderr.strip()[:300]}")
        return False
    return True


def icu_stub(binaries: list[Entry], workdir: Path, report: Report) -> list[Entry]:
    """Replace ICU's 31 MB data library with a data-less one of the same name.

    QtCore links ICU (libicuuc/libicui18n → libicudata), so the libraries must be there, but Qt
    uses ICU's data only for locale-aware collation and legacy text codecs, and carries on without
    them (this is ICU's own "stubdata" arrangement). The self-test, the demo and the app window
    check the result.
    """
    out = []
    for dest, source, kind in binaries:
        match = re.fullmatch(r"libicudata\.so\.(\d+)", os.path.basename(dest))
        symbol = f"icudt{match.group(1)}_dat" if match else ""
        if not match or kind == "SYMLINK" or symbol not in dynamic_symbols(source, defined=True):
            out.append((dest, source, kind))
            continue
        workdir.mkdir(parents=True, exist_ok=True)
        c_file = workdir / "icudata_stub.c"
        c_file.write_text(
            "/* ICU data entry point with an empty table of contents (ICU's stubdata). */\n"
            "#include <stdint.h>\n"
            "struct info { uint16_t size, reserved_word; uint8_t big_endian, charset_family,\n"
            "  sizeof_uchar, reserved_byte, data_format[4], format_version[4], data_version[4]; };\n"
            "struct header { uint16_t header_size; uint8_t magic1, magic2; struct info info;\n"
            "  char padding[8]; uint32_t count, reserved; const void *toc[2]; };\n"
            f"__attribute__((visibility(\"default\"))) const struct header {symbol} = {{\n"
            "  32, 0xda, 0x27, {sizeof(struct info), 0, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__,\n"
            "  0, 2, 0, {0x54, 0x6f, 0x43, 0x50}, {1, 0, 0, 0}, {0, 0, 0, 0}}, {0}, 0, 0, {0, 0}};\n",
            encoding="utf-8")
        stub = workdir / os.path.basename(dest)
        if _compile(c_file, stub, [f"-Wl,-soname,{soname(source)}", "-Wl,--no-as-needed", "-lc"],
                    report):
            report.replaced[dest] = "data-less ICU stub"
            out.append((dest, str(stub), kind))
        else:
            out.append((dest, source, kind))
    return out


_TRAMPOLINE = {
    "x86_64": "{name}:\n    jmp {target}@PLT\n",
    "aarch64": "{name}:\n    b {target}\n",
}


def blas_shim(binaries: list[Entry], workdir: Path, report: Report) -> list[Entry]:
    """Let FAISS use SciPy's OpenBLAS instead of carrying its own 39 MB copy.

    Both are 32-bit-integer (LP64) OpenBLAS builds; SciPy's prefixes its symbols with `scipy_`.
    The shim takes the name of FAISS's library and forwards each BLAS/LAPACK routine FAISS calls
    (sgemm_, ssyrk_, sgesvd_, ...) to its `scipy_` twin with a single jump, so the arguments pass
    through untouched. NumPy's copy stays: it is the 64-bit-integer (ILP64) build, which neither
    of the others can call.
    """
    by_dest = {dest: (dest, source, kind) for dest, source, kind in binaries if kind != "SYMLINK"}
    faiss = [d for d in by_dest if re.fullmatch(r"faiss_cpu\.libs/libopenblas[^/]*\.so[.\d]*", d)]
    scipy = [d for d in by_dest if re.fullmatch(r"scipy\.libs/libscipy_openblas-[^/]*\.so", d)]
    arch = platform.machine()
    if len(faiss) != 1 or len(scipy) != 1 or arch not in _TRAMPOLINE:
        if faiss or scipy:
            report.warnings.append("BLAS shim skipped: not exactly one FAISS and one SciPy OpenBLAS")
        return binaries
    faiss_dest, scipy_dest = faiss[0], scipy[0]
    faiss_src, scipy_src = by_dest[faiss_dest][1], by_dest[scipy_dest][1]
    faiss_name = os.path.basename(faiss_dest)
    provided = dynamic_symbols(faiss_src, defined=True)
    scipy_symbols = dynamic_symbols(scipy_src, defined=True)
    wanted: set[str] = set()
    for dest, source, _ in by_dest.values():
        if dest != faiss_dest and is_elf(source) and faiss_name in needed(source):
            wanted |= dynamic_symbols(source, defined=False) & provided
    missing = sorted(name for name in wanted if f"scipy_{name}" not in scipy_symbols)
    if not wanted or missing:
        report.warnings.append(f"BLAS shim skipped: SciPy's OpenBLAS lacks {missing or 'nothing?'}")
        return binaries
    workdir.mkdir(parents=True, exist_ok=True)
    asm = ["/* FAISS's BLAS/LAPACK calls, forwarded to SciPy's OpenBLAS (same LP64 ABI). */",
           "    .text"]
    for name in sorted(wanted):
        asm += [f"    .globl {name}", f"    .type {name}, %function",
                _TRAMPOLINE[arch].format(name=name, target=f"scipy_{name}").rstrip(),
                f"    .size {name}, .-{name}"]
    asm.append('    .section .note.GNU-stack,"",%progbits')
    s_file = workdir / "faiss_blas_shim.S"
    s_file.write_text("\n".join(asm) + "\n", encoding="utf-8")
    shim = workdir / faiss_name
    scipy_dir = os.path.dirname(scipy_src)
    rel = os.path.relpath(os.path.dirname(scipy_dest), os.path.dirname(faiss_dest))
    args = [f"-Wl,-soname,{soname(faiss_src)}", f"-L{scipy_dir}",
            f"-l:{os.path.basename(scipy_src)}", f"-Wl,-rpath,$ORIGIN/{rel}",
            "-Wl,--no-as-needed", "-lc"]
    if not _compile(s_file, shim, args, report):
        return binaries
    report.replaced[faiss_dest] = f"shim forwarding {len(wanted)} routines to {scipy_dest}"
    return [(d, str(shim), k) if d == faiss_dest and k != "SYMLINK" else (d, s, k)
            for d, s, k in binaries]


def prepare(binaries: list[Entry], workdir: Path, strip_names: tuple[str, ...],
            strip_folders: tuple[str, ...], report: Report) -> list[Entry]:
    """Strip symbol tables where that is safe and remove search paths that leak the build machine.

    auditwheel-patched libraries (those with an RPATH of their own) are not stripped: strip breaks
    their patched layout ("ELF load command address/offset not page-aligned"). Search paths that
    are not relative to $ORIGIN (the build Python's /root/.pyenv/... lib folder, a wheel builder's
    /opt/_internal/...) are removed with patchelf; lintian flags them, and they point nowhere on
    the user's machine.
    """
    strip_tool, patchelf = shutil.which("strip"), shutil.which("patchelf")
    out = []
    for dest, source, kind in binaries:
        if kind == "SYMLINK" or not is_elf(source):
            out.append((dest, source, kind))
            continue
        paths = search_paths(source)
        leaking = [p for p in paths if not p.startswith("$ORIGIN")]
        unix_dest = dest.replace("\\", "/")
        explicit = os.path.basename(dest) in strip_names or any(f in unix_dest for f in strip_folders)
        unpatched = not paths and not unix_dest.startswith("PySide6/")
        wants_strip = bool(strip_tool) and (explicit or unpatched) and has_symbol_table(source)
        if not wants_strip and not leaking:
            out.append((dest, source, kind))
            continue
        target = workdir / unix_dest
        target.parent.mkdir(parents=True, exist_ok=True)
        if wants_strip:
            subprocess.run([strip_tool, "--strip-unneeded", "-o", str(target), source], check=True)
            report.stripped.append(dest)
        else:
            shutil.copy2(source, target)
        if leaking:
            if not patchelf:
                report.warnings.append(f"no patchelf: {dest} keeps its search path {leaking}")
            else:
                keep = [p for p in paths if p.startswith("$ORIGIN")]
                command = ([patchelf, "--set-rpath", ":".join(keep)] if keep
                           else [patchelf, "--remove-rpath"])
                subprocess.run([*command, str(target)], check=True)
                report.rpath_fixed.append(dest)
        out.append((dest, str(target), kind))
    return out


def fix_search_paths_in(folder: Path, report: Report) -> None:
    """The same search-path fix as prepare(), in place, for ELF files PyInstaller added on its own
    (the interpreter's bootstrap modules, such as lib-dynload/_struct and zlib)."""
    patchelf = shutil.which("patchelf")
    for path in folder.rglob("*"):
        if path.is_symlink() or not path.is_file() or not is_elf(str(path)):
            continue
        paths = search_paths(str(path))
        if not any(not p.startswith("$ORIGIN") for p in paths):
            continue
        if not patchelf:
            report.warnings.append(f"no patchelf: {path.name} keeps its search path {paths}")
            continue
        keep = [p for p in paths if p.startswith("$ORIGIN")]
        command = [patchelf, "--set-rpath", ":".join(keep)] if keep else [patchelf, "--remove-rpath"]
        subprocess.run([*command, str(path)], check=True)
        report.rpath_fixed.append(str(path.relative_to(folder)))


def link_duplicates(binaries: list[Entry], report: Report) -> list[Entry]:
    """Wheels vendor the same library (NumPy and SciPy both carry one libgfortran build): keep the
    first copy and make the others relative symbolic links to it."""
    first: dict[tuple[str, int], str] = {}
    out = []
    for dest, source, kind in binaries:
        unix_dest = dest.replace("\\", "/")
        if kind == "SYMLINK" or not _is_vendored_library(unix_dest) or not is_elf(source):
            out.append((dest, source, kind))
            continue
        key = (os.path.basename(unix_dest), os.path.getsize(source))
        original = first.get(key)
        if original is None:
            first[key] = unix_dest
            out.append((dest, source, kind))
            continue
        original_source = next(s for d, s, _ in out if d.replace("\\", "/") == original)
        if Path(original_source).read_bytes() != Path(source).read_bytes():
            out.append((dest, source, kind))
            continue
        target = os.path.relpath(original, os.path.dirname(unix_dest))
        report.replaced[unix_dest] = f"symbolic link to its identical twin {original}"
        out.append((dest, target, "SYMLINK"))
    return out
