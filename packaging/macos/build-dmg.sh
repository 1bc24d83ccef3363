#!/bin/sh
# Builds dist/desktoprec.app with PyInstaller, checks its minimum macOS against the wheels, runs its
# self-test, signs it inside-out and notarizes and staples it when the secrets are in the
# environment, and wraps it in a dmg (signed, notarized and stapled too). Run on macOS from the repository root:
#   sh packaging/macos/build-dmg.sh
# Environment (all optional; without them the dmg is unsigned and Gatekeeper warns on first open):
#   MACOS_CODESIGN_IDENTITY   "Developer ID Application: NAME (TEAMID)" in the login keychain
#   MACOS_NOTARY_APPLE_ID, MACOS_NOTARY_TEAM_ID, MACOS_NOTARY_PASSWORD (an app-specific password)
# Written here but NOT verified on macOS (see packaging/README.md).
set -eu
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
APP=desktoprec
VERSION=$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
ARCH=$(uname -m)
DMG=dist/$APP-$VERSION-macos-$ARCH.dmg

echo "==> PyInstaller: dist/$APP.app (desktoprec $VERSION)"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN pyinstaller.spec
BUNDLE=dist/$APP.app
[ -d "$BUNDLE" ] || { echo "no $BUNDLE" >&2; exit 1; }

echo "==> minimum macOS: LSMinimumSystemVersion against the wheels shipped"
"$PYTHON" packaging/macos/min_macos.py --check "$BUNDLE/Contents/Info.plist"

echo "==> self-test of the bundle"
# the executable inside the .app prints to the terminal like any other
"$BUNDLE/Contents/MacOS/$APP" self-test --json --output dist/selftest-macos.json

notarize() {  # notarize FILE (a .zip of the app, or the dmg) and wait for Apple's answer
  xcrun notarytool submit "$1" --apple-id "$MACOS_NOTARY_APPLE_ID" \
    --team-id "$MACOS_NOTARY_TEAM_ID" --password "$MACOS_NOTARY_PASSWORD" --wait
}
NOTARIZE=0
if [ -n "${MACOS_NOTARY_APPLE_ID:-}" ] && [ -n "${MACOS_NOTARY_TEAM_ID:-}" ] \
   && [ -n "${MACOS_NOTARY_PASSWORD:-}" ] && [ -n "${MACOS_CODESIGN_IDENTITY:-}" ]; then
  NOTARIZE=1
fi

if [ -n "${MACOS_CODESIGN_IDENTITY:-}" ]; then
  echo "==> codesign inside-out (hardened runtime; no --deep)"
  sign() { codesign --force --timestamp --options runtime --sign "$MACOS_CODESIGN_IDENTITY" "$@"; }
  # 1. every Mach-O file but the main executable, deepest first
  find "$BUNDLE/Contents" -type f \( -name '*.so' -o -name '*.dylib' -o -perm -u+x \) \
      ! -path "*/MacOS/$APP" -print0 \
    | xargs -0 file | sed -n 's/^\(.*\): *Mach-O.*/\1/p' \
    | awk -F/ '{ print NF "\t" $0 }' | sort -rn | cut -f2- | while IFS= read -r macho; do
      sign "$macho"
    done
  # 2. the frameworks (Qt), each as a bundle, then 3. the app with its entitlements
  find "$BUNDLE/Contents" -type d -name '*.framework' -prune -print0 | xargs -0 -I{} \
    codesign --force --timestamp --options runtime --sign "$MACOS_CODESIGN_IDENTITY" {}
  sign --entitlements packaging/macos/entitlements.plist "$BUNDLE"
  codesign --verify --deep --strict --verbose=2 "$BUNDLE"
  if [ "$NOTARIZE" = 1 ]; then
    echo "==> notarization of the app, then stapling it (so it opens offline on first launch)"
    ditto -c -k --keepParent "$BUNDLE" "dist/$APP-notarize.zip"
    notarize "dist/$APP-notarize.zip"
    rm -f "dist/$APP-notarize.zip"
    xcrun stapler staple "$BUNDLE"
  fi
fi

echo "==> dmg"
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
cp -R "$BUNDLE" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
rm -f "$DMG"
hdiutil create -volname "desktoprec $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"

if [ -n "${MACOS_CODESIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$MACOS_CODESIGN_IDENTITY" "$DMG"
fi
if [ "$NOTARIZE" = 1 ]; then
  echo "==> notarization of the dmg and stapling it"
  notarize "$DMG"
  xcrun stapler staple "$DMG"
  xcrun stapler validate "$BUNDLE"
  spctl --assess --type open --context context:primary-signature --verbose "$DMG"
else
  echo "note: no signing identity or notarization secrets in the environment; not notarized"
fi
echo "==> $DMG"
