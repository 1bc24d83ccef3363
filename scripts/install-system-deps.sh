#!/bin/sh
# Installs the Debian packages desktoprec needs when they are missing: Qt's xcb libraries and
# libsndfile and ffmpeg (m4a/aac audio) to run; Xvfb, D-Bus and GNOME Keyring for the tests'
# real peers.
# `package` adds what `make package` uses to build, fix and check the Linux bundle and the .deb.
# Usage: install-system-deps.sh run|test|package
set -eu
want="libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 \
libxcb-xinerama0 libxcb-image0 libxcb-render-util0 libxcb-randr0 libegl1 libgl1 libfontconfig1 \
libdbus-1-3 libsndfile1 ffmpeg"
if [ "${1:-run}" = "test" ] || [ "${1:-run}" = "package" ]; then
  want="$want xvfb xauth dbus dbus-x11 gnome-keyring libsecret-tools imagemagick xdotool curl \
binutils fluidsynth timgm6mb-soundfont openbox playerctl x11-utils flatpak-builder"  # binutils:
# `strip` for the packaged bundle (make package); fluidsynth + soundfont: the DSP tests render real
# MIDI music; openbox: a real window manager for the player's Mini/Full test; playerctl: the MPRIS
# test; x11-utils: xprop, to read window-manager state; flatpak-builder: parses the Flatpak manifest
fi
if [ "${1:-run}" = "package" ]; then
  # gcc: the two small replacement libraries in the bundle (packaging/pyinstaller/linux_bundle.py);
  # patchelf: remove the build machine's library search paths; appstream: appstreamcli validate;
  # desktop-file-utils: desktop-file-validate; lintian: the .deb's checks
  want="$want gcc libc6-dev patchelf appstream desktop-file-utils lintian"
fi
command -v dpkg-query >/dev/null 2>&1 || { echo "not a Debian system: install $want yourself"; exit 0; }
missing=""
for pkg in $want; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
echo "installing Debian packages:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
