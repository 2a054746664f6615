"""`emr-desktop --self-test`: does this installation work, end to end, on this PC?

Run by IT after installing (the Start-menu entry "EMR Desktop — kiểm tra") and by CI from the
bundle. It goes through the program's real code paths in a throw-away store:

* an encrypted SQLCipher store is created in a new temporary directory; a facility and its
  administrator are set up, a doctor added, a patient registered, a visit opened and a
  clinical note recorded and signed; all of it is read back and the audit chain verified;
  the store is closed and opened again with the key from the keyring;
* a visit summary PDF is drawn (the fonts are found), the chart is exported as FHIR and
  validated with the fhir.resources models, the built-in catalogues load;
* DICOM images compressed with each pixel-data plugin shipped (RLE, JPEG-LS, JPEG 2000,
  JPEG baseline) are decoded;
* Qt: the platform plugins of this OS load, a window system starts (off screen when there is
  no display), the PDF renders with QtPdf and the Vietnamese translations load;
* with `server`: the server answers /v1/health, speaks this program's protocol and accepts
  this version; a TLS problem is named as such.

The keyring. A store's key lives in the OS keyring, but the self-test must neither read nor
write the real one: on a ward PC it holds the key of the real store, and on a CI box there
is none. The store code asks `keyring.get_keyring()`, so for the duration of the test a
private in-memory backend (`_SelfTestKeyring`) is installed with `keyring.set_keyring` and
the previous choice is put back afterwards: the real backend is never even initialised.

Every file goes into one temporary directory, removed whatever happens (the data are
invented, but nothing is left behind). No check writes a file anywhere else.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keyring
import keyring.backend
import keyring.core
import keyring.errors

from emr_desktop.core.errors import EmrError

if TYPE_CHECKING:
    import numpy.typing as npt
    from pydicom.dataset import Dataset
    from pydicom.uid import UID

    from emr_desktop.services.auth import Session
    from emr_desktop.store.store import Store

#: The invented people and passwords of the throw-away store.
_FACILITY = ("99999", "Cơ sở kiểm tra / self-test facility")
_ADMIN = ("selftest.admin", "Quản Trị Kiểm Tra", "self-test-admin-pw")
_DOCTOR = ("selftest.doctor", "Bác Sĩ Kiểm Tra", "self-test-doctor-pw")
_PATIENT_NAME = "Nguyễn Văn Kiểm Tra"
_NOTE_TEXT = "Khám kiểm tra cài đặt: ổn định. / Installation check: stable."

#: The platform plugins a PC needs: its window system's and the off-screen one (CI, tests).
_PLATFORM_PLUGINS = {
    "win32": ("qwindows", "qoffscreen"),
    "linux": ("qxcb", "qoffscreen"),
    "darwin": ("qcocoa", "qoffscreen"),
}
#: The keyring backend each OS keeps the store's key in (keyring's entry-point names).
_OS_KEYRING = {"win32": "Windows", "linux": "SecretService", "darwin": "macOS"}

SERVER_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class CheckResult:
    """One line of the report."""

    name: str
    ok: bool
    message_vi: str
    message_en: str
    seconds: float


@dataclass(frozen=True)
class Report:
    checks: tuple[CheckResult, ...]
    #: Whether the temporary directory was removed (it is part of `ok`).
    cleaned_up: bool

    @property
    def ok(self) -> bool:
        return self.cleaned_up and all(check.ok for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "cleaned_up": self.cleaned_up,
            "checks": [asdict(check) for check in self.checks],
        }


class CheckFailed(Exception):
    """A check's own verdict, in both languages."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en


def _require(condition: bool, message_vi: str, message_en: str) -> None:
    if not condition:
        raise CheckFailed(message_vi, message_en)


# ---------------------------------------------------------------------------- keyring


class _SelfTestKeyring(keyring.backend.KeyringBackend):
    """Secrets in a dict, for this process only (see the module docstring)."""

    priority = 1  # a class attribute is what keyring reads

    def __init__(self) -> None:
        self._secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._secrets.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


