#!/bin/sh
# Unpacks a built .deb into a throwaway root (dpkg -x) and checks that its launcher starts the app:
# `desktoprec --version`, a short `self-test` and (with xvfb-run) the app window, all through
# /usr/bin/desktoprec; the menu entry, metainfo, man page and icons; that no library from
# packaging/linux/excludelist is inside, and that every library the bundle leaves to the host is
# present on this machine and held by a package the .deb depends on.
# Usage: check-deb.sh PATH.deb
set -eu
DEB=$(readlink -f "$1")
ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
fail() { printf 'check-deb.sh: %s\n' "$*" >&2; exit 1; }
dpkg-deb -x "$DEB" "$ROOT"
VERSION=$(dpkg-deb -f "$DEB" Version)
HERE=$(dirname "$(readlink -f "$0")")
for path in usr/bin/desktoprec opt/desktoprec/desktoprec \
            usr/share/applications/io.github.desktoprec.desktop \
            usr/share/metainfo/io.github.desktoprec.metainfo.xml usr/share/man/man1/desktoprec.1.gz \
            usr/share/icons/hicolor/256x256/apps/desktoprec.png \
            usr/share/icons/hicolor/scalable/apps/desktoprec.svg; do
  [ -e "$ROOT/$path" ] || fail "the package lacks /$path"
done
if command -v desktop-file-validate >/dev/null 2>&1; then
  desktop-file-validate "$ROOT/usr/share/applications/io.github.desktoprec.desktop"
fi
sh "$HERE/check-host-libs.sh" "$ROOT/opt/desktoprec"
# every package the bundle's host libraries come from is in Depends
wanted=$(python3 "$HERE/deb_depends.py" "$ROOT/opt/desktoprec") || fail "host libraries missing here"
declared=$(dpkg-deb -f "$DEB" Depends)
for entry in $(echo "$wanted" | sed 's/ ([^)]*)//g' | tr -d ' ' | tr ',' ' '); do
  echo ", $declared," | grep -q ", $entry[ ,]" || fail "the bundle needs $entry, but Depends lacks it"
done
echo "check-deb.sh: Depends names all $(echo "$wanted" | tr ',' '\n' | wc -l) packages of the host libraries"
HOME_DIR=$ROOT/home
mkdir -p "$HOME_DIR"
got=$(env -i HOME="$HOME_DIR" "$ROOT/usr/bin/desktoprec" --version 2>/dev/null)
[ "$got" = "desktoprec $VERSION" ] || fail "the launcher printed '$got', expected 'desktoprec $VERSION'"
env -i HOME="$HOME_DIR" "$ROOT/usr/bin/desktoprec" self-test --json --only qt,database,index \
  2>/dev/null | tail -n 1
if command -v xvfb-run >/dev/null 2>&1; then
  # the app itself, on a virtual screen: it quits by itself once its window has been up 1.5 s
  xvfb-run -a -s "-screen 0 1280x800x24" sh -c 'exec env -i HOME="$1" DISPLAY="$DISPLAY" \
    XAUTHORITY="$XAUTHORITY" DESKTOPREC_QUIT_AFTER_MS=1500 "$2" --no-crash-dialog app' \
    check-deb "$HOME_DIR" "$ROOT/usr/bin/desktoprec" >/dev/null 2>"$ROOT/app.err" \
    || { tail -n 20 "$ROOT/app.err" >&2; fail "the app did not start and quit cleanly"; }
  echo "check-deb.sh: the launcher opened the app window on Xvfb and it quit cleanly"
fi
echo "check-deb.sh: $(basename "$DEB") unpacks to a working launcher (desktoprec $VERSION)"
