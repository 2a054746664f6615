"""Each op is checked against its user's role; ops with no user only as a PC's bootstrap."""

from __future__ import annotations

import pytest
from tests.sync.conftest import FACILITY_ID, OpMaker, SyncHarness

from emr_desktop.core.ids import new_id
from emr_desktop.core.wire import Op
from emr_sync import ingest
from emr_sync.errors import ApiError


def _push(h: SyncHarness, device: ingest.DeviceIdentity, ops: list[Op]) -> None:
    ingest.push(h.engine, device, ops)


def _refused(h: SyncHarness, device: ingest.DeviceIdentity, ops: list[Op], code: str) -> None:
    before = h.counts()
    with pytest.raises(ApiError) as err:
        _push(h, device, ops)
    assert (err.value.code, err.value.status) == (
        code,
        422 if code in ("unknown_kind", "validation") else 403,
    )
    assert h.counts() == before


def _bootstrap(pc: OpMaker, device_number: int = 1) -> list[Op]:
    """What `services.setup.initialize` writes with no user: facility, device, admin."""
    facility = pc.op(
        "facility",
        FACILITY_ID,
        {"id": FACILITY_ID, "facility_id": FACILITY_ID, "code": "70001", "name": "TTYT"},
        bootstrap=True,
    )
    device = pc.op(
        "device",
        pc.device_id,
        {
            "id": pc.device_id,
            "facility_id": FACILITY_ID,
            "name": "PC",
            "device_number": device_number,
        },
        bootstrap=True,
    )
    admin = pc.user("admin")
    admin = Op(**{**admin.to_wire(), "user_id": None})
    return [facility, device, admin]


def test_a_nurse_may_not_create_an_administrator(sync_app: SyncHarness) -> None:
    device, _ = sync_app.enroll_device()
    pc = sync_app.maker(device, role="nurse")
    _refused(sync_app, device, [pc.new(full_name="ok"), pc.user("admin")], "role_cannot_write")


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        ("registrar", ["patient", "patient_link", "encounter"], ["vital_signs", "allergy"]),
        ("nurse", ["patient", "allergy", "vital_signs"], ["patient_link", "problem"]),
        ("doctor", ["patient", "problem", "prescription"], ["patient_link", "department"]),
        ("pharmacist", ["allergy"], ["patient", "diagnosis"]),
        ("admin", ["department", "user"], ["patient", "vital_signs"]),
    ],
)
def test_writes_follow_the_permission_matrix(
    sync_app: SyncHarness, role: str, allowed: list[str], refused: list[str]
) -> None:
    device, _ = sync_app.enroll_device()
    pc = sync_app.maker(device, role=role)

    def op(kind: str) -> Op:
        if kind in ("vital_signs", "prescription", "diagnosis"):
            return pc.event(kind, signed_by=None)
        if kind == "user":
            return pc.user("nurse")
        return pc.new(kind, note="x")

    for kind in allowed:
        _push(sync_app, device, [op(kind)])
    for kind in refused:
        _refused(sync_app, device, [op(kind)], "role_cannot_write")


def test_editing_needs_patient_edit_and_registering_patient_register(
    sync_app: SyncHarness,
) -> None:
    device, _ = sync_app.enroll_device()
    doctor = sync_app.maker(device)
    created = doctor.new(full_name="A")
    _push(sync_app, device, [created])
    pharmacist = sync_app.maker(device, role="pharmacist")
    edit = pharmacist.op("patient", created.record_id, {"full_name": "B"})
    _refused(sync_app, device, [edit], "role_cannot_write")
    _push(sync_app, device, [doctor.op("patient", created.record_id, {"full_name": "B"})])


def test_unknown_users_and_users_of_another_facility_are_refused(sync_app: SyncHarness) -> None:
    device, _ = sync_app.enroll_device()
    sync_app.add_facility("70002")
    stranger = OpMaker(device.id, user_id=new_id())
    _refused(sync_app, device, [stranger.new(full_name="A")], "unknown_user")
    foreign = OpMaker(device.id, user_id=sync_app.staff("doctor", "70002"))
    _refused(sync_app, device, [foreign.new(full_name="A")], "unknown_user")


def test_anyone_may_change_their_own_password_only(sync_app: SyncHarness) -> None:
    device, _ = sync_app.enroll_device()
    nurse = sync_app.maker(device, role="nurse")
    assert nurse.user_id is not None
    own = nurse.op("user", nurse.user_id, {"password_hash": "$argon2id$new"})
    _push(sync_app, device, [own])
    other = sync_app.staff("doctor")
    _refused(
        sync_app,
        device,
        [nurse.op("user", other, {"password_hash": "$argon2id$x"})],
        "role_cannot_write",
    )
    _refused(
        sync_app, device, [nurse.op("user", nurse.user_id, {"role": "admin"})], "role_cannot_write"
    )


def test_unknown_kinds_are_refused(sync_app: SyncHarness) -> None:
    device, _ = sync_app.enroll_device()
    pc = sync_app.maker(device)
    _refused(sync_app, device, [pc.new("spaceship", name="x")], "unknown_kind")
    _refused(sync_app, device, [pc.event("teleport", signed_by=None)], "validation")


def test_a_fresh_pcs_bootstrap_is_accepted_on_every_pc(sync_app: SyncHarness) -> None:
    for number in (1, 2):
        device, _ = sync_app.enroll_device(name=f"PC {number}")
        pc = OpMaker(device.id)
        first = _bootstrap(pc, number)
        admin_id = first[2].record_id
        doctor = pc.user("doctor", by=admin_id)
        pc.user_id = doctor.record_id
        _push(sync_app, device, [*first, doctor, pc.new(full_name="A")])
    assert sync_app.counts()["op_log"] == 10


def test_no_user_is_refused_outside_the_bootstrap(sync_app: SyncHarness) -> None:
    device, _ = sync_app.enroll_device()
    pc = OpMaker(device.id)
    facility, own_device, admin = _bootstrap(pc)

    # Not one of the three records `init` writes.
    _refused(sync_app, device, [OpMaker(device.id).new(full_name="A")], "user_required")
    other_device = OpMaker(device.id).op(
        "device",
        "another-pc",
        {"id": "another-pc", "facility_id": FACILITY_ID, "name": "X", "device_number": 9},
        bootstrap=True,
    )
    _refused(sync_app, device, [other_device], "user_required")
    renamed = OpMaker(device.id).op(
        "facility", FACILITY_ID, {"facility_id": FACILITY_ID, "code": "99999"}, bootstrap=True
    )
    _refused(sync_app, device, [renamed], "user_required")
    doctor = Op(**{**OpMaker(device.id).user("doctor").to_wire(), "user_id": None})
    _refused(sync_app, device, [doctor], "user_required")

    _push(sync_app, device, [facility, own_device, admin])
    # A second administrator with no user, even with a low device_seq: refused.
    again = Op(**{**OpMaker(device.id).user("admin").to_wire(), "user_id": None})
    _refused(sync_app, device, [again], "user_required")

    # Once ordinary work is in, the bootstrap is closed for good.
    worker = sync_app.maker(device)
    worker.seq = 3
    _push(sync_app, device, [worker.new(full_name="A")])
    late = Op(**{**own_device.to_wire(), "op_id": new_id(), "fields": {"name": "PC 1b"}})
    _refused(sync_app, device, [late], "user_required")