@contextlib.contextmanager
def private_keyring() -> Iterator[_SelfTestKeyring]:
    """Install a private keyring for the block, then put back whatever was chosen before.

    The previous choice is read from keyring's module state rather than through
    `get_keyring()`, which would initialise (and so probe) the real backend.
    """
    previous = getattr(keyring.core, "_keyring_backend", None)
    backend = _SelfTestKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.core._keyring_backend = previous


# ---------------------------------------------------------------------------- the run


@dataclass
class _State:
    """What the checks hand on to each other."""

    root: Path
    keyring: _SelfTestKeyring
    store: Store | None = None
    doctor: Session | None = None
    patient_id: str = ""
    encounter_id: str = ""
    event_id: str = ""
    content_hash: str = ""
    pdf: bytes = b""
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def need_store(self) -> Store:
        _require(
            self.store is not None,
            "không có kho dữ liệu (bước trước đã lỗi)",
            "no store (an earlier check failed)",
        )
        assert self.store is not None
        return self.store

    def need_doctor(self) -> Session:
        _require(
            self.doctor is not None and bool(self.event_id),
            "chưa có bản ghi (bước trước đã lỗi)",
            "no records (an earlier check failed)",
        )
        assert self.doctor is not None
        return self.doctor


Check = tuple[str, Callable[[_State], tuple[str, str]]]


def run_self_test(server: str | None = None) -> Report:
    """Run every check (and the server's with `server`); never raises for a failed check."""
    results: list[CheckResult] = []
    root = Path(tempfile.mkdtemp(prefix="emr-self-test-"))
    cleaned = False
    try:
        with private_keyring() as backend:
            state = _State(root=root, keyring=backend)
            try:
                for name, check in _checks(server):
                    results.append(_run_one(name, check, state))
            finally:
                if state.store is not None:
                    with contextlib.suppress(Exception):
                        state.store.engine.dispose()
    finally:
        shutil.rmtree(root, ignore_errors=True)
        cleaned = not root.exists()
    return Report(tuple(results), cleaned)


def _checks(server: str | None) -> list[Check]:
    checks: list[Check] = [
        ("store", _check_store),
        ("records", _check_records),
        ("audit", _check_audit),
        ("reopen", _check_reopen),
        ("catalogues", _check_catalogues),
        ("pdf", _check_pdf),
        ("fhir", _check_fhir),
        ("keyring", _check_keyring_backends),
        ("qt", _check_qt),
        ("translations", _check_translations),
        # After "qt": the JPEG image is written by Qt.
        ("dicom", _check_dicom),
    ]
    if server:
        checks.append(("server", lambda _state: check_server(server)))
    return checks


def _run_one(name: str, check: Callable[[_State], tuple[str, str]], state: _State) -> CheckResult:
    started = time.perf_counter()
    try:
        vi, en = check(state)
        ok = True
    except CheckFailed as exc:
        ok, vi, en = False, exc.message_vi, exc.message_en
    except EmrError as exc:
        ok, vi, en = False, exc.message_vi, exc.message_en
    except Exception as exc:  # a self-test reports whatever went wrong; it does not crash
        detail = f"{type(exc).__name__}: {exc}"
        ok, vi, en = False, f"lỗi không lường trước: {detail}", f"unexpected error: {detail}"
    return CheckResult(name, ok, vi, en, round(time.perf_counter() - started, 3))


# ---------------------------------------------------------------------------- store checks


