"""Who may push what (DESIGN §5): facility scope, the acting user's role, signatures.

Every op of a batch is checked before it is applied; one refused op refuses the whole batch
(403, or 422 when malformed) and nothing is written.

* **Facility.** A device writes only records of its own facility (`other_facility`).
* **Role.** `op.user_id` must be a user the server knows for the device's facility
  (`unknown_user`), whose role — as the server knows it now — holds the permission of the
  write (`role_cannot_write`), by kind: patient → `patient.register` when the record is new
  on the server, `patient.edit` otherwise; patient_link → `patient.merge`; encounter →
  `encounter.write`; allergy → `allergy.write`; problem → `problem.write`; imaging_study →
  `order.write`; prescription_submission → `eprescription.send`; clinical_event →
  `<family>.write` of its body kind; user, facility, device, department, bed →
  `user.manage`. A user may change their own password (an op on their own
  user record that carries only `password_hash`) whatever their role. Kinds the server does
  not know are refused (422 `unknown_kind`).
* **Signature.** A signed clinical event must name a known user of the facility whose role
  may sign that kind (`unknown_signer`, `role_cannot_sign`), whoever pushed it.
* **Bootstrap (ops with no user).** `services.setup.initialize` writes a PC's first three
  records in one unit of work with no user logged in: the facility, the PC's own device
  record and the first administrator (device_seq 1, 2, 3). An op with `user_id` null is
  accepted only when all of these hold, else 403 `user_required`:

  1. its `device_seq` is at most 3 (`BOOTSTRAP_OPS`) and the server holds no op of this
     device with a larger `device_seq`: once a PC has pushed any ordinary work, its
     bootstrap is closed for good, and no later op can claim to be part of it;
  2. it is one of: the facility record of the device's own facility (its `code`, if sent,
     being the facility's code on the server); the device record of the pushing device
     itself; or a *new* user (unknown to the server) whose role is `admin`, the first and
     only user op with no user this device has ever pushed.

  So each enrolled PC may bring exactly one administrator of its own making — what every
  `init` does — and nothing else without a user. Enrolment itself needs a one-time code
  from the server's administrator, which is where trust in the PC comes from. The
  alternative "only while the facility has no user on the server" would refuse the second
  PC of every facility (each PC's `init` creates its own administrator).
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, select

from emr_desktop.core.merge import EVENT_KIND
from emr_desktop.core.permissions import Permission, allows, event_permission
from emr_desktop.core.records import EVENT_BODIES, Role
from emr_desktop.core.wire import Op
from emr_sync.db import facility, op_log
from emr_sync.errors import ApiError, forbidden
from emr_sync.state import State, load_state

#: How many ops `services.setup.initialize` writes with no user: facility, device, admin.
BOOTSTRAP_OPS = 3

_KIND_PERMISSIONS: dict[str, Permission] = {
    "patient_link": Permission.PATIENT_MERGE,
    "encounter": Permission.ENCOUNTER_WRITE,
    "allergy": Permission.ALLERGY_WRITE,
    "problem": Permission.PROBLEM_WRITE,
    # A study in a chart answers an imaging order: whoever may order may file it (doctors);
    # not result.write, which nurses hold for bedside results.
    "imaging_study": Permission.ORDER_WRITE,
    # Queued by the prescriber (or an administrator) and answered by the PC that sends it,
    # acting for whoever queued it.
    "prescription_submission": Permission.EPRESCRIPTION_SEND,
    "user": Permission.USER_MANAGE,
    "facility": Permission.USER_MANAGE,
    "device": Permission.USER_MANAGE,
    "department": Permission.USER_MANAGE,
    "bed": Permission.USER_MANAGE,
}


def authorize(conn: Connection, facility_id: str, device_id: str, op: Op) -> None:
    """Refuse (`ApiError`) an op the device or its user may not write; else return."""
    state = load_state(conn, op.kind, op.record_id)
    _check_facility(facility_id, op, state)
    if op.user_id is None:
        _check_bootstrap(conn, facility_id, device_id, op, state)
    else:
        _check_role(conn, facility_id, op, state)
    if op.kind == EVENT_KIND and op.fields.get("status") == "signed":
        _check_signature(conn, facility_id, op)


def _invalid(field_name: str, vi: str, en: str) -> ApiError:
    return ApiError(422, "validation", vi, en, field=field_name)


def _check_facility(facility_id: str, op: Op, state: State | None) -> None:
    claimed = op.fields.get("facility_id")
    if state is None:
        if claimed is None:
            raise _invalid(
                "op.fields.facility_id",
                "Hồ sơ mới phải ghi mã cơ sở",
                "A new record must name its facility",
            )
        if claimed != facility_id:
            raise _other_facility()
    else:
        moved = "facility_id" in op.fields and claimed != facility_id
        if state.facility_id != facility_id or moved:
            raise _other_facility()


def _other_facility() -> ApiError:
    return forbidden(
        "other_facility",
        "Thiết bị không được ghi hồ sơ của cơ sở khác",
        "A device may not write another facility's record",
        "op.fields.facility_id",
    )


def required_permission(op: Op, state: State | None) -> Permission:
    """The permission writing `op` needs (422 for a kind the server does not know)."""
    if op.kind == "patient":
        return Permission.PATIENT_REGISTER if state is None else Permission.PATIENT_EDIT
    if op.kind == EVENT_KIND:
        kind = op.fields.get("kind")
        if kind is None and state is not None:
            kind = state.values.get("kind")
        body = EVENT_BODIES.get(str(kind))
        if body is None:
            raise _invalid(
                "op.fields.kind", "Loại sự kiện lâm sàng không rõ", "Unknown clinical event kind"
            )
        return event_permission(body.PERMISSION, body.WRITE_ACTION)
    permission = _KIND_PERMISSIONS.get(op.kind)
    if permission is None:
        raise ApiError(
            422,
            "unknown_kind",
            f"Loại hồ sơ không rõ: {op.kind}",
            f"Unknown record kind: {op.kind}",
            field="op.kind",
        )
    return permission


def _role_allows(role: object, permission: Permission) -> bool:
    try:
        return allows(str(role), permission)
    except ValueError:
        return False


def _check_role(conn: Connection, facility_id: str, op: Op, state: State | None) -> None:
    permission = required_permission(op, state)
    assert op.user_id is not None
    user = load_state(conn, "user", op.user_id)
    if user is None or user.facility_id != facility_id:
        raise forbidden(
            "unknown_user",
            "Người thực hiện không phải nhân viên đã biết của cơ sở",
            "The acting user is not a known member of the facility's staff",
            "op.user_id",
        )
    if op.kind == "user" and op.record_id == op.user_id and set(op.fields) <= {"password_hash"}:
        return  # everyone may change their own password
    role = user.values.get("role")
    if not _role_allows(role, permission):
        raise forbidden(
            "role_cannot_write",
            f"Vai trò {role} không được phép: {permission.value}",
            f"The role {role} is not allowed to: {permission.value}",
            "op.user_id",
        )


def _check_bootstrap(
    conn: Connection, facility_id: str, device_id: str, op: Op, state: State | None
) -> None:
    refused = forbidden(
        "user_required",
        "Thay đổi này phải do một nhân viên đã đăng nhập thực hiện",
        "This change must be made by a logged-in member of staff",
        "op.user_id",
    )
    if op.device_seq > BOOTSTRAP_OPS:
        raise refused
    closed = conn.execute(
        select(op_log.c.seq)
        .where(
            op_log.c.facility_id == facility_id,
            op_log.c.device_id == device_id,
            op_log.c.device_seq > BOOTSTRAP_OPS,
        )
        .limit(1)
    ).first()
    if closed is not None:
        raise refused
    if op.kind == "facility":
        code = conn.execute(
            select(facility.c.code).where(facility.c.id == facility_id)
        ).scalar_one_or_none()
        sent_code = op.fields.get("code", code)
        if op.record_id != facility_id or sent_code != code:
            raise refused
        return
    if op.kind == "device":
        if op.record_id != device_id:
            raise refused
        return
    if op.kind == "user":
        if state is not None or op.fields.get("role") != Role.ADMIN:
            raise refused
        earlier = conn.execute(
            select(op_log.c.seq)
            .where(
                and_(
                    op_log.c.facility_id == facility_id,
                    op_log.c.device_id == device_id,
                    op_log.c.kind == "user",
                    op_log.c.user_id.is_(None),
                )
            )
            .limit(1)
        ).first()
        if earlier is not None:
            raise refused
        return
    raise refused


def _check_signature(conn: Connection, facility_id: str, op: Op) -> None:
    body = EVENT_BODIES.get(str(op.fields.get("kind")))
    if body is None:
        raise _invalid(
            "op.fields.kind", "Loại sự kiện lâm sàng không rõ", "Unknown clinical event kind"
        )
    signer = op.fields.get("signed_by")
    if not isinstance(signer, str) or not signer:
        raise _invalid(
            "op.fields.signed_by",
            "Bản ghi đã ký phải có người ký",
            "A signed record needs a signer",
        )
    user = load_state(conn, "user", signer)
    if user is None or user.facility_id != facility_id:
        raise forbidden(
            "unknown_signer",
            "Người ký không phải nhân viên đã biết của cơ sở",
            "The signer is not a known member of the facility's staff",
            "op.fields.signed_by",
        )
    permission = event_permission(body.PERMISSION, "sign")
    role = str(user.values.get("role"))
    if not _role_allows(role, permission):
        raise forbidden(
            "role_cannot_sign",
            f"Vai trò {role} không được ký: {permission.value}",
            f"The role {role} may not sign: {permission.value}",
            "op.fields.signed_by",
        )
