#!/bin/sh
# Runs a built bundle's `self-test --json` the way a desktop session would start it: an otherwise
# empty environment (env -i) with only HOME and a D-Bus session holding an unlocked GNOME Keyring.
# Usage: selftest-bundle.sh BUNDLE_EXECUTABLE [JSON_OUT]   (exit 0 only when every check passed)
set -eu
BUNDLE=$(readlink -f "$1")
OUT=${2:-}
DBUS_RUN=$(command -v dbus-run-session) || { echo "selftest-bundle.sh: dbus-run-session is missing (apt-get install dbus)" >&2; exit 1; }
KEYRING=$(command -v gnome-keyring-daemon) || { echo "selftest-bundle.sh: gnome-keyring-daemon is missing (apt-get install gnome-keyring)" >&2; exit 1; }
FRESH_HOME=$(mktemp -d)   # a new keyring each run: an old one with another password would not unlock
trap 'rm -rf "$FRESH_HOME"' EXIT
LOG=$FRESH_HOME/selftest.out
status=0
env -i HOME="$FRESH_HOME" "$DBUS_RUN" -- /bin/sh -c '
  printf desktoprec-selftest | "$1" --unlock --components=secrets >/dev/null 2>&1
  exec "$2" self-test --json
' selftest "$KEYRING" "$BUNDLE" >"$LOG" 2>"$LOG.err" || status=$?
grep -v -e "^dbus-daemon" -e "Failed to set fd limit" "$LOG.err" >&2 || true
RESULT=$(tail -n 1 "$LOG")
echo "$RESULT"
[ -z "$OUT" ] || printf '%s\n' "$RESULT" > "$OUT"
exit "$status"
