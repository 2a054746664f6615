"""The `emr-desktop` entry point: `--version` and `--self-test` first, then the workstation.

    emr-desktop --version [--json]
    emr-desktop --self-test [--server URL] [--json]
    emr-desktop [--data-dir DIR] [--lang vi|en] …      (the workstation: emr_desktop.ui.app)

The two maintenance options are answered here, before the GUI is imported, so they work on
a box with no display and never open a window or a store of the PC. Everything else goes to
`emr_desktop.ui.app.main` unchanged.

In the Windows bundle `emr-desktop.exe` is a windowed program with no console (no
`sys.stdout`); there the report is shown in a message box instead (the Start-menu entry
"EMR Desktop — kiểm tra" runs the self-test that way).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from emr_desktop.syncclient.trust import use_system_trust

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _maintenance_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="emr-desktop",
        description="EMR Desktop — kiểm tra cài đặt / installation checks",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument(
        "--version", action="store_true", help="in phiên bản / print the versions and exit"
    )
    action.add_argument(
        "--self-test",
        action="store_true",
        help="tự kiểm tra cài đặt / check this installation end to end and exit",
    )
    parser.add_argument(
        "--server",
        metavar="URL",
        help="với --self-test: kiểm tra cả máy chủ / with --self-test: check the server too",
    )
    parser.add_argument("--json", action="store_true", help="kết quả dạng JSON / JSON output")
    return parser


def is_maintenance(argv: Sequence[str]) -> bool:
    return any(arg in ("--version", "--self-test") for arg in argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    use_system_trust()
    if not is_maintenance(args):
        from emr_desktop.ui.app import main as workstation

        return workstation(args)
    parsed = _maintenance_parser().parse_args(args)
    if parsed.server and not parsed.self_test:
        print("--server cần --self-test / --server needs --self-test", file=sys.stderr)
        return EXIT_USAGE
    if parsed.version:
        return _version(as_json=parsed.json)
    return _self_test(parsed.server, as_json=parsed.json)


def _version(*, as_json: bool) -> int:
    from emr_desktop.launcher.version import version_info, version_json, version_lines

    info = version_info()
    if as_json:
        _emit([json.dumps(version_json(info), ensure_ascii=False)], ok=True)
    else:
        lines = version_lines(info)
        _emit(lines, ok=True, headline=lines[0])
    return EXIT_OK


def _self_test(server: str | None, *, as_json: bool) -> int:
    from emr_desktop.launcher.selftest import report_lines, run_self_test

    report = run_self_test(server)
    if as_json:
        _emit([json.dumps(report.to_json(), ensure_ascii=False)], ok=report.ok)
    else:
        lines = report_lines(report)
        _emit(lines, ok=report.ok, headline=lines[-1])
    return EXIT_OK if report.ok else EXIT_FAILED


def _emit(lines: list[str], *, ok: bool, headline: str = "") -> None:
    """Print the lines; in a windowed program with no console, show them in a window."""
    if sys.stdout is not None:
        for line in lines:
            print(line, flush=True)
        return
    _show_in_window(lines, ok=ok, headline=headline or lines[-1])


def _show_in_window(lines: list[str], *, ok: bool, headline: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    from emr_desktop.launcher.selftest import qt_application

    qt_application()
    box = QMessageBox()
    box.setWindowTitle("EMR Desktop — kiểm tra / self-test")
    box.setIcon(QMessageBox.Icon.Information if ok else QMessageBox.Icon.Critical)
    box.setText(headline)
    box.setDetailedText("\n".join(lines))
    box.exec()


if __name__ == "__main__":
    sys.exit(main())
