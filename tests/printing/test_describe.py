"""What the documents read from a chart extract: diagnoses named as their encounter names
them, the latest version of an amended record, the drugs of an encounter in the order they
were first ordered."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial

from tests.interop.test_fhir_import import imported_chart, rich_chart
from tests.printing import pdftools

from emr_desktop.core.records import (
    ClinicalEvent,
    Diagnosis,
    ExternalRecord,
    MedicationAdministration,
    MedicationOrder,
)
from emr_desktop.interop.fhir import chart_bundle
from emr_desktop.printing.chart_export import chart_export_pdf
from emr_desktop.printing.describe import (
    diagnosis_name,
    diagnosis_text,
    drug_names,
    encounter_diagnoses_text,
    event_lines,
    event_title,
)
from emr_desktop.printing.discharge import discharge_pdf
from emr_desktop.printing.lab_report import lab_report_pdf
from emr_desktop.printing.mar import mar_pdf
from emr_desktop.printing.specimen import (
    DOCTOR,
    STAY_ID,
    VISIT_ID,
    specimen_chart,
    specimen_event,
    with_events,
)

#: 26/10/2026 09:00, Vietnam time: during the stay.
_DURING = datetime(2026, 10, 26, 2, 0, tzinfo=UTC)
_stay_event = partial(specimen_event, at=_DURING, author=DOCTOR, encounter_id=STAY_ID)


def _severe_pneumonia() -> tuple[Diagnosis, str]:
    return Diagnosis(icd10="J18.9", rank="secondary", description="Viêm phổi nặng"), "ev-dx-stay"


def test_a_diagnosis_is_named_as_its_own_encounter_describes_it() -> None:
    body, event_id = _severe_pneumonia()
    chart = with_events(specimen_chart(), _stay_event(body, event_id))
    # The visits call J18.9 "Viêm phổi"; the stay typed "Viêm phổi nặng".
    assert diagnosis_name(chart, "J18.9", VISIT_ID) == "Viêm phổi"
    assert diagnosis_name(chart, "J18.9", STAY_ID) == "Viêm phổi nặng"
    assert diagnosis_text(chart, "J18.9", STAY_ID) == "J18.9 — Viêm phổi nặng"
    assert encounter_diagnoses_text(chart, STAY_ID) == (
        "I20.0 — Cơn đau thắt ngực không ổn định; J18.9 — Viêm phổi nặng"
    )
    # An encounter that does not describe the code: the chart's latest description.
    assert diagnosis_name(chart, "I10", STAY_ID) == "Tăng huyết áp vô căn"
    # Described nowhere: the catalogue's name; unknown to it too: nothing.
    assert diagnosis_name(chart, "J06.9", STAY_ID) == (
        "Nhiễm trùng đường hô hấp trên cấp, không đặc hiệu"
    )
    assert diagnosis_name(chart, "Z99.99") == ""
    assert diagnosis_text(chart, "Z99.99") == "Z99.99"
    # The documents of each encounter print its own words.
    assert "J18.9 — Viêm phổi nặng" in pdftools.flat(discharge_pdf(chart, STAY_ID))
    mar = pdftools.flat(mar_pdf(chart, STAY_ID))
    assert "Chẩn đoán: I20.0 — Cơn đau thắt ngực không ổn định; J18.9 — Viêm phổi nặng" in mar
    lab = pdftools.flat(lab_report_pdf(chart, VISIT_ID))
    assert "J18.9 — Viêm phổi;" in lab and "nặng" not in lab


def test_an_amended_or_erroneous_description_is_not_used() -> None:
    body, event_id = _severe_pneumonia()
    original = _stay_event(body, event_id)
    amended = _stay_event(
        Diagnosis(icd10="J18.9", rank="secondary", description="Viêm phổi thùy dưới phải"),
        "ev-dx-stay-2",
        corrects=original.id,
        correction="amends",
        correction_reason="Ghi rõ",
    )
    chart = with_events(specimen_chart(), original, amended)
    assert diagnosis_name(chart, "J18.9", STAY_ID) == "Viêm phổi thùy dưới phải"
    void = _stay_event(
        amended.body,
        "ev-dx-stay-3",
        corrects=amended.id,
        correction="entered_in_error",
        correction_reason="Nhầm bệnh nhân",
    )
    chart = with_events(chart, void)
    assert diagnosis_name(chart, "J18.9", STAY_ID) == "Viêm phổi"
    assert encounter_diagnoses_text(chart, STAY_ID) == "I20.0 — Cơn đau thắt ngực không ổn định"


def test_the_latest_version_follows_amendments_and_stops_at_an_error() -> None:
    chart = specimen_chart()

    def first_version(drug: str) -> ClinicalEvent:
        return next(
            e
            for e in chart.events
            if isinstance(e.body, MedicationOrder)
            and e.body.drug_name.startswith(drug)
            and e.corrects is None
        )

    furosemide = first_version("Furosemid")
    raised = chart.latest_version(furosemide.id)
    assert raised is not None and raised.corrects == furosemide.id
    assert isinstance(raised.body, MedicationOrder) and raised.body.times == ("08:00", "16:00")
    assert chart.latest_version(raised.id) == raised
    assert chart.latest_version(first_version("Amlodipin").id) == first_version("Amlodipin")
    assert chart.latest_version(first_version("Digoxin").id) is None  # entered in error
    assert chart.latest_version("ev-no-such") is None
    # Each drug once, where it was first ordered, as its latest version names it.
    assert drug_names(chart, STAY_ID) == [
        "Enoxaparin 40 mg/0,4 ml",
        "Amlodipin 5 mg",
        "Nitroglycerin 0,5 mg",
        "Furosemid 20 mg/2 ml",
    ]


def test_a_record_from_another_facility_says_what_it_is_and_where_it_comes_from() -> None:
    bundle = json.dumps(chart_bundle(rich_chart()), ensure_ascii=False)
    patient = specimen_chart(minimal=True).patient
    chart = imported_chart(bundle, patient)
    # The pneumonia of today's visit (the chart has an older one too).
    event = [
        e
        for e in chart.events
        if isinstance(e.body, ExternalRecord) and e.body.summary.startswith("Chẩn đoán/bệnh: J18.9")
    ][-1]
    assert event_title(event) == "Hồ sơ từ cơ sở khác"
    assert event_lines(chart, event) == [
        "Chẩn đoán/bệnh: J18.9 — Viêm phổi",
        "Nguồn: Trung tâm Y tế khu vực Kim Bảng, nhập ngày 01/12/2026 bởi Đỗ Thị Hằng",
        "Người ký tại nơi gửi: Trần Văn Minh lúc 08:10 20/11/2026",
    ]
    # The full chart export prints it like every entry, with its origin.
    text = pdftools.flat(chart_export_pdf(chart))
    assert "Hồ sơ từ cơ sở khác" in text
    assert "Nguồn: Trung tâm Y tế khu vực Kim Bảng" in text


def test_a_dose_given_names_the_drug_of_its_order() -> None:
    chart = specimen_chart(years=0)
    doses = [e for e in chart.current_events() if isinstance(e.body, MedicationAdministration)]
    assert doses
    for dose in doses:
        assert isinstance(dose.body, MedicationAdministration)
        order = chart.latest_version(dose.body.medication_order_id)
        assert order is not None and isinstance(order.body, MedicationOrder)
        assert event_lines(chart, dose)[0].startswith(f"{order.body.drug_name}: ")