def _check_store(state: _State) -> tuple[str, str]:
    from emr_desktop.services.setup import initialize
    from emr_desktop.store.keys import KEYRING_SERVICE
    from emr_desktop.store.store import DB_FILE

    username, full_name, password = _ADMIN
    store, _recovery_key = initialize(
        state.data_dir,
        facility_code=_FACILITY[0],
        facility_name=_FACILITY[1],
        admin_username=username,
        admin_full_name=full_name,
        admin_password=password,
    )
    state.store = store
    header = (state.data_dir / DB_FILE).read_bytes()[:16]
    _require(
        header != b"SQLite format 3\x00",
        "tệp cơ sở dữ liệu KHÔNG được mã hóa",
        "the database file is NOT encrypted",
    )
    held = [user for service, user in state.keyring._secrets if service == KEYRING_SERVICE]
    _require(
        len(held) == 1,
        "khóa cơ sở dữ liệu không nằm trong kho khóa riêng của phép kiểm tra",
        "the database key is not in the self-test's private keyring",
    )
    return (
        "tạo được kho dữ liệu mã hóa SQLCipher (khóa trong kho khóa riêng)",
        "created an encrypted SQLCipher store (key in a private keyring)",
    )


def _check_records(state: _State) -> tuple[str, str]:
    from emr_desktop.core.records import ClinicalNote, EncounterKind, NoteType
    from emr_desktop.services import auth, chart, clinical, patients

    store = state.need_store()
    admin = auth.login(store, _ADMIN[0], _ADMIN[2])
    username, full_name, password = _DOCTOR
    auth.add_user(
        store, admin, username=username, role="doctor", full_name=full_name, password=password
    )
    doctor = auth.login(store, username, password)
    patient = patients.register_patient(
        store, doctor, full_name=_PATIENT_NAME, sex="male", date_of_birth="1970-05-17"
    )
    encounter = clinical.start_encounter(
        store, doctor, patient_id=patient.id, kind=EncounterKind.OUTPATIENT, reason="Kiểm tra"
    )
    draft = clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=encounter.id,
        body=ClinicalNote(note_type=NoteType.PROGRESS, text=_NOTE_TEXT),
    )
    signed = clinical.sign_event(store, doctor, draft.id, password)
    state.doctor = doctor
    state.patient_id = patient.id
    state.encounter_id = encounter.id
    state.event_id = signed.id
    state.content_hash = signed.content_hash or ""
    _verify_records(state)
    _require(
        any(e.id == signed.id for e in chart.open_chart(store, doctor, patient.id).events),
        "ghi chú không có trong bệnh án",
        "the note is not in the chart",
    )
    return (
        "ghi và đọc lại được bệnh nhân, lượt khám, ghi chú đã ký",
        "wrote and read back a patient, a visit and a signed note",
    )


def _verify_records(state: _State) -> None:
    """The patient and the signed note, read back from the store as they were written."""
    from emr_desktop.core.records import ClinicalNote, EventStatus
    from emr_desktop.services import chart, patients

    store, doctor = state.need_store(), state.need_doctor()
    patient = patients.get_patient(store, doctor, state.patient_id)
    _require(
        patient.full_name == _PATIENT_NAME,
        "tên bệnh nhân đọc lại khác tên đã ghi",
        "the patient's name read back differs from the one written",
    )
    event = chart.full_event(store, doctor, state.event_id)
    _require(
        isinstance(event.body, ClinicalNote) and event.body.text == _NOTE_TEXT,
        "nội dung ghi chú đọc lại khác nội dung đã ghi",
        "the note read back differs from the one written",
    )
    _require(
        event.status == EventStatus.SIGNED
        and bool(state.content_hash)
        and event.content_hash == state.content_hash,
        "ghi chú không còn ở trạng thái đã ký với cùng mã băm",
        "the note is no longer signed with the same content hash",
    )


def _check_audit(state: _State) -> tuple[str, str]:
    from emr_desktop.store import audit

    store = state.need_store()
    with store.engine.connect() as conn:
        result = audit.verify(conn)
    _require(
        result.ok,
        f"chuỗi nhật ký bị đứt ở dòng {result.first_broken_seq}: {result.reason}",
        f"the audit chain is broken at row {result.first_broken_seq}: {result.reason}",
    )
    _require(result.rows > 0, "nhật ký truy cập trống", "the audit log is empty")
    return (
        f"chuỗi nhật ký truy cập toàn vẹn ({result.rows} dòng)",
        f"the audit chain holds ({result.rows} rows)",
    )


