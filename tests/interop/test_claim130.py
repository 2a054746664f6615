"""The QĐ 130 claim tables of one closed encounter of the specimen chart: every XML parsed,
field formats and the pricing formulas checked, the envelope decoded back, each refusal."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from emr_desktop.core.catalog import DrugEntry, DrugRoute
from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    Diagnosis,
    LabResult,
    MedicationAdministration,
    Prescription,
    PrescriptionItem,
)
from emr_desktop.interop.claim130 import (
    TABLE_FIELDS,
    TABLE_TAGS,
    ClaimPrices,
    ClaimXml,
    build_claim,
    table_xml,
)
from emr_desktop.printing.specimen import (
    DOCTOR,
    LAB,
    PRINTED_AT,
    STAY_ID,
    VISIT_ID,
    changed_encounter,
    specimen_chart,
    specimen_event,
    unsigned,
    with_events,
)

DRUGS = {
    e.code: e
    for e in (
        DrugEntry(
            "T0501",
            "Enoxaparin 40 mg/0,4 ml",
            "Enoxaparin",
            "40 mg/0,4 ml",
            "dung dịch tiêm (bơm tiêm đóng sẵn)",
            DrugRoute.SC,
            "bơm tiêm",
            "B01AB05",
            Decimal(98000),
        ),
        DrugEntry(
            "T0101", "Amlodipin 5 mg", "Amlodipin", "5 mg", "viên nén", DrugRoute.ORAL, "viên", ""
        ),
        DrugEntry(
            "T0602",
            "Nitroglycerin 0,5 mg",
            "Nitroglycerin",
            "0,5 mg",
            "viên nén ngậm dưới lưỡi",
            DrugRoute.SUBLINGUAL,
            "viên",
            "",
        ),
        DrugEntry(
            "T0705",
            "Furosemid 20 mg/2 ml",
            "Furosemid",
            "20 mg/2 ml",
            "dung dịch tiêm",
            DrugRoute.IV,
            "ống",
            "",
        ),
    )
}
DRUG_PRICES = {
    "T0501": Decimal(98000),
    "T0101": Decimal("452.5"),
    "T0602": Decimal(1200),
    "T0705": Decimal(4200),
    # The visit's prescription.
    "T0233": Decimal(1150),
    "T0120": Decimal(600),
    "T0310": Decimal(333),
}
SERVICE_PRICES = {"XN-TQ": Decimal(46200), "CDHA-XQ-NGUC": Decimal("65400.5")}
PRACTITIONERS = {DOCTOR: "000123/BYT-CCHN", LAB: "004567/NB-CCHN"}
DEPARTMENTS = {"d-hscc": "K01", "d-noi": "K02", "d-kb": "K48"}
MINUTE = re.compile(r"[0-9]{12}")


def _visit_closed(chart: ChartExtract) -> ChartExtract:
    visit = chart.encounter(VISIT_ID)
    return changed_encounter(
        chart,
        VISIT_ID,
        status="finished",
        ended_at=visit.started_at + timedelta(hours=3),
        treatment_result="2",
        discharge_type="1",
    )


def _chart() -> ChartExtract:
    return _visit_closed(specimen_chart(years=0))


def _claim(chart: ChartExtract | None = None, encounter_id: str = STAY_ID, **kw: Any) -> ClaimXml:
    options: dict[str, Any] = {
        "prices": ClaimPrices(DRUG_PRICES, SERVICE_PRICES),
        "practitioners": PRACTITIONERS,
        "departments": DEPARTMENTS,
        "drugs": DRUGS,
        "created_on": date(2026, 11, 20),
    }
    options.update(kw)
    return build_claim(chart or _chart(), encounter_id, **options)


def _rows(claim: ClaimXml, kind: str) -> list[dict[str, str]]:
    table = claim.table(kind)
    assert table is not None, kind
    root = ET.fromstring(table.xml)  # noqa: S314 - our own output
    root_tag, list_tag, record_tag = TABLE_TAGS[kind]
    assert root.tag == root_tag
    records = [root] if list_tag is None else list(root.find(list_tag) or [])
    rows = []
    for record in records:
        assert record.tag == record_tag
        # Every field of the table, in the reference's order, and nothing else.
        assert [child.tag for child in record] == list(TABLE_FIELDS[kind])
        rows.append({child.tag: child.text or "" for child in record})
    return rows


def _dec(text: str) -> Decimal:
    assert re.fullmatch(r"[0-9]+(\.[0-9]{1,3})?", text), text
    return Decimal(text)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _check_money(row: dict[str, str], price_field: str) -> None:
    quantity, price = _dec(row["SO_LUONG"]), _dec(row[price_field])
    benefit = int(row["MUC_HUONG"])
    assert _dec(row["THANH_TIEN_BV"]) == _cents(quantity * price)
    assert _dec(row["THANH_TIEN_BH"]) == _cents(quantity * price * _dec(row["TYLE_TT_BH"]) / 100)
    insured = _dec(row["THANH_TIEN_BH"])
    assert _dec(row["T_BHTT"]) == _cents(insured * benefit / 100)
    assert _dec(row["T_BNCCT"]) == insured - _dec(row["T_BHTT"])
    assert _dec(row["T_BNTT"]) == _dec(row["THANH_TIEN_BV"]) - insured


def test_the_inpatient_stay_gives_summary_drugs_and_progress() -> None:
    claim = _claim()
    assert [t.kind for t in claim.tables] == ["XML1", "XML2", "XML5"]
    (summary,) = _rows(claim, "XML1")
    assert summary["MA_LK"] == STAY_ID
    assert summary["MA_LOAI_KCB"] == "03"
    assert summary["MA_BENH_CHINH"] == "I20.0"
    assert summary["MA_THE_BHYT"] == "HT2010123456789"
    assert summary["GIOI_TINH"] == "2"
    assert summary["NGAY_SINH"] == "195603070000"
    # Local time: admitted 20:45 on the evening of 21/10, discharged 10:00 six days later.
    assert summary["NGAY_VAO"] == summary["NGAY_VAO_NOI_TRU"] == "202610212045"
    assert summary["NGAY_RA"] == "202610271000"
    assert summary["SO_NGAY_DTRI"] == "7"
    assert summary["MA_KHOA"] == "K01;K02"
    assert (summary["KET_QUA_DTRI"], summary["MA_LOAI_RV"]) == ("2", "1")
    assert summary["MA_DOITUONG_KCB"] == "1.1"
    drugs = _rows(claim, "XML2")
    # One line per dose given: held, refused and missed doses, and the one marked in error,
    # are not claimed.
    chart = _chart()
    given = [
        e
        for e in chart.events_of(STAY_ID, MedicationAdministration.KIND)
        if isinstance(e.body, MedicationAdministration) and e.body.outcome == "given"
    ]
    assert len(drugs) == len(given) > 10
    enoxaparin = [r for r in drugs if r["MA_THUOC"] == "T0501"]
    # 40 mg of a 40 mg syringe is one syringe; the dose given in part (20 mg) half of one.
    assert sorted({r["SO_LUONG"] for r in enoxaparin}) == ["0.5", "1"]
    assert {r["DON_VI_TINH"] for r in enoxaparin} == {"bơm tiêm"}
    furosemide = {r["SO_LUONG"] for r in drugs if r["MA_THUOC"] == "T0705"}
    assert furosemide == {"1", "2"}  # 20 mg, then 40 mg after the dose was raised
    assert all(r["NGAY_YL"] <= r["NGAY_TH_YL"] for r in drugs)
    assert {r["MA_BAC_SI"] for r in drugs} == {PRACTITIONERS[DOCTOR]}
    notes = _rows(claim, "XML5")
    assert len(notes) >= 8
    assert all(MINUTE.fullmatch(n["THOI_DIEM_DBLS"]) for n in notes)


def test_formats_and_formulas_hold_on_every_line() -> None:
    claim = _claim(_chart(), VISIT_ID)
    assert [t.kind for t in claim.tables] == ["XML1", "XML2", "XML3", "XML4"]
    (summary,) = _rows(claim, "XML1")
    drugs, services, results = (_rows(claim, k) for k in ("XML2", "XML3", "XML4"))
    for name in ("NGAY_VAO", "NGAY_RA"):
        assert MINUTE.fullmatch(summary[name])
    for row in drugs + services:
        for name in ("NGAY_YL", "NGAY_TH_YL"):
            assert MINUTE.fullmatch(row[name]), (name, row[name])
    for row in results:
        assert MINUTE.fullmatch(row["NGAY_KQ"])
    for row in drugs:
        _check_money(row, "DON_GIA")
    for row in services:
        _check_money(row, "DON_GIA_BH")
        assert _dec(row["DON_GIA_BV"]) == _dec(row["DON_GIA_BH"])
    lines = drugs + services

    def total(name: str) -> Decimal:
        return sum((_dec(r[name]) for r in lines), Decimal(0))

    assert _dec(summary["T_TONGCHI_BV"]) == total("THANH_TIEN_BV")
    assert _dec(summary["T_THUOC"]) == sum((_dec(r["THANH_TIEN_BV"]) for r in drugs), Decimal(0))
    for name in ("T_BHTT", "T_BNCCT", "T_BNTT"):
        assert _dec(summary[name]) == total(name)
    assert _dec(summary["T_TONGCHI_BH"]) == total("THANH_TIEN_BH")
    # The card HT2…: level 2, paid 100 %; codes stay strings with their leading zeros.
    assert {r["MUC_HUONG"] for r in lines} == {"100"}
    assert summary["MA_LOAI_KCB"] == "01"
    assert summary["MA_BENH_CHINH"] == "J18.9"
    assert summary["MA_BENH_KT"] == "I10;E11.9"
    assert summary["CAN_NANG"] == "52.5"
    # Only the lab and imaging orders with results are claimed, at the catalogue price.
    assert [r["MA_DICH_VU"] for r in services] == ["XN-TQ", "CDHA-XQ-NGUC"]
    assert [r["MA_NHOM"] for r in services] == ["1", "2"]
    assert services[1]["THANH_TIEN_BV"] == "65400.5"
    assert {r["MA_DICH_VU"] for r in results} == {"XN-TQ", "CDHA-XQ-NGUC"}
    imaging = [r for r in results if r["MA_DICH_VU"] == "CDHA-XQ-NGUC"]
    assert imaging[0]["KET_LUAN"] == "Hình ảnh viêm phổi thùy dưới phải."


def test_a_lower_benefit_level_splits_the_cost() -> None:
    chart = _chart()
    chart = replace(chart, patient=replace(chart.patient, bhyt_number="DN4010123456789"))
    claim = _claim(chart, VISIT_ID)
    lines = _rows(claim, "XML2") + _rows(claim, "XML3")
    assert {r["MUC_HUONG"] for r in lines} == {"80"}
    for row in _rows(claim, "XML2"):
        _check_money(row, "DON_GIA")
        assert _dec(row["T_BNCCT"]) > 0
    (summary,) = _rows(claim, "XML1")
    assert _dec(summary["T_BHTT"]) + _dec(summary["T_BNCCT"]) == _dec(summary["T_TONGCHI_BH"])


def test_the_envelope_holds_each_table_byte_for_byte() -> None:
    claim = _claim()
    root = ET.fromstring(claim.envelope)  # noqa: S314 - our own output
    assert claim.envelope.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert root.tag == "GIAMDINHHS"
    assert root.findtext("THONGTINDONVI/MACSKCB") == "35001"
    assert root.findtext("THONGTINHOSO/NGAYLAP") == "20261120"
    assert root.findtext("THONGTINHOSO/SOLUONGHOSO") == "1"
    files = root.findall("THONGTINHOSO/DANHSACHHOSO/HOSO/FILEHOSO")
    assert [f.findtext("LOAIHOSO") for f in files] == [t.kind for t in claim.tables]
    for file, table in zip(files, claim.tables, strict=True):
        assert base64.b64decode(file.findtext("NOIDUNGFILE") or "", validate=True) == table.xml
    # Each table is the table built alone.
    assert claim.table("XML2").xml == table_xml("XML2", _rows(claim, "XML2"))  # type: ignore[union-attr]
    assert root.find("CHUKYDONVI") is not None
    assert _claim().envelope == claim.envelope


def test_xml_special_characters_are_escaped() -> None:
    chart = _chart()
    chart = replace(chart, patient=replace(chart.patient, address='Số 5 <ngõ> & "hẻm"'))
    (summary,) = _rows(_claim(chart), "XML1")
    assert summary["DIA_CHI"] == 'Số 5 <ngõ> & "hẻm"'


def test_a_year_of_birth_alone_fills_month_and_day_with_zeros() -> None:
    chart = _chart()
    patient = replace(chart.patient, date_of_birth=replace(chart.patient.date_of_birth, date=None))  # type: ignore[type-var]
    (summary,) = _rows(_claim(replace(chart, patient=patient)), "XML1")
    assert summary["NGAY_SINH"] == "195600000000"


# ------------------------------------------------------------------ refusals


def _refused(
    field: str, rule: str, chart: ChartExtract, encounter_id: str = STAY_ID, **kw: Any
) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        _claim(chart, encounter_id, **kw)
    assert (info.value.field, info.value.rule) == (field, rule)
    assert info.value.message_vi and info.value.message_en
    return info.value


def test_an_open_encounter_is_refused() -> None:
    _refused("XML1.NGAY_RA", "not_finished", specimen_chart(years=0), VISIT_ID)


def test_a_cancelled_encounter_is_refused() -> None:
    chart = changed_encounter(_chart(), VISIT_ID, status="cancelled")
    _refused("XML1.NGAY_RA", "cancelled", chart, VISIT_ID)


def test_an_unknown_encounter_is_refused() -> None:
    _refused("encounter_id", "unknown", _chart(), "enc-nowhere")


def test_no_main_diagnosis_is_refused() -> None:
    chart = _chart()
    chart = replace(
        chart,
        events=tuple(
            e for e in chart.events if not (e.encounter_id == STAY_ID and e.kind == "diagnosis")
        ),
    )
    _refused("XML1.MA_BENH_CHINH", "required", chart)


def test_two_main_diagnoses_are_refused() -> None:
    extra = specimen_event(
        Diagnosis(icd10="I21.9", rank="primary"),
        "ev-second-main",
        at=PRINTED_AT - timedelta(days=28),
        author=DOCTOR,
        encounter_id=STAY_ID,
    )
    _refused("XML1.MA_BENH_CHINH", "single", with_events(_chart(), extra))


def test_no_card_is_refused() -> None:
    chart = _chart()
    _refused(
        "XML1.MA_THE_BHYT",
        "required",
        replace(chart, patient=replace(chart.patient, bhyt_number=None)),
    )


def test_a_social_insurance_number_is_not_a_card_code() -> None:
    chart = _chart()
    patient = replace(chart.patient, bhyt_number="0123456789")
    _refused("XML1.MA_THE_BHYT", "card_code", replace(chart, patient=patient))


def test_a_card_expired_during_the_stay_is_refused() -> None:
    chart = _chart()
    patient = replace(chart.patient, bhyt_valid_to=date(2026, 10, 25))
    _refused("XML1.GT_THE_DEN", "expired", replace(chart, patient=patient))


def test_a_card_not_yet_valid_is_refused() -> None:
    chart = _chart()
    patient = replace(chart.patient, bhyt_valid_from=date(2026, 10, 22))
    _refused("XML1.GT_THE_TU", "not_yet_valid", replace(chart, patient=patient))


def test_a_card_without_its_validity_is_refused() -> None:
    chart = _chart()
    patient = replace(chart.patient, bhyt_valid_from=None)
    _refused("XML1.GT_THE_TU", "required", replace(chart, patient=patient))


def test_missing_birth_date_is_refused() -> None:
    chart = _chart()
    _refused(
        "XML1.NGAY_SINH",
        "required",
        replace(chart, patient=replace(chart.patient, date_of_birth=None)),
    )


def test_a_drug_without_a_price_is_refused() -> None:
    prices = ClaimPrices({k: v for k, v in DRUG_PRICES.items() if k != "T0602"}, SERVICE_PRICES)
    error = _refused("XML2.DON_GIA", "no_price", _chart(), prices=prices)
    assert "T0602" in error.message_en


def test_a_service_without_a_price_is_refused() -> None:
    prices = ClaimPrices(DRUG_PRICES, {"XN-TQ": Decimal(46200)})
    _refused("XML3.DON_GIA_BV", "no_price", _chart(), VISIT_ID, prices=prices)


def test_a_dose_in_a_unit_the_catalogue_cannot_convert_is_refused() -> None:
    drugs = {**DRUGS, "T0501": replace(DRUGS["T0501"], strength="4000 UI/0,4 ml")}
    _refused("XML2.SO_LUONG", "unit", _chart(), drugs=drugs)


def test_a_prescriber_without_a_practising_certificate_is_refused() -> None:
    _refused("XML2.MA_BAC_SI", "practitioner_code", _chart(), practitioners={})


def test_an_ordering_doctor_without_a_practising_certificate_is_refused() -> None:
    chart = _chart()
    chart = replace(
        chart,
        events=tuple(
            e for e in chart.events if not (e.encounter_id == VISIT_ID and e.kind == "prescription")
        ),
    )
    _refused("XML3.MA_BAC_SI", "practitioner_code", chart, VISIT_ID, practitioners={LAB: "1"})


def test_an_unsigned_record_is_refused() -> None:
    from emr_desktop.printing.specimen import PRESCRIPTION_ID

    _refused("XML2", "draft", unsigned(_chart(), PRESCRIPTION_ID), VISIT_ID)


def test_another_registered_facility_needs_the_visit_category() -> None:
    chart = _chart()
    chart = replace(chart, patient=replace(chart.patient, bhyt_registered_facility="01001"))
    _refused("XML1.MA_DOITUONG_KCB", "required", chart)
    (summary,) = _rows(_claim(chart, visit_category="1.3"), "XML1")
    assert summary["MA_DOITUONG_KCB"] == "1.3"
    _refused("XML1.MA_DOITUONG_KCB", "choice", chart, visit_category="3.1")


def test_category_1_2_pays_100_percent_whatever_the_level() -> None:
    chart = _chart()
    chart = replace(chart, patient=replace(chart.patient, bhyt_number="DN4010123456789"))
    claim = _claim(chart, VISIT_ID, visit_category="1.2")
    assert {r["MUC_HUONG"] for r in _rows(claim, "XML2")} == {"100"}


def test_an_unknown_department_is_refused() -> None:
    _refused("XML1.MA_KHOA", "unknown_department", _chart(), departments={"d-kb": "K48"})


def test_a_short_stay_is_coded_09_and_a_lab_result_without_order_is_not_charged() -> None:
    chart = _chart()
    stay = chart.encounter(STAY_ID)
    chart = changed_encounter(chart, STAY_ID, ended_at=stay.started_at + timedelta(hours=3))
    result = specimen_event(
        LabResult(test_code="XN0201", test_name="Glucose", value="6,1", unit="mmol/L"),
        "ev-glucose",
        at=stay.started_at + timedelta(minutes=30),
        author=LAB,
        encounter_id=STAY_ID,
    )
    chart = with_events(chart, result)
    claim = _claim(chart)
    (summary,) = _rows(claim, "XML1")
    assert (summary["MA_LOAI_KCB"], summary["SO_NGAY_DTRI"]) == ("09", "0")
    assert claim.table("XML3") is None
    assert [r["MA_CHI_SO"] for r in _rows(claim, "XML4")] == ["XN0201"]
    assert claim.table("XML5") is not None


def test_a_discharge_prescription_is_claimed_with_its_quantity() -> None:
    stay = _chart().encounter(STAY_ID)
    assert stay.ended_at is not None
    prescription = specimen_event(
        Prescription(
            items=(
                PrescriptionItem("T0101", "Amlodipin 5 mg", "1 viên/ngày", Decimal(30), "viên", 30),
            )
        ),
        "ev-rx-discharge",
        at=stay.ended_at - timedelta(minutes=30),
        author=DOCTOR,
        encounter_id=STAY_ID,
    )
    claim = _claim(with_events(_chart(), prescription))
    (line,) = [r for r in _rows(claim, "XML2") if r["SO_LUONG"] == "30"]
    assert (line["THANH_TIEN_BV"], line["DON_VI_TINH"]) == ("13575", "viên")
