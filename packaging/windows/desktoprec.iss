; Inno Setup script for desktoprec: installs the PyInstaller bundle dist\desktoprec\ per user (or
; for all users when run as administrator), with a Start-menu shortcut, an uninstaller and optional
; desktop and autostart shortcuts. Built by packaging\windows\build.ps1:
;   ISCC.exe /DAppVersion=0.1.0 packaging\windows\desktoprec.iss
; Written here but NOT verified on Windows (see packaging\README.md).

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "desktoprec"
#define AppExe "desktoprec.exe"
#define RepoRoot "..\.."

[Setup]
; a fixed AppId keeps upgrades and the uninstaller tied to the same installation
AppId={{6E0C7A52-3B1D-4F57-9C1E-7A4F0D2B8E31}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=desktoprec developers
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#RepoRoot}\dist
OutputBaseFilename=desktoprec-{#AppVersion}-windows-x64-setup
SetupIconFile={#RepoRoot}\resources\desktoprec.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "autostart"; Description: "Start desktoprec in the system tray when I sign in to Windows"; GroupDescription: "Autostart:"; Flags: unchecked

[Files]
Source: "{#RepoRoot}\dist\desktoprec\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon
; `app --tray` starts with the window hidden behind the tray icon (shown anyway if no tray).
Name: "{userstartup}\{#AppName}"; Filename: "{app}\{#AppExe}"; Parameters: "app --tray"; Tasks: autostart

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; the cache and logs are rebuilt on demand; the library and settings are the user's and stay
Type: filesandordirs; Name: "{localappdata}\desktoprec\Cache"
