"""`emr-desktop`: the clinical workstation.

    emr-desktop [--data-dir DIR] [--lang vi|en]
    emr-desktop --demo [--data-dir DIR] [--demo-patients N]
    emr-desktop --version | --self-test [--server URL]   (emr_desktop.launcher)

The first start on a PC (no store in the data directory) opens the setup wizard; later
starts open the login screen at once and the encrypted store behind it on the database
worker, so the window is there before SQLCipher and the migrations check are done.

`--demo` builds a demo store (invented patients, public demo passwords printed on the
console) the first time and opens it. The demo uses a file keyring inside its data directory
unless `PYTHON_KEYRING_BACKEND` says otherwise: a training PC, never one with real patients.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emr_desktop.services.eprescribing import PortalConnection
    from emr_desktop.store.store import Store
    from emr_desktop.syncclient.eprescription import EPrescriptionLoop
    from emr_desktop.ui.context import AppContext
    from emr_desktop.ui.main_window import MainWindow

_STARTED = time.perf_counter()

DEMO_ADMIN = ("admin", "Quản trị hệ thống", "demo-admin-2025")
DEMO_FACILITY = ("70001", "Trung tâm Y tế huyện Demo")
DEFAULT_DEMO_PATIENTS = 3000
STORE_MANIFEST = "store.json"

log = logging.getLogger(__name__)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="emr-desktop",
        description="EMR Desktop — bệnh án điện tử / electronic medical records",
        # Answered by emr_desktop.launcher before this parser runs.
        epilog="emr-desktop --version | --self-test [--server URL] [--json]: phiên bản, tự"
        " kiểm tra cài đặt / versions, installation self-test",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="thư mục dữ liệu / data directory (or EMR_DATA_DIR)",
    )
    parser.add_argument("--lang", choices=("vi", "en"), help="ngôn ngữ / language")
    parser.add_argument(
        "--demo", action="store_true", help="dữ liệu mẫu / open a demo store (built once)"
    )
    parser.add_argument(
        "--demo-patients",
        type=int,
        default=DEFAULT_DEMO_PATIENTS,
        help="số bệnh nhân mẫu / demo patients (default %(default)s)",
    )
    parser.add_argument(
        "--tour",
        type=Path,
        metavar="DIR",
        help="with --demo: đi qua các màn hình chính, lưu ảnh vào DIR rồi thoát / walk"
        " through the main screens, save a screenshot of each into DIR, then quit",
    )
    # For the start-up benchmark: print the time to the login window and quit.
    parser.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def default_data_dir(demo: bool) -> Path:
    if env := os.environ.get("EMR_DATA_DIR"):
        return Path(env)
    if demo:
        return Path.cwd() / "emr-demo-data"
    base = os.environ.get("LOCALAPPDATA") or os.environ.get("XDG_DATA_HOME")
    root = Path(base) if base else Path.home() / ".local" / "share"
    return root / "emr-desktop"


def build_demo_store(data_dir: Path, patients: int) -> None:
    """Create and seed the demo store (console progress; before the window opens)."""
    from emr_desktop.services import auth, demo, nursing_demo, wards
    from emr_desktop.services.setup import initialize

    print(f"Đang tạo dữ liệu mẫu / building the demo store in {data_dir} ...", flush=True)
    username, full_name, password = DEMO_ADMIN
    store, _recovery = initialize(
        data_dir,
        facility_code=DEMO_FACILITY[0],
        facility_name=DEMO_FACILITY[1],
        admin_username=username,
        admin_full_name=full_name,
        admin_password=password,
    )
    try:
        session = auth.login(store, username, password)
        report = demo.seed_demo(store, session, patients=patients, seed=7)
        wards.seed_demo_wards(store, session)
        nursing_demo.seed_demo_medication(store, session)
        seed_demo_imaging(store)
        print(f"  {report.patients} bệnh nhân / patients", flush=True)
    finally:
        store.close()


def ensure_demo_wards(data_dir: Path) -> None:
    """A demo store made by `emr-admin seed-demo` gets its wards too (idempotent)."""
    from emr_desktop.services import auth, nursing_demo, wards
    from emr_desktop.store.store import Store

    with Store.open(data_dir) as store:
        session = auth.login(store, DEMO_ADMIN[0], DEMO_ADMIN[2])
        wards.seed_demo_wards(store, session)
        nursing_demo.seed_demo_medication(store, session)
        seed_demo_imaging(store)


def seed_demo_imaging(store: Store, slices: int = 60) -> None:
    """A CT study (synthetic images) in the chart with the longest history, imported as a
    doctor would from a disc, so that the demo's imaging tab has something to show
    (idempotent)."""
    from emr_desktop.core.imaging import DicomStudy
    from emr_desktop.core.records import Patient
    from emr_desktop.imaging.dicom import read_instance
    from emr_desktop.imaging.synthetic import ct_series
    from emr_desktop.services import auth, imaging
    from emr_desktop.services.demo import DEMO_STAFF
    from emr_desktop.ui.tour import richest_patient

    username, _role, _name, password = next(s for s in DEMO_STAFF if s[1] == "doctor")
    doctor = auth.login(store, username, password)
    patient_id = richest_patient(store)
    if imaging.studies(store, doctor, patient_id):
        return
    with store.unit_of_work(user_id=None) as uow:
        patient = uow.get(Patient, patient_id)
    birth = patient.date_of_birth
    files = ct_series(
        slices,
        256,
        patient_id=patient.mrn,
        patient_name=patient.full_name.upper().replace(" ", "^", 1),
        birth_date=birth.date if birth is not None else None,
        sex={"male": "M", "female": "F"}.get(patient.sex, "O"),
        study_description="CT NGỰC KHÔNG TIÊM THUỐC",
    )
    instances = [(read_instance(data), data) for data in files]
    study = DicomStudy.from_instances(i for i, _ in instances)
    imaging.save_study(store, doctor, patient_id, study, instances, source="import")


def print_demo_logins() -> None:
    from emr_desktop.services.demo import DEMO_STAFF

    print("Tài khoản mẫu / demo logins (public: never use with real patients):", flush=True)
    rows = [(DEMO_ADMIN[0], "admin", DEMO_ADMIN[2])]
    rows += [(user, str(role), password) for user, role, _name, password in DEMO_STAFF]
    for user, role, password in rows:
        print(f"  {user:<16} {role:<10} {password}", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.tour and not args.demo:
        print("--tour cần --demo / --tour needs --demo", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    data_dir = args.data_dir or default_data_dir(args.demo)
    if args.demo:
        # A demo PC keeps its key in a file inside the demo directory (see the docstring).
        os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
        os.environ.setdefault("XDG_DATA_HOME", str(data_dir / "keyring"))
        if not (data_dir / STORE_MANIFEST).exists():
            build_demo_store(data_dir, args.demo_patients)
        else:
            ensure_demo_wards(data_dir)
        print_demo_logins()

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from emr_desktop.ui import i18n
    from emr_desktop.ui.worker import share_the_interpreter

    share_the_interpreter()
    app = QApplication(sys.argv[:1])
    from emr_desktop.ui.collector import GuiThreadCollector

    GuiThreadCollector(app)
    app.setApplicationName("EMR Desktop")
    app.setOrganizationName("EMR Desktop")
    settings = QSettings()
    i18n.set_language(args.lang or i18n.saved_language(settings), settings)

    from emr_desktop.ui.context import AppContext
    from emr_desktop.ui.main_window import MainWindow

    ctx = AppContext(data_dir, settings)
    window = MainWindow(ctx)
    senders: list[EPrescriptionLoop] = []

    def open_workstation() -> None:
        window.show()
        ctx.open_store(
            on_done=lambda _store: _start_eprescribing(ctx, senders),
            on_error=lambda error: window.login.show_store_error(i18n.error_text(error)),
        )
        # While the user types their password: load the screens and the catalogues off
        # the GUI thread, then move the start-up heap out of the collector's way.
        ctx.db.submit(_warm_up)
        if args.startup_probe:
            QTimer.singleShot(0, lambda: _probe_done(app, ctx))
        if args.tour:
            _start_tour(window, args.tour)

    if (data_dir / STORE_MANIFEST).exists():
        open_workstation()
    else:
        from emr_desktop.ui.wizard import SetupWizard

        wizard = SetupWizard(data_dir, settings)

        def completed(store: Store) -> None:
            ctx.store = store
            wizard.close()
            open_workstation()

        wizard.completed.connect(completed)
        wizard.show()
    code = app.exec()
    for sender in senders:
        sender.stop()
    ctx.shutdown()
    return code


def _start_eprescribing(ctx: AppContext, senders: list[EPrescriptionLoop]) -> None:
    """Send this PC's signed prescriptions to the national e-prescription system in the
    background, when e-prescribing is set up here (its settings read on the database worker;
    a change of settings takes effect at the next start)."""
    from emr_desktop.services.eprescribing import portal_connection

    def start(connection: PortalConnection | None) -> None:
        if connection is None or ctx.store is None:
            return
        from emr_desktop.interop.eprescription import prescription_payload
        from emr_desktop.services.eprescribing import PortalQueue
        from emr_desktop.syncclient.eprescription import EPrescriptionLoop, PortalClient

        client = PortalClient(
            connection.url, username=connection.username, secret=connection.secret
        )
        sender = EPrescriptionLoop(PortalQueue(ctx.store, prescription_payload), client)
        senders.append(sender)
        sender.start()

    ctx.db.submit(portal_connection, ctx.store, on_done=start)


def _warm_up() -> None:
    from emr_desktop.services.bootstrap import warm_up
    from emr_desktop.ui.main_window import preload_screens

    preload_screens()
    warm_up()


def _start_tour(window: MainWindow, out_dir: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from emr_desktop.services.demo import DEMO_STAFF
    from emr_desktop.ui.tour import Tour

    doctor = next(staff for staff in DEMO_STAFF if staff[1] == "doctor")
    tour = Tour(window, out_dir, doctor[0], doctor[3])

    def finished(written: list[Path], error: str) -> None:
        for path in written:
            print(f"  {path}", flush=True)
        if error:
            print(f"Lỗi / error: {error}", file=sys.stderr, flush=True)
        QApplication.exit(1 if error else 0)

    tour.finished.connect(finished)
    tour.start()


def _probe_done(app: object, ctx: object) -> None:
    from PySide6.QtWidgets import QApplication

    elapsed = time.perf_counter() - _STARTED
    print(json.dumps({"login_window_s": round(elapsed, 3)}), flush=True)
    QApplication.quit()


if __name__ == "__main__":
    sys.exit(main())
