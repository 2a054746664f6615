"""The chart's Exchange menu on a real encrypted store, writing real files into the test's
folder: who sees what, the chart as FHIR and as the MoH record, the BHYT claim of a finished
visit (and a refused one), and another facility's Bundle imported with the doctor's password."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget
from pytestqt.qtbot import QtBot
from shiboken6 import isValid
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD
from tests.services.test_claims import _tables, _visit
from tests.ui.chart.test_notes import admitted_patient
from tests.ui.conftest import logged_in, settle

from emr_desktop.core.documents import DocumentKind
from emr_desktop.core.records import Diagnosis, Measurement, Patient, VitalSigns
from emr_desktop.core.timeutil import to_local, utc_now
from emr_desktop.interop.fhir import chart_bundle_json
from emr_desktop.services import auth, clinical, documents, patients
from emr_desktop.services.auth import Session
from emr_desktop.services.setup import initialize
from emr_desktop.store.store import Store
from emr_desktop.ui.chart.timeline import EXTERNAL
from emr_desktop.ui.chart.view import ChartView
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.exchange import (
    FHIR,
    HSBA_JSON,
    HSBA_XML,
    IMPORT,
    ExchangeButton,
    ImportDialog,
    default_export_name,
)

CCCD = "001156012345"
CERTIFICATE = "000321/HNA-CCHN"


# ---------------------------------------------------------------------- helpers
def _chart(qtbot: QtBot, ctx: AppContext, patient_id: str) -> ChartView:
    view = ChartView(ctx, patient_id)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    settle(qtbot, ctx)
    return view


def _action(button: ExchangeButton, key: str) -> QAction:
    action = button.actions_by_key()[key]
    assert isinstance(action, QAction)
    return action


def _save_to(monkeypatch: pytest.MonkeyPatch, chosen: Path) -> list[str]:
    """The save dialog answers `chosen`; returns the names it proposed."""
    proposed: list[str] = []

    def ask(_parent: QWidget, _title: str, name: str, _filter: str) -> tuple[str, str]:
        proposed.append(name)
        return str(chosen), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    return proposed


def _audit(store: Store, action: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT patient_id, detail FROM audit_log WHERE action = ? ORDER BY seq", (action,)
        ).all()
    return [{"patient_id": r[0], **json.loads(r[1])} for r in rows]


def _externals(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(
            conn.exec_driver_sql(
                "SELECT count(*) FROM clinical_event WHERE kind = 'external_record'"
            ).scalar_one()
        )


def _today() -> str:
    return to_local(utc_now()).date().strftime("%Y%m%d")


@pytest.fixture
def prescriber(store: Store, admin: Session) -> Session:
    """A doctor with a practising-certificate number (MA_BAC_SI), as a claim needs."""
    auth.add_user(
        store,
        admin,
        username="bs.an",
        role="doctor",
        full_name="Nguyễn Văn An",
        password=STAFF_PASSWORD,
        practitioner_code=CERTIFICATE,
    )
    return auth.login(store, "bs.an", STAFF_PASSWORD)


# ---------------------------------------------------------------------- who sees what
def test_a_doctor_sees_every_export_and_the_import(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session, doctor: Session
) -> None:
    patient, _visit_open = admitted_patient(store, registrar, doctor)
    view = _chart(qtbot, logged_in(ctx, doctor), patient.id)
    button = view.exchange_button
    assert button.isVisible() and button.text() == "Tr&ao đổi"
    keys = set(button.actions_by_key())
    assert {FHIR, HSBA_XML, HSBA_JSON, IMPORT} <= keys
    texts = [a.text() for a in button.menu_.actions() if not a.isSeparator()]
    assert texts == [
        "Xuất FHIR R4 (JSON)…",
        "Xuất hồ sơ bệnh án BYT (XML)…",
        "Xuất hồ sơ bệnh án BYT (JSON)…",
        "Hồ sơ thanh toán BHYT (XML 130)",
        "Nhập hồ sơ FHIR từ cơ sở khác…",
    ]
    # The visit is still open: nothing to claim yet.
    claims = button.menu_.findChild(QMenu, "chart_exchange_claims")
    assert isinstance(claims, QMenu)
    assert [a.text() for a in claims.actions()] == ["Chưa có lượt khám nào kết thúc"]
    assert not claims.actions()[0].isEnabled()


def test_a_registrar_sees_no_export_and_a_nurse_no_import(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    registrar: Session,
    nurse: Session,
    doctor: Session,
) -> None:
    patient, _visit_open = admitted_patient(store, registrar, doctor)
    for session in (registrar, nurse):
        view = _chart(qtbot, logged_in(ctx, session), patient.id)
        button = view.exchange_button
        assert not button.isVisibleTo(view)
        assert button.actions_by_key() == {}
        assert not (button.can_export or button.can_import)
        # Asked directly all the same: nothing is asked, nothing is read.
        button.export_chart_as(FHIR)
        button.import_file()
        assert ctx.db.pending() == 0


# ---------------------------------------------------------------------- the chart's exports
@pytest.fixture
def chart_with_content(store: Store, registrar: Session, doctor: Session) -> Patient:
    patient, visit = admitted_patient(store, registrar, doctor)
    clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        body=Diagnosis(icd10="J18.9", description="Viêm phổi"),
        sign_password=STAFF_PASSWORD,
    )
    return patient


def test_the_chart_is_exported_as_a_fhir_bundle_to_the_file_chosen(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    chart_with_content: Patient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patient = chart_with_content
    view = _chart(qtbot, logged_in(ctx, doctor), patient.id)
    button = view.exchange_button
    chosen = tmp_path / "ho-so"  # typed without the extension
    proposed = _save_to(monkeypatch, chosen)
    messages: list[tuple[str, str]] = []
    ctx.message.connect(lambda level, text: messages.append((level, text)))

    with qtbot.waitSignal(button.exported, timeout=20_000) as exported:
        _action(button, FHIR).trigger()

    written = tmp_path / "ho-so.json"
    assert exported.args == [written]
    bundle = json.loads(written.read_text("utf-8"))
    assert bundle["resourceType"] == "Bundle"
    [fhir_patient] = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert fhir_patient["identifier"][0]["value"] == patient.mrn
    conditions = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Condition"]
    assert any("J18.9" in json.dumps(c) for c in conditions)
    [name] = proposed
    assert Path(name).name == f"{patient.mrn}-fhir-{_today()}.json"
    assert "Bích" not in name
    [(level, text)] = messages
    assert level == "info" and "ho-so.json" in text
    [row] = _audit(store, "document.export")
    assert row["patient_id"] == patient.id and row["format"] == "fhir+json"
    assert row["bytes"] == written.stat().st_size
    assert str(tmp_path) not in json.dumps(row)
    assert button.isEnabled()


@pytest.mark.parametrize(("export", "suffix"), [(HSBA_XML, ".xml"), (HSBA_JSON, ".json")])
def test_the_chart_is_exported_as_the_moh_record(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    chart_with_content: Patient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    export: str,
    suffix: str,
) -> None:
    patient = chart_with_content
    view = _chart(qtbot, logged_in(ctx, doctor), patient.id)
    chosen = tmp_path / f"hsba{suffix}"
    proposed = _save_to(monkeypatch, chosen)

    with qtbot.waitSignal(view.exchange_button.exported, timeout=20_000):
        _action(view.exchange_button, export).trigger()

    if suffix == ".xml":
        root = ET.fromstring(chosen.read_bytes())  # noqa: S314 - our own output
        assert root.tag == "HoSoBenhAn"
        assert root.findtext("ThongTinBenhNhan/ma_benhnhan") == patient.mrn
        assert root.findtext("ThongTinBenhNhan/cccd_so") == patient.cccd
    else:
        record = json.loads(chosen.read_text("utf-8"))
        assert record["HoSoBenhAn"]["ThongTinBenhNhan"]["ma_benhnhan"] == patient.mrn
    assert Path(proposed[0]).name == f"{patient.mrn}-hsba-{_today()}{suffix}"
    [row] = _audit(store, "document.export")
    assert row["format"] == f"hsba+{suffix[1:]}"


def test_an_export_that_cannot_be_written_says_why_and_leaves_nothing(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    chart_with_content: Patient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    view = _chart(qtbot, logged_in(ctx, doctor), chart_with_content.id)
    missing = tmp_path / "no-such-folder" / "x.json"
    _save_to(monkeypatch, missing)
    messages: list[tuple[str, str]] = []
    ctx.message.connect(lambda level, text: messages.append((level, text)))

    _action(view.exchange_button, FHIR).trigger()
    settle(qtbot, ctx)

    assert not missing.parent.exists()
    [(level, text)] = messages
    assert level == "error" and "Không ghi được tệp" in text
    assert _audit(store, "document.export") == []
    assert view.exchange_button.isEnabled()


def test_cancelling_the_save_dialog_exports_nothing(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    chart_with_content: Patient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    view = _chart(qtbot, logged_in(ctx, doctor), chart_with_content.id)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args: ("", ""))
    _action(view.exchange_button, HSBA_XML).trigger()
    settle(qtbot, ctx)
    assert _audit(store, "document.export") == []


def test_default_export_names_hold_the_record_number_and_the_day_only() -> None:
    day = to_local(utc_now()).date()
    stamp = day.strftime("%Y%m%d")
    assert default_export_name("MRN-0001", "fhir", ".json", day) == f"MRN-0001-fhir-{stamp}.json"
    assert default_export_name("../x y", "bhyt", ".xml", day) == f"xy-bhyt-{stamp}.xml"


# ---------------------------------------------------------------------- BHYT claims
def test_a_finished_visit_with_a_card_exports_its_claim(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    prescriber: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    visit = _visit(store, prescriber)
    view = _chart(qtbot, logged_in(ctx, prescriber), visit.patient_id)
    button = view.exchange_button
    [encounter] = button.encounters
    assert encounter.id == visit.encounter_id
    chosen = tmp_path / "claim.xml"
    proposed = _save_to(monkeypatch, chosen)

    with qtbot.waitSignal(button.exported, timeout=20_000):
        _action(button, f"claim:{visit.encounter_id}").trigger()

    tables = _tables(chosen.read_bytes())
    assert {"XML1", "XML2", "XML3"} <= set(tables)
    assert tables["XML1"].findtext("MA_LK") == visit.encounter_id
    assert tables["XML1"].findtext("MA_BENH_CHINH") == "J18.9"
    mrn = view.chart.patient.mrn if view.chart else ""
    assert Path(proposed[0]).name == f"{mrn}-bhyt-{_today()}.xml"
    [row] = _audit(store, "document.export")
    assert row["format"] == "qd130+xml"


def test_a_refused_claim_names_the_field_and_writes_nothing(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    prescriber: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    today = to_local(utc_now()).date()
    patient = patients.register_patient(
        store,
        prescriber,
        full_name="Lê Văn Bình",
        sex="male",
        date_of_birth="1970-05-12",
        cccd="001070001234",
        bhyt_number="DN4010123456789",
        bhyt_valid_from=today - timedelta(days=200),
        bhyt_valid_to=today + timedelta(days=100),
        bhyt_registered_facility="70001",
    )
    encounter = clinical.start_encounter(
        store, prescriber, patient_id=patient.id, kind="outpatient", reason="Ho"
    )
    clinical.discharge_patient(store, prescriber, encounter.id, treatment_result="2")
    view = _chart(qtbot, logged_in(ctx, prescriber), patient.id)
    button = view.exchange_button
    chosen = tmp_path / "claim.xml"
    _save_to(monkeypatch, chosen)

    with qtbot.waitSignal(button.refused, timeout=20_000) as refused:
        _action(button, f"claim:{encounter.id}").trigger()

    assert refused.args[0].field == "XML1.MA_BENH_CHINH"
    box = button.refusal
    assert box is not None and box.isVisible()
    assert "không ghi" in box.text().lower()
    assert "XML1.MA_BENH_CHINH" in box.informativeText()
    assert not chosen.exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".emr-export-")] == []
    assert _audit(store, "document.export") == []
    box.close()


# ---------------------------------------------------------------------- importing
@pytest.fixture
def facility_b(tmp_path: Path) -> Iterator[tuple[Store, Session]]:
    """A second facility (35002) with its own store and doctor."""
    store_b, _ = initialize(
        tmp_path / "facility-b",
        facility_code="35002",
        facility_name="Bệnh viện đa khoa tỉnh Thử",
        admin_username="admin",
        admin_full_name="Quản Trị Viên",
        admin_password=ADMIN_PASSWORD,
    )
    admin_b = auth.login(store_b, "admin", ADMIN_PASSWORD)
    auth.add_user(
        store_b,
        admin_b,
        username="bs.hang",
        role="doctor",
        full_name="Đỗ Thị Hằng",
        password=STAFF_PASSWORD,
    )
    yield store_b, auth.login(store_b, "bs.hang", STAFF_PASSWORD)
    store_b.engine.dispose()


def _hoa(store: Store, session: Session, **kw: Any) -> Patient:
    values: dict[str, Any] = {
        "full_name": "Nguyễn Thị Hoà",
        "sex": "female",
        "date_of_birth": "1956-03-07",
        "cccd": CCCD,
    }
    values.update(kw)
    return patients.register_patient(store, session, **values)


@pytest.fixture
def bundle_file(facility_b: tuple[Store, Session], tmp_path: Path) -> Path:
    """Facility B's chart of Nguyễn Thị Hoà (a visit, vital signs, a diagnosis), exported as
    a FHIR Bundle into a file."""
    store_b, doctor_b = facility_b
    patient = _hoa(store_b, doctor_b)
    visit = clinical.start_encounter(
        store_b, doctor_b, patient_id=patient.id, kind="outpatient", reason="Khó thở"
    )
    for body in (
        VitalSigns(measurements=(Measurement("temperature", Decimal("38.4"), "°C"),)),
        Diagnosis(icd10="J45.9", description="Hen phế quản"),
    ):
        clinical.record_event(
            store_b,
            doctor_b,
            patient_id=patient.id,
            encounter_id=visit.id,
            body=body,
            sign_password=STAFF_PASSWORD,
        )
    extract = documents.chart_extract(store_b, doctor_b, patient.id, DocumentKind.CHART_EXPORT)
    path = tmp_path / "from-35002.json"
    path.write_text(chart_bundle_json(extract), encoding="utf-8")
    return path


def _plan(
    qtbot: QtBot, view: ChartView, path: Path, monkeypatch: pytest.MonkeyPatch
) -> ImportDialog:
    """Choose `path` in the open dialog and wait for the plan."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_args: (str(path), ""))
    with qtbot.waitSignal(view.exchange_button.planned, timeout=20_000) as planned:
        _action(view.exchange_button, IMPORT).trigger()
    dialog = planned.args[0]
    assert isinstance(dialog, ImportDialog) and dialog.isVisible()
    return dialog