def _check_reopen(state: _State) -> tuple[str, str]:
    from emr_desktop.services import auth
    from emr_desktop.store.store import Store

    store = state.need_store()
    state.need_doctor()
    store.close()
    state.store = None
    state.store = Store.open(state.data_dir)
    state.doctor = auth.login(state.store, _DOCTOR[0], _DOCTOR[2])
    _verify_records(state)
    return (
        "đóng và mở lại được kho dữ liệu, dữ liệu còn nguyên",
        "closed and reopened the store; the records are intact",
    )


def _check_catalogues(_state: _State) -> tuple[str, str]:
    from emr_desktop.core.catalog import CatalogKind, icd10_codes, load_builtin

    counts = {kind.value: len(load_builtin(kind)) for kind in CatalogKind}
    empty = sorted(kind for kind, count in counts.items() if count == 0)
    _require(not empty, f"danh mục trống: {empty}", f"empty catalogues: {empty}")
    _require("J18.9" in icd10_codes(), "thiếu mã ICD-10 J18.9", "ICD-10 code J18.9 is missing")
    total = sum(counts.values())
    return (
        f"nạp được {len(counts)} danh mục ({total} dòng)",
        f"loaded {len(counts)} catalogues ({total} rows)",
    )


def _check_pdf(state: _State) -> tuple[str, str]:
    from emr_desktop.core.documents import DocumentKind
    from emr_desktop.printing.documents import render
    from emr_desktop.services import documents

    store, doctor = state.need_store(), state.need_doctor()
    kind = DocumentKind.VISIT_SUMMARY
    extract = documents.chart_extract(store, doctor, state.patient_id, kind, state.encounter_id)
    pdf = render(kind, extract, state.encounter_id)
    _require(pdf.startswith(b"%PDF-"), "không tạo được tệp PDF", "no PDF was drawn")
    _require(
        b"DejaVuSans" in pdf,
        "PDF thiếu phông chữ tiếng Việt DejaVu Sans",
        "the PDF lacks the Vietnamese font DejaVu Sans",
    )
    state.pdf = pdf
    return (
        f"in được tóm tắt lượt khám ra PDF ({len(pdf)} byte, phông DejaVu Sans)",
        f"drew a visit summary PDF ({len(pdf)} bytes, DejaVu Sans embedded)",
    )


def _check_fhir(state: _State) -> tuple[str, str]:
    from emr_desktop.core.documents import DocumentKind
    from emr_desktop.interop import fhir
    from emr_desktop.services import documents

    store, doctor = state.need_store(), state.need_doctor()
    extract = documents.chart_extract(store, doctor, state.patient_id, DocumentKind.CHART_EXPORT)
    bundle = fhir.chart_bundle(extract)
    fhir.validate(bundle)
    kinds = {entry["resource"]["resourceType"] for entry in bundle.get("entry", [])}
    _require(
        {"Patient", "Encounter"} <= kinds,
        "gói FHIR thiếu Patient hoặc Encounter",
        "the FHIR Bundle lacks Patient or Encounter",
    )
    count = len(bundle["entry"])
    return (
        f"xuất và kiểm định được gói FHIR ({count} tài nguyên)",
        f"exported and validated a FHIR Bundle ({count} resources)",
    )


# ---------------------------------------------------------------------------- DICOM


