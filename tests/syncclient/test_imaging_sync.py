"""An imaging study imported on one PC reaches the others: its metadata, never its pixels."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    live_server,
    sync_app,
    sync_db_url,
    sync_settings,
)
from tests.syncclient.support import make_pc
from tests.syncclient.test_live_server import _enrolled

from emr_desktop.core.errors import NotFound
from emr_desktop.core.imaging import DicomStudy
from emr_desktop.core.records import Order
from emr_desktop.imaging.dicom import read_instance
from emr_desktop.imaging.synthetic import ct_series
from emr_desktop.services import clinical, imaging, patients
from emr_desktop.store.store import Store
from emr_desktop.syncclient.engine import sync_once


def _instances(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM imaging_instance")).scalar_one())


def _conflicts(store: Store) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT kind, field FROM conflict"))]


def test_a_study_imported_on_one_pc_is_listed_on_another_without_its_pixels(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
) -> None:
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    link_a, link_b = _enrolled(a, live_server), _enrolled(b, live_server)
    patient = patients.register_patient(
        a.store, a.doctor, full_name="Nguyễn Văn An", sex="male", date_of_birth="1985-03-07"
    )
    files = ct_series(slices=5, size=16, patient_id=patient.mrn, patient_name="NGUYEN^VAN AN")
    instances = [(read_instance(f), f) for f in files]
    study = DicomStudy.from_instances(i for i, _ in instances)
    imported = imaging.save_study(
        a.store,
        a.doctor,
        patient.id,
        study,
        instances,
        source="import",
        confirm_mismatch=True,  # the synthetic series' birth date is not the chart's
    )
    sync_once(a.store, link_a)
    sync_once(b.store, link_b)
    [seen] = imaging.studies(b.store, b.doctor, patient.id)
    assert seen == imported
    assert seen.held_on_device == a.store.device_id
    assert seen.series[0].instances == 5
    # Pixels do not travel: B knows the study, A alone holds its images.
    assert (_instances(a.store), _instances(b.store)) == (5, 0)
    with pytest.raises(NotFound):
        imaging.instance_bytes(b.store, b.doctor, instances[0][0].sop_instance_uid)
    # B's doctor links the CT order; A sees the link.
    order = clinical.record_event(
        b.store,
        b.doctor,
        patient_id=patient.id,
        body=Order(category="imaging", service_code="HA0037", service_name="CT ngực"),
    )
    imaging.link_order(b.store, b.doctor, study.study_instance_uid, order.id)
    sync_once(b.store, link_b)
    sync_once(a.store, link_a)
    [linked] = imaging.studies(a.store, a.doctor, patient.id)
    assert linked.order_id == order.id
    assert _conflicts(a.store) == [] and _conflicts(b.store) == []


def test_the_same_cd_imported_on_two_pcs_offline_is_one_study(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
) -> None:
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    link_a, link_b = _enrolled(a, live_server), _enrolled(b, live_server)
    patient = patients.register_patient(
        a.store, a.doctor, full_name="Nguyễn Văn An", sex="male", date_of_birth="1970-05-17"
    )
    sync_once(a.store, link_a)
    sync_once(b.store, link_b)
    files = ct_series(slices=3, size=16, patient_id="OTHER-HOSPITAL", patient_name="NGUYEN^VAN AN")
    instances = [(read_instance(f), f) for f in files]
    study = DicomStudy.from_instances(i for i, _ in instances)
    for pc in (a, b):
        imaging.save_study(pc.store, pc.doctor, patient.id, study, instances, source="import")
    for pc, link in ((a, link_a), (b, link_b), (a, link_a)):
        sync_once(pc.store, link)
    on_a = imaging.studies(a.store, a.doctor, patient.id)
    on_b = imaging.studies(b.store, b.doctor, patient.id)
    assert len(on_a) == 1 and on_a == on_b
