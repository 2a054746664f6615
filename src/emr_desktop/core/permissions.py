"""Roles and the permission matrix (DESIGN §5).

Enforced in `services` on every call; the GUI only hides what a role cannot do. A clinical
event kind names its permission family (`EventBody.PERMISSION`): writing needs
`<family>.write`, signing needs `<family>.sign`.
"""

from __future__ import annotations

from enum import StrEnum

from emr_desktop.core.errors import PermissionDenied
from emr_desktop.core.records import Role


class Permission(StrEnum):
    PATIENT_READ = "patient.read"
    PATIENT_REGISTER = "patient.register"
    PATIENT_EDIT = "patient.edit"
    PATIENT_MERGE = "patient.merge"
    #: Clinical content of a chart (notes, results, diagnoses, medications).
    CHART_READ = "chart.read"
    ENCOUNTER_WRITE = "encounter.write"
    ENCOUNTER_SIGN = "encounter.sign"
    VITALS_WRITE = "vitals.write"
    VITALS_SIGN = "vitals.sign"
    NOTE_WRITE = "note.write"
    NOTE_SIGN = "note.sign"
    DIAGNOSIS_WRITE = "diagnosis.write"
    DIAGNOSIS_SIGN = "diagnosis.sign"
    ORDER_WRITE = "order.write"
    ORDER_SIGN = "order.sign"
    RESULT_WRITE = "result.write"
    RESULT_SIGN = "result.sign"
    PRESCRIPTION_WRITE = "prescription.write"
    PRESCRIPTION_SIGN = "prescription.sign"
    ADMINISTRATION_WRITE = "administration.write"
    ADMINISTRATION_SIGN = "administration.sign"
    ALLERGY_WRITE = "allergy.write"
    PROBLEM_WRITE = "problem.write"
    PRINT = "print"
    EXPORT = "export"
    USER_MANAGE = "user.manage"
    CATALOG_MANAGE = "catalog.manage"
    AUDIT_READ = "audit.read"
    BACKUP = "backup"
    #: Queue a signed prescription for the national e-prescription system, and record the
    #: system's answer (the prescriber, or an administrator for older prescriptions).
    EPRESCRIPTION_SEND = "eprescription.send"


P = Permission

_CLINICAL_READ = {P.PATIENT_READ, P.CHART_READ, P.PRINT}

MATRIX: dict[Role, frozenset[Permission]] = {
    Role.REGISTRAR: frozenset(
        {
            P.PATIENT_READ,
            P.PATIENT_REGISTER,
            P.PATIENT_EDIT,
            P.PATIENT_MERGE,
            P.ENCOUNTER_WRITE,
            P.ENCOUNTER_SIGN,
            P.PRINT,
        }
    ),
    Role.NURSE: frozenset(
        {
            *_CLINICAL_READ,
            P.PATIENT_REGISTER,
            P.PATIENT_EDIT,
            P.ENCOUNTER_WRITE,
            P.ENCOUNTER_SIGN,
            P.VITALS_WRITE,
            P.VITALS_SIGN,
            P.NOTE_WRITE,
            P.NOTE_SIGN,
            P.RESULT_WRITE,
            P.ADMINISTRATION_WRITE,
            P.ADMINISTRATION_SIGN,
            P.ALLERGY_WRITE,
        }
    ),
    Role.DOCTOR: frozenset(
        {
            *_CLINICAL_READ,
            P.PATIENT_REGISTER,
            P.PATIENT_EDIT,
            P.ENCOUNTER_WRITE,
            P.ENCOUNTER_SIGN,
            P.VITALS_WRITE,
            P.VITALS_SIGN,
            P.NOTE_WRITE,
            P.NOTE_SIGN,
            P.DIAGNOSIS_WRITE,
            P.DIAGNOSIS_SIGN,
            P.ORDER_WRITE,
            P.ORDER_SIGN,
            P.RESULT_WRITE,
            P.RESULT_SIGN,
            P.PRESCRIPTION_WRITE,
            P.PRESCRIPTION_SIGN,
            P.ADMINISTRATION_WRITE,
            P.ADMINISTRATION_SIGN,
            P.ALLERGY_WRITE,
            P.PROBLEM_WRITE,
            P.EXPORT,
            P.EPRESCRIPTION_SEND,
        }
    ),
    Role.PHARMACIST: frozenset({*_CLINICAL_READ, P.ALLERGY_WRITE, P.CATALOG_MANAGE}),
    Role.ADMIN: frozenset(
        {P.USER_MANAGE, P.CATALOG_MANAGE, P.AUDIT_READ, P.BACKUP, P.EXPORT, P.EPRESCRIPTION_SEND}
    ),
}

_ROLE_NAMES_VI = {
    Role.REGISTRAR: "nhân viên tiếp đón",
    Role.NURSE: "điều dưỡng",
    Role.DOCTOR: "bác sĩ",
    Role.PHARMACIST: "dược sĩ",
    Role.ADMIN: "quản trị viên",
}


def allows(role: str, permission: Permission) -> bool:
    """True if `role` holds `permission`."""
    return permission in MATRIX.get(Role(role), frozenset())


def require(role: str, permission: Permission) -> None:
    """Raise `PermissionDenied` unless `role` holds `permission`."""
    if not allows(role, permission):
        raise PermissionDenied(
            f"Vai trò {_ROLE_NAMES_VI[Role(role)]} không được phép: {permission.value}",
            f"The role {role} is not allowed to: {permission.value}",
        )


def event_permission(family: str, action: str) -> Permission:
    """The permission to `write` or `sign` an event of a permission family."""
    return Permission(f"{family}.{action}")