def _check_dicom(_state: _State) -> tuple[str, str]:
    """Each pixel-data plugin decodes an image it must decode on a ward PC.

    The images are compressed here (pydicom's encoders, Qt's JPEG writer) from a synthetic
    CT slice, decoded by the named plugin, and compared with the original; the JPEG 2000
    one also through the viewer's own `Frames`.
    """
    import numpy as np
    from pydicom import dcmread
    from pydicom.pixels.decoders.base import get_decoder
    from pydicom.uid import JPEG2000Lossless, JPEGLSLossless, RLELossless

    from emr_desktop.imaging.pixels import Frames
    from emr_desktop.imaging.synthetic import ct_series

    source = dcmread(_bytes_io(ct_series(1, 64)[0]))
    original = source.pixel_array.copy()
    decoded: list[str] = []
    for uid, encoder, decoder in (
        (RLELossless, "pylibjpeg", "pylibjpeg"),
        (JPEGLSLossless, "pyjpegls", "pyjpegls"),
        (JPEG2000Lossless, "pylibjpeg", "pylibjpeg"),
    ):
        ds = dcmread(_bytes_io(ct_series(1, 64)[0]))
        ds.compress(uid, encoding_plugin=encoder)
        array, _props = get_decoder(uid).as_array(ds, decoding_plugin=decoder)
        _require(
            bool(np.array_equal(array, original)),
            f"giải mã {uid.name} ({decoder}) sai điểm ảnh",
            f"decoding {uid.name} ({decoder}) gave wrong pixels",
        )
        decoded.append(f"{uid.name} ({decoder})")
        if uid == JPEG2000Lossless:
            Frames(ds).frame(0)
    decoded.append(_check_jpeg_baseline(original))
    return (
        f"giải mã được ảnh DICOM nén: {', '.join(decoded)}",
        f"decoded compressed DICOM images: {', '.join(decoded)}",
    )


def _bytes_io(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def _check_jpeg_baseline(original: npt.NDArray[Any]) -> str:
    """A lossy JPEG made by Qt, decoded by pylibjpeg-libjpeg: close to the original."""
    import numpy as np
    from pydicom.encaps import encapsulate
    from pydicom.pixels.decoders.base import get_decoder
    from pydicom.uid import JPEGBaseline8Bit
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QImageWriter

    low, high = float(original.min()), float(original.max())
    gray = np.ascontiguousarray(
        ((original.astype(np.float64) - low) * 255.0 / max(high - low, 1.0)).astype(np.uint8)
    )
    rows, columns = gray.shape
    image = QImage(gray.data, columns, rows, columns, QImage.Format.Format_Grayscale8)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"JPEG"))
    writer.setQuality(95)
    _require(
        writer.write(image),
        f"Qt không ghi được ảnh JPEG (plugin imageformats/jpeg): {writer.errorString()}",
        f"Qt cannot write JPEG (the imageformats/jpeg plugin): {writer.errorString()}",
    )
    jpeg = bytes(QByteArray(buffer.data()).data())
    ds = _eight_bit(rows, columns, encapsulate([jpeg]), JPEGBaseline8Bit)
    array, _props = get_decoder(JPEGBaseline8Bit).as_array(ds, decoding_plugin="pylibjpeg")
    error = float(np.abs(array.astype(np.int16) - gray.astype(np.int16)).mean())
    _require(
        error < 4.0,
        f"giải mã JPEG (pylibjpeg) sai lệch {error:.1f}",
        f"JPEG decoding (pylibjpeg) is off by {error:.1f}",
    )
    return f"{JPEGBaseline8Bit.name} (pylibjpeg)"


def _eight_bit(rows: int, columns: int, pixel_data: bytes, syntax: UID) -> Dataset:
    from pydicom.dataset import Dataset, FileMetaDataset

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = syntax
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.PixelRepresentation = 0
    ds.PixelData = pixel_data
    ds["PixelData"].VR = "OB"
    return ds


# ---------------------------------------------------------------------------- keyring backends


