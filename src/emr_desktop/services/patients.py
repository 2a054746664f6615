"""Registering, finding and editing patients."""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.errors import ConflictError, NotFound, StorageError, ValidationError
from emr_desktop.core.identity import (
    QrRegistration,
    cccd_from_qr,
    decode_cccd,
    parse_cccd_qr,
    validate_cmnd,
)
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
    if cccd:
        status = IdentityStatus.VERIFIED
    elif dob is not None:
        status = IdentityStatus.INCOMPLETE
    else:
        status = IdentityStatus.UNKNOWN
    return _add_patient(
        store,
        session,
        identity_status=status,
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
    )


def _add_patient(store: Store, session: Session, **fields: Any) -> Patient:
    """Save a new patient in one transaction: a record number, the duplicate-CCCD check
    and the audit row."""
    with store.unit_of_work(user_id=session.user_id) as uow:
        if fields.get("mother_id") is not None:
            uow.get(Patient, fields["mother_id"])
        patient = Patient(**record_header(store, session), mrn=next_mrn(uow), **fields)
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


#: The name an unidentified emergency patient is registered under until identified.
UNIDENTIFIED_NAME = "Bệnh nhân chưa rõ danh tính"


def register_unidentified_patient(
    store: Store, session: Session, *, sex: str, estimated_birth_year: int | None = None
) -> Patient:
    """Register an emergency patient nobody can identify (unconscious, alone, no papers).

    Only the sex and, when staff can estimate the age, a year-only birth date are known; the
    identity status stays "unknown" so the chart is flagged until `update_patient` completes
    it. The record number tells such patients apart.
    """
    session.require(Permission.PATIENT_REGISTER)
    dob = None if estimated_birth_year is None else BirthDate.of_year(estimated_birth_year)
    return _add_patient(
        store,
        session,
        identity_status=IdentityStatus.UNKNOWN,
        full_name=UNIDENTIFIED_NAME,
        sex=sex,
        date_of_birth=dob,
    )


def find_patient_by_cccd(store: Store, session: Session, cccd: str) -> Patient | None:
    """The patient registered with this CCCD number, if any (a scanned card's holder).

    Only the number is compared, so a card whose name a scanner garbled is still found.
    """
    session.require(Permission.PATIENT_READ)
    number = "".join(cccd.split())
    with store.unit_of_work(user_id=session.user_id) as uow:
        patient = _find_by_cccd(uow, number)
        if patient is None:
            return None
        uow.audit(
            "patient.read", target_kind="patient", target_id=patient.id, patient_id=patient.id
        )
        uow.commit()
    return patient


def registration_from_qr(payload: str) -> QrRegistration:
    """Parse the QR code of a chip CCCD card into a registration draft (nothing is saved)."""
    return parse_cccd_qr(payload)


@dataclass(frozen=True, slots=True)
class CardScan:
    """What a scanned CCCD card gives a registration form: only what survived the scanner.

    Keyboard-wedge scanners type the QR payload through the keyboard layout and often mangle
    or drop Vietnamese diacritics; the digits survive. A name or address that arrived
    damaged is left out (None) and `garbled` is set, so the clerk retypes it from the card
    instead of saving a wrong name.
    """

    cccd: str
    cmnd: str | None
    full_name: str | None
    date_of_birth: date | None
    sex: str
    address: str | None
    garbled: bool


# The marks Vietnamese letters carry: grave, acute, circumflex, tilde, breve, hook above,
# horn, dot below.
_VIETNAMESE_MARKS = frozenset("\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323")
_NAME_PUNCTUATION = frozenset(" '-")
_ADDRESS_PUNCTUATION = frozenset(" '-,./()#:;0123456789")


def _is_vietnamese_letter(char: str) -> bool:
    if char in "đĐ":
        return True
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    return base.isascii() and base.isalpha() and all(m in _VIETNAMESE_MARKS for m in marks)


def _damaged(text: str, allowed: frozenset[str]) -> bool:
    """A name or address holding what no Vietnamese text holds: "?", U+FFFD, or letters
    of another script (mojibake such as "Nguyá»…n")."""
    return any(not (_is_vietnamese_letter(c) or c in allowed) for c in text)


def read_card_scan(payload: str) -> CardScan:
    """Read a scanned chip-CCCD QR payload for registration, tolerating a garbled scan.

    The CCCD number must be intact (else ValidationError(field="qr") as for
    `registration_from_qr`). A payload that parses cleanly is taken whole unless its name
    or address holds characters no Vietnamese text has, or unless the whole payload is
    plain ASCII (every Vietnamese address has diacritics: a scanner dropped them). When the
    payload does not parse, the number is kept; the old CMND and the birth date only if
    well formed and consistent with the number; the sex is read from the number (its 4th
    digit), and the name and address are left for the clerk.
    """
    try:
        card = parse_cccd_qr(payload)
    except ValidationError:
        cccd = cccd_from_qr(payload)
        if cccd is None:
            raise
        return _salvage_card_scan(cccd, payload)
    stripped = unicodedata.normalize("NFC", payload).isascii()
    name_bad = stripped or _damaged(card.full_name, _NAME_PUNCTUATION)
    address_bad = stripped or _damaged(card.address, _ADDRESS_PUNCTUATION)
    return CardScan(
        cccd=card.cccd,
        cmnd=card.cmnd,
        full_name=None if name_bad else card.full_name,
        date_of_birth=card.date_of_birth,
        sex=card.sex,
        address=None if address_bad or not card.address else card.address,
        garbled=name_bad or address_bad,
    )


def _salvage_card_scan(cccd: str, payload: str) -> CardScan:
    parts = [part.strip() for part in unicodedata.normalize("NFC", payload).strip().split("|")]
    info = decode_cccd(cccd)
    cmnd = None
    if len(parts) > 1 and parts[1]:
        try:
            cmnd = validate_cmnd(parts[1])
        except ValidationError:
            cmnd = None
    born = None
    if len(parts) > 3 and len(parts[3]) == 8 and parts[3].isascii() and parts[3].isdigit():
        try:
            candidate = date(int(parts[3][4:]), int(parts[3][2:4]), int(parts[3][:2]))
        except ValueError:
            candidate = None
        if candidate is not None and candidate.year == info.birth_year_full:
            born = candidate
    return CardScan(
        cccd=cccd,
        cmnd=cmnd,
        full_name=None,
        date_of_birth=born,
        sex=info.sex,
        address=None,
        garbled=True,
    )


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
