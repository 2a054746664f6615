"""CCCD scanners in serial mode, for real: a socat pseudo-terminal pair stands in for the
scanner's virtual COM port (one end is the PC's port, the test writes into the other)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from pytestqt.qtbot import QtBot
from tests.ui.conftest import logged_in, settle

from emr_desktop.services import patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.scanner import (
    BAUD_SETTING,
    PORT_SETTING,
    SerialScanner,
    decode_scan,
    scanner_port,
)
from emr_desktop.ui.search import PatientSearchScreen

QR = "001085001234|123456789|Nguyễn Văn An|07031985|Nam|Số 5 ngõ 2, Hà Nội|15062021"
NEW_CARD = "079195000123||Trần Thị Bích|12021995|Nữ|12 Lê Lợi, Quận 1, TP. Hồ Chí Minh|01022022"


class VirtualPort:
    """A socat pty pair: `pc` is what the PC opens, `scanner` is where the scans come from."""

    def __init__(self, directory: Path) -> None:
        self.pc = directory / "ttyPC"
        self.scanner = directory / "ttySCANNER"
        self._process: subprocess.Popen[bytes] | None = None

    def plug_in(self) -> None:
        for link in (self.pc, self.scanner):
            link.unlink(missing_ok=True)
        self._process = subprocess.Popen(
            [
                "socat",
                f"pty,raw,echo=0,link={self.pc}",
                f"pty,raw,echo=0,link={self.scanner}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 5
        while not (self.pc.exists() and self.scanner.exists()):
            if time.monotonic() > deadline:
                raise RuntimeError("socat did not create the pseudo-terminals")
            time.sleep(0.01)

    def unplug(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(5)
            self._process = None

    def send(self, data: bytes) -> None:
        fd = os.open(self.scanner, os.O_WRONLY | os.O_NOCTTY)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)


@pytest.fixture
def port(tmp_path: Path) -> Iterator[VirtualPort]:
    if shutil.which("socat") is None:
        pytest.skip("socat is not installed: it provides the virtual serial port for this test")
    virtual = VirtualPort(tmp_path)
    virtual.plug_in()
    yield virtual
    virtual.unplug()


@pytest.fixture
def scanner(qtbot: QtBot, port: VirtualPort) -> Iterator[SerialScanner]:
    reader = SerialScanner(str(port.pc), 9600, retry_ms=50)
    with qtbot.waitSignal(reader.connection_changed, timeout=5000):
        reader.start()
    yield reader
    reader.stop()


def test_lines_are_read_whole_whatever_the_chunks_and_line_ends(
    qtbot: QtBot, port: VirtualPort, scanner: SerialScanner
) -> None:
    received: list[str] = []
    scanner.payload_scanned.connect(received.append)
    encoded = QR.encode()
    port.send(encoded[:20])
    qtbot.wait(30)
    port.send(encoded[20:] + b"\r\n" + b"\xef\xbb\xbf0001000123\r")
    port.send(b"\n\n" + NEW_CARD.encode() + b"\n")
    qtbot.waitUntil(lambda: len(received) == 3, timeout=5000)
    assert received == [QR, "0001000123", NEW_CARD]


def test_a_scanner_without_a_line_end_is_read_after_a_pause(
    qtbot: QtBot, port: VirtualPort, scanner: SerialScanner
) -> None:
    with qtbot.waitSignal(scanner.payload_scanned, timeout=5000) as scanned:
        port.send(QR.encode())
    assert scanned.args == [QR]


def test_an_unplugged_scanner_is_reopened_when_it_comes_back(
    qtbot: QtBot, port: VirtualPort, scanner: SerialScanner
) -> None:
    with qtbot.waitSignal(scanner.connection_changed, timeout=5000) as lost:
        port.unplug()
    assert lost.args == [False] and not scanner.connected
    with qtbot.waitSignal(scanner.connection_changed, timeout=5000) as back:
        port.plug_in()
    assert back.args == [True]
    with qtbot.waitSignal(scanner.payload_scanned, timeout=5000) as scanned:
        port.send(QR.encode() + b"\r\n")
    assert scanned.args == [QR]


def test_a_port_missing_at_start_is_waited_for(qtbot: QtBot, tmp_path: Path) -> None:
    if shutil.which("socat") is None:
        pytest.skip("socat is not installed: it provides the virtual serial port for this test")
    virtual = VirtualPort(tmp_path)
    reader = SerialScanner(str(virtual.pc), 9600, retry_ms=50)
    reader.start()
    assert not reader.connected
    try:
        with qtbot.waitSignal(reader.connection_changed, timeout=5000):
            virtual.plug_in()
        assert reader.connected
    finally:
        reader.stop()
        virtual.unplug()


def test_bytes_are_decoded_as_utf8_then_the_vietnamese_code_page() -> None:
    assert decode_scan("Nguyễn".encode()) == "Nguyễn"
    assert decode_scan(b"\xef\xbb\xbf" + "Đặng".encode()) == "Đặng"
    # Windows-1258 writes "ữ" as "ư" (0xFD) and a combining tilde (0xDE): not UTF-8.
    assert decode_scan(b"N\xfd\xde") == "Nữ"
    assert "\ufffd" in decode_scan(b"An\x81\x8a\xff")


def test_the_port_comes_from_this_pcs_settings(tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert scanner_port(settings) is None and SerialScanner.from_settings(settings) is None
    settings.setValue(PORT_SETTING, "COM3")
    assert scanner_port(settings) == ("COM3", 9600)
    settings.setValue(BAUD_SETTING, "115200")
    assert scanner_port(settings) == ("COM3", 115200)
    settings.setValue(BAUD_SETTING, "fast")
    assert scanner_port(settings) == ("COM3", 9600)


@pytest.fixture
def screen(
    qtbot: QtBot, ctx: AppContext, registrar: Session, port: VirtualPort
) -> Iterator[PatientSearchScreen]:
    ctx.settings.setValue(PORT_SETTING, str(port.pc))
    logged_in(ctx, registrar)
    widget = PatientSearchScreen(ctx)
    qtbot.addWidget(widget)
    widget.show()
    assert widget.scanner is not None
    qtbot.waitUntil(lambda: widget.scanner is not None and widget.scanner.connected)
    yield widget
    settle(qtbot, ctx)
    # qtbot has closed the widget and asked for its deletion: let it go before the context
    # stops its worker, so none of its timers fires into a stopped worker.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def test_a_serial_scan_opens_the_chart_of_a_registered_card(
    qtbot: QtBot,
    ctx: AppContext,
    screen: PatientSearchScreen,
    port: VirtualPort,
    store: Store,
    registrar: Session,
) -> None:
    patient = patients.register_from_qr(store, registrar, QR)
    with qtbot.waitSignal(ctx.open_chart_requested, timeout=5000) as opened:
        port.send(QR.encode() + b"\r\n")
    assert opened.args == [patient.id]
    assert screen.side.isHidden()


def test_a_serial_scan_of_a_new_card_prefills_registration_with_the_name_intact(
    qtbot: QtBot,
    ctx: AppContext,
    screen: PatientSearchScreen,
    port: VirtualPort,
    store: Store,
    registrar: Session,
) -> None:
    with qtbot.waitSignal(screen.show_requested, timeout=5000):
        port.send(NEW_CARD.encode() + b"\r\n")
    form = screen.form
    assert form.full_name.text() == "Trần Thị Bích"
    assert form.address.text() == "12 Lê Lợi, Quận 1, TP. Hồ Chí Minh"
    assert form.sex.currentData() == "female" and form.date_of_birth.text() == "12/02/1995"
    with qtbot.waitSignal(ctx.open_chart_requested, timeout=5000) as opened:
        form.save_button.click()
    saved = patients.get_patient(store, registrar, opened.args[0])
    assert (saved.full_name, saved.cccd) == ("Trần Thị Bích", "079195000123")


def test_scans_are_ignored_while_the_screen_is_locked(
    qtbot: QtBot, ctx: AppContext, screen: PatientSearchScreen, port: VirtualPort
) -> None:
    ctx.lock()
    requests: list[str] = []
    ctx.open_chart_requested.connect(requests.append)
    with qtbot.waitSignal(screen.scanner.payload_scanned, timeout=5000):  # type: ignore[union-attr]
        port.send(NEW_CARD.encode() + b"\r\n")
    settle(qtbot, ctx)
    assert requests == [] and screen.side.isHidden()
