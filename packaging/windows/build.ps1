# Builds the Windows installer: the PyInstaller bundle, its self-test, then Inno Setup.
# Run from the repository root in PowerShell:  pwsh packaging/windows/build.ps1
# Needs Python 3.11 and Inno Setup 6.3 or newer (choco install innosetup --version=6.4.3).
# Not verified here: see packaging/README.md.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

$python = if ($env:PYTHON) { $env:PYTHON } else { "python" }
$version = & $python -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])"
Write-Host "==> desktoprec $version"

& $python -m pip install --upgrade pip
& $python -m pip install -e ".[package]"
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }

Write-Host "==> PyInstaller bundle dist\desktoprec\"
& $python -m PyInstaller --noconfirm --clean --log-level WARN pyinstaller.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

# desktoprec.exe is windowed (no console); desktoprec-cli.exe is its console twin in the same
# folder. The JSON also goes to a file, which the windowed exe can write too.
Write-Host "==> self-test of the bundle"
$report = Join-Path $PWD "dist\selftest-windows.json"
$proc = Start-Process -FilePath "dist\desktoprec\desktoprec-cli.exe" `
  -ArgumentList @("self-test", "--json", "--output", $report) -Wait -PassThru -NoNewWindow
Get-Content $report
if ($proc.ExitCode -ne 0) {
  # The Windows Credential Manager backend needs an interactive user session; CI runners have one.
  throw "the bundle's self-test failed (exit $($proc.ExitCode))"
}

Write-Host "==> Inno Setup"
$iscc = (Get-Command ISCC.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
# desktoprec.iss uses ArchitecturesAllowed=x64compatible, which Inno Setup knows from 6.3 on
$innoVersion = [version]((Get-Item $iscc).VersionInfo.ProductVersion -replace '[^0-9.].*$', '')
if ($innoVersion -lt [version]"6.3") { throw "Inno Setup $innoVersion is too old: 6.3 or newer is needed" }
Write-Host "Inno Setup $innoVersion"
& $iscc "/DAppVersion=$version" "packaging\windows\desktoprec.iss"
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }

Write-Host "==> portable one-file build"
$env:DESKTOPREC_ONEFILE = "1"
& $python -m PyInstaller --noconfirm --log-level WARN --distpath dist\portable pyinstaller.spec
if ($LASTEXITCODE -ne 0) { throw "the one-file build failed" }
Move-Item -Force dist\portable\desktoprec.exe "dist\desktoprec-$version-windows-x64-portable.exe"
Get-ChildItem dist\*.exe
