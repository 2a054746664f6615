; Inno Setup 6 script: EMR Desktop for a ward PC (Windows 10/11, 64-bit).
; Build it on Windows after `python installer\build.py` (see installer\README.md):
;     iscc installer\windows\emr-desktop.iss
; It packs the PyInstaller folder dist\emr-desktop\ as it is; tests/installer/test_iss.py
; checks that every path named here exists in that layout and that the version is
; pyproject's.
;
; What it sets up, per machine (administrator rights):
; * the program in Program Files, Start-menu entries "EMR Desktop" and "EMR Desktop — kiểm
;   tra" (the self-test, whose report opens in a window), an uninstaller;
; * the data directory %ProgramData%\EMR Desktop\data (EMR_DATA_DIR, machine-wide), readable
;   and writable only by SYSTEM, Administrators and the local group "EMR Users" of the
;   Windows accounts staff use on this PC. The group is created if it is missing, and the
;   access list is set with icacls: [Dirs] Permissions: can only name built-in groups
;   (users, admins, ...) and only adds entries, so it could neither name "EMR Users" nor
;   remove the inherited read access that every user of the PC has under ProgramData.
; * the data directory is never removed by the uninstaller: it holds the patients' records.

#define AppName "EMR Desktop"
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define BundleDir "..\..\dist\emr-desktop"
#define DesktopExe "emr-desktop.exe"
#define AdminExe "emr-admin.exe"
#define StaffGroup "EMR Users"
#define DataRoot "{commonappdata}\EMR Desktop"
#define DataDir "{commonappdata}\EMR Desktop\data"

[Setup]
AppId={{6C1F2B8E-4D7A-4F3B-9E55-2A0D9B7C4E61}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=EMR Desktop
DefaultDirName={autopf}\EMR Desktop
DefaultGroupName=EMR Desktop
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=emr-desktop-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\build\emr-desktop.ico
UninstallDisplayIcon={app}\{#DesktopExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2
SolidCompression=yes
ChangesEnvironment=yes
CloseApplications=yes

[Languages]
; Vietnamese is an unofficial Inno Setup translation: put Vietnamese.isl beside this script
; (installer\README.md says where from) and the installer speaks Vietnamese first.
#if FileExists(AddBackslash(SourcePath) + "Vietnamese.isl")
Name: "vi"; MessagesFile: "Vietnamese.isl"
#endif
Name: "en"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
; One text for both languages (Vietnamese first): it stays right whether or not
; Vietnamese.isl was there when the installer was built.
StaffGroupStatus=Đang tạo nhóm "{#StaffGroup}" / Creating the "{#StaffGroup}" group...
DataAclStatus=Đang giới hạn quyền thư mục dữ liệu / Restricting the data directory...
LaunchNow=Mở EMR Desktop / Start EMR Desktop
StaffGroupComment=Nhân viên dùng EMR Desktop / Staff who use EMR Desktop

[Dirs]
Name: "{#DataRoot}"; Flags: uninsneveruninstall
Name: "{#DataDir}"; Flags: uninsneveruninstall

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\EMR Desktop\EMR Desktop"; Filename: "{app}\{#DesktopExe}"; WorkingDir: "{app}"
Name: "{autoprograms}\EMR Desktop\EMR Desktop — kiểm tra"; Filename: "{app}\{#DesktopExe}"; Parameters: "--self-test"; WorkingDir: "{app}"
Name: "{autoprograms}\EMR Desktop\Gỡ cài đặt EMR Desktop (uninstall)"; Filename: "{uninstallexe}"

[Registry]
; Where the program keeps its store: the same directory for every Windows account.
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: expandsz; ValueName: "EMR_DATA_DIR"; ValueData: "{#DataDir}"; Flags: uninsdeletevalue

[Run]
; Fails harmlessly (exit code 2, "already exists") on a PC that has the group.
Filename: "{sys}\net.exe"; Parameters: "localgroup ""{#StaffGroup}"" /add /comment:""{cm:StaffGroupComment}"""; StatusMsg: "{cm:StaffGroupStatus}"; Flags: runhidden waituntilterminated
; Replace the inherited access list: full control for SYSTEM (S-1-5-18) and Administrators
; (S-1-5-32-544), modify for the staff group; nobody else. (OI)(CI): files and folders below.
Filename: "{sys}\icacls.exe"; Parameters: """{#DataRoot}"" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F ""{#StaffGroup}:(OI)(CI)M"" /T /C /Q"; StatusMsg: "{cm:DataAclStatus}"; Flags: runhidden waituntilterminated
Filename: "{app}\{#DesktopExe}"; Description: "{cm:LaunchNow}"; Flags: nowait postinstall skipifsilent unchecked