def _check_keyring_backends(_state: _State) -> tuple[str, str]:
    """The OS keyring backend that holds a real store's key is shipped and importable.

    Only its module is imported and its class looked up: the backend is not asked for its
    priority or a secret, which would talk to the real keyring.
    """
    platform_key = "linux" if sys.platform.startswith("linux") else sys.platform
    wanted = _OS_KEYRING.get(platform_key)
    points = {ep.name: ep for ep in metadata.entry_points(group="keyring.backends")}
    _require(
        wanted is None or wanted in points,
        f"thiếu bộ kho khóa {wanted} của hệ điều hành (metadata của keyring)",
        f"the OS keyring backend {wanted} is not registered (keyring's metadata)",
    )
    if wanted is None:
        return ("không có kho khóa đã biết cho hệ này", "no known OS keyring for this system")
    module = importlib.import_module(points[wanted].value)
    classes = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, keyring.backend.KeyringBackend)
        and value.__module__ == module.__name__
    ]
    _require(
        bool(classes),
        f"mô-đun {module.__name__} không có bộ kho khóa",
        f"module {module.__name__} holds no keyring backend",
    )
    importlib.import_module("keyrings.alt.file")
    return (
        f"có bộ kho khóa {wanted} của hệ điều hành và keyrings.alt (không dùng tới)",
        f"the OS keyring backend {wanted} and keyrings.alt are shipped (not used)",
    )


# ---------------------------------------------------------------------------- Qt


