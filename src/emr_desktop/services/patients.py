"""Registering, finding and editing patients."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import Any

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.errors import ConflictError, NotFound, StorageError
from emr_desktop.core.identity import QrRegistration, parse_cccd_qr
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import IdentityStatus, Patient, PatientLink
from emr_desktop.services.auth import Session, record_header
from emr_desktop.store import search
from emr_desktop.store.rows import row_to_record
from emr_desktop.store.store import Store
from emr_desktop.store.uow import UnitOfWork

log = logging.getLogger(__name__)


def next_mrn(uow: UnitOfWork) -> str:
    """The next medical record number from this PC's block."""
    row = uow.conn.exec_driver_sql(
        "SELECT next, last FROM mrn_range WHERE device_id = ?", (uow.device_id,)
    ).fetchone()
    if row is None or row[0] > row[1]:
        raise StorageError(
            "Máy này đã dùng hết dải mã bệnh nhân; liên hệ bộ phận CNTT",
            "This PC has used up its block of patient numbers; contact IT",
        )
    uow.conn.exec_driver_sql(
        "UPDATE mrn_range SET next = next + 1 WHERE device_id = ?", (uow.device_id,)
    )
    return f"{row[0]:010d}"


def _find_by_cccd(uow: UnitOfWork, cccd: str) -> Patient | None:
    for patient in uow.find(Patient, cccd=cccd):
        if patient.deleted_at is None and not _replaced(uow, patient.id):
            return patient
    return None


def _replaced(uow: UnitOfWork, patient_id: str) -> bool:
    return any(link.status == "active" for link in uow.find(PatientLink, replaced_id=patient_id))


def register_patient(
    store: Store,
    session: Session,
    *,
    full_name: str,
    sex: str,
    date_of_birth: str | BirthDate | None = None,
    cccd: str | None = None,
    cmnd: str | None = None,
    bhyt_number: str | None = None,
    bhyt_valid_from: date | None = None,
    bhyt_valid_to: date | None = None,
    bhyt_registered_facility: str | None = None,
    phones: tuple[str, ...] = (),
    address: str | None = None,
    ethnicity: str | None = None,
    occupation: str | None = None,
    guardian_name: str | None = None,
    mother_id: str | None = None,
) -> Patient:
    """Register a new patient. Anything but a name and sex may be missing (completed later).

    A CCCD already registered on this PC is refused, naming the existing record number, so
    the clerk opens that chart instead of making a duplicate.
    """
    session.require(Permission.PATIENT_REGISTER)
    dob = BirthDate.parse(date_of_birth) if isinstance(date_of_birth, str) else date_of_birth
    with store.unit_of_work(user_id=session.user_id) as uow:
        if mother_id is not None:
            uow.get(Patient, mother_id)
        if cccd:
            status = IdentityStatus.VERIFIED
        elif dob is not None:
            status = IdentityStatus.INCOMPLETE
        else:
            status = IdentityStatus.UNKNOWN
        patient = Patient(
            **record_header(store, session),
            mrn=next_mrn(uow),
            full_name=full_name,
            sex=sex,
            date_of_birth=dob,
            cccd=cccd or None,
            cmnd=cmnd or None,
            bhyt_number=bhyt_number or None,
            bhyt_valid_from=bhyt_valid_from,
            bhyt_valid_to=bhyt_valid_to,
            bhyt_registered_facility=bhyt_registered_facility,
            phones=phones,
            address=address,
            ethnicity=ethnicity,
            occupation=occupation,
            guardian_name=guardian_name,
            mother_id=mother_id,
            identity_status=status,
        )
        if patient.cccd and (existing := _find_by_cccd(uow, patient.cccd)) is not None:
            raise ConflictError(
                f"Số CCCD này đã được đăng ký cho bệnh nhân mã {existing.mrn}",
                f"This CCCD is already registered to patient {existing.mrn}",
            )
        uow.add(patient)
        uow.audit(
            "patient.register", target_kind="patient", target_id=patient.id, patient_id=patient.id
        )
        uow.commit()
    log.info("registered patient %s", patient.id)
    return patient


def registration_from_qr(payload: str) -> QrRegistration:
    """Parse the QR code of a chip CCCD card into a registration draft (nothing is saved)."""
    return parse_cccd_qr(payload)


