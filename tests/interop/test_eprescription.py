"""The national e-prescription body: fields, formats, the gender codes, and every refusal."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import ClinicalEvent, Diagnosis, Patient, Prescription
from emr_desktop.interop.eprescription import GENDER_CODES, prescription_payload
from emr_desktop.printing.specimen import PRESCRIPTION_ID, specimen_chart

NAMES = {"J18.9": "Viêm phổi, không đặc hiệu", "I10": "Tăng huyết áp vô căn"}


def _parts(
    *, minimal: bool = False, draft: bool = False
) -> tuple[ClinicalEvent, Patient, list[Diagnosis]]:
    chart = specimen_chart(minimal=minimal, draft_prescription=draft)
    event = next(e for e in chart.events if e.id == PRESCRIPTION_ID)
    diagnoses = [
        Diagnosis(icd10="I10", rank="secondary", description="Tăng huyết áp"),
        Diagnosis(icd10="J18.9", rank="primary", description="Viêm phổi thùy dưới phải"),
    ]
    return event, chart.patient, diagnoses


def _payload(
    event: ClinicalEvent | None = None,
    patient: Patient | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    base_event, base_patient, diagnoses = _parts()
    arguments: dict[str, Any] = {
        "facility_code": "35001",
        "facility_link_code": "CS35001",
        "prescriber_link_code": "BS-0042",
        "diagnoses": diagnoses,
        "diagnosis_names": NAMES,
        "generic_names": {"T0101": "Amlodipin 5 mg"},
        "encounter_kind": "outpatient",
        "weight_kg": Decimal("52.5"),
        **overrides,
    }
    return prescription_payload(event or base_event, patient or base_patient, **arguments)


def _with_body(event: ClinicalEvent, **changes: Any) -> ClinicalEvent:
    assert isinstance(event.body, Prescription)
    return replace(event, body=replace(event.body, **changes))


def test_the_body_carries_the_prescription_the_patient_and_the_prescriber() -> None:
    body = _payload()
    # What goes on the wire is plain JSON.
    assert json.loads(json.dumps(body, ensure_ascii=False)) == body
    assert body["ma_don_thuoc"] == "35001K7Q2M9X-c"
    assert body["loai_don_thuoc"] == "c"
    assert body["ma_lien_thong_bac_si"] == "BS-0042"
    assert body["ma_lien_thong_co_so_kham_chua_benh"] == "CS35001"
    assert body["ho_ten_benh_nhan"] == "Nguyễn Thị Hoà"
    assert body["ma_dinh_danh_cong_dan"] == "001156012345"
    assert body["ma_so_the_bao_hiem_y_te"] == "HT2010123456789"
    # The health ID is the card's social-insurance number: its last 10 characters.
    assert body["ma_dinh_danh_y_te"] == "0123456789"
    assert body["ngay_sinh_benh_nhan"] == "07/03/1956"
    assert body["dia_chi"] == "Thôn Đông, xã Tượng Lĩnh, tỉnh Ninh Bình"
    assert body["can_nang"] == 52.5
    assert body["hinh_thuc_dieu_tri"] == 1
    # Printed at 20/11/2026 15:30 local; prescribed at 10:00 local that day.
    assert body["ngay_gio_ke_don"] == "2026-11-20 10:00:00"
    # The follow-up is 7 days later, sent as a number of days.
    assert body["ngay_tai_kham"] == "7"
    assert body["loi_dan"].startswith("Uống thuốc đúng giờ")
    # An ordinary prescription has no treatment periods (sent for n, h and y only).
    assert "dot_dung_thuoc" not in body
    # Optional fields without a value are left out, never sent empty.
    assert "thong_tin_nguoi_giam_ho" not in body
    assert all(value not in (None, "") for value in body.values())


def test_diagnoses_primary_first_with_catalogue_name_and_the_doctors_wording() -> None:
    assert _payload()["chan_doan"] == [
        {
            "ma_chan_doan": "J18.9",
            "ten_chan_doan": "Viêm phổi, không đặc hiệu",
            "ket_luan": "Viêm phổi thùy dưới phải",
        },
        {
            "ma_chan_doan": "I10",
            "ten_chan_doan": "Tăng huyết áp vô căn",
            "ket_luan": "Tăng huyết áp",
        },
    ]
    # No catalogue name: the doctor's wording names it too.
    named = _payload(diagnosis_names={})["chan_doan"][0]
    assert named["ten_chan_doan"] == named["ket_luan"] == "Viêm phổi thùy dưới phải"


def test_items_with_brand_generic_name_unit_quantity_and_usage() -> None:
    items = _payload()["thong_tin_don_thuoc"]
    assert [i["ma_thuoc"] for i in items] == ["T0101", "T0120", "T0233"]
    assert items[0] == {
        "ma_thuoc": "T0101",
        "biet_duoc": "Amlodipin 5 mg (viên nén)",
        "ten_thuoc": "Amlodipin 5 mg",
        "don_vi_tinh": "viên",
        "so_luong": 30,
        "cach_dung": "Uống: ngày 1 lần, mỗi lần 1 viên, buổi sáng",
    }
    # A drug not in the formulary any more: its prescribed name serves as the generic name.
    assert items[1]["ten_thuoc"] == items[1]["biet_duoc"] == "Metformin 500 mg (viên nén bao phim)"
    assert isinstance(items[1]["so_luong"], int)


def test_a_half_unit_quantity_stays_a_decimal_number() -> None:
    event, _patient, _ = _parts()
    assert isinstance(event.body, Prescription)
    first = replace(event.body.items[0], quantity=Decimal("7.5"))
    changed = _with_body(event, items=(first, *event.body.items[1:]))
    assert _payload(changed)["thong_tin_don_thuoc"][0]["so_luong"] == 7.5


@pytest.mark.parametrize(("sex", "code"), [("male", 2), ("female", 3), ("other", 1)])
def test_gender_uses_the_e_prescription_codes_not_xml_130(sex: str, code: int) -> None:
    _event, patient, _ = _parts()
    other = replace(patient, sex=sex, cccd=None)
    assert _payload(patient=other)["gioi_tinh"] == code
    assert GENDER_CODES[sex] == code


def test_a_year_only_birth_is_sent_as_the_year_and_nothing_is_invented() -> None:
    event, patient, _ = _parts(minimal=True)
    patient = replace(patient, address="Xóm 3, xã Nhật Tân")
    body = _payload(event, patient)
    assert body["ngay_sinh_benh_nhan"] == "1948"
    assert body["gioi_tinh"] == 2
    for absent in ("ma_dinh_danh_cong_dan", "ma_so_the_bao_hiem_y_te", "ma_dinh_danh_y_te"):
        assert absent not in body


def test_a_narcotic_prescription_carries_one_treatment_period() -> None:
    event, _patient, _ = _parts()
    narcotic = _with_body(event, code="35001K7Q2M9X-n")
    body = _payload(narcotic)
    assert body["loai_don_thuoc"] == "n"
    # The longest item is 9 days (7 + n % 23 for n = 0, 1, 2): 20/11 to 28/11.
    assert body["dot_dung_thuoc"] == [{"dot": 1, "tu_ngay": "20/11/2026", "den_ngay": "28/11/2026"}]


def test_inpatient_and_emergency_and_no_encounter() -> None:
    assert _payload(encounter_kind="inpatient")["hinh_thuc_dieu_tri"] == 2
    assert _payload(encounter_kind="emergency")["hinh_thuc_dieu_tri"] == 4
    assert "hinh_thuc_dieu_tri" not in _payload(encounter_kind=None)


def test_a_guardian_is_sent_when_known() -> None:
    _event, patient, _ = _parts()
    child = replace(patient, guardian_name="Nguyễn Văn Bố")
    assert _payload(patient=child)["thong_tin_nguoi_giam_ho"] == "Nguyễn Văn Bố"


def _refused(field: str, rule: str, **kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        _payload(**kwargs)
    error = caught.value
    assert (error.field, error.rule) == (field, rule)
    assert error.message_vi and error.message_en and error.message_vi != error.message_en
    return error


def test_refuses_a_draft() -> None:
    draft, _patient, _ = _parts(draft=True)
    _refused("signature", "signed", event=draft)


def test_refuses_a_prescription_without_code_or_with_another_facilitys_code() -> None:
    event, _patient, _ = _parts()
    _refused("ma_don_thuoc", "required", event=_with_body(event, code=None))
    _refused("ma_don_thuoc", "facility", facility_code="70001")


def test_refuses_without_diagnosis_or_diagnosis_name() -> None:
    _refused("chan_doan", "required", diagnoses=[])
    _refused(
        "chan_doan[0].ten_chan_doan",
        "required",
        diagnoses=[Diagnosis(icd10="I10")],
        diagnosis_names={},
    )


def test_refuses_without_address_or_with_an_overlong_one() -> None:
    _event, patient, _ = _parts()
    error = _refused("dia_chi", "required", patient=replace(patient, address=None))
    assert "địa chỉ" in error.message_vi
    _refused("dia_chi", "max_length", patient=replace(patient, address="x" * 501))


def test_refuses_an_empty_drug_name() -> None:
    event, _patient, _ = _parts()
    assert isinstance(event.body, Prescription)
    nameless = event.body.items[1]
    object.__setattr__(nameless := replace(nameless), "drug_name", "  ")
    changed = _with_body(event, items=(event.body.items[0], nameless))
    _refused("thong_tin_don_thuoc[1].biet_duoc", "required", event=changed)


def test_refuses_a_quantity_that_is_not_above_zero() -> None:
    event, _patient, _ = _parts()
    assert isinstance(event.body, Prescription)
    # Records refuse it on construction; a record read from elsewhere is checked again here.
    zero = replace(event.body.items[0])
    object.__setattr__(zero, "quantity", Decimal(0))
    changed = _with_body(event, items=(zero,))
    _refused("thong_tin_don_thuoc[0].so_luong", "positive", event=changed)


def test_refuses_a_prescriber_or_facility_without_an_interconnection_code() -> None:
    _refused("ma_lien_thong_bac_si", "required", prescriber_link_code=None)
    _refused("ma_lien_thong_bac_si", "required", prescriber_link_code="  ")
    _refused("ma_lien_thong_co_so_kham_chua_benh", "required", facility_link_code=None)


def test_the_same_prescription_gives_the_same_body() -> None:
    assert json.dumps(_payload(), sort_keys=True) == json.dumps(_payload(), sort_keys=True)
    # A later follow-up changes only what depends on it.
    event, _patient, _ = _parts()
    later = _with_body(event, follow_up=date(2026, 11, 20) + timedelta(days=30))
    assert _payload(later)["ngay_tai_kham"] == "30"


def test_the_committed_sample_is_what_the_script_writes(tmp_path: Path) -> None:
    from scripts.export_samples import write_eprescription_sample

    written = write_eprescription_sample(tmp_path)
    committed = Path(__file__).resolve().parents[2] / "docs" / "samples" / written.name
    assert committed.read_bytes() == written.read_bytes()
    sample = json.loads(written.read_text(encoding="utf-8"))
    assert sample["ma_don_thuoc"] == "35001K7Q2M9X-c" and sample["gioi_tinh"] == 3
    assert [d["ma_chan_doan"] for d in sample["chan_doan"]] == ["J18.9", "I10", "E11.9"]
