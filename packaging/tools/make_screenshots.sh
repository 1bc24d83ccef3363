#!/bin/sh
# Makes the AppStream screenshots (packaging/linux/screenshots/*.png) from the offline demo on a
# virtual 1280x800 screen: the demo account is prepared first (`demo --headless`: music, sign-in,
# sync, analysis, index), then the app opens on it: "For you" (recommendations), then "Library"
# (picked with the keyboard in the page list). Needs xvfb, xdotool and imagemagick.
# Usage: sh packaging/tools/make_screenshots.sh [DESKTOPREC]   (default: .venv/bin/desktoprec)
set -eu
cd "$(dirname "$0")/../.."
APP=$(readlink -f "${1:-.venv/bin/desktoprec}")
OUT=$(pwd)/packaging/linux/screenshots
WAIT=${SCREENSHOT_WAIT_S:-20}   # the window fills its pages from the prepared account
mkdir -p "$OUT"
HOME_DIR=$(mktemp -d)
trap 'rm -rf "$HOME_DIR"' EXIT
HOME="$HOME_DIR" "$APP" demo --headless --json > "$HOME_DIR/prepare.log" 2>&1 \
  || { tail -n 20 "$HOME_DIR/prepare.log" >&2; exit 1; }
xvfb-run -a -s "-screen 0 1280x800x24" sh -c '
  set -eu
  HOME="$1" DESKTOPREC_NONMODAL_ERRORS=1 "$2" --no-crash-dialog demo >"$1/demo.log" 2>&1 &
  app=$!
  window=$(xdotool search --sync --onlyvisible --name desktoprec | head -n 1)
  xdotool windowsize "$window" 1280 800 windowmove "$window" 0 0
  sleep "$4"
  import -window root "$3/recommendations.png"
  xdotool mousemove 60 110 click 1 sleep 0.5      # "For you", the first entry of the page list
  for _ in 1 2 3 4; do xdotool key Down; sleep 0.3; done   # For you -> ... -> Library
  sleep 3
  import -window root "$3/library.png"
  kill -TERM "$app"; wait "$app" || true
' screenshots "$HOME_DIR" "$APP" "$OUT" "$WAIT"
for shot in "$OUT"/recommendations.png "$OUT"/library.png; do
  convert "$shot" -strip "$shot"   # no timestamps in the files: the same picture, the same bytes
done
ls -la "$OUT"