def _headless() -> bool:
    return sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def qt_application() -> Any:
    """The running QApplication, or a new one: off screen on a Linux box with no display."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        argv = [sys.argv[0] if sys.argv else "emr-desktop"]
        if _headless() and not os.environ.get("QT_QPA_PLATFORM"):
            argv += ["-platform", "offscreen"]
        app = QApplication(argv)
    return app


def _check_qt(state: _State) -> tuple[str, str]:
    from PySide6.QtCore import QLibraryInfo, QPluginLoader

    app = qt_application()
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    platform_key = "linux" if sys.platform.startswith("linux") else sys.platform
    loaded = []
    for name in _PLATFORM_PLUGINS.get(platform_key, ("qoffscreen",)):
        files = sorted(plugins.glob(f"*{name}.*"))
        _require(
            bool(files),
            f"thiếu plugin nền tảng Qt {name} trong {plugins}",
            f"the Qt platform plugin {name} is missing from {plugins}",
        )
        loader = QPluginLoader(str(files[0]))
        _require(
            loader.load(),
            f"không nạp được plugin Qt {name}: {loader.errorString()}",
            f"cannot load the Qt plugin {name}: {loader.errorString()}",
        )
        loaded.append(name)
    pages = _render_pdf(state.pdf) if state.pdf else 0
    shown = f"{app.platformName()}; {', '.join(loaded)}"
    if not pages:
        return (f"Qt chạy được ({shown})", f"Qt works ({shown})")
    return (
        f"Qt chạy được ({shown}); QtPdf hiển thị được PDF ({pages} trang)",
        f"Qt works ({shown}); QtPdf renders the PDF ({pages} pages)",
    )


def _render_pdf(pdf: bytes) -> int:
    """Render the first page with QtPdf (the program's print preview) from memory."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
    from PySide6.QtPdf import QPdfDocument

    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    _require(
        document.status() == QPdfDocument.Status.Ready and document.pageCount() > 0,
        f"QtPdf không đọc được PDF ({document.error().name})",
        f"QtPdf cannot read the PDF ({document.error().name})",
    )
    image = document.render(0, QSize(595, 842))
    _require(
        not image.isNull() and image.width() == 595,
        "QtPdf không vẽ được trang PDF",
        "QtPdf cannot render the PDF page",
    )
    pages = int(document.pageCount())
    document.close()
    return pages


def _check_translations(_state: _State) -> tuple[str, str]:
    """Every Vietnamese .qm file loads and translates (without installing it in the
    application: the language of a running program is left alone)."""
    from PySide6.QtCore import QTranslator

    from emr_desktop.ui import i18n

    qt_application()
    files = sorted(i18n.translations_dir().glob(f"*_{i18n.VIETNAMESE}.qm"))
    _require(bool(files), "không có tệp bản dịch .qm", "no .qm translation files")
    broken = []
    cancel = ""
    for path in files:
        translator = QTranslator()
        if not translator.load(str(path)) or translator.isEmpty():
            broken.append(path.name)
        elif path.name.startswith("qtbase_"):
            cancel = translator.translate("QPlatformTheme", "Cancel") or ""
    _require(
        not broken, f"không nạp được bản dịch {broken}", f"cannot load the translations {broken}"
    )
    _require(
        cancel == "Hủy",
        f"bản dịch không có hiệu lực ('Cancel' → {cancel!r})",
        f"the translations do not apply ('Cancel' → {cancel!r})",
    )
    return (
        f"nạp được {len(files)} bản dịch tiếng Việt",
        f"loaded {len(files)} Vietnamese translations",
    )


# ---------------------------------------------------------------------------- server


def check_server(url: str) -> tuple[str, str]:
    """The server answers /v1/health, speaks our protocol and accepts this version.

    A TLS failure (an untrusted or expired certificate, a name mismatch) is reported as
    such, with the reason the TLS library gave: it is the usual trouble of a new install.
    """
    import requests

    from emr_desktop.core.errors import SyncError
    from emr_desktop.core.wire import PROTOCOL_VERSION
    from emr_desktop.launcher.version import program_version
    from emr_desktop.syncclient.client import SyncClient

    client = SyncClient(url, timeout=SERVER_TIMEOUT_S)
    try:
        health = client.health()
    except SyncError as exc:
        cause = exc.__cause__
        if isinstance(cause, requests.exceptions.SSLError):
            reason = _tls_reason(cause)
            raise CheckFailed(
                f"lỗi TLS với {url}: {reason}. Kiểm tra chứng chỉ của máy chủ (hết hạn, sai "
                "tên, hoặc do CA chưa được máy này tin cậy).",
                f"TLS problem with {url}: {reason}. Check the server's certificate (expired, "
                "wrong name, or from a CA this PC does not trust).",
            ) from exc
        raise
    finally:
        client.session.close()
    _require(
        PROTOCOL_VERSION in health.protocols,
        f"máy chủ không dùng giao thức {PROTOCOL_VERSION} (có {health.protocols})",
        f"the server does not speak protocol {PROTOCOL_VERSION} (it has {health.protocols})",
    )
    minimum = getattr(health, "min_client_version", None)
    version = program_version()
    if minimum:
        from packaging.version import InvalidVersion, Version

        try:
            too_old = Version(version) < Version(str(minimum))
        except InvalidVersion:
            too_old = False
        _require(
            not too_old,
            f"phiên bản {version} cũ hơn phiên bản tối thiểu {minimum} của máy chủ: cần cập nhật",
            f"version {version} is older than the server's minimum {minimum}: update needed",
        )
    accepted = f"; tối thiểu / minimum {minimum}" if minimum else ""
    return (
        f"máy chủ {url} trả lời, giao thức {PROTOCOL_VERSION}{accepted}",
        f"the server {url} answers, protocol {PROTOCOL_VERSION}{accepted}",
    )


def _tls_reason(error: BaseException) -> str:
    """The innermost message of an SSL failure (requests wraps it several times)."""
    import ssl

    seen: set[int] = set()
    stack: list[BaseException] = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return str(getattr(current, "verify_message", None) or current.reason or current)
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                stack.append(linked)
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
    return str(error)


# ---------------------------------------------------------------------------- output


def report_lines(report: Report) -> list[str]:
    """One line per check, Vietnamese then English, and a verdict."""
    lines = []
    for check in report.checks:
        mark = "OK  " if check.ok else "LỖI "
        lines.append(f"{mark} {check.name}: {check.message_vi} / {check.message_en}")
    if not report.cleaned_up:
        lines.append("LỖI  cleanup: không xóa được thư mục tạm / could not remove the temp dir")
    passed = sum(check.ok for check in report.checks)
    verdict = "ĐẠT / PASSED" if report.ok else "KHÔNG ĐẠT / FAILED"
    lines.append(f"{verdict}: {passed}/{len(report.checks)}")
    return lines
