"""Exporting a chart as `HoSoBenhAn` from a real encrypted store: the file, the audit, and
every refusal leaving no file behind."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import STAFF_PASSWORD

from emr_desktop.core.errors import PermissionDenied, ValidationError
from emr_desktop.core.records import ClinicalNote, Diagnosis, Order
from emr_desktop.core.timeutil import utc_now
from emr_desktop.interop.hsba import Rendering
from emr_desktop.services import clinical, patients
from emr_desktop.services.auth import Session
from emr_desktop.services.hsba import export_medical_record
from emr_desktop.store.store import Store


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty folder for the exports (the store is elsewhere in `tmp_path`)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def _exports(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT patient_id, detail FROM audit_log WHERE action = 'document.export' ORDER BY seq"
        ).all()
    return [{"patient_id": r[0], **json.loads(r[1])} for r in rows]


def _chart(store: Store, doctor: Session) -> tuple[str, str, str]:
    """A patient with a finished emergency visit ended by a transfer (a fracture, a cast
    ordered, a note amended, a diagnosis entered in error) and a visit today; returns the
    patient's id and the two encounters' ids."""
    patient = patients.register_patient(
        store,
        doctor,
        full_name="Hoàng Thị Ánh",
        sex="female",
        date_of_birth="1972-05-14",
        cccd="001172004321",
        bhyt_number="GD4010123456789",
        address="Thôn Bắc, xã Thanh Hà, tỉnh Ninh Bình",
        ethnicity="Mường",
    )
    came = utc_now() - timedelta(days=3)
    emergency = clinical.start_encounter(
        store,
        doctor,
        patient_id=patient.id,
        kind="emergency",
        reason="Ngã xe máy, đau cổ tay trái",
        started_at=came,
    )

    def record(body: Any, minutes: int, encounter_id: str = emergency.id) -> str:
        return clinical.record_event(
            store,
            doctor,
            patient_id=patient.id,
            encounter_id=encounter_id,
            body=body,
            effective_at=came + timedelta(minutes=minutes),
            sign_password=STAFF_PASSWORD,
        ).id

    record(Diagnosis(icd10="S52.5", description="Gãy đầu dưới xương quay trái"), 10)
    wrong = record(Diagnosis(icd10="S62.0", rank="secondary", description="Gãy xương thuyền"), 11)
    clinical.mark_entered_in_error(
        store, doctor, wrong, reason="Phim không thấy gãy", sign_password=STAFF_PASSWORD
    )
    record(
        Order(category="procedure", service_code="TT0008", service_name="Nắn, bó bột cẳng tay"),
        20,
    )
    note = record(ClinicalNote(note_type="discharge_summary", text="Đã bó bột; chuyển tuyến"), 90)
    clinical.amend_event(
        store,
        doctor,
        note,
        body=ClinicalNote(
            note_type="discharge_summary", text="Đã nắn, bó bột; chuyển tuyến để phẫu thuật"
        ),
        reason="Bổ sung",
        sign_password=STAFF_PASSWORD,
    )
    clinical.discharge_patient(
        store,
        doctor,
        emergency.id,
        treatment_result="3",
        discharge_type="2",
        ended_at=came + timedelta(hours=2),
    )
    today = clinical.start_encounter(
        store, doctor, patient_id=patient.id, kind="outpatient", reason="Tái khám"
    )
    record(
        Diagnosis(icd10="S52.5", description="Gãy đầu dưới xương quay trái"), 3 * 24 * 60, today.id
    )
    return patient.id, emergency.id, today.id


def test_the_chart_is_exported_as_xml_and_json_and_audited(
    store: Store, doctor: Session, out: Path
) -> None:
    patient_id, emergency_id, today_id = _chart(store, doctor)
    target = out / "hsba.xml"
    data = export_medical_record(store, doctor, patient_id, Rendering(), destination=target)
    assert target.read_bytes() == data
    root = ET.fromstring(data)  # noqa: S314 - our own output
    assert root.attrib["ma_cskcb"] == "70001"
    assert root.findtext("ThongTinBenhNhan/cccd_so") == "001172004321"
    assert root.findtext("ThongTinBenhNhan/hoten") == "Hoàng Thị Ánh"
    assert root.findtext("ThongTinBenhNhan/dantoc_ten") == "Mường"
    visits = [e.findtext("ma_luotkham") for e in root.findall("ThongTinVaoVien/LuotKham")]
    assert visits == [emergency_id, today_id]
    diagnoses = [e.findtext("ma_icd") for e in root.findall(".//ChanDoan")]
    assert diagnoses == ["S52.5", "S52.5"]
    (note,) = root.findall(".//DienBien")
    assert note.findtext("noidung") == "Đã nắn, bó bột; chuyển tuyến để phẫu thuật"
    assert note.findtext("dinhchinh_lydo") == "Bổ sung"
    assert note.findtext("chuky_hoten") == "Trần Thị Lan"
    assert len(note.findtext("chuky_sha256") or "") == 64
    (transfer,) = root.findall("GiayChuyenVien/ChuyenVien")
    assert transfer.findtext("loai_ravien_ma") == "2"
    assert transfer.findtext("tomtat_benhan") == "Đã nắn, bó bột; chuyển tuyến để phẫu thuật"
    (emergency,) = root.findall("HoSoCapCuu/CapCuu")
    assert emergency.findtext("chandoan_chinh_ma") == "S52.5"
    (procedure,) = root.findall("PhieuThuThuat/ThuThuat")
    assert procedure.findtext("ma_dichvu") == "TT0008"
    json_target = out / "hsba.json"
    text = export_medical_record(
        store, doctor, patient_id, Rendering("json"), destination=json_target
    )
    body = json.loads(json_target.read_text(encoding="utf-8"))["HoSoBenhAn"]
    assert body["ThongTinBenhNhan"]["cccd_so"] == "001172004321"
    assert len(body["ThongTinVaoVien"]) == 2
    exports = _exports(store)
    assert [(e["format"], e["bytes"]) for e in exports] == [
        ("hsba+xml", len(data)),
        ("hsba+json", len(text)),
    ]
    assert {e["patient_id"] for e in exports} == {patient_id}
    assert "Hoàng" not in json.dumps(exports) and "hsba.xml" not in json.dumps(exports)
    # Nothing left beside the files (no temporary file).
    assert {p.name for p in out.iterdir()} == {"hsba.xml", "hsba.json"}


def test_one_encounter_and_no_destination(store: Store, doctor: Session) -> None:
    patient_id, _, today_id = _chart(store, doctor)
    data = export_medical_record(store, doctor, patient_id, Rendering("xml", today_id))
    root = ET.fromstring(data)  # noqa: S314 - our own output
    assert root.attrib["pham_vi_ma_luotkham"] == today_id
    assert {e.text for e in root.iter("ma_luotkham")} == {today_id}
    assert root.findall("GiayChuyenVien/*") == root.findall("HoSoCapCuu/*") == []
    # Handed to the caller (standard output) and audited all the same.
    assert [e["format"] for e in _exports(store)] == ["hsba+xml"]


def test_a_registrar_or_a_nurse_cannot_export(
    store: Store, doctor: Session, registrar: Session, nurse: Session, out: Path
) -> None:
    patient_id, _, _ = _chart(store, doctor)
    target = out / "hsba.xml"
    for session in (registrar, nurse):
        with pytest.raises(PermissionDenied):
            export_medical_record(store, session, patient_id, Rendering(), destination=target)
    assert not target.exists()
    assert list(out.iterdir()) == []
    assert _exports(store) == []


def test_an_unknown_format_is_refused_before_the_chart_is_read() -> None:
    with pytest.raises(ValidationError) as caught:
        Rendering("pdf")
    assert (caught.value.field, caught.value.rule) == ("format", "choice")


def test_an_encounter_of_another_chart_is_refused_and_nothing_written(
    store: Store, doctor: Session, out: Path
) -> None:
    _, emergency_id, _ = _chart(store, doctor)
    other = patients.register_patient(store, doctor, full_name="Lê Văn Bình", sex="male")
    target = out / "hsba.xml"
    with pytest.raises(ValidationError) as caught:
        export_medical_record(
            store, doctor, other.id, Rendering("xml", emergency_id), destination=target
        )
    assert (caught.value.field, caught.value.rule) == ("encounter", "unknown")
    assert list(out.iterdir()) == []
    assert _exports(store) == []


def test_a_value_too_long_for_its_field_refuses_the_export(
    store: Store, doctor: Session, out: Path
) -> None:
    patient = patients.register_patient(
        store, doctor, full_name="Lê Văn Bình", sex="male", occupation="Nông dân " * 40
    )
    target = out / "hsba.json"
    with pytest.raises(ValidationError) as caught:
        export_medical_record(store, doctor, patient.id, Rendering("json"), destination=target)
    assert (caught.value.field, caught.value.rule) == ("nghenghiep_ten", "max_length")
    assert list(out.iterdir()) == []
    assert _exports(store) == []


def test_an_unwritable_destination_leaves_no_file_and_no_audit(
    store: Store, doctor: Session, out: Path
) -> None:
    patient_id, _, _ = _chart(store, doctor)
    target = out / "missing" / "hsba.xml"
    with pytest.raises(ValidationError) as caught:
        export_medical_record(store, doctor, patient_id, Rendering(), destination=target)
    assert caught.value.field == "destination"
    assert not target.parent.exists()
    assert _exports(store) == []
