"""CCCD QR scanners in serial mode (a virtual COM port), read through QtSerialPort.

A scanner in keyboard-wedge mode types the QR payload into whatever has the focus, through
the keyboard layout, which garbles Vietnamese diacritics. In serial (USB-CDC, "virtual COM")
mode it sends the payload's bytes instead, one line per scan: the name arrives intact and no
text box needs the focus. Which port and speed are this PC's preferences (QSettings
`scanner/port`, `scanner/baud`), set by the hospital's IT staff.

USB scanners come and go (unplugged, PC asleep, cable knocked loose): when the port fails the
scanner closes it and tries again every few seconds, so a scanner plugged back in just works.
"""

from __future__ import annotations

import logging
import unicodedata

from PySide6.QtCore import QIODevice, QObject, QSettings, QTimer, Signal
from PySide6.QtSerialPort import QSerialPort

log = logging.getLogger(__name__)

#: Setting: the scanner's serial port ("COM3" on Windows, "/dev/ttyACM0" on Linux); empty
#: or absent means no serial scanner on this PC.
PORT_SETTING = "scanner/port"
#: Setting: the port's speed in baud (USB-CDC scanners ignore it; RS-232 ones need it).
BAUD_SETTING = "scanner/baud"
DEFAULT_BAUD = 9600

#: How often a missing or failed port is tried again.
RETRY_MS = 3000
#: A scanner set up without a line ending is taken to have finished after this much silence.
IDLE_END_MS = 400
#: Longer than any card payload (about 200 bytes): more without a line end is noise.
MAX_LINE_BYTES = 4096

_PORT_LOST = frozenset(
    {
        QSerialPort.SerialPortError.ResourceError,
        QSerialPort.SerialPortError.DeviceNotFoundError,
        QSerialPort.SerialPortError.PermissionError,
        QSerialPort.SerialPortError.OpenError,
        QSerialPort.SerialPortError.ReadError,
    }
)


def decode_scan(raw: bytes) -> str:
    """The text of one scanned line.

    Scanners send UTF-8; some are set to the Vietnamese Windows code page (1258) instead,
    which writes tone marks as combining characters (hence NFC). Bytes valid in neither
    become U+FFFD, which marks the name as garbled downstream.
    """
    data = raw.removeprefix(b"\xef\xbb\xbf").strip(b"\x00")
    for encoding in ("utf-8", "cp1258"):
        try:
            return unicodedata.normalize("NFC", data.decode(encoding))
        except UnicodeDecodeError:
            continue
    return unicodedata.normalize("NFC", data.decode("utf-8", errors="replace"))


def scanner_port(settings: QSettings) -> tuple[str, int] | None:
    """The configured port name and baud rate, or None when no serial scanner is set up."""
    port = str(settings.value(PORT_SETTING, "") or "").strip()
    if not port:
        return None
    try:
        baud = int(str(settings.value(BAUD_SETTING, DEFAULT_BAUD)))
    except ValueError:
        baud = DEFAULT_BAUD
    return port, baud if baud > 0 else DEFAULT_BAUD


class SerialScanner(QObject):
    """Reads scanned payloads from a serial port, one per CR/LF-terminated line."""

    #: One scan, decoded and without its line ending.
    payload_scanned = Signal(str)
    #: The port opened (True) or was lost (False).
    connection_changed = Signal(bool)

    def __init__(
        self,
        port_name: str,
        baud: int = DEFAULT_BAUD,
        parent: QObject | None = None,
        *,
        retry_ms: int = RETRY_MS,
    ) -> None:
        super().__init__(parent)
        self.port_name = port_name
        self.baud = baud
        self._port = QSerialPort(self)
        self._port.setPortName(port_name)
        self._port.readyRead.connect(self.on_ready_read)
        self._port.errorOccurred.connect(self.on_error_occurred)
        self._buffer = bytearray()
        self._connected = False
        self._retry = QTimer(self)
        self._retry.setInterval(retry_ms)
        self._retry.timeout.connect(self._try_open)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(IDLE_END_MS)
        self._idle.timeout.connect(self._end_of_silence)

    @classmethod
    def from_settings(
        cls, settings: QSettings, parent: QObject | None = None
    ) -> SerialScanner | None:
        """A scanner on the port this PC is set up with, or None if it has none."""
        configured = scanner_port(settings)
        if configured is None:
            return None
        return cls(configured[0], configured[1], parent)

    @property
    def connected(self) -> bool:
        return self._connected

    def start(self) -> None:
        """Open the port now, and keep trying while it is missing."""
        self._try_open()
        if not self._connected:
            self._retry.start()

    def stop(self) -> None:
        self._retry.stop()
        self._idle.stop()
        self._close()

    # ------------------------------------------------------------------ port
    def _try_open(self) -> None:
        if self._port.isOpen():
            return
        self._port.clearError()
        self._port.setBaudRate(self.baud)
        if not self._port.open(QIODevice.OpenModeFlag.ReadOnly):
            log.debug("scanner port not available (%s)", self._port.error().name)
            return
        self._retry.stop()
        self._buffer.clear()
        self._set_connected(True)
        log.info("scanner port opened")

    def _close(self) -> None:
        if self._port.isOpen():
            self._port.close()
        self._buffer.clear()
        self._set_connected(False)

    def _set_connected(self, connected: bool) -> None:
        if connected != self._connected:
            self._connected = connected
            self.connection_changed.emit(connected)

    def on_error_occurred(self, error: QSerialPort.SerialPortError) -> None:
        if error not in _PORT_LOST or not self._port.isOpen():
            return
        log.warning("scanner port lost (%s); retrying", error.name)
        # Closing inside the port's own error signal is unsafe; do it once control is back.
        QTimer.singleShot(0, self._lost)

    def _lost(self) -> None:
        self._close()
        self._retry.start()

    # ------------------------------------------------------------------ data
    def on_ready_read(self) -> None:
        self._buffer += bytes(self._port.readAll().data())
        while True:
            ends = [i for i in (self._buffer.find(b"\r"), self._buffer.find(b"\n")) if i >= 0]
            if not ends:
                break
            end = min(ends)
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            self._emit_line(line)
        if len(self._buffer) > MAX_LINE_BYTES:
            log.warning("scanner sent %d bytes without a line end; dropped", len(self._buffer))
            self._buffer.clear()
        if self._buffer:
            self._idle.start()
        else:
            self._idle.stop()

    def _end_of_silence(self) -> None:
        line = bytes(self._buffer)
        self._buffer.clear()
        self._emit_line(line)

    def _emit_line(self, line: bytes) -> None:
        text = decode_scan(line).strip()
        if text:
            self.payload_scanned.emit(text)
