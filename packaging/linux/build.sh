#!/bin/sh
# Builds the Linux release: the PyInstaller bundle dist/desktoprec/, its self-test, a .deb (made
# with dpkg-deb; installs into /opt/desktoprec) and a .tar.gz. `make package` runs this; so does the
# release workflow. Environment:
#   PYTHON=path        the Python with desktoprec installed (default: .venv/bin/python)
#   SKIP_SELFTEST=1    package without running the bundle's self-test (not for releases)
#   SKIP_DEMO_SMOKE=1  skip the headless demo run of the bundle (~1 min)
#   DEB_COMPRESSION    dpkg-deb compressor: gzip (default: fast, readable by every dpkg), zstd, xz
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
DIST=$ROOT/dist
WORK=$ROOT/build/packaging
APP=desktoprec

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

[ -x "$PYTHON" ] || fail "no Python at $PYTHON (run 'make package', or set PYTHON)"
VERSION=$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
ARCH=$(dpkg --print-architecture 2>/dev/null || uname -m)
MACHINE=$(uname -m)

step "PyInstaller (the package extra)"
"$PYTHON" -m PyInstaller --version >/dev/null 2>&1 || "$PYTHON" -m pip install --quiet -e ".[package]"

step "building the bundle dist/$APP/ (desktoprec $VERSION)"
rm -rf "$DIST/$APP"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK/pyinstaller" pyinstaller.spec
[ -x "$DIST/$APP/$APP" ] || fail "PyInstaller did not produce $DIST/$APP/$APP"

step "checking that every bundled library resolves"
missing=$(find "$DIST/$APP" -type f \( -name '*.so' -o -name '*.so.*' -o -name "$APP" \) | while read -r lib; do
  LD_LIBRARY_PATH="$DIST/$APP/_internal:$DIST/$APP/_internal/PySide6/Qt/lib" ldd "$lib" 2>/dev/null \
    | sed -n "s|^[[:space:]]*\([^ ]*\) => not found.*|$lib needs \1|p"
done)
[ -z "$missing" ] || fail "unresolved libraries in the bundle:
$missing"

if [ "${SKIP_SELFTEST:-0}" != 1 ]; then
  step "self-test of the bundle in an empty environment (env -i + D-Bus session + unlocked keyring)"
  sh packaging/linux/selftest-bundle.sh "$DIST/$APP/$APP" "$WORK/selftest.json"
fi

if [ "${SKIP_DEMO_SMOKE:-0}" != 1 ]; then
  step "demo smoke run of the bundle: emulator, sign-in, sync, scan, analysis workers, index"
  DEMO_HOME=$(mktemp -d)
  if ! env -i HOME="$DEMO_HOME" "$DIST/$APP/$APP" demo --headless --json >"$WORK/demo.out" \
       2>"$WORK/demo.err"; then
    tail -n 20 "$WORK/demo.err" >&2
    rm -rf "$DEMO_HOME"
    fail "the headless demo failed in the bundle"
  fi
  rm -rf "$DEMO_HOME"
  tail -n 1 "$WORK/demo.out" > "$WORK/demo.json"
  "$PYTHON" - "$WORK/demo.json" <<'PY' || fail "the demo ran, but not completely (see $WORK/demo.json)"
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
analysis, index = report.get("analysis") or {}, report.get("index") or {}
print(f"demo: {report.get('tracks')} tracks, signed in as {report.get('signed_in_as')!r}, "
      f"analyzed {analysis.get('analyzed')} (failed {analysis.get('failed')}), "
      f"index {index.get('tracks')} tracks")
ok = analysis.get("analyzed", 0) > 0 and not analysis.get("failed") and index.get("tracks", 0) > 0
sys.exit(0 if ok else 1)
PY
fi

step "staging the .deb"
STAGE=$WORK/deb/root
rm -rf "$WORK/deb"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/doc/$APP"
cp -a "$DIST/$APP" "$STAGE/opt/$APP"
install -m 0755 packaging/linux/launcher.sh "$STAGE/usr/bin/$APP"
install -m 0644 packaging/linux/desktoprec.desktop "$STAGE/usr/share/applications/$APP.desktop"
for png in resources/icons/desktoprec-*.png; do
  size=$(basename "$png" .png | sed 's/^desktoprec-//')
  install -D -m 0644 "$png" "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/$APP.png"
done
install -D -m 0644 resources/desktoprec.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/$APP.svg"
install -m 0644 README.md "$STAGE/usr/share/doc/$APP/README.md"
install -m 0644 packaging/linux/deb/copyright "$STAGE/usr/share/doc/$APP/copyright"
printf '%s (%s) stable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' "$APP" "$VERSION" \
  "$VERSION" "$(sed -n 's/^Maintainer: //p' packaging/linux/deb/control.in)" \
  "$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" \
  | gzip -9n > "$STAGE/usr/share/doc/$APP/changelog.gz"
# lintian: libraries are not programs
find "$STAGE/opt/$APP" -type f -name '*.so*' -exec chmod 0644 {} +
INSTALLED_SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$INSTALLED_SIZE/" \
  packaging/linux/deb/control.in > "$STAGE/DEBIAN/control"
install -m 0755 packaging/linux/deb/postinst packaging/linux/deb/postrm "$STAGE/DEBIAN/"
chmod -R u+rwX,go+rX,go-w "$STAGE"

DEB=$DIST/${APP}_${VERSION}_${ARCH}.deb
step "dpkg-deb → $(basename "$DEB")"
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-gzip}" --build "$STAGE" "$DEB" >/dev/null

TARBALL=$DIST/$APP-$VERSION-linux-$MACHINE.tar.gz
step "tar.gz → $(basename "$TARBALL")"
TAR_ROOT=$WORK/tar/$APP-$VERSION
rm -rf "$WORK/tar"
mkdir -p "$TAR_ROOT"
cp -a "$DIST/$APP/." "$TAR_ROOT/"
install -m 0644 packaging/linux/desktoprec.desktop resources/desktoprec.png "$TAR_ROOT/"
install -m 0644 packaging/linux/README-tarball.txt "$TAR_ROOT/README.txt"
tar -C "$WORK/tar" -czf "$TARBALL" "$APP-$VERSION"

step "checking the .deb unpacked into a throwaway root (dpkg -x)"
sh packaging/linux/check-deb.sh "$DEB"

if command -v appimagetool >/dev/null 2>&1; then
  echo "note: appimagetool found, but the AppImage recipe is not automated; see packaging/README.md"
else
  echo "note: no AppImage: appimagetool is not available from PyPI, Debian or npm here (packaging/README.md)"
fi

rm -rf "$WORK/deb/root" "$WORK/tar"   # two more copies of the bundle; the packages have them

step "done"
du -sh "$DIST/$APP" "$DEB" "$TARBALL"
