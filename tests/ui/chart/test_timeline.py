"""The timeline: every current entry newest first, readable one-line summaries, a filter by
kind, and a ten-year chart (10,000 entries) that costs nothing until rows are shown."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.conftest import STAFF_PASSWORD
from tests.interop.test_fhir_import import rich_chart
from tests.ui.conftest import logged_in, settle

from emr_desktop.core.codec import to_plain
from emr_desktop.core.records import (
    Diagnosis,
    EventBody,
    LabResult,
    Measurement,
    MedicationAdministration,
    MedicationOrder,
    Prescription,
    PrescriptionItem,
    VitalSigns,
)
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.interop.fhir import chart_bundle
from emr_desktop.interop.fhir_import import parse_bundle
from emr_desktop.services import chart, clinical, patients
from emr_desktop.services.auth import Session
from emr_desktop.services.chart import ChartEvent, FacilityDirectory
from emr_desktop.services.fhir_import import import_bundle
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.timeline import (
    AUTHOR,
    KIND,
    STATUS,
    SUMMARY,
    TIME,
    TimelineModel,
    TimelineTab,
    event_summary,
)
from emr_desktop.ui.context import AppContext

START = datetime(2025, 3, 1, 1, 30, tzinfo=UTC)

VITALS = VitalSigns(
    measurements=(
        Measurement("temperature", "38.5", "°C"),  # type: ignore[arg-type]
        Measurement("pulse", "96", "/min"),  # type: ignore[arg-type]
        Measurement("systolic", "150", "mmHg"),  # type: ignore[arg-type]
        Measurement("diastolic", "95", "mmHg"),  # type: ignore[arg-type]
    )
)
AMLODIPINE = PrescriptionItem(
    drug_code="T0101",
    drug_name="Amlodipin 5 mg",
    dosage="1 viên/ngày",
    quantity=30,  # type: ignore[arg-type]
    unit="viên",
    days=30,
)


def _event(n: int, body: EventBody, *, status: str = "signed", **extra: Any) -> ChartEvent:
    fields: dict[str, Any] = {
        "id": f"ev{n:05d}",
        "patient_id": "p1",
        "encounter_id": None,
        "kind": body.KIND,
        "effective_at": (START + timedelta(hours=n)).isoformat(),
        "status": status,
        "created_by": "u-nurse",
        "signed_by": None,
        "corrects": None,
        "correction": None,
        "body_json": json.dumps(to_plain(body), ensure_ascii=False),
    }
    fields.update(extra)
    return ChartEvent(**fields)


def _directory() -> FacilityDirectory:
    return FacilityDirectory(staff={"u-nurse": "Lê Thị Hoa"}, departments=(), beds=())


def test_the_model_passes_the_qt_model_checks(qtbot: QtBot, qtmodeltester: ModelTester) -> None:
    model = TimelineModel()
    model.set_events([_event(1, VITALS), _event(2, Diagnosis(icd10="I10"), status="draft")])
    model.set_directory(_directory())
    qtmodeltester.check(model)


def test_entries_read_newest_first_with_time_kind_summary_status_and_author(
    ctx: AppContext,
) -> None:
    model = TimelineModel()
    model.set_events(
        [_event(0, VITALS), _event(1, Diagnosis(icd10="I10", description="Tăng huyết áp"))]
    )
    model.set_directory(_directory())

    def cell(row: int, column: int) -> Any:
        return model.data(model.index(row, column))

    assert cell(0, TIME) == "01/03/2025 09:30"  # 02:30 UTC is 09:30 in Vietnam
    assert cell(0, KIND) == "chẩn đoán"
    assert cell(0, SUMMARY) == "I10 Tăng huyết áp"
    assert cell(1, SUMMARY) == "T° 38,5 °C · M 96 /min · HA 150/95 mmHg"
    assert cell(1, STATUS) == "đã ký"
    assert cell(1, AUTHOR) == "Lê Thị Hoa"


def test_summaries_say_what_each_kind_of_entry_holds(ctx: AppContext) -> None:
    lab = LabResult(
        test_code="XN0201", test_name="Glucose", value="9.1", unit="mmol/L", flag="high"
    )
    prescription = Prescription(items=(AMLODIPINE,))
    secondary = Diagnosis(icd10="E11.9", rank="secondary", description="Đái tháo đường typ 2")
    assert event_summary(_event(1, lab)) == "Glucose: 9.1 mmol/L ↑"
    assert event_summary(_event(2, prescription)) == "Amlodipin 5 mg"
    assert event_summary(_event(3, secondary)) == "E11.9 Đái tháo đường typ 2 (bệnh kèm theo)"


def test_a_dose_given_names_its_drug_even_under_an_amended_order(ctx: AppContext) -> None:
    def order(dose: str) -> MedicationOrder:
        return MedicationOrder(
            drug_code="T0301",
            drug_name="Ceftriaxon 1 g",
            dose=dose,  # type: ignore[arg-type]
            dose_unit="lọ",
            route="iv",
            times=("08:00",),
            start_date=START.date(),
            days=5,
        )

    def given(order_id: str) -> MedicationAdministration:
        return MedicationAdministration(
            medication_order_id=order_id,
            scheduled_for=START,
            outcome="given",
            dose="1",  # type: ignore[arg-type]
            dose_unit="lọ",
        )

    model = TimelineModel()
    # The order was amended (ev00002 corrects ev00001): only the amendment is current, and
    # the first dose was given under the first version.
    model.set_events(
        [
            _event(2, order("2"), corrects="ev00001", correction="amends"),
            _event(3, given("ev00001")),
            _event(4, given("ev00002")),
            _event(5, given("ev-unknown")),
        ]
    )
    summaries = [model.data(model.index(row, SUMMARY)) for row in range(4)]
    assert summaries[1] == summaries[2] == "Ceftriaxon 1 g — đã dùng: 1 lọ"
    assert summaries[0] == "đã dùng: 1 lọ"  # an order this chart does not hold


def test_an_amended_entry_says_so_and_drafts_are_marked(ctx: AppContext) -> None:
    model = TimelineModel()
    model.set_events(
        [
            _event(1, Diagnosis(icd10="I10"), status="draft"),
            _event(2, Diagnosis(icd10="I11.9"), corrects="ev00000", correction="amends"),
        ]
    )
    assert model.data(model.index(0, STATUS)) == "đã ký (đã đính chính)"
    assert model.data(model.index(1, STATUS)) == "bản nháp"


def test_ten_thousand_entries_show_and_only_visible_rows_are_summarised(
    qtbot: QtBot, ctx: AppContext
) -> None:
    bodies: list[EventBody] = [VITALS, Diagnosis(icd10="I10"), Prescription(items=(AMLODIPINE,))]
    events = [_event(n, bodies[n % 3]) for n in range(10_000)]
    tab = TimelineTab(ctx, "p1")
    qtbot.addWidget(tab)
    tab.resize(1000, 600)
    tab.show()
    tab.model.set_events(events)
    qtbot.wait(50)
    assert tab.model.rowCount() == 10_000
    assert tab.model.event_at(0).id == "ev09999"
    assert 0 < tab.model.built_texts() < 200
    tab.table.scrollToBottom()
    qtbot.wait(50)
    assert tab.model.built_texts() < 400
    assert tab.model.event_at(9_999).id == "ev00000"


def test_the_filter_shows_one_kind_of_entry_with_counts(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session, doctor: Session
) -> None:
    patient = patients.register_patient(store, registrar, full_name="Đỗ Văn Tư", sex="male")
    clinical.record_event(store, doctor, patient_id=patient.id, body=VITALS)
    clinical.record_event(store, doctor, patient_id=patient.id, body=Diagnosis(icd10="I10"))
    clinical.record_event(store, doctor, patient_id=patient.id, body=Diagnosis(icd10="J20.9"))
    tab = TimelineTab(logged_in(ctx, doctor), patient.id)
    qtbot.addWidget(tab)
    ctx.call(chart.open_chart, patient.id, on_done=tab.set_chart)
    settle(qtbot, ctx)
    items = [tab.kind_filter.itemText(i) for i in range(tab.kind_filter.count())]
    assert items == ["Tất cả (3)", "dấu hiệu sinh tồn (1)", "chẩn đoán (2)"]
    assert tab.count.text() == "Đang hiển thị 3 mục"
    tab.kind_filter.setCurrentIndex(2)
    assert tab.model.rowCount() == 2
    assert {tab.model.event_at(r).kind for r in range(2)} == {"diagnosis"}
    assert tab.count.text() == "Đang hiển thị 2 mục"
    # A reload (another entry written) keeps the filter chosen.
    clinical.record_event(store, doctor, patient_id=patient.id, body=Diagnosis(icd10="E11.9"))
    ctx.call(chart.open_chart, patient.id, on_done=tab.set_chart)
    settle(qtbot, ctx)
    assert tab.kind_filter.currentText() == "chẩn đoán (3)"
    assert tab.model.rowCount() == 3


def test_summaries_follow_the_language(qtbot: QtBot, ctx: AppContext) -> None:
    tab = TimelineTab(ctx, "p1")
    qtbot.addWidget(tab)
    tab.model.set_events([_event(1, VITALS)])
    assert tab.model.data(tab.model.index(0, SUMMARY)).startswith("T° 38,5")
    i18n.set_language(i18n.ENGLISH)
    qtbot.waitUntil(
        lambda: (
            tab.model.data(tab.model.index(0, SUMMARY)) == "T 38,5 °C · P 96 /min · BP 150/95 mmHg"
        )
    )
    assert tab.model.data(tab.model.index(0, KIND)) == "vital signs"


def test_records_from_another_facility_show_read_only_with_their_origin(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session
) -> None:
    patient = patients.register_patient(
        store, doctor, full_name="Nguyễn Thị Hoà", sex="female", cccd="001156012345"
    )
    clinical.record_event(store, doctor, patient_id=patient.id, body=Diagnosis(icd10="I10"))
    parsed = parse_bundle(json.dumps(chart_bundle(rich_chart()), ensure_ascii=False))
    report = import_bundle(store, doctor, parsed, password=STAFF_PASSWORD)
    imported = len(report.event_ids)
    tab = TimelineTab(logged_in(ctx, doctor), patient.id)
    qtbot.addWidget(tab)
    ctx.call(chart.open_chart, patient.id, on_done=tab.set_chart)
    ctx.call(chart.facility_directory, on_done=tab.set_directory)
    settle(qtbot, ctx)
    items = [tab.kind_filter.itemText(i) for i in range(tab.kind_filter.count())]
    assert items == [
        f"Tất cả ({imported + 1})",
        "chẩn đoán (1)",
        f"hồ sơ từ cơ sở khác ({imported})",
    ]
    tab.kind_filter.setCurrentIndex(2)
    model = tab.model
    assert model.rowCount() == imported
    row = next(
        r
        for r in range(model.rowCount())
        if "J18.9" in model.data(model.index(r, SUMMARY), Qt.ItemDataRole.ToolTipRole)
    )
    summary = model.data(model.index(row, SUMMARY), Qt.ItemDataRole.ToolTipRole)
    today = datetime.now(UTC).astimezone(VIETNAM_TZ).strftime("%d/%m/%Y")
    assert summary.startswith("Chẩn đoán/bệnh: J18.9 — Viêm phổi — ")
    assert f"Nguồn: Trung tâm Y tế khu vực Kim Bảng, nhập ngày {today} bởi Trần Thị Lan" in summary
    assert summary.endswith("người ký tại nơi gửi: Trần Văn Minh")
    assert model.data(model.index(row, KIND)) == "hồ sơ từ cơ sở khác"
    assert model.data(model.index(row, STATUS)) == "đã nhập"
    assert model.data(model.index(row, AUTHOR)) == "Trần Thị Lan"
    color = model.data(model.index(row, SUMMARY), Qt.ItemDataRole.ForegroundRole)
    assert color.color().name() == "#1d5f8a"
    assert not model.flags(model.index(row, SUMMARY)) & Qt.ItemFlag.ItemIsEditable
    i18n.set_language(i18n.ENGLISH)
    qtbot.waitUntil(
        lambda: (
            "Source: Trung tâm Y tế khu vực Kim Bảng, imported"
            in model.data(model.index(row, SUMMARY), Qt.ItemDataRole.ToolTipRole)
        )
    )
    assert model.data(model.index(row, KIND)) == "record from another facility"
    assert model.data(model.index(row, STATUS)) == "imported"
