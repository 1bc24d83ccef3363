#!/bin/sh
# Measures how long the frozen app takes from exec to a visible window on a virtual X screen, and
# the bundle's size. Usage: sh packaging/tools/measure_cold_start.sh [BUNDLE_EXE] [RUNS]
# Run as root to drop the page cache before the first run (a true cold start); later runs are warm.
# Needs xvfb-run and xdotool (scripts/install-system-deps.sh test).
set -eu
EXE=$(readlink -f "${1:-dist/desktoprec/desktoprec}")
RUNS=${2:-3}
echo "bundle: $(du -sh "$(dirname "$EXE")" | cut -f1) on disk, $(find "$(dirname "$EXE")" -type f | wc -l) files"
measure() {
  HOME_DIR=$(mktemp -d)
  env -i HOME="$HOME_DIR" DISPLAY="$DISPLAY" XAUTHORITY="${XAUTHORITY:-}" "$EXE" --no-crash-dialog app \
    >/dev/null 2>&1 &
  pid=$!
  start=$(date +%s.%N)
  while ! xdotool search --onlyvisible --pid "$pid" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "the app exited before showing a window"; return 1; }
    sleep 0.02
  done
  end=$(date +%s.%N)
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  rm -rf "$HOME_DIR"
  echo "$start $end" | awk '{printf "window shown after %.2f s\n", $2 - $1}'
}
if [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1280x800x24" sh "$0" "$EXE" "$RUNS"
fi
if [ "$(id -u)" -eq 0 ] && [ -w /proc/sys/vm/drop_caches ]; then
  sync; echo 3 > /proc/sys/vm/drop_caches; echo "(page cache dropped: run 1 is cold)"
fi
i=1
while [ "$i" -le "$RUNS" ]; do
  printf 'run %s: ' "$i"; measure
  i=$((i + 1))
done