def test_another_facilitys_bundle_is_planned_then_imported_with_the_password(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    bundle_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patient = _hoa(store, doctor)
    view = _chart(qtbot, logged_in(ctx, doctor), patient.id)
    dialog = _plan(qtbot, view, bundle_file, monkeypatch)

    assert dialog.source.text().startswith("Bệnh viện đa khoa tỉnh Thử (35002)")
    assert "Nguyễn Thị Hoà" in dialog.patient.text() and f"CCCD {CCCD}" in dialog.patient.text()
    assert dialog.chart.text().startswith(patient.mrn)
    assert "CCCD" in dialog.chart.text()
    assert not dialog.differences.isVisibleTo(dialog) and not dialog.confirm.isVisibleTo(dialog)
    plan = dialog.preview.plan
    assert plan.new >= 3 and plan.updated == plan.unchanged == 0
    assert dialog.records.text().startswith(f"{plan.new} mới")
    assert {"Condition", "Observation", "Encounter"} <= set(plan.by_type)
    assert "Condition: 1" in dialog.types.text()
    assert not dialog.import_button.isEnabled()  # no password yet
    assert _externals(store) == 0

    dialog.password.setText(STAFF_PASSWORD)
    with qtbot.waitSignal(view.exchange_button.imported, timeout=20_000) as imported:
        dialog.import_button.click()
    settle(qtbot, ctx)

    report = imported.args[0]
    assert len(report.event_ids) == plan.new == _externals(store)
    # The chart was read again and shows the records with their source.
    assert view.chart is not None
    external = [e for e in view.chart.events if e.kind == EXTERNAL]
    assert len(external) == plan.new
    assert {e.body["source_name"] for e in external} == {"Bệnh viện đa khoa tỉnh Thử"}
    assert any("J45.9" in e.body["summary"] for e in external)
    view.tabs.setCurrentWidget(view.timeline)
    model = view.timeline.table.model()
    shown = [str(model.index(row, 2).data()) for row in range(model.rowCount())]
    assert any("J45.9" in text and "Bệnh viện đa khoa tỉnh Thử" in text for text in shown)
    [row] = _audit(store, "fhir.import")
    assert row["basis"] == "cccd" and row["new"] == plan.new


def test_a_wrong_password_imports_nothing_and_the_dialog_says_why(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    bundle_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patient = _hoa(store, doctor)
    view = _chart(qtbot, logged_in(ctx, doctor), patient.id)
    dialog = _plan(qtbot, view, bundle_file, monkeypatch)
    imported: list[object] = []
    view.exchange_button.imported.connect(imported.append)

    dialog.password.setText("not-the-password")
    dialog.import_button.click()
    settle(qtbot, ctx)

    assert dialog.isVisible() and dialog.error.text() == "Mật khẩu xác nhận không đúng"
    assert dialog.password.text() == ""
    assert imported == [] and _externals(store) == 0
    assert _audit(store, "fhir.import") == []


def test_a_chart_without_the_same_cccd_needs_the_differences_confirmed(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    bundle_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patient = _hoa(store, doctor, cccd=None, date_of_birth="1956-03-08")
    view = _chart(qtbot, logged_in(ctx, doctor), patient.id)
    dialog = _plan(qtbot, view, bundle_file, monkeypatch)

    assert dialog.preview.plan.match.basis is None
    assert "chọn" in dialog.chart.text()  # this chart, chosen by the doctor
    assert dialog.differences.isVisibleTo(dialog) and dialog.differences.text()
    dialog.password.setText(STAFF_PASSWORD)
    assert not dialog.import_button.isEnabled()
    dialog.confirm.setChecked(True)
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(view.exchange_button.imported, timeout=20_000):
        dialog.import_button.click()
    [row] = _audit(store, "fhir.import")
    assert row["basis"] is None and row["mismatch_confirmed"]
    assert _externals(store) == row["new"] > 0


def test_a_file_of_another_chart_is_not_imported_into_this_one(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    registrar: Session,
    bundle_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = _hoa(store, doctor)
    other, _visit_open = admitted_patient(store, registrar, doctor)
    view = _chart(qtbot, logged_in(ctx, doctor), other.id)
    dialog = _plan(qtbot, view, bundle_file, monkeypatch)
    assert dialog.preview.elsewhere
    assert owner.mrn in dialog.notice.text()
    assert not dialog.password.isVisibleTo(dialog)
    assert not dialog.import_button.isEnabled()
    dialog.start_import()
    settle(qtbot, ctx)
    assert _externals(store) == 0
    dialog.close()


def test_a_file_that_is_not_a_bundle_is_refused_with_a_message(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patient = _hoa(store, doctor)
    view = _chart(qtbot, logged_in(ctx, doctor), patient.id)
    path = tmp_path / "not-fhir.json"
    path.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_args: (str(path), ""))
    messages: list[tuple[str, str]] = []
    ctx.message.connect(lambda level, text: messages.append((level, text)))

    _action(view.exchange_button, IMPORT).trigger()
    settle(qtbot, ctx)

    [(level, _text)] = messages
    assert level == "error"
    assert view.exchange_button.dialog is None or not isValid(view.exchange_button.dialog)
    assert view.exchange_button.isEnabled()
