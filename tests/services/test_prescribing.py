"""Prescribing: quantities, dosage lines, and the allergy and duplicate checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.conftest import STAFF_PASSWORD

from emr_desktop.core.catalog import CatalogKind, DrugEntry, load_builtin
from emr_desktop.core.errors import PermissionDenied, ValidationError
from emr_desktop.core.records import (
    Allergy,
    AllergyStatus,
    Encounter,
    Facility,
    MedicationOrder,
    Patient,
    Prescription,
)
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services import chart, clinical, patients, prescribing
from emr_desktop.services.auth import Session
from emr_desktop.services.prescribing import ItemRequest
from emr_desktop.store.store import Store

FORMULARY = {d.code: d for d in load_builtin(CatalogKind.DRUGS) if isinstance(d, DrugEntry)}


@pytest.fixture
def patient(store: Store, registrar: Session) -> Patient:
    return patients.register_patient(
        store, registrar, full_name="Hà Văn Sơn", sex="male", date_of_birth="1970-03-15"
    )


@pytest.fixture
def visit(store: Store, doctor: Session, patient: Patient) -> Encounter:
    return clinical.start_encounter(store, doctor, patient_id=patient.id, kind="outpatient")


def _allergy(substance: str, drug_code: str | None = None, status: str = "active") -> Allergy:
    return Allergy(
        id=f"a-{substance}",
        facility_id="f",
        created_at=utc_now(),
        created_by="u",
        device_id="d",
        patient_id="p",
        substance=substance,
        drug_code=drug_code,
        status=status,
    )


def test_quantity_is_rounded_up_to_whole_units() -> None:
    assert prescribing.dispense_quantity(Decimal(1), 3, 5) == 15
    assert prescribing.dispense_quantity(Decimal("0.5"), 2, 5) == 5
    assert prescribing.dispense_quantity(Decimal("0.5"), 3, 5) == 8
    assert prescribing.dispense_quantity(Decimal("0.3"), 1, 5) == 2
    with pytest.raises(ValidationError) as info:
        prescribing.dispense_quantity(Decimal(0), 2, 5)
    assert info.value.field == "dose"
    with pytest.raises(ValidationError) as info:
        prescribing.dispense_quantity(Decimal(1), 0, 5)
    assert info.value.field == "times_per_day"
    with pytest.raises(ValidationError) as info:
        prescribing.dispense_quantity(Decimal(1), 2, 400)
    assert info.value.field == "days"


def test_dosage_line_reads_like_a_vietnamese_prescription() -> None:
    line = prescribing.dosage_text(
        route="oral", dose=Decimal("0.5"), unit="viên", times_per_day=2, instructions=" sau  ăn "
    )
    assert line == "Uống: ngày 2 lần, mỗi lần 0,5 viên, sau ăn"
    line = prescribing.dosage_text(route="iv", dose=Decimal("1.00"), unit="lọ", times_per_day=3)
    assert line == "Tiêm tĩnh mạch: ngày 3 lần, mỗi lần 1 lọ"


@pytest.mark.parametrize(
    ("allergy", "drug_code", "basis", "detail"),
    [
        (_allergy("Amoxicilin"), "T0023", "ingredient", "Amoxicilin"),
        (_allergy("amoxicillin (phát ban)"), "T0021", "ingredient", "Amoxicilin"),
        (_allergy("acid clavulanic"), "T0024", "ingredient", "acid clavulanic"),
        (_allergy("Dị ứng nhóm Penicilin"), "T0021", "class", "penicilin"),
        (_allergy("penicillins"), "T0028", "class", "penicilin"),
        (_allergy("Cefuroxim"), "T0034", "ingredient", "Cefuroxim natri"),
        (_allergy("thuốc lạ", drug_code="T0001"), "T0001", "drug", "Paracetamol 500 mg"),
        # Allergic to one paracetamol product: every paracetamol product warns.
        (_allergy("thuốc hạ sốt", drug_code="T0001"), "T0003", "ingredient", "Paracetamol"),
    ],
)
def test_allergy_matches(allergy: Allergy, drug_code: str, basis: str, detail: str) -> None:
    [match] = prescribing.allergy_matches([FORMULARY[drug_code]], [allergy], FORMULARY)
    assert (match.drug_code, match.basis, match.detail) == (drug_code, basis, detail)
    assert match.allergy_id == allergy.id


def test_no_allergy_warning_without_cause() -> None:
    drugs = [FORMULARY["T0001"], FORMULARY["T0033"]]
    assert prescribing.allergy_matches(drugs, [_allergy("Penicilin")], FORMULARY) == []
    inactive = _allergy("Paracetamol", status=AllergyStatus.INACTIVE)
    assert prescribing.allergy_matches(drugs, [inactive], FORMULARY) == []


def test_duplicates_within_the_prescription_and_the_encounter() -> None:
    amox, augmentin, para = FORMULARY["T0021"], FORMULARY["T0023"], FORMULARY["T0001"]
    [match] = prescribing.duplicate_matches([amox, para, augmentin], [], FORMULARY)
    assert (match.drug_code, match.other_code, match.basis) == ("T0023", "T0021", "same_ingredient")
    assert match.ingredient == "Amoxicilin" and match.where == "prescription"
    [same] = prescribing.duplicate_matches([para, para], [], FORMULARY)
    assert same.basis == "same_drug"
    already = [prescribing.PrescribedDrug("T0002", "Paracetamol 650 mg")]
    [earlier] = prescribing.duplicate_matches([amox, para], already, FORMULARY)
    assert (earlier.drug_code, earlier.other_code, earlier.where) == ("T0001", "T0002", "encounter")


def test_review_reads_allergies_and_the_encounters_drugs(
    store: Store, doctor: Session, patient: Patient, visit: Encounter
) -> None:
    clinical.add_allergy(store, doctor, patient_id=patient.id, substance="Penicilin")
    earlier = clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        body=MedicationOrder(
            drug_code="T0001",
            drug_name="Paracetamol 500 mg",
            dose=Decimal(1),
            dose_unit="viên",
            route="oral",
            times=("08:00",),
            start_date=visit.started_at.date(),
            days=3,
        ),
    )
    review = prescribing.review_prescription(
        store, doctor, patient_id=patient.id, encounter_id=visit.id, drug_codes=["T0021", "T0002"]
    )
    assert [(m.drug_code, m.basis) for m in review.allergies] == [("T0021", "class")]
    assert [(d.drug_code, d.other_code) for d in review.duplicates] == [("T0002", "T0001")]
    # An order marked entered in error no longer counts.
    clinical.mark_entered_in_error(store, doctor, earlier.id, reason="nhầm bệnh nhân")
    review = prescribing.review_prescription(
        store, doctor, patient_id=patient.id, encounter_id=visit.id, drug_codes=["T0002"]
    )
    assert review.duplicates == ()
    with pytest.raises(ValidationError) as info:
        prescribing.review_prescription(
            store, doctor, patient_id=patient.id, encounter_id=None, drug_codes=["T0001", "X"]
        )
    assert info.value.field == "items[1]"


def _prescriptions(store: Store, doctor: Session, patient: Patient) -> list[str]:
    events = chart.open_chart(store, doctor, patient.id).current_events()
    return [e.id for e in events if e.kind == Prescription.KIND]


def test_prescribe_computes_the_lines(
    store: Store, doctor: Session, patient: Patient, visit: Encounter
) -> None:
    event = prescribing.prescribe(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        items=[
            ItemRequest("T0001", Decimal(1), 3, 5, instructions="khi sốt trên 38,5 độ"),
            ItemRequest("T0021", Decimal(1), 2, 7, quantity=Decimal(15)),
        ],
        diagnosis_codes=["J20.9"],
        advice="  Uống nhiều nước  ",
        sign_password=STAFF_PASSWORD,
    )
    assert event.status == "signed" and event.encounter_id == visit.id
    stored = chart.full_event(store, doctor, event.id).body
    assert isinstance(stored, Prescription)
    para, amox = stored.items
    assert para.dosage == "Uống: ngày 3 lần, mỗi lần 1 viên, khi sốt trên 38,5 độ"
    assert (para.quantity, para.unit, para.days, para.route) == (Decimal(15), "viên", 5, "oral")
    assert amox.quantity == 15  # the prescriber's own quantity, not the computed 14
    assert stored.advice == "Uống nhiều nước" and stored.diagnosis_codes == ("J20.9",)
    # Each prescription gets its own national e-prescription code of the facility.
    assert stored.code is not None and stored.code.endswith("-c")
    with store.unit_of_work(user_id=None) as uow:
        facility_code = uow.get(Facility, doctor.facility_id).code
    assert stored.code.startswith(facility_code) and len(stored.code) == 14
    again = prescribing.prescribe(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=None,
        items=[ItemRequest("T0001", Decimal(1), 3, 5)],
        prescription_type="h",
    )
    assert isinstance(again.body, Prescription) and again.body.code is not None
    assert again.body.code.endswith("-h") and again.body.code != stored.code


def test_an_allergy_must_be_acknowledged_and_the_override_is_audited(
    store: Store, doctor: Session, patient: Patient, visit: Encounter
) -> None:
    clinical.add_allergy(store, doctor, patient_id=patient.id, substance="Amoxicilin")
    items = [ItemRequest("T0023", Decimal(1), 2, 7)]
    with pytest.raises(ValidationError) as info:
        prescribing.prescribe(
            store, doctor, patient_id=patient.id, encounter_id=visit.id, items=items
        )
    assert info.value.field == "allergy"
    assert _prescriptions(store, doctor, patient) == []
    event = prescribing.prescribe(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        items=items,
        allergy_acknowledged=True,
    )
    assert len(_prescriptions(store, doctor, patient)) == 1
    with store.unit_of_work(user_id=None) as uow:
        rows = uow.conn.exec_driver_sql(
            "SELECT target_id FROM audit_log WHERE action = 'prescription.allergy_override'"
        ).fetchall()
    assert [r[0] for r in rows] == [event.id]


def test_bad_item_names_the_line_and_field(store: Store, doctor: Session, patient: Patient) -> None:
    with pytest.raises(ValidationError) as info:
        prescribing.prescribe(
            store,
            doctor,
            patient_id=patient.id,
            encounter_id=None,
            items=[ItemRequest("T0001", Decimal(1), 3, 5), ItemRequest("T0021", Decimal(1), 2, 0)],
        )
    assert info.value.field == "items[1].days"
    assert "Số ngày" in info.value.message_vi


def test_a_nurse_cannot_prescribe(store: Store, nurse: Session, patient: Patient) -> None:
    with pytest.raises(PermissionDenied):
        prescribing.prescribe(
            store,
            nurse,
            patient_id=patient.id,
            encounter_id=None,
            items=[ItemRequest("T0001", Decimal(1), 3, 5)],
        )


def test_salts_of_one_substance_are_the_same_ingredient() -> None:
    oral, injection = FORMULARY["T0033"], FORMULARY["T0034"]  # cefuroxim axetil / natri
    [match] = prescribing.duplicate_matches([oral, injection], [], FORMULARY)
    assert match.basis == "same_ingredient" and match.ingredient == "Cefuroxim natri"
    potassium = next(d for d in FORMULARY.values() if d.active_ingredient == "Kali clorid")
    sodium = next(d for d in FORMULARY.values() if d.active_ingredient == "Natri clorid")
    assert prescribing.duplicate_matches([potassium, sodium], [], FORMULARY) == []