def register_from_qr(
    store: Store,
    session: Session,
    payload: str,
    *,
    phones: tuple[str, ...] = (),
    bhyt_number: str | None = None,
) -> Patient:
    """Register the holder of a scanned CCCD card; refuses if the CCCD is already here."""
    draft = registration_from_qr(payload)
    return register_patient(
        store,
        session,
        full_name=draft.full_name,
        sex=draft.sex,
        date_of_birth=BirthDate.parse(draft.date_of_birth.isoformat()),
        cccd=draft.cccd,
        cmnd=draft.cmnd,
        address=draft.address,
        phones=phones,
        bhyt_number=bhyt_number,
    )


def find_patients(store: Store, session: Session, query: str, *, limit: int = 20) -> list[Patient]:
    """Search by name (any accents, any case), CCCD, BHYT number, phone or record number."""
    session.require(Permission.PATIENT_READ)
    limit = max(1, min(limit, 200))
    with store.unit_of_work(user_id=session.user_id) as uow:
        pks = search.search_patient_pks(uow.conn, query, limit)
        patients = [row_to_record(Patient, row) for row in search.fetch_by_pks(uow.conn, pks)]
        uow.audit("patient.search", detail={"results": len(patients)})
        uow.commit()
    return patients


def get_patient(store: Store, session: Session, patient_id: str) -> Patient:
    """One patient's demographics (a merged-away chart resolves to its survivor)."""
    session.require(Permission.PATIENT_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        patient = uow.get(Patient, resolve_patient_id(uow, patient_id))
        uow.audit(
            "patient.read", target_kind="patient", target_id=patient.id, patient_id=patient.id
        )
        uow.commit()
    return patient


def resolve_patient_id(uow: UnitOfWork, patient_id: str) -> str:
    """Follow merge links from `patient_id` to the surviving chart."""
    seen = {patient_id}
    current = patient_id
    while True:
        links = [
            link for link in uow.find(PatientLink, replaced_id=current) if link.status == "active"
        ]
        if not links:
            uow.get(Patient, current)
            return current
        current = links[0].replaced_by
        if current in seen:
            raise ConflictError("Vòng lặp khi gộp hồ sơ", "A cycle of chart merges")
        seen.add(current)


def find_patient_by_mrn_or_id(store: Store, session: Session, key: str) -> Patient:
    """A patient by id or record number (what clerks and scripts type)."""
    session.require(Permission.PATIENT_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        matches = uow.find(Patient, mrn=key) or uow.find(Patient, id=key)
        if not matches:
            raise NotFound(f"Không tìm thấy bệnh nhân {key}", f"No patient {key}")
        patient = uow.get(Patient, resolve_patient_id(uow, matches[0].id))
        uow.audit(
            "patient.read", target_kind="patient", target_id=patient.id, patient_id=patient.id
        )
        uow.commit()
    return patient


def update_patient(
    store: Store,
    session: Session,
    patient_id: str,
    *,
    base: dict[str, str] | None = None,
    **changes: Any,
) -> Patient:
    """Change demographics; `base` is the per-field HLC when the form was opened."""
    session.require(Permission.PATIENT_EDIT)
    if "date_of_birth" in changes and isinstance(changes["date_of_birth"], str):
        changes["date_of_birth"] = BirthDate.parse(changes["date_of_birth"])
    with store.unit_of_work(user_id=session.user_id) as uow:
        current = uow.get(Patient, patient_id)
        updated = replace(current, **changes)
        if updated.cccd and updated.cccd != current.cccd:
            other = _find_by_cccd(uow, updated.cccd)
            if other is not None and other.id != patient_id:
                raise ConflictError(
                    f"Số CCCD này đã được đăng ký cho bệnh nhân mã {other.mrn}",
                    f"This CCCD is already registered to patient {other.mrn}",
                )
            updated = replace(updated, identity_status=IdentityStatus.VERIFIED)
        changed = uow.update(updated, base=base)
        uow.audit(
            "patient.update",
            target_kind="patient",
            target_id=patient_id,
            patient_id=patient_id,
            detail={"fields": changed},
        )
        uow.commit()
    return updated
