"""The Inno Setup script agrees with the bundle the PyInstaller spec makes.

Inno Setup cannot run here, so the script is read as ISCC would read it (its preprocessor
defines substituted, its sections and `Key: "value"` entries parsed) and every path it
names is checked against the one-folder layout the spec defines (names read from the spec's
code, not copied here), the version against pyproject, the self-test entry against the
launcher's own argument parser.
"""

from __future__ import annotations

import ast
import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

import pytest

from emr_desktop.launcher.main import _maintenance_parser

ROOT = Path(__file__).resolve().parents[2]
ISS = ROOT / "installer" / "windows" / "emr-desktop.iss"
SPEC = ROOT / "installer" / "emr-desktop.spec"
BUILD = ROOT / "installer" / "build.py"


def _constants(path: Path) -> dict[str, object]:
    """Module-level `NAME = <literal>` assignments of a Python file (the spec, build.py)."""
    values: dict[str, object] = {}
    for node in ast.parse(path.read_text("utf-8")).body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return values


@dataclass(frozen=True)
class Script:
    defines: dict[str, str]
    sections: dict[str, list[str]]

    def entries(self, section: str) -> list[dict[str, str]]:
        return [_entry(line) for line in self.sections.get(section, [])]

    def setup(self) -> dict[str, str]:
        pairs = (line.split("=", 1) for line in self.sections["Setup"])
        return {key.strip(): value.strip() for key, value in pairs}


_DEFINE = re.compile(r'^\s*#define\s+(\w+)\s+"([^"]*)"\s*$')


def _parse(text: str) -> Script:
    """Defines (outer level and inside #ifndef), then sections with {#Name} expanded."""
    defines: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        if match := _DEFINE.match(line):
            defines[match[1]] = re.sub(r"\{#(\w+)\}", lambda m: defines[m[1]], match[2])
            continue
        if line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections[current] = []
            continue
        assert current is not None, f"a line outside any section: {line}"
        expanded = re.sub(r"\{#(\w+)\}", lambda m: defines[m[1]], line)
        sections[current].append(expanded)
    return Script(defines, sections)


def _entry(line: str) -> dict[str, str]:
    """One entry line (`Name: "a"; Flags: x y`) as a dict; doubled quotes inside a quoted
    value stand for one, as in Inno Setup."""
    entry: dict[str, str] = {}
    pattern = re.compile(r'\s*(\w+):\s*("(?:[^"]|"")*"|[^;]*)\s*(?:;|$)')
    position = 0
    while position < len(line):
        match = pattern.match(line, position)
        assert match, f"cannot parse {line[position:]!r}"
        value = match[2].strip()
        if value.startswith('"'):
            value = value[1:-1].replace('""', '"')
        entry[match[1]] = value
        position = match.end()
    return entry


@pytest.fixture(scope="module")
def script() -> Script:
    raw = ISS.read_bytes()
    # ISCC reads a script without a BOM in the ANSI code page: "kiểm tra" would be garbled.
    assert raw.startswith(b"\xef\xbb\xbf")
    return _parse(raw.decode("utf-8-sig"))


@pytest.fixture(scope="module")
def spec() -> dict[str, object]:
    return _constants(SPEC)


def _from_iss_dir(relative: str) -> Path:
    return (ISS.parent / Path(*PureWindowsPath(relative).parts)).resolve()


def _bundle_files(spec: dict[str, object]) -> set[str]:
    """What {app} holds once the bundle is copied there, on Windows."""
    return {f"{spec['DESKTOP_EXE']}.exe", f"{spec['ADMIN_EXE']}.exe", str(spec["CONTENTS_DIR"])}


def test_version_is_pyprojects(script: Script) -> None:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        version = tomllib.load(fh)["project"]["version"]
    assert script.defines["AppVersion"] == version
    assert script.setup()["AppVersion"] == version


def test_the_files_come_from_the_spec_output_folder(
    script: Script, spec: dict[str, object]
) -> None:
    build = _constants(BUILD)
    assert spec["BUNDLE_NAME"] == build["BUNDLE_NAME"]
    assert (spec["DESKTOP_EXE"], spec["ADMIN_EXE"]) == (build["DESKTOP_EXE"], build["ADMIN_EXE"])
    [files] = script.entries("Files")
    source = PureWindowsPath(files["Source"])
    assert source.name == "*"
    assert _from_iss_dir(str(source.parent)) == ROOT / "dist" / str(spec["BUNDLE_NAME"])
    assert files["DestDir"] == "{app}"
    assert {"recursesubdirs", "createallsubdirs"} <= set(files["Flags"].split())
    # The installer goes next to the bundle; its icon is the one build.py draws.
    setup = script.setup()
    assert _from_iss_dir(setup["OutputDir"]) == ROOT / "dist"
    assert _from_iss_dir(setup["SetupIconFile"]) == ROOT / "build" / "emr-desktop.ico"


