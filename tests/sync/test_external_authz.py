"""The server accepts a record imported from another facility only from a role that may sign
results (doctors), as the desktop's import does (`services.fhir_import`)."""

from __future__ import annotations

import pytest
from tests.sync.conftest import SyncHarness

from emr_sync import ingest
from emr_sync.errors import ApiError


def test_a_doctor_may_push_an_imported_record(sync_app: SyncHarness) -> None:
    device, _ = sync_app.enroll_device()
    pc = sync_app.maker(device, role="doctor")
    before = sync_app.counts()
    ingest.push(sync_app.engine, device, [pc.event("external_record", signed_by=pc.user_id)])
    assert sync_app.counts() != before


@pytest.mark.parametrize("role", ["nurse", "registrar", "pharmacist", "admin"])
def test_other_roles_may_not(sync_app: SyncHarness, role: str) -> None:
    device, _ = sync_app.enroll_device()
    pc = sync_app.maker(device, role=role)
    before = sync_app.counts()
    with pytest.raises(ApiError) as refused:
        ingest.push(sync_app.engine, device, [pc.event("external_record", signed_by=None)])
    assert (refused.value.status, refused.value.code) == (403, "role_cannot_write")
    assert sync_app.counts() == before
