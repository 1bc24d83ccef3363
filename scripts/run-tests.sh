#!/bin/sh
# Runs the whole suite inside a private D-Bus session with a real, unlocked GNOME Keyring
# (the Secret Service), so keyring tests talk to the real thing. Extra arguments go to pytest.
# The type checker runs first (pyproject.toml [tool.mypy]); a type error fails the run.
set -eu
cd "$(dirname "$0")/.."
test -x .venv/bin/mypy || { echo "run-tests: no mypy: run .venv/bin/pip install -e '.[test]'" >&2; exit 1; }
.venv/bin/mypy --no-error-summary || { echo "run-tests: mypy found type errors" >&2; exit 1; }
XDG_DATA_HOME=$(mktemp -d)          # a fresh keyring each run: an old one would not unlock
export XDG_DATA_HOME
export QT_QPA_PLATFORM=offscreen
export PYTHONDONTWRITEBYTECODE=1
trap 'rm -rf "$XDG_DATA_HOME"' EXIT
exec dbus-run-session -- sh -c '
  echo -n desktoprec-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  exec .venv/bin/python -m pytest "$@"
' run-tests "$@"
