"""A study imported on one PC sent to the PACS (STOW-RS, real Orthanc on loopback), so that
another PC lists it from the PACS and views it: `services.imaging.upload_study` and
`list_pacs_instances`."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pydicom
import pytest
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD
from tests.imaging.conftest import orthanc  # noqa: F401 - the fixture
from tests.imaging.orthanc import Orthanc, free_port
from tests.syncclient.support import outbox_ops

from emr_desktop.core.errors import PermissionDenied, ValidationError
from emr_desktop.core.imaging import DicomInstance, DicomStudy
from emr_desktop.core.records import ImagingStudy, Patient
from emr_desktop.imaging.dicom import read_instance
from emr_desktop.imaging.dicomweb import (
    DicomWebClient,
    PacsAuthFailed,
    PacsUnreachable,
    StoreResult,
)
from emr_desktop.imaging.synthetic import ct_series
from emr_desktop.services import auth, imaging, patients
from emr_desktop.services.auth import Session
from emr_desktop.services.pacs import pacs_client_args, set_pacs
from emr_desktop.services.setup import initialize
from emr_desktop.store.replica import apply_remote_ops
from emr_desktop.store.store import Store

SLICES = 6


def _configure(store: Store, admin: Session, server: Orthanc, password: str | None = None) -> None:
    set_pacs(store, admin, server.dicom_web, "basic", server.user, password or server.password)


def _sender(store: Store, session: Session) -> tuple[DicomWebClient, imaging.StowSender]:
    client = DicomWebClient(**pacs_client_args(store, session), timeout=(2.0, 30.0))

    def send(uid: str, files: Iterable[bytes]) -> StoreResult:
        return client.store_instances(files, study_uid=uid)

    return client, send


def _import(store: Store, doctor: Session) -> tuple[Patient, ImagingStudy, dict[str, bytes]]:
    patient = patients.register_patient(
        store, doctor, full_name="Nguyễn Văn An", sex="male", date_of_birth="1985-03-07"
    )
    files = ct_series(
        slices=SLICES,
        size=64,
        patient_id=patient.mrn,
        patient_name="NGUYỄN^VĂN AN",
        birth_date=date(1985, 3, 7),
    )
    instances = [(read_instance(data), data) for data in files]
    study = DicomStudy.from_instances(i for i, _ in instances)
    record = imaging.save_study(store, doctor, patient.id, study, instances, source="import")
    return patient, record, {i.sop_instance_uid: data for i, data in instances}


def _audit(store: Store, action: str) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT detail FROM audit_log WHERE action = ? ORDER BY seq", (action,)
        ).all()
    return [json.loads(r[0]) for r in rows]


def _record(store: Store, session: Session, uid: str) -> ImagingStudy:
    found = imaging.study(store, session, uid)
    assert found is not None
    return found


def test_an_imported_study_goes_to_the_pacs_and_another_pc_views_it(
    store: Store,
    admin: Session,
    doctor: Session,
    orthanc: Orthanc,  # noqa: F811
    tmp_path: Path,
) -> None:
    _configure(store, admin, orthanc)
    _, record, files = _import(store, doctor)
    uid = record.study_instance_uid
    client, send = _sender(store, doctor)
    with client:
        outcome = imaging.upload_study(store, doctor, uid, send)
        assert (outcome.instances, outcome.stored, outcome.failed) == (SLICES, SLICES, ())
        assert outcome.on_pacs and outcome.record_id == record.id
        # The PACS holds every instance exactly as imported.
        [series] = record.series
        for sop, data in files.items():
            assert client.retrieve_instance(uid, series.series_instance_uid, sop) == data

    # The synced record says every PC fetches it from the PACS; this PC keeps its copy.
    marked = _record(store, doctor, uid)
    assert marked.source == "pacs" and marked.held_on_device == store.device_id
    assert imaging.evict_cache(store, doctor, 0) == 0
    assert imaging.instances_bytes(store, doctor, list(files)) == files
    assert _audit(store, "imaging.upload") == [
        {"instances": SLICES, "stored": SLICES, "failed": 0, "on_pacs": True}
    ]
    # Sending again changes nothing (the PACS already has them).
    with _sender(store, doctor)[0] as again:
        repeat = imaging.upload_study(
            store, doctor, uid, lambda u, f: again.store_instances(f, study_uid=u)
        )
    assert repeat.on_pacs and _record(store, doctor, uid) == marked

    # Another PC: the chart and the study record arrive by sync, no pixels.
    other, _ = initialize(
        tmp_path / "pc2",
        facility_code="70001",
        facility_name="Trung tâm Y tế huyện Thử",
        admin_username="admin",
        admin_full_name="Quản Trị Viên",
        admin_password=ADMIN_PASSWORD,
    )
    try:
        ops = [op for op in outbox_ops(store) if op.kind in (Patient.KIND, ImagingStudy.KIND)]
        with other.unit_of_work(user_id=None) as uow:
            apply_remote_ops(uow.conn, other, ops)
            uow.commit()
        admin2 = auth.login(other, "admin", ADMIN_PASSWORD)
        auth.add_user(
            other,
            admin2,
            username="bs.hung",
            role="doctor",
            full_name="Lê Văn Hùng",
            password=STAFF_PASSWORD,
        )
        doctor2 = auth.login(other, "bs.hung", STAFF_PASSWORD)
        _configure(other, admin2, orthanc)
        seen = _record(other, doctor2, uid)
        assert seen.source == "pacs" and seen.held_on_device == store.device_id
        [series] = seen.series
        assert imaging.series_instances(other, doctor2, uid, series.series_instance_uid) == []
        # What the viewer does for a study of the PACS it never fetched: list, then fetch.
        with DicomWebClient(**pacs_client_args(other, doctor2)) as web:
            listed = web.search_instances(uid, series.series_instance_uid)
            assert imaging.list_pacs_instances(other, doctor2, uid, listed) == SLICES
            assert imaging.list_pacs_instances(other, doctor2, uid, listed) == 0
            known = imaging.series_instances(other, doctor2, uid, series.series_instance_uid)
            assert {k.sop_instance_uid for k in known} == set(files)
            assert not any(k.held for k in known)
            assert [k.instance_number for k in known] == list(range(1, SLICES + 1))
            for item in known:
                data = web.retrieve_instance(uid, series.series_instance_uid, item.sop_instance_uid)
                imaging.add_instances(other, doctor2, uid, [(read_instance(data), data)])
        assert imaging.instances_bytes(other, doctor2, list(files)) == files
        shown = pydicom.dcmread(
            io.BytesIO(imaging.instance_bytes(other, doctor2, known[0].sop_instance_uid))
        )
        assert shown.pixel_array.shape == (64, 64)
    finally:
        other.close()


def test_a_wrong_password_or_a_pacs_down_leaves_the_study_as_it_was(
    store: Store,
    admin: Session,
    doctor: Session,
    orthanc: Orthanc,  # noqa: F811
) -> None:
    _configure(store, admin, orthanc, password="wrong-password")
    _, record, _ = _import(store, doctor)
    uid = record.study_instance_uid
    client, send = _sender(store, doctor)
    with client, pytest.raises(PacsAuthFailed):
        imaging.upload_study(store, doctor, uid, send)
    set_pacs(store, admin, f"http://127.0.0.1:{free_port()}/dicom-web", "none", None, None)
    client, send = _sender(store, doctor)
    with client, pytest.raises(PacsUnreachable):
        imaging.upload_study(store, doctor, uid, send)
    assert _record(store, doctor, uid) == record
    assert _audit(store, "imaging.upload") == []


def test_an_instance_the_pacs_refuses_is_reported_and_nothing_is_marked(
    store: Store,
    admin: Session,
    doctor: Session,
    orthanc: Orthanc,  # noqa: F811
) -> None:
    _configure(store, admin, orthanc)
    _, record, files = _import(store, doctor)
    uid = record.study_instance_uid
    # One file on this PC names another study inside (same length: still a valid file).
    bad_sop = next(iter(files))
    other_uid = uid[:-1] + ("1" if uid[-1] != "1" else "2")
    tampered = files[bad_sop].replace(uid.encode(), other_uid.encode())
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE imaging_instance SET data = ? WHERE sop_instance_uid = ?", (tampered, bad_sop)
        )
    client, send = _sender(store, doctor)
    with client:
        outcome = imaging.upload_study(store, doctor, uid, send)
    assert not outcome.on_pacs
    assert (outcome.instances, outcome.stored) == (SLICES, SLICES - 1)
    assert outcome.failed == ((bad_sop, 0x0110),)
    assert _record(store, doctor, uid) == record  # still only on this PC
    assert _audit(store, "imaging.upload") == [
        {"instances": SLICES, "stored": SLICES - 1, "failed": 1, "on_pacs": False}
    ]


def test_only_those_who_may_import_send_to_the_pacs(
    store: Store,
    admin: Session,
    doctor: Session,
    nurse: Session,
    orthanc: Orthanc,  # noqa: F811
) -> None:
    _configure(store, admin, orthanc)
    _, record, _ = _import(store, doctor)

    def never(_uid: str, _files: Iterable[bytes]) -> StoreResult:
        raise AssertionError("nothing may be sent")

    with pytest.raises(PermissionDenied):
        imaging.upload_study(store, nurse, record.study_instance_uid, never)


def test_listed_instances_must_be_of_the_study(store: Store, doctor: Session) -> None:
    _, record, files = _import(store, doctor)
    stranger = read_instance(ct_series(slices=1, size=16)[0])
    with pytest.raises(ValidationError) as refused:
        imaging.list_pacs_instances(store, doctor, record.study_instance_uid, [stranger])
    assert refused.value.rule == "same_study"
    held: list[DicomInstance] = [read_instance(d) for d in files.values()]
    assert imaging.list_pacs_instances(store, doctor, record.study_instance_uid, held) == 0
