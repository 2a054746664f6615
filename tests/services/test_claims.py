"""A BHYT claim end to end on a real encrypted store: a registered patient with a card, a visit
with diagnoses, orders, results and a prescription, closed, exported as the QĐ 130 envelope."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import STAFF_PASSWORD

from emr_desktop.core.catalog import CatalogKind, load_builtin
from emr_desktop.core.errors import PermissionDenied, ValidationError
from emr_desktop.core.records import (
    Diagnosis,
    ImagingReport,
    Order,
    Prescription,
    PrescriptionItem,
)
from emr_desktop.core.timeutil import to_local, utc_now
from emr_desktop.interop.claim130 import claim_envelope
from emr_desktop.services import auth, catalogs, clinical, patients
from emr_desktop.services.auth import Session
from emr_desktop.services.claims import CLAIM_FORMAT, claim_sources, export_claim
from emr_desktop.store.store import Store

CERTIFICATE = "000321/HNA-CCHN"


@pytest.fixture
def prescriber(store: Store, admin: Session) -> Session:
    """A doctor whose account holds a practising-certificate number (MA_BAC_SI)."""
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


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """Where exports go (the store's data directory is beside it, in `tmp_path`)."""
    path = tmp_path / "out"
    path.mkdir()
    return path


@dataclass(frozen=True)
class Visit:
    patient_id: str
    encounter_id: str


def _builtin_price(kind: CatalogKind, code: str) -> Decimal:
    (price,) = {getattr(e, "price", None) for e in load_builtin(kind) if e.code == code}
    assert isinstance(price, Decimal)
    return price


def _visit(store: Store, doctor: Session, *, close: bool = True) -> Visit:
    today = to_local(utc_now()).date()
    patient = patients.register_patient(
        store,
        doctor,
        full_name="Lê Văn Bình",
        sex="male",
        date_of_birth="1970-05-12",
        cccd="001070001234",
        bhyt_number="DN4010123456789",
        bhyt_valid_from=today - timedelta(days=200),
        bhyt_valid_to=today + timedelta(days=100),
        bhyt_registered_facility="70001",
        phones=("0912345678",),
    )
    encounter = clinical.start_encounter(
        store, doctor, patient_id=patient.id, kind="outpatient", reason="Ho, sốt"
    )

    def record(body: Any) -> str:
        return clinical.record_event(
            store,
            doctor,
            patient_id=patient.id,
            encounter_id=encounter.id,
            body=body,
            sign_password=STAFF_PASSWORD,
        ).id

    record(Diagnosis(icd10="J18.9", rank="primary", description="Viêm phổi"))
    record(Diagnosis(icd10="I10", rank="secondary"))
    lab = record(Order(category="lab", service_code="XN0201", service_name="Định lượng glucose"))
    clinical.record_lab_result(
        store,
        doctor,
        patient_id=patient.id,
        test_code="XN0201",
        value="6,2",
        encounter_id=encounter.id,
        order_id=lab,
        sign_password=STAFF_PASSWORD,
    )
    xray = record(
        Order(category="imaging", service_code="HA0001", service_name="X-quang ngực thẳng")
    )
    record(
        ImagingReport(
            service_code="HA0001",
            modality="CR",
            findings="Đám mờ đáy phổi phải.",
            conclusion="Viêm phổi thùy dưới phải.",
            order_id=xray,
        )
    )
    # Ordered, never performed: not claimed.
    record(Order(category="lab", service_code="XN0228", service_name="Định lượng CRP"))
    record(Order(category="procedure", service_code="TT0014", service_name="Tiêm bắp"))
    record(
        Prescription(
            items=(
                PrescriptionItem(
                    "T0001", "Paracetamol 500 mg", "1 viên x 2 lần/ngày", Decimal(10), "viên", 5
                ),
            )
        )
    )
    if close:
        clinical.discharge_patient(store, doctor, encounter.id, treatment_result="2")
    return Visit(patient.id, encounter.id)


def _audit(store: Store, action: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT detail FROM audit_log WHERE action = ? ORDER BY seq", (action,)
        ).all()
    return [json.loads(r[0]) for r in rows]


def _tables(envelope: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(envelope)  # noqa: S314 - our own output
    assert root.tag == "GIAMDINHHS"
    return {
        f.findtext("LOAIHOSO") or "": ET.fromstring(  # noqa: S314 - our own output
            base64.b64decode(f.findtext("NOIDUNGFILE") or "", validate=True)
        )
        for f in root.iter("FILEHOSO")
    }


def test_a_closed_visit_exports_its_claim(
    store: Store, prescriber: Session, tmp_path: Path, out_dir: Path
) -> None:
    visit = _visit(store, prescriber)
    destination = out_dir / "hoso.xml"
    data = export_claim(store, prescriber, visit.encounter_id, claim_envelope, destination)
    assert destination.read_bytes() == data
    tables = _tables(data)
    assert set(tables) == {"XML1", "XML2", "XML3", "XML4"}
    summary = tables["XML1"]
    assert summary.findtext("MA_LK") == visit.encounter_id
    assert summary.findtext("MA_BENH_CHINH") == "J18.9"
    assert summary.findtext("MA_BENH_KT") == "I10"
    assert summary.findtext("MA_CSKCB") == "70001"
    assert summary.findtext("MA_DOITUONG_KCB") == "1.1"
    assert summary.findtext("NGAY_SINH") == "197005120000"
    # The built-in catalogue's (demo) prices, at the DN4 card's 80 %.
    (drug,) = tables["XML2"].iter("CHI_TIET_THUOC")
    paracetamol = _builtin_price(CatalogKind.DRUGS, "T0001")
    assert Decimal(drug.findtext("DON_GIA") or "") == paracetamol
    assert Decimal(drug.findtext("THANH_TIEN_BV") or "") == 10 * paracetamol
    assert Decimal(drug.findtext("T_BHTT") or "") == 8 * paracetamol
    assert drug.findtext("MA_BAC_SI") == CERTIFICATE
    services = {
        s.findtext("MA_DICH_VU"): Decimal(s.findtext("DON_GIA_BV") or "")
        for s in tables["XML3"].iter("CHI_TIET_DVKT")
    }
    assert services == {
        "XN0201": _builtin_price(CatalogKind.LAB_TESTS, "XN0201"),
        "HA0001": _builtin_price(CatalogKind.IMAGING, "HA0001"),
        "TT0014": _builtin_price(CatalogKind.PROCEDURES, "TT0014"),
    }
    total = Decimal(summary.findtext("T_TONGCHI_BV") or "")
    assert total == 10 * paracetamol + sum(services.values())
    results = [r.findtext("MA_DICH_VU") or "" for r in tables["XML4"].iter("CHI_TIET_CLS")]
    assert sorted(results) == ["HA0001", "XN0201"]
    # Audited: the chart read and the export (format and size; no name, no destination).
    assert _audit(store, "document.export") == [
        {"kind": "visit_summary", "format": CLAIM_FORMAT, "bytes": len(data)}
    ]
    assert any(a.get("kind") == "visit_summary" for a in _audit(store, "document.prepare"))
    assert [p.name for p in out_dir.iterdir()] == ["hoso.xml"]


def test_an_open_visit_is_refused_and_nothing_is_written(
    store: Store, prescriber: Session, tmp_path: Path, out_dir: Path
) -> None:
    visit = _visit(store, prescriber, close=False)
    destination = out_dir / "hoso.xml"
    with pytest.raises(ValidationError) as info:
        export_claim(store, prescriber, visit.encounter_id, claim_envelope, destination)
    assert info.value.field == "XML1.NGAY_RA"
    assert list(out_dir.iterdir()) == []
    assert _audit(store, "document.export") == []


def test_a_catalogue_without_prices_refuses_the_claim(
    store: Store, admin: Session, prescriber: Session, tmp_path: Path, out_dir: Path
) -> None:
    visit = _visit(store, prescriber)
    old_list = tmp_path / "thuoc.csv"
    old_list.write_text(
        "code,name_vi,active_ingredient,strength,dosage_form,route,unit,atc_code\n"
        "T0001,Paracetamol 500 mg,Paracetamol,500 mg,viên nén,uống,viên,N02BE01\n",
        "utf-8",
    )
    catalogs.import_catalog(store, admin, "drugs", old_list)
    destination = out_dir / "hoso.xml"
    with pytest.raises(ValidationError) as info:
        export_claim(store, prescriber, visit.encounter_id, claim_envelope, destination)
    assert (info.value.field, info.value.rule) == ("XML2.DON_GIA", "no_price")
    assert not destination.exists()
    assert _audit(store, "document.export") == []


def test_the_sources_carry_the_imported_prices_and_staff_codes(
    store: Store, admin: Session, prescriber: Session, tmp_path: Path
) -> None:
    visit = _visit(store, prescriber)
    price_list = tmp_path / "thuoc.csv"
    price_list.write_text(
        "code;name_vi;active_ingredient;strength;dosage_form;route;unit;atc_code;price\n"
        "T0001;Paracetamol 500 mg;Paracetamol;500 mg;viên nén;uống;viên;N02BE01;525,5\n",
        "utf-8",
    )
    catalogs.import_catalog(store, admin, "drugs", price_list)
    sources = claim_sources(store, prescriber, visit.encounter_id, visit_category="1.3")
    assert sources.drug_prices == {"T0001": Decimal("525.5")}
    assert sources.practitioners[prescriber.user_id] == CERTIFICATE
    assert sources.visit_category == "1.3"
    assert sources.created_on == to_local(utc_now()).date()
    tables = _tables(claim_envelope(sources))
    assert tables["XML1"].findtext("MA_DOITUONG_KCB") == "1.3"
    (drug,) = tables["XML2"].iter("CHI_TIET_THUOC")
    assert drug.findtext("THANH_TIEN_BV") == "5255"


def test_exporting_a_claim_needs_the_export_permission(
    store: Store, prescriber: Session, nurse: Session, tmp_path: Path, out_dir: Path
) -> None:
    visit = _visit(store, prescriber)
    with pytest.raises(PermissionDenied):
        export_claim(store, nurse, visit.encounter_id, claim_envelope, out_dir / "x.xml")
    assert list(out_dir.iterdir()) == []
