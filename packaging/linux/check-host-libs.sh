#!/bin/sh
# Fails when a bundle (or an unpacked package) carries a library from packaging/linux/excludelist:
# AppImage's never-bundle list plus desktoprec's additions. build.sh and check-deb.sh run it.
# Usage: check-host-libs.sh DIR
set -eu
DIR=$1
LIST=$(dirname "$0")/excludelist
[ -d "$DIR" ] || { echo "check-host-libs.sh: no folder $DIR" >&2; exit 1; }
found=""
for pattern in $(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LIST"); do
  hits=$(find "$DIR" -name "$pattern" \( -type f -o -type l \) 2>/dev/null)
  [ -z "$hits" ] || found="$found
$hits"
done
if [ -n "$found" ]; then
  echo "check-host-libs.sh: host libraries in $DIR (they must come from the system):$found" >&2
  exit 1
fi
echo "check-host-libs.sh: none of the $(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LIST" | wc -l) excluded host libraries is in $DIR"
