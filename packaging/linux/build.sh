#!/bin/sh
# Builds the Linux release: the PyInstaller bundle dist/desktoprec/ (no host libraries, <= 250 MiB),
# its self-test and demo run in an empty environment, the AppStream metainfo check, a .deb (made
# with dpkg-deb; installs into /opt/desktoprec) checked by lintian, and a .tar.gz. `make package`
# runs this; so does the release workflow. Environment:
#   PYTHON=path        the Python with desktoprec installed (default: .venv/bin/python)
#   REUSE_BUNDLE=1     package the dist/desktoprec/ already there instead of building it again
#   SKIP_SELFTEST=1    package without running the bundle's self-test (not for releases)
#   SKIP_DEMO_SMOKE=1  skip the headless demo run of the bundle (~1 min)
#   SKIP_LINTIAN=1     skip lintian (~1-2 min; not for releases)
#   BUNDLE_LIMIT_MIB   the most the bundle may weigh (default 250)
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

START=$(date +%s)
mkdir -p "$WORK"
if [ "${REUSE_BUNDLE:-0}" = 1 ] && [ -x "$DIST/$APP/$APP" ]; then
  step "reusing the bundle dist/$APP/ (REUSE_BUNDLE=1)"
else
  step "building the bundle dist/$APP/ (desktoprec $VERSION)"
  rm -rf "$DIST/$APP"
  "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$WORK/pyinstaller" pyinstaller.spec
fi
[ -x "$DIST/$APP/$APP" ] || fail "PyInstaller did not produce $DIST/$APP/$APP"
echo "bundle built in $(( $(date +%s) - START )) s"

step "checking that every bundled library resolves"
missing=$(find "$DIST/$APP" -type f \( -name '*.so' -o -name '*.so.*' -o -name "$APP" \) | while read -r lib; do
  LD_LIBRARY_PATH="$DIST/$APP/_internal:$DIST/$APP/_internal/PySide6/Qt/lib" ldd "$lib" 2>/dev/null \
    | sed -n "s|^[[:space:]]*\([^ ]*\) => not found.*|$lib needs \1|p"
done)
[ -z "$missing" ] || fail "unresolved libraries in the bundle:
$missing"

step "no host library in the bundle (packaging/linux/excludelist), size <= ${BUNDLE_LIMIT_MIB:-250} MiB"
sh packaging/linux/check-host-libs.sh "$DIST/$APP"
size_kib=$(du -sk "$DIST/$APP" | cut -f1)
echo "bundle: $((size_kib / 1024)) MiB, $(find "$DIST/$APP" -type f | wc -l) files"
[ "$size_kib" -le $(( ${BUNDLE_LIMIT_MIB:-250} * 1024 )) ] \
  || fail "the bundle is $((size_kib / 1024)) MiB, more than ${BUNDLE_LIMIT_MIB:-250} MiB (packaging/README.md)"
"$PYTHON" packaging/tools/bundle_sizes.py "$DIST/$APP" > "$WORK/bundle-sizes.md"

step "AppStream metainfo (appstreamcli validate)"
appstreamcli validate --no-net --pedantic packaging/linux/io.github.desktoprec.metainfo.xml \
  || fail "the AppStream metainfo does not validate"

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
APP_ID=io.github.desktoprec
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/doc/$APP" "$STAGE/usr/share/metainfo" "$STAGE/usr/share/man/man1" \
  "$STAGE/usr/share/lintian/overrides"
cp -a "$DIST/$APP" "$STAGE/opt/$APP"
install -m 0755 packaging/linux/launcher.sh "$STAGE/usr/bin/$APP"
install -m 0644 "packaging/linux/$APP_ID.desktop" "$STAGE/usr/share/applications/$APP_ID.desktop"
install -m 0644 "packaging/linux/$APP_ID.metainfo.xml" "$STAGE/usr/share/metainfo/$APP_ID.metainfo.xml"
"$PYTHON" packaging/linux/make_manpage.py "$WORK/$APP.1"
gzip -9n -c "$WORK/$APP.1" > "$STAGE/usr/share/man/man1/$APP.1.gz"
install -m 0644 packaging/linux/deb/lintian-overrides "$STAGE/usr/share/lintian/overrides/$APP"
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
(cd "$STAGE" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) \
  > "$WORK/md5sums" && mv "$WORK/md5sums" "$STAGE/DEBIAN/md5sums"
INSTALLED_SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
# the packages holding the libraries the bundle leaves to the host (packaging/linux/excludelist)
DEPENDS=$(python3 packaging/linux/deb_depends.py "$STAGE/opt/$APP") || fail "cannot work out Depends"
echo "Depends: $DEPENDS"
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$INSTALLED_SIZE/" \
  -e "s/@DEPENDS@/$DEPENDS/" packaging/linux/deb/control.in > "$STAGE/DEBIAN/control"
install -m 0755 packaging/linux/deb/postinst packaging/linux/deb/postrm "$STAGE/DEBIAN/"
chmod -R u+rwX,go+rX,go-w "$STAGE"

DEB=$DIST/${APP}_${VERSION}_${ARCH}.deb
step "dpkg-deb → $(basename "$DEB")"
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-gzip}" --build "$STAGE" "$DEB" >/dev/null

if [ "${SKIP_LINTIAN:-0}" != 1 ]; then
  step "lintian (fails on any tag not in packaging/linux/deb/lintian-overrides)"
  command -v lintian >/dev/null 2>&1 || fail "lintian is missing (apt-get install lintian)"
  # info tags count too, so an override that no longer matches anything (unused-override) fails
  lintian --display-info --fail-on error,warning,info --tag-display-limit 0 "$DEB" \
    || fail "lintian found something not on the allow-list"
  echo "lintian: clean apart from the allow-list"
fi

TARBALL=$DIST/$APP-$VERSION-linux-$MACHINE.tar.gz
step "tar.gz → $(basename "$TARBALL")"
TAR_ROOT=$WORK/tar/$APP-$VERSION
rm -rf "$WORK/tar"
mkdir -p "$TAR_ROOT"
cp -a "$DIST/$APP/." "$TAR_ROOT/"
install -m 0644 "packaging/linux/$APP_ID.desktop" "packaging/linux/$APP_ID.metainfo.xml" \
  resources/desktoprec.png "$TAR_ROOT/"
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

step "done in $(( $(date +%s) - START )) s"
cat "$WORK/bundle-sizes.md"
du -sh "$DIST/$APP" "$DEB" "$TARBALL"
