"""The server accepts an imaging study only from a role that may order imaging."""

from __future__ import annotations

import pytest
from tests.sync.conftest import SyncHarness

from emr_desktop.core.ids import new_id
from emr_sync import ingest
from emr_sync.errors import ApiError


def _study_fields() -> dict[str, object]:
    return {
        "patient_id": new_id(),
        "study_instance_uid": "1.2.826.0.1.3680043.8.498.1",
        "modalities": ["CT"],
        "series": [
            {
                "series_instance_uid": "1.2.826.0.1.3680043.8.498.2",
                "number": 2,
                "modality": "CT",
                "description": None,
                "instances": 200,
            }
        ],
        "source": "import",
    }


def test_a_doctor_may_file_a_study(sync_app: SyncHarness) -> None:
    device, _ = sync_app.enroll_device()
    pc = sync_app.maker(device, role="doctor")
    study = pc.new("imaging_study", held_on_device=device.id, **_study_fields())
    ingest.push(sync_app.engine, device, [study])
    later = pc.op("imaging_study", study.record_id, {"order_id": new_id()})
    ingest.push(sync_app.engine, device, [later])


@pytest.mark.parametrize("role", ["nurse", "registrar", "pharmacist", "admin"])
def test_other_roles_may_not(sync_app: SyncHarness, role: str) -> None:
    device, _ = sync_app.enroll_device()
    pc = sync_app.maker(device, role=role)
    before = sync_app.counts()
    with pytest.raises(ApiError) as refused:
        ingest.push(
            sync_app.engine,
            device,
            [pc.new("imaging_study", held_on_device=device.id, **_study_fields())],
        )
    assert (refused.value.status, refused.value.code) == (403, "role_cannot_write")
    assert sync_app.counts() == before


@pytest.mark.parametrize(("role", "allowed"), [("doctor", True), ("nurse", False)])
def test_only_who_may_sign_a_report_may_write_one(
    sync_app: SyncHarness, role: str, allowed: bool
) -> None:
    device, _ = sync_app.enroll_device()
    pc = sync_app.maker(device, role=role)
    report = pc.event("imaging_report", signed_by=None)
    lab = pc.event("lab_result", signed_by=None)
    # A nurse records bedside results, but not imaging reports.
    ingest.push(sync_app.engine, device, [lab])
    if allowed:
        ingest.push(sync_app.engine, device, [report])
        return
    with pytest.raises(ApiError) as refused:
        ingest.push(sync_app.engine, device, [report])
    assert (refused.value.status, refused.value.code) == (403, "role_cannot_write")