def test_every_path_under_app_exists_in_the_bundle(script: Script, spec: dict[str, object]) -> None:
    named = [script.setup()["UninstallDisplayIcon"]]
    named += [e["Filename"] for e in script.entries("Icons") + script.entries("Run")]
    inside = [p.removeprefix("{app}\\") for p in named if p.startswith("{app}\\")]
    assert inside, "the script names no program of the bundle"
    assert set(inside) <= _bundle_files(spec)
    assert f"{spec['DESKTOP_EXE']}.exe" in inside


def test_start_menu_entries(script: Script, spec: dict[str, object]) -> None:
    icons = {PureWindowsPath(e["Name"]).name: e for e in script.entries("Icons")}
    assert icons["EMR Desktop"]["Filename"] == f"{{app}}\\{spec['DESKTOP_EXE']}.exe"
    check = icons["EMR Desktop — kiểm tra"]
    assert check["Filename"] == icons["EMR Desktop"]["Filename"]
    # The launcher itself accepts what the entry passes.
    parsed = _maintenance_parser().parse_args(shlex.split(check["Parameters"]))
    assert parsed.self_test
    assert any(e["Filename"] == "{uninstallexe}" for e in icons.values())
    assert all(e["Name"].startswith("{autoprograms}\\") for e in icons.values())


def test_per_machine_install_into_program_files(script: Script) -> None:
    setup = script.setup()
    assert setup["PrivilegesRequired"] == "admin"
    assert setup["DefaultDirName"].startswith("{autopf}\\")
    assert setup["ArchitecturesInstallIn64BitMode"] == "x64compatible"


def test_data_directory_is_kept_and_limited_to_the_staff_group(script: Script) -> None:
    group = script.defines["StaffGroup"]
    data_root = script.defines["DataRoot"]
    data_dir = script.defines["DataDir"]
    assert data_root.startswith("{commonappdata}\\")
    assert PureWindowsPath(data_dir).parent == PureWindowsPath(data_root)
    dirs = {e["Name"]: e for e in script.entries("Dirs")}
    assert set(dirs) == {data_root, data_dir}
    assert all("uninsneveruninstall" in e["Flags"] for e in dirs.values())
    # The program finds the directory through EMR_DATA_DIR (emr_desktop.ui.app).
    [env] = script.entries("Registry")
    assert env["ValueName"] == "EMR_DATA_DIR"
    assert env["ValueData"] == data_dir
    assert env["Root"] == "HKLM"
    runs = {PureWindowsPath(e["Filename"]).name: e for e in script.entries("Run")}
    net = shlex.split(runs["net.exe"]["Parameters"])
    assert net[:3] == ["localgroup", group, "/add"]
    icacls = shlex.split(runs["icacls.exe"]["Parameters"])
    assert icacls[0] == data_root
    assert "/inheritance:r" in icacls
    grants = icacls[icacls.index("/grant:r") + 1 :]
    grants = grants[: next(i for i, g in enumerate(grants) if g.startswith("/"))]
    # SYSTEM, Administrators and the staff group; nobody else (no Users, no Everyone).
    assert sorted(g.split(":", 1)[0] for g in grants) == sorted(
        ["*S-1-5-18", "*S-1-5-32-544", group]
    )
    # The group must exist before icacls names it.
    order = [PureWindowsPath(e["Filename"]).name for e in script.entries("Run")]
    assert order.index("net.exe") < order.index("icacls.exe")


def test_languages_vietnamese_when_available_english_always(script: Script) -> None:
    text = ISS.read_text("utf-8-sig")
    languages = script.entries("Languages")
    assert languages[-1] == {"Name": "en", "MessagesFile": "compiler:Default.isl"}
    # Vietnamese (unofficial) is listed first, but only if its file is there at build time.
    guard = text.index('#if FileExists(AddBackslash(SourcePath) + "Vietnamese.isl")')
    vietnamese = text.index('Name: "vi"; MessagesFile: "Vietnamese.isl"')
    assert guard < vietnamese < text.index("#endif", guard)
    assert [language["Name"] for language in languages] == ["vi", "en"]
    # Custom messages carry both languages, so they read right either way.
    for line in script.sections["CustomMessages"]:
        assert " / " in line, line
