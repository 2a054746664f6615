"""Imaging studies in the chart: matching, importing all or nothing, orders, the local cache."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from emr_desktop.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from emr_desktop.core.imaging import DicomInstance, DicomStudy, order_accession, study_record_id
from emr_desktop.core.records import ImagingStudy, Order, Patient
from emr_desktop.imaging.dicom import read_instance
from emr_desktop.imaging.synthetic import ct_series
from emr_desktop.services import clinical, duplicates, imaging, patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store

Instances = list[tuple[DicomInstance, bytes]]


def _study(files: list[bytes]) -> tuple[DicomStudy, Instances]:
    instances = [(read_instance(data), data) for data in files]
    return DicomStudy.from_instances(i for i, _ in instances), instances


def _an(store: Store, doctor: Session, **kw: object) -> Patient:
    values: dict[str, object] = {
        "full_name": "Nguyễn Văn An",
        "sex": "male",
        "date_of_birth": "1985-03-07",
    }
    values.update(kw)
    return patients.register_patient(store, doctor, **values)  # type: ignore[arg-type]


def _ct(patient: Patient | None = None, **kw: object) -> tuple[DicomStudy, Instances]:
    values: dict[str, object] = {
        "slices": 3,
        "size": 16,
        "patient_id": patient.mrn if patient else "HOSP-B-77",
        "patient_name": "NGUYEN^VAN AN",
        "birth_date": date(1985, 3, 7),
        "sex": "M",
    }
    values.update(kw)
    return _study(ct_series(**values))  # type: ignore[arg-type]


def _order(store: Store, doctor: Session, patient: Patient, service: str = "HA0037") -> str:
    event = clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        body=Order(category="imaging", service_code=service, service_name=service),
    )
    return event.id


def _count(store: Store, sql: str, *params: object) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql(sql, params).scalar_one())


def _audit(store: Store, action: str) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT patient_id, target_id, detail FROM audit_log WHERE action = :a"),
            {"a": action},
        ).all()
    return [{"patient_id": r[0], "target_id": r[1], **json.loads(r[2])} for r in rows]


# --------------------------------------------------------------------------- matching


def test_a_study_whose_patient_id_is_the_record_number_matches_by_mrn(
    store: Store, doctor: Session
) -> None:
    patient = _an(store, doctor)
    study, _ = _ct(patient)
    match = imaging.match_patient(store, doctor, study)
    assert (match.patient_id, match.basis, match.mismatches) == (patient.id, "mrn", ())
    assert _audit(store, "imaging.match")[-1]["basis"] == "mrn"


def test_a_cccd_in_patient_id_or_other_patient_ids_matches_by_cccd(
    store: Store, doctor: Session
) -> None:
    patient = _an(store, doctor, cccd="001085001234")
    by_id, _ = _ct(patient_id="001085001234")
    by_other, _ = _ct(patient_id="HOSP-B-1", other_patient_ids=["X9", "001 085 001 234"])
    for study in (by_id, by_other):
        match = imaging.match_patient(store, doctor, study)
        assert (match.patient_id, match.basis) == (patient.id, "cccd")


def test_name_without_diacritics_and_birth_date_match(store: Store, doctor: Session) -> None:
    patient = _an(store, doctor)
    _an(store, doctor, date_of_birth="1990-01-01")  # same name, another person
    study, _ = _ct()  # from another hospital: its own PatientID
    match = imaging.match_patient(store, doctor, study)
    assert (match.patient_id, match.basis, match.mismatches) == (patient.id, "name_birth", ())


def test_a_year_only_chart_matches_on_the_year(store: Store, doctor: Session) -> None:
    patient = _an(store, doctor, date_of_birth="1985")
    match = imaging.match_patient(store, doctor, _ct()[0])
    assert (match.patient_id, match.basis) == (patient.id, "name_birth")


def test_no_match_offers_charts_with_a_similar_name(store: Store, doctor: Session) -> None:
    one = _an(store, doctor, date_of_birth="1990-01-01")
    two = _an(store, doctor, date_of_birth="1960")
    match = imaging.match_patient(store, doctor, _ct()[0])
    assert (match.patient_id, match.basis) == (None, None)
    assert set(match.candidates) == {one.id, two.id}


def test_two_charts_with_the_same_name_and_birth_date_are_not_chosen(
    store: Store, doctor: Session
) -> None:
    one, two = _an(store, doctor), _an(store, doctor)
    match = imaging.match_patient(store, doctor, _ct()[0])
    assert match.patient_id is None and set(match.candidates) == {one.id, two.id}


def test_a_merged_chart_matches_its_survivor(
    store: Store, doctor: Session, registrar: Session
) -> None:
    survivor = _an(store, doctor, full_name="Nguyễn Văn Bình")
    replaced = _an(store, doctor)
    duplicates.merge_patients(
        store, registrar, survivor_id=survivor.id, replaced_id=replaced.id, reason="trùng"
    )
    match = imaging.match_patient(store, doctor, _ct(replaced)[0])
    assert (match.patient_id, match.basis) == (survivor.id, "mrn")


def test_differences_are_listed_and_must_be_confirmed(store: Store, doctor: Session) -> None:
    patient = _an(store, doctor)
    study, instances = _ct(
        patient, patient_name="TRAN^THI BICH", birth_date=date(1986, 3, 7), sex="F"
    )
    match = imaging.match_patient(store, doctor, study)
    assert match.basis == "mrn"
    assert [m.field for m in match.mismatches] == ["name", "birth_date", "sex"]
    assert "TRAN THI BICH" in match.mismatches[0].vi and "Nguyễn Văn An" in match.mismatches[0].vi
    with pytest.raises(ValidationError) as refused:
        imaging.save_study(store, doctor, patient.id, study, instances, source="import")
    assert refused.value.rule == "identity_mismatch"
    assert _count(store, "SELECT count(*) FROM imaging_instance") == 0
    record = imaging.save_study(
        store, doctor, patient.id, study, instances, source="import", confirm_mismatch=True
    )
    [audit] = _audit(store, "imaging.import")
    assert audit["mismatch_confirmed"] == ["name", "birth_date", "sex"]
    assert audit["target_id"] == record.id and audit["patient_id"] == patient.id
    # The confirmation names the fields, never what the images or the chart say.
    assert "TRAN" not in json.dumps(audit) and "Nguyễn" not in json.dumps(audit)


# --------------------------------------------------------------------------- importing


def test_an_imported_study_is_kept_encrypted_with_its_metadata_synced(
    store: Store, doctor: Session, data_dir: Path
) -> None:
    patient = _an(store, doctor)
    marker = "ZQXW-SECRET-ID"
    study, instances = _ct(patient, slices=4, accession_number=marker)
    record = imaging.save_study(store, doctor, patient.id, study, instances, source="import")
    assert record.id == study_record_id(doctor.facility_id, study.study_instance_uid)
    assert record.held_on_device == store.device_id and record.source == "import"
    assert record.source_patient_id == patient.mrn
    assert record.source_patient_name == "NGUYEN VAN AN"
    assert [(s.modality, s.instances) for s in record.series] == [("CT", 4)]
    assert imaging.studies(store, doctor, patient.id) == [record]
    # The metadata goes to the server; the pixels do not.
    with store.engine.connect() as conn:
        [op] = conn.exec_driver_sql("SELECT fields FROM outbox WHERE kind = 'imaging_study'").all()
    fields = json.loads(op[0])
    assert fields["study_instance_uid"] == study.study_instance_uid
    assert fields["series"][0]["instances"] == 4 and "data" not in fields
    # In the store, and nowhere on the disk in clear: the DICOM carries the patient's ids.
    held = imaging.instances_bytes(store, doctor, [i.sop_instance_uid for i, _ in instances])
    assert held == {i.sop_instance_uid: data for i, data in instances}
    store.close()
    for path in data_dir.iterdir():
        if path.is_file():
            assert marker.encode() not in path.read_bytes(), path.name


def test_importing_again_adds_what_is_new_and_skips_what_is_held(
    store: Store, doctor: Session
) -> None:
    patient = _an(store, doctor)
    study, instances = _ct(patient, slices=5)
    first = DicomStudy.from_instances(i for i, _ in instances[:3])
    imaging.save_study(store, doctor, patient.id, first, instances[:3], source="import")
    record = imaging.save_study(store, doctor, patient.id, study, instances, source="import")
    assert record.series[0].instances == 5
    audits = _audit(store, "imaging.import")
    assert [(a["instances_added"], a["instances_skipped"], a["new_record"]) for a in audits] == [
        (3, 0, True),
        (2, 3, False),
    ]
    assert _count(store, "SELECT count(*) FROM imaging_instance") == 5
    assert len(imaging.studies(store, doctor, patient.id)) == 1


def test_a_study_already_in_another_chart_is_refused(store: Store, doctor: Session) -> None:
    first, second = _an(store, doctor), _an(store, doctor, full_name="Lê Văn Bảo")
    study, instances = _ct(first)
    imaging.save_study(store, doctor, first.id, study, instances, source="import")
    before = _count(store, "SELECT count(*) FROM outbox")
    with pytest.raises(ConflictError):
        imaging.save_study(
            store, doctor, second.id, study, instances, source="import", confirm_mismatch=True
        )
    assert _count(store, "SELECT count(*) FROM outbox") == before
    assert imaging.studies(store, doctor, second.id) == []


def test_a_failure_leaves_nothing_half_written(store: Store, doctor: Session) -> None:
    patient, other = _an(store, doctor), _an(store, doctor, full_name="Lê Văn Bảo")
    others_order = _order(store, doctor, other)
    study, instances = _ct(patient, slices=6)
    outbox = _count(store, "SELECT count(*) FROM outbox")
    audit = _count(store, "SELECT count(*) FROM audit_log")
    with pytest.raises(ValidationError) as refused:
        # Refused once the instances are written: the order is another patient's.
        imaging.save_study(
            store, doctor, patient.id, study, instances, source="import", order_id=others_order
        )
    assert refused.value.field == "order_id"
    assert _count(store, "SELECT count(*) FROM imaging_instance") == 0
    assert _count(store, "SELECT count(*) FROM imaging_study") == 0
    assert _count(store, "SELECT count(*) FROM outbox") == outbox
    assert _count(store, "SELECT count(*) FROM audit_log") == audit


def test_an_import_needs_instances_of_the_study(store: Store, doctor: Session) -> None:
    patient = _an(store, doctor)
    study, instances = _ct(patient)
    _, foreign = _ct(patient)
    with pytest.raises(ValidationError) as refused:
        imaging.save_study(store, doctor, patient.id, study, [], source="import")
    assert refused.value.field == "instances"
    with pytest.raises(ValidationError) as refused:
        imaging.save_study(
            store, doctor, patient.id, study, instances + foreign[:1], source="import"
        )
    assert refused.value.rule == "same_study"
    with pytest.raises(ValidationError):
        imaging.save_study(store, doctor, patient.id, study, instances, source="cd")


def test_only_those_who_may_order_import(
    store: Store, doctor: Session, nurse: Session, registrar: Session
) -> None:
    patient = _an(store, doctor)
    study, instances = _ct(patient)
    for session in (nurse, registrar):
        with pytest.raises(PermissionDenied):
            imaging.save_study(store, session, patient.id, study, instances, source="import")
    imaging.save_study(store, doctor, patient.id, study, instances, source="import")
    # A nurse may look at the images.
    assert len(imaging.studies(store, nurse, patient.id)) == 1
    with pytest.raises(PermissionDenied):
        imaging.studies(store, registrar, patient.id)


# --------------------------------------------------------------------------- orders


def test_an_order_of_the_patient_is_linked_and_audited(store: Store, doctor: Session) -> None:
    patient = _an(store, doctor)
    order_id = _order(store, doctor, patient)
    study, instances = _ct(patient)
    record = imaging.save_study(
        store, doctor, patient.id, study, instances, source="import", order_id=order_id
    )
    assert record.order_id == order_id
    [link] = _audit(store, "imaging.link_order")
    assert link["order_id"] == order_id and link["previous"] is None


def test_only_an_imaging_order_of_the_patient_can_be_linked(store: Store, doctor: Session) -> None:
    patient = _an(store, doctor)
    study, instances = _ct(patient)
    imaging.save_study(store, doctor, patient.id, study, instances, source="import")
    lab = clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        body=Order(category="lab", service_code="XN0101", service_name="WBC"),
    )
    withdrawn = _order(store, doctor, patient)
    clinical.mark_entered_in_error(store, doctor, withdrawn, reason="nhầm bệnh nhân")
    for wrong in (lab.id, withdrawn, "0190a000-0000-7000-8000-000000000000"):
        with pytest.raises(ValidationError) as refused:
            imaging.link_order(store, doctor, study.study_instance_uid, wrong)
        assert refused.value.field == "order_id"
    right = _order(store, doctor, patient)
    linked = imaging.link_order(store, doctor, study.study_instance_uid, right)
    assert linked.order_id == right
    unlinked = imaging.link_order(store, doctor, study.study_instance_uid, None)
    assert unlinked.order_id is None
    assert [a["order_id"] for a in _audit(store, "imaging.link_order")] == [right, None]


def test_the_order_carrying_the_accession_number_is_proposed(store: Store, doctor: Session) -> None:
    patient = _an(store, doctor)
    wanted = _order(store, doctor, patient, "HA0001")  # a chest X-ray…
    _order(store, doctor, patient, "HA0037")  # …and a CT ordered after it
    study, _ = _ct(patient, accession_number=order_accession(wanted))
    proposal = imaging.proposed_order(store, doctor, patient.id, study)
    assert proposal is not None
    assert (proposal.order.id, proposal.basis) == (wanted, "accession")


def test_an_open_order_of_the_same_modality_is_proposed(store: Store, doctor: Session) -> None:
    patient = _an(store, doctor)
    _order(store, doctor, patient, "HA0001")  # X-ray: not a CT
    ct_first = _order(store, doctor, patient, "HA0035")
    ct_latest = _order(store, doctor, patient, "HA0037")
    study, instances = _ct(patient, study_date=date.today() + timedelta(days=1))
    proposal = imaging.proposed_order(store, doctor, patient.id, study)
    assert proposal is not None and (proposal.order.id, proposal.basis) == (ct_latest, "modality")
    # Answered by another study, it is no longer open.
    other, other_instances = _ct(patient)
    imaging.save_study(
        store, doctor, patient.id, other, other_instances, source="import", order_id=ct_latest
    )
    proposal = imaging.proposed_order(store, doctor, patient.id, study)
    assert proposal is not None and proposal.order.id == ct_first
    imaging.save_study(
        store, doctor, patient.id, study, instances, source="import", order_id=ct_first
    )
    assert imaging.proposed_order(store, doctor, patient.id, _ct(patient)[0]) is None


def test_no_order_is_proposed_for_another_examination(store: Store, doctor: Session) -> None:
    patient = _an(store, doctor)
    _order(store, doctor, patient, "HA0021")  # an ultrasound
    assert imaging.proposed_order(store, doctor, patient.id, _ct(patient)[0]) is None


def test_accession_numbers_are_sixteen_digits_and_differ() -> None:
    from emr_desktop.core.ids import new_id

    numbers = {order_accession(new_id()) for _ in range(1000)}
    assert len(numbers) == 1000
    assert all(len(n) == 16 and n.isdigit() for n in numbers)


# --------------------------------------------------------------------------- viewing and cache


def test_viewing_is_audited_once_and_lists_the_series(
    store: Store, doctor: Session, nurse: Session
) -> None:
    patient = _an(store, doctor)
    study, instances = _ct(patient, slices=4)
    imaging.save_study(store, doctor, patient.id, study, instances, source="import")
    opened = imaging.open_study(store, nurse, study.study_instance_uid)
    assert opened.patient_id == patient.id
    [view] = _audit(store, "imaging.view")
    assert view["patient_id"] == patient.id
    series_uid = study.series[0].series_instance_uid
    listed = imaging.series_instances(store, nurse, study.study_instance_uid, series_uid)
    assert [s.instance_number for s in listed] == [1, 2, 3, 4]
    assert all(s.held and s.source == "import" and s.frames == 1 for s in listed)
    zs = [s.image_position[2] for s in listed if s.image_position]
    assert zs == sorted(zs) and len(zs) == 4
    assert imaging.instance_bytes(store, nurse, listed[2].sop_instance_uid) == instances[2][1]
    assert len(_audit(store, "imaging.view")) == 1
    with pytest.raises(NotFound):
        imaging.open_study(store, nurse, "1.2.3.4")


def test_studies_of_a_merged_chart_follow_the_merge(
    store: Store, doctor: Session, registrar: Session
) -> None:
    survivor = _an(store, doctor, full_name="Nguyễn Văn Bình")
    replaced = _an(store, doctor)
    study, instances = _ct(replaced)
    imaging.save_study(store, doctor, replaced.id, study, instances, source="import")
    duplicates.merge_patients(
        store, registrar, survivor_id=survivor.id, replaced_id=replaced.id, reason="trùng"
    )
    [found] = imaging.studies(store, doctor, survivor.id)
    assert found.study_instance_uid == study.study_instance_uid


def test_the_pacs_cache_is_evicted_oldest_viewed_first_never_imports(
    store: Store, doctor: Session
) -> None:
    patient = _an(store, doctor)
    imported, imported_instances = _ct(patient, slices=2)
    imaging.save_study(store, doctor, patient.id, imported, imported_instances, source="import")
    old, old_instances = _ct(patient, slices=3)
    recent, recent_instances = _ct(patient, slices=3)
    for study in (old, recent):
        record = imaging.save_study(store, doctor, patient.id, study, [], source="pacs")
        assert record.source == "pacs" and record.held_on_device is None
    assert imaging.add_instances(store, doctor, old.study_instance_uid, old_instances) == 3
    assert imaging.add_instances(store, doctor, recent.study_instance_uid, recent_instances) == 3
    assert imaging.add_instances(store, doctor, recent.study_instance_uid, recent_instances) == 0
    time.sleep(0.005)
    imaging.open_study(store, doctor, recent.study_instance_uid)
    # Sizes differ by a few bytes: UIDs are not all of one length.
    old_sizes = {i.sop_instance_uid: len(data) for i, data in old_instances}
    recent_bytes = sum(len(data) for _, data in recent_instances)
    imported_bytes, cached = imaging.cache_size(store, doctor)
    assert cached == sum(old_sizes.values()) + recent_bytes
    assert imported_bytes == sum(len(data) for _, data in imported_instances)
    # Room for the viewed study and one more image: two images go, both from the study not
    # viewed since it was fetched.
    freed = imaging.evict_cache(store, doctor, keep_bytes=recent_bytes + max(old_sizes.values()))
    series = old.series[0].series_instance_uid
    listed = imaging.series_instances(store, doctor, old.study_instance_uid, series)
    evicted = [s for s in listed if not s.held]
    assert len(listed) == 3 and len(evicted) == 2
    assert freed == sum(old_sizes[s.sop_instance_uid] for s in evicted)
    assert all(s.size == old_sizes[s.sop_instance_uid] for s in listed)
    with pytest.raises(NotFound):
        imaging.instance_bytes(store, doctor, evicted[0].sop_instance_uid)
    recent_series = recent.series[0].series_instance_uid
    viewed = imaging.series_instances(store, doctor, recent.study_instance_uid, recent_series)
    assert all(s.held for s in viewed)
    assert imaging.evict_cache(store, doctor, keep_bytes=0) == cached - freed
    assert imaging.cache_size(store, doctor) == (imported_bytes, 0)
    held = imaging.instances_bytes(
        store, doctor, [i.sop_instance_uid for i, _ in imported_instances]
    )
    assert len(held) == 2
    # Fetched again from the PACS: held again.
    assert imaging.add_instances(store, doctor, old.study_instance_uid, old_instances) == 3
    assert [a["bytes"] for a in _audit(store, "imaging.evict")] == [freed, cached - freed]


def test_instances_of_an_unknown_study_are_not_cached(store: Store, doctor: Session) -> None:
    _, instances = _ct()
    with pytest.raises(NotFound):
        imaging.add_instances(
            store, doctor, instances[0][0].study_instance_uid, instances, source="pacs"
        )


def test_the_record_round_trips_through_the_store(store: Store, doctor: Session) -> None:
    patient = _an(store, doctor)
    study, instances = _ct(patient)
    record = imaging.save_study(store, doctor, patient.id, study, instances, source="import")
    with store.unit_of_work(user_id=None) as uow:
        assert uow.get(ImagingStudy, record.id) == record
