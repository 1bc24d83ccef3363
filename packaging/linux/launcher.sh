#!/bin/sh
# /usr/bin/desktoprec: starts the bundle in /opt/desktoprec. The path is found relative to this
# script, so the launcher also works from a package unpacked somewhere else (dpkg -x ROOT).
here=$(dirname "$(readlink -f "$0")")
exec "$here/../../opt/desktoprec/desktoprec" "$@"
