"""Vietnamese is complete: every translatable string of the GUI has a finished translation,
and the compiled `.qm` files are those of the committed `.ts` sources."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import emr_desktop.ui
from emr_desktop.core.errors import ValidationError
from emr_desktop.ui import i18n

UI_DIR = Path(emr_desktop.ui.__file__).parent


def _tool(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def _messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    found = {}
    for context in ET.parse(ts).getroot().iter("context"):  # noqa: S314 - our own files
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            found[(name, message.findtext("source") or "")] = message
    return found


def _finished(message: ET.Element) -> bool:
    translation = message.find("translation")
    if translation is None or translation.get("type") in {"unfinished", "vanished", "obsolete"}:
        return False
    forms = translation.findall("numerusform")
    if forms:
        return all((form.text or "").strip() for form in forms)
    return bool((translation.text or "").strip())


def test_every_string_in_the_gui_has_a_finished_vietnamese_translation(tmp_path: Path) -> None:
    lupdate = _tool("pyside6-lupdate")
    sources = sorted(str(p) for p in UI_DIR.rglob("*.py"))
    scanned = tmp_path / "all_vi.ts"
    subprocess.run(
        [lupdate, *sources, "-ts", str(scanned), "-target-language", "vi"],
        check=True,
        capture_output=True,
    )
    wanted = set(_messages(scanned))
    assert len(wanted) > 50
    translated: dict[tuple[str, str], ET.Element] = {}
    for ts in i18n.translations_dir().glob("*_vi.ts"):
        translated.update(_messages(ts))
    missing = sorted(key for key in wanted if key not in translated)
    unfinished = sorted(
        key for key in wanted if key in translated and not _finished(translated[key])
    )
    assert missing == [], f"not in any .ts file: {missing[:20]}"
    assert unfinished == [], f"not translated: {unfinished[:20]}"


def test_the_compiled_translations_match_their_sources(tmp_path: Path) -> None:
    lrelease = _tool("pyside6-lrelease")
    sources = sorted(i18n.translations_dir().glob("*_vi.ts"))
    assert sources
    for ts in sources:
        qm = tmp_path / ts.with_suffix(".qm").name
        subprocess.run([lrelease, str(ts), "-qm", str(qm)], check=True, capture_output=True)
        committed = ts.with_suffix(".qm")
        assert committed.exists(), f"{committed.name} missing: run pyside6-lrelease"
        assert committed.read_bytes() == qm.read_bytes(), f"{committed.name} is stale"


def test_errors_are_shown_in_the_current_language(qtbot: QtBot) -> None:
    error = ValidationError("cccd", "length", "CCCD phải có 12 chữ số", "CCCD must have 12 digits")
    i18n.set_language(i18n.VIETNAMESE)
    assert i18n.error_text(error, with_field=False) == "CCCD phải có 12 chữ số"
    assert i18n.error_text(error) == "cccd: CCCD phải có 12 chữ số"
    i18n.set_language(i18n.ENGLISH)
    try:
        assert i18n.error_text(error, with_field=False) == "CCCD must have 12 digits"
        assert "Unexpected error" in i18n.error_text(KeyError("x"))
    finally:
        i18n.set_language(i18n.VIETNAMESE)
    assert "Lỗi không mong đợi" in i18n.error_text(KeyError("x"))


def test_qt_standard_buttons_are_vietnamese(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    i18n.set_language(i18n.VIETNAMESE)
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    qtbot.addWidget(box)
    texts = {b.text() for b in box.buttons()}
    assert texts == {"Đồng ý", "Hủy"}
