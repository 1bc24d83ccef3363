#!/bin/sh
# Builds dist/desktoprec.app with PyInstaller, runs its self-test, signs and notarizes it when the
# secrets are in the environment, and wraps it in a dmg. Run on macOS from the repository root:
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

echo "==> self-test of the bundle"
# the executable inside the .app prints to the terminal like any other
"$BUNDLE/Contents/MacOS/$APP" self-test --json --output dist/selftest-macos.json

if [ -n "${MACOS_CODESIGN_IDENTITY:-}" ]; then
  echo "==> codesign (hardened runtime, entitlements for numba's JIT)"
  # PyInstaller signs each binary with the identity from the spec; sign the whole app once more
  # so the seal covers every file, then verify.
  codesign --force --deep --timestamp --options runtime \
    --entitlements packaging/macos/entitlements.plist \
    --sign "$MACOS_CODESIGN_IDENTITY" "$BUNDLE"
  codesign --verify --deep --strict --verbose=2 "$BUNDLE"
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
if [ -n "${MACOS_NOTARY_APPLE_ID:-}" ] && [ -n "${MACOS_NOTARY_TEAM_ID:-}" ] \
   && [ -n "${MACOS_NOTARY_PASSWORD:-}" ]; then
  echo "==> notarization (notarytool; waits for Apple's answer) and stapling"
  xcrun notarytool submit "$DMG" --apple-id "$MACOS_NOTARY_APPLE_ID" \
    --team-id "$MACOS_NOTARY_TEAM_ID" --password "$MACOS_NOTARY_PASSWORD" --wait
  xcrun stapler staple "$DMG"
  spctl --assess --type open --context context:primary-signature --verbose "$DMG"
else
  echo "note: no notarization secrets in the environment; the dmg is not notarized"
fi
echo "==> $DMG"
