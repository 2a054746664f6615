"""Signed prescriptions on their way to the national e-prescription system, and its answers.

The queue is a synced record per prescription (`core.records.PrescriptionSubmission`), so
it survives restarts and offline days, and the prescriber sees the answer on every PC:

* **Enqueue.** Signing a prescription on a PC where e-prescribing is set up queues it
  (`enqueue_signed`, called by `prescribing.prescribe` right after the signature). The
  signature itself is written by `clinical.record_event` in its own transaction, so the
  queue is also swept (`PortalQueue.due`): every prescription signed on this PC since
  e-prescribing was set up that has no submission is queued then — a crash between the two
  transactions, or a draft signed later (`clinical.sign_event`), loses nothing. An
  administrator or the prescriber can queue an older signed prescription (`enqueue`), or
  queue a refused one again once the chart is fixed.
* **One sender.** The submission names the PC that sends it (`sender_device_id`, the PC
  that queued it). Other PCs show it but never send it, so two PCs never race one code.
* **Answers.** `PortalQueue` is what the sender (`syncclient.eprescription`) works
  through: the due items one at a time, the body of each (built at send time from the
  chart as it is then, so a refusal for a missing address is fixed by completing the chart
  and queueing again), and the answer: sent (message and checksum), refused (the system's
  error list; a human must act, no automatic retry), or failed (retried later). Each
  answer is audited. The sender acts for whoever queued the submission: the synced change
  must carry a member of staff the server accepts (`eprescription.send`).
* **Settings.** The address of the national system, the facility's interconnection code
  and the account name are this PC's settings (`meta`, not synced); the password is in the
  OS keyring (DESIGN §5), as for the PACS.

The body itself is made by `interop.eprescription`, which this layer may not import (the
layers beside each other stay apart, DESIGN §2): the GUI and the CLI hand it to
`PortalQueue` as `build_payload`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from emr_desktop.core.catalog import CatalogKind, DrugEntry, Icd10Entry
from emr_desktop.core.codec import to_plain
from emr_desktop.core.errors import (
    ConflictError,
    KeyStoreError,
    NotFound,
    ValidationError,
)
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.core.records import (
    ClinicalEvent,
    Correction,
    Diagnosis,
    Encounter,
    EventStatus,
    Patient,
    PortalError,
    Prescription,
    PrescriptionSubmission,
    SubmissionStatus,
    User,
    VitalCode,
    VitalSigns,
)
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services import catalogs, clinical
from emr_desktop.services.auth import Session
from emr_desktop.services.endpoints import MAX_SECRET_LENGTH, Endpoint
from emr_desktop.store.rows import row_to_event, row_to_record
from emr_desktop.store.schema import prescription_submission
from emr_desktop.store.store import Store
from emr_desktop.store.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_FIELD_LENGTH = 200
#: Kept text of an answer (the national system's sentences are short; a proxy's HTML is not).
MAX_ANSWER_LENGTH = 2000
#: Submission ids are UUID 5 of the prescription's event id in this namespace.
_NAMESPACE = uuid.UUID("6f0c7c52-3d1e-5b7a-9f43-2b1f0e6a9d11")
_DUE = (SubmissionStatus.QUEUED, SubmissionStatus.FAILED)


class PayloadBuilder(Protocol):
    """`interop.eprescription.prescription_payload`, as this layer calls it."""

    def __call__(
        self,
        prescription: ClinicalEvent,
        patient: Patient,
        *,
        facility_code: str,
        facility_link_code: str | None,
        prescriber_link_code: str | None,
        diagnoses: Sequence[Diagnosis],
        diagnosis_names: dict[str, str],
        generic_names: dict[str, str],
        encounter_kind: str | None = None,
        weight_kg: Decimal | None = None,
    ) -> dict[str, Any]: ...


@dataclass(frozen=True)
class EPrescribingSettings:
    """This PC's connection to the national e-prescription system (no secret in here)."""

    #: The system's address, e.g. "https://donthuocquocgia.vn"; None: not set up.
    url: str | None
    #: The facility's interconnection code (mã liên thông cơ sở khám chữa bệnh).
    facility_link_code: str | None
    #: The account the PC signs in with.
    username: str | None
    has_secret: bool
    #: When e-prescribing was first set up on this PC: prescriptions signed here since then
    #: are queued by themselves.
    configured_at: datetime | None

    @property
    def configured(self) -> bool:
        return self.url is not None


@dataclass(frozen=True)
class PortalConnection:
    """What the sender needs to reach the national system."""

    url: str
    username: str
    secret: str


@dataclass(frozen=True)
class QueueCounts:
    """How many submissions of the facility stand where (for `emr-admin eprescription status`)."""

    queued: int
    sent: int
    refused: int
    failed: int


# ------------------------------------------------------------------ settings


PORTAL = Endpoint(
    prefix="eprescription",
    name_vi="hệ thống đơn thuốc quốc gia",
    name_en="e-prescription system",
    example="https://donthuocquocgia.vn",
    carries_vi="Đơn thuốc chứa thông tin bệnh nhân,",
    carries_en="Prescriptions hold patient data and",
)
_SETTINGS = ("url", "facility_link_code", "username", "configured_at")


def _read(store: Store, facility_id: str) -> dict[str, str]:
    return PORTAL.read(store, facility_id, _SETTINGS)


def _settings(store: Store, facility_id: str) -> EPrescribingSettings:
    values = _read(store, facility_id)
    configured_at = values.get("configured_at")
    return EPrescribingSettings(
        url=values.get("url"),
        facility_link_code=values.get("facility_link_code"),
        username=values.get("username"),
        has_secret="url" in values and PORTAL.load_secret(store, facility_id) is not None,
        configured_at=datetime.fromisoformat(configured_at) if configured_at else None,
    )


def _check_text(value: str | None, field: str, vi: str, en: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(field, "required", f"Cần nhập {vi}", f"Give the {en}")
    if len(text) > MAX_FIELD_LENGTH or any(ord(c) < 32 for c in text):
        raise ValidationError(
            field,
            "format",
            f"{vi.capitalize()} không được chứa ký tự điều khiển (tối đa {MAX_FIELD_LENGTH})",
            f"The {en} may not hold control characters ({MAX_FIELD_LENGTH} at most)",
        )
    return text


def eprescribing_settings(store: Store, session: Session) -> EPrescribingSettings:
    """This PC's e-prescribing settings for the user's facility (no secret): for the
    administrator (`USER_MANAGE`) and the clinicians (`CHART_READ`)."""
    if not allows(session.role, Permission.USER_MANAGE):
        session.require(Permission.CHART_READ)
    return _settings(store, session.facility_id)


def set_eprescribing(
    store: Store,
    session: Session,
    *,
    url: str,
    facility_link_code: str,
    username: str,
    secret: str | None,
) -> EPrescribingSettings:
    """Set up this PC to send its prescriptions (administrator: `USER_MANAGE`).

    `url` is the system's address (https, or http on this PC only); `secret` the account's
    password, kept in the OS keyring (None keeps the one already there). Audited without the
    address or the secret. From now on, prescriptions signed on this PC are queued.
    """
    session.require(Permission.USER_MANAGE)
    facility_id = session.facility_id
    values = {
        "url": PORTAL.check_url(url),
        "facility_link_code": _check_text(
            facility_link_code,
            "facility_link_code",
            "mã liên thông cơ sở khám chữa bệnh",
            "facility's interconnection code",
        ),
        "username": _check_text(username, "username", "tên tài khoản", "account name"),
    }
    if secret:
        if len(secret) > MAX_SECRET_LENGTH or any(ord(c) < 32 for c in secret):
            raise ValidationError(
                "secret",
                "format",
                "Mật khẩu không được chứa ký tự điều khiển (tối đa 8192 ký tự)",
                "The password may not hold control characters (8192 characters at most)",
            )
        PORTAL.save_secret(store, facility_id, secret)
    elif PORTAL.load_secret(store, facility_id) is None:
        raise ValidationError(
            "secret",
            "required",
            "Cần mật khẩu tài khoản hệ thống đơn thuốc quốc gia",
            "The e-prescription account's password is needed",
        )
    old = _read(store, facility_id)
    values["configured_at"] = old.get("configured_at") or to_plain(utc_now())
    changed = sorted(name for name, value in values.items() if old.get(name) != value)
    if secret:
        changed.append("secret")
    with store.unit_of_work(user_id=session.user_id) as uow:
        PORTAL.write(uow, facility_id, values)
        uow.audit(
            "eprescription.settings",
            target_kind="facility",
            target_id=facility_id,
            detail={"fields": changed},
        )
        uow.commit()
    return _settings(store, facility_id)


def clear_eprescribing(store: Store, session: Session) -> None:
    """Stop sending from this PC and forget its settings, secret included (`USER_MANAGE`).
    Submissions already queued here stay queued until e-prescribing is set up again."""
    session.require(Permission.USER_MANAGE)
    facility_id = session.facility_id
    PORTAL.delete_secret(store, facility_id)
    with store.unit_of_work(user_id=session.user_id) as uow:
        PORTAL.forget(uow, facility_id, _SETTINGS)
        uow.audit("eprescription.cleared", target_kind="facility", target_id=facility_id)
        uow.commit()


def portal_connection(store: Store) -> PortalConnection | None:
    """Where this PC sends (for the background sender, which acts for no logged-in user);
    None when e-prescribing is not set up. A clear error when the password is gone."""
    facility_id = store.read_meta().get("facility_id")
    if facility_id is None:
        return None
    values = _read(store, facility_id)
    if "url" not in values:
        return None
    secret = PORTAL.load_secret(store, facility_id)
    if secret is None:
        raise KeyStoreError(
            "Không tìm thấy mật khẩu hệ thống đơn thuốc quốc gia trong kho khóa của máy này; "
            "quản trị viên cần nhập lại (`emr-admin eprescription set`)",
            "The e-prescription password is not in this PC's keyring; an administrator must "
            "enter it again (`emr-admin eprescription set`)",
        )
    return PortalConnection(url=values["url"], username=values.get("username", ""), secret=secret)


def set_prescriber_code(store: Store, session: Session, username: str, code: str | None) -> User:
    """Record a doctor's interconnection code (mã liên thông bác sĩ), issued by the national
    system; None removes it (`USER_MANAGE`). Synced with the user's account."""
    session.require(Permission.USER_MANAGE)
    with store.unit_of_work(user_id=session.user_id) as uow:
        found = uow.find(User, username=username, facility_id=session.facility_id)
        if not found:
            raise NotFound(f"Không có người dùng {username!r}", f"No user {username!r}")
        updated = replace(found[0], eprescription_code=code)
        uow.update(updated)
        uow.audit(
            "user.eprescription_code",
            target_kind="user",
            target_id=updated.id,
            detail={"set": updated.eprescription_code is not None},
        )
        uow.commit()
    return updated


# ------------------------------------------------------------------ the queue


def submission_id(prescription_id: str) -> str:
    """The id of a prescription's submission: the same on every PC."""
    return str(uuid.uuid5(_NAMESPACE, prescription_id))


def _find(uow: UnitOfWork, prescription_id: str) -> PrescriptionSubmission | None:
    found = uow.find(PrescriptionSubmission, id=submission_id(prescription_id))
    return found[0] if found else None


def _signed_prescription(event: ClinicalEvent) -> Prescription:
    if not isinstance(event.body, Prescription) or event.status != EventStatus.SIGNED:
        raise ValidationError(
            "prescription_id",
            "signed",
            "Chỉ gửi được đơn thuốc đã ký",
            "Only a signed prescription can be sent",
        )
    if event.body.code is None:
        raise ValidationError(
            "prescription_id",
            "code",
            "Đơn thuốc không có mã đơn thuốc quốc gia",
            "The prescription has no national prescription code",
        )
    return event.body


def _new_submission(
    uow: UnitOfWork, event: ClinicalEvent, *, queued_by: str, now: datetime
) -> PrescriptionSubmission:
    body = _signed_prescription(event)
    assert body.code is not None and event.signed_by is not None
    if uow.find(PrescriptionSubmission, code=body.code):
        # An amendment keeping its original's code: the national system takes a code once,
        # and how it takes a changed prescription is not known (vietnam-formats §8 item 6).
        raise ConflictError(
            f"Mã đơn thuốc {body.code} đã được đưa lên cho một phiên bản khác của đơn này",
            f"The prescription code {body.code} was already queued for another version of "
            "this prescription",
        )
    submission = PrescriptionSubmission(
        id=submission_id(event.id),
        facility_id=event.facility_id,
        created_at=now,
        created_by=queued_by,
        device_id=uow.device_id,
        patient_id=event.patient_id,
        prescription_id=event.id,
        code=body.code,
        prescriber_id=event.signed_by,
        sender_device_id=uow.device_id,
    )
    uow.add(submission)
    uow.audit(
        "eprescription.enqueue",
        target_kind=PrescriptionSubmission.KIND,
        target_id=submission.id,
        patient_id=event.patient_id,
        detail={"prescription_id": event.id},
    )
    return submission


def _configured(store: Store, facility_id: str) -> bool:
    return "url" in _read(store, facility_id)


def enqueue_signed(store: Store, event: ClinicalEvent) -> PrescriptionSubmission | None:
    """Queue a prescription just signed on this PC, if e-prescribing is set up here (acting
    for its signer). Anything else — a draft, another kind, no set-up — is left alone."""
    if (
        not isinstance(event.body, Prescription)
        or event.status != EventStatus.SIGNED
        or event.body.code is None
        or event.signed_by is None
        or not _configured(store, event.facility_id)
    ):
        return None
    with store.unit_of_work(user_id=event.signed_by) as uow:
        if _find(uow, event.id) is not None:
            return None
        try:
            submission = _new_submission(uow, event, queued_by=event.signed_by, now=utc_now())
        except ConflictError:
            log.warning("prescription %s: its code was already queued; not queued", event.id)
            return None
        uow.commit()
    return submission


def sign_and_queue(store: Store, session: Session, event_id: str, password: str) -> ClinicalEvent:
    """Sign a draft (`clinical.sign_event`) and, for a prescription on a PC that sends,
    queue it at once rather than at the sender's next sweep."""
    signed = clinical.sign_event(store, session, event_id, password)
    enqueue_signed(store, signed)
    return signed


def enqueue(store: Store, session: Session, prescription_id: str) -> PrescriptionSubmission:
    """Queue a signed prescription to be sent from this PC (`eprescription.send`): an older
    one, or one refused or failed that should be tried again (after the chart was fixed).
    A prescription already accepted is refused (a code can be sent only once)."""
    session.require(Permission.EPRESCRIPTION_SEND)
    now = utc_now()
    with store.unit_of_work(user_id=session.user_id) as uow:
        event = uow.get_event(prescription_id)
        if event.facility_id != session.facility_id:
            raise NotFound(
                f"Không tìm thấy đơn thuốc {prescription_id}",
                f"Prescription {prescription_id} not found",
            )
        existing = _find(uow, prescription_id)
        if existing is None:
            submission = _new_submission(uow, event, queued_by=session.user_id, now=now)
        elif existing.status == SubmissionStatus.SENT:
            raise ConflictError(
                f"Đơn thuốc {existing.code} đã được gửi thành công; mỗi mã chỉ gửi một lần",
                f"Prescription {existing.code} was already accepted; a code is sent only once",
            )
        else:
            submission = replace(
                existing,
                status=SubmissionStatus.QUEUED,
                next_attempt_at=None,
                sender_device_id=uow.device_id,
            )
            uow.update(submission)
            uow.audit(
                "eprescription.requeue",
                target_kind=PrescriptionSubmission.KIND,
                target_id=submission.id,
                patient_id=submission.patient_id,
                detail={"previous": existing.status},
            )
        uow.commit()
    return submission


def statuses(
    store: Store, session: Session, prescription_ids: Sequence[str]
) -> dict[str, PrescriptionSubmission]:
    """The submissions of these prescriptions, by prescription id (those never queued are
    absent). For who reads charts (`CHART_READ`)."""
    session.require(Permission.CHART_READ)
    wanted = {submission_id(p): p for p in prescription_ids}
    if not wanted:
        return {}
    table = prescription_submission
    with store.engine.connect() as conn:
        rows = conn.execute(table.select().where(table.c.id.in_(sorted(wanted)))).fetchall()
    records = [row_to_record(PrescriptionSubmission, row) for row in rows]
    return {r.prescription_id: r for r in records if r.deleted_at is None}


def status_for(
    store: Store, session: Session, prescription_id: str
) -> PrescriptionSubmission | None:
    """The submission of one prescription, if it was queued (`CHART_READ`)."""
    return statuses(store, session, [prescription_id]).get(prescription_id)


def failures_for_prescriber(
    store: Store, session: Session, prescriber_id: str | None = None
) -> list[PrescriptionSubmission]:
    """Refused submissions of a prescriber (default: the logged-in user), newest first:
    what they must act on (`CHART_READ`)."""
    session.require(Permission.CHART_READ)
    table = prescription_submission
    with store.engine.connect() as conn:
        rows = conn.execute(
            table.select()
            .where(
                table.c.prescriber_id == (prescriber_id or session.user_id),
                table.c.status == SubmissionStatus.REFUSED.value,
                table.c.deleted_at.is_(None),
            )
            .order_by(table.c.last_attempt_at.desc())
        ).fetchall()
    return [row_to_record(PrescriptionSubmission, row) for row in rows]


def queue_counts(store: Store, session: Session) -> QueueCounts:
    """The facility's submissions by status (`eprescription.send` or `USER_MANAGE`)."""
    if not allows(session.role, Permission.USER_MANAGE):
        session.require(Permission.EPRESCRIPTION_SEND)
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT status, count(*) FROM prescription_submission "
            "WHERE facility_id = ? AND deleted_at IS NULL GROUP BY status",
            (session.facility_id,),
        ).fetchall()
    counts = {str(status): int(n) for status, n in rows}
    return QueueCounts(**{s.value: counts.get(s.value, 0) for s in SubmissionStatus})


# ------------------------------------------------------------------ what the sender works through


def _superseded(uow: UnitOfWork, event: ClinicalEvent) -> bool:
    """Whether the prescription was marked entered in error (then it must not be sent)."""
    row = uow.conn.exec_driver_sql(
        "SELECT 1 FROM clinical_event WHERE corrects = ? AND correction = ? LIMIT 1",
        (event.id, Correction.ENTERED_IN_ERROR.value),
    ).first()
    return row is not None


def _diagnoses(uow: UnitOfWork, event: ClinicalEvent, body: Prescription) -> list[Diagnosis]:
    """The prescription's diagnoses, with the doctor's wording from the encounter's
    diagnosis records; without codes on the prescription, the encounter's diagnoses."""
    recorded: list[Diagnosis] = []
    if event.encounter_id is not None:
        rows = uow.conn.exec_driver_sql(
            "SELECT * FROM clinical_event WHERE encounter_id = ? AND kind = ? "
            "ORDER BY effective_at, pk",
            (event.encounter_id, Diagnosis.KIND),
        ).fetchall()
        events = [row_to_event(row) for row in rows]
        gone = {e.corrects for e in events if e.corrects} | {
            e.id for e in events if e.correction == Correction.ENTERED_IN_ERROR
        }
        recorded = [e.body for e in events if e.id not in gone and isinstance(e.body, Diagnosis)]
    if not body.diagnosis_codes:
        return recorded
    wording = {d.icd10: d.description for d in recorded if d.description}
    return [
        Diagnosis(
            icd10=code, rank="primary" if n == 0 else "secondary", description=wording.get(code)
        )
        for n, code in enumerate(body.diagnosis_codes)
    ]


def _weight(uow: UnitOfWork, patient_id: str) -> Decimal | None:
    """The patient's latest recorded weight, if any (among the last 50 vital-sign records)."""
    rows = uow.conn.exec_driver_sql(
        "SELECT * FROM clinical_event WHERE patient_id = ? AND kind = ? "
        "ORDER BY effective_at DESC, pk DESC LIMIT 50",
        (patient_id, VitalSigns.KIND),
    ).fetchall()
    for row in rows:
        body = row_to_event(row).body
        if isinstance(body, VitalSigns) and (weight := body.value(VitalCode.WEIGHT)) is not None:
            return weight
    return None


def _generic_name(drug: DrugEntry) -> str:
    return " ".join(f"{drug.active_ingredient} {drug.strength}".split())


class PortalQueue:
    """The due submissions of this PC and their answers, for `syncclient.eprescription`.

    Background work: it acts for no logged-in user; each change is made for the member of
    staff who queued the submission.
    """

    def __init__(self, store: Store, build_payload: PayloadBuilder) -> None:
        self.store = store
        self._build = build_payload

    def due(self, now: datetime) -> list[str]:
        """Ids of the submissions this PC should send now, oldest due first (after queueing
        the prescriptions signed here that were missed)."""
        self.sweep()
        table = prescription_submission
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                table.select()
                .with_only_columns(table.c.id)
                .where(
                    table.c.sender_device_id == self.store.device_id,
                    table.c.status.in_([s.value for s in _DUE]),
                    table.c.deleted_at.is_(None),
                    (table.c.next_attempt_at.is_(None))
                    | (table.c.next_attempt_at <= to_plain(now)),
                )
                .order_by(table.c.next_attempt_at, table.c.pk)
            ).fetchall()
        return [str(row[0]) for row in rows]

    def sweep(self) -> int:
        """Queue every prescription signed on this PC since e-prescribing was set up that has
        no submission yet; returns how many."""
        facility_id = self.store.read_meta().get("facility_id")
        if facility_id is None:
            return 0
        configured_at = _read(self.store, facility_id).get("configured_at")
        if configured_at is None:
            return 0
        with self.store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT * FROM clinical_event AS e WHERE e.kind = ? AND e.status = ? "
                "AND e.device_id = ? AND e.signed_at >= ? AND NOT EXISTS (SELECT 1 FROM "
                "prescription_submission AS s WHERE s.prescription_id = e.id "
                "OR s.code = json_extract(e.body, '$.code')) "
                "ORDER BY e.signed_at",
                (Prescription.KIND, EventStatus.SIGNED.value, self.store.device_id, configured_at),
            ).fetchall()
        queued = 0
        for row in rows:
            if enqueue_signed(self.store, row_to_event(row)) is not None:
                queued += 1
        if queued:
            log.info("e-prescription sweep queued %d prescriptions", queued)
        return queued

    def _submission(self, uow: UnitOfWork, submission_id: str) -> PrescriptionSubmission:
        return uow.get(PrescriptionSubmission, submission_id)

    def payload(self, submission_id: str) -> dict[str, Any] | None:
        """The body to send, or None when the submission is no longer due here (sent in the
        meantime, queued elsewhere) or the checks before sending refused it (recorded as a
        refusal for a human to act on)."""
        facility_id = self.store.read_meta().get("facility_id", "")
        link_code = _read(self.store, facility_id).get("facility_link_code")
        with self.store.unit_of_work(user_id=None) as uow:
            submission = self._submission(uow, submission_id)
            if submission.status not in _DUE or submission.sender_device_id != uow.device_id:
                return None
            event = uow.get_event(submission.prescription_id)
            try:
                return self._build_for(uow, submission, event, link_code)
            except ValidationError as error:
                problem = error
        self._refuse_locally(submission_id, problem)
        return None

    def _build_for(
        self,
        uow: UnitOfWork,
        submission: PrescriptionSubmission,
        event: ClinicalEvent,
        link_code: str | None,
    ) -> dict[str, Any]:
        body = _signed_prescription(event)
        if _superseded(uow, event):
            raise ValidationError(
                "ma_don_thuoc",
                "entered_in_error",
                "Đơn thuốc đã bị đánh dấu nhập nhầm: không gửi",
                "The prescription was marked entered in error: not sent",
            )
        patient = uow.get(Patient, event.patient_id)
        prescriber = uow.get(User, submission.prescriber_id)
        facility_code = submission.code[:5]
        diagnoses = _diagnoses(uow, event, body)
        icd = [e for e in catalogs.entries(uow, CatalogKind.ICD10) if isinstance(e, Icd10Entry)]
        codes = {d.icd10 for d in diagnoses}
        names = {e.code: e.name_vi or e.name_en for e in icd if e.code in codes}
        formulary = catalogs.drug_entries(uow)
        # The formulary's generic name only for the very product prescribed (a catalogue
        # imported since may have given the code to another product).
        generic = {
            i.drug_code: _generic_name(formulary[i.drug_code])
            for i in body.items
            if i.drug_code in formulary and formulary[i.drug_code].name_vi == i.drug_name
        }
        encounter_kind = uow.get(Encounter, event.encounter_id).kind if event.encounter_id else None
        return self._build(
            event,
            patient,
            facility_code=facility_code,
            facility_link_code=link_code,
            prescriber_link_code=prescriber.eprescription_code,
            diagnoses=diagnoses,
            diagnosis_names=names,
            generic_names=generic,
            encounter_kind=encounter_kind,
            weight_kg=_weight(uow, event.patient_id),
        )

    def _refuse_locally(self, submission_id: str, error: ValidationError) -> None:
        self._record(
            submission_id,
            "eprescription.refused_locally",
            status=SubmissionStatus.REFUSED,
            attempted=False,
            answer=error.message_vi,
            errors=(PortalError(field=error.field, code=error.rule, message=error.message_vi),),
            last_error=None,
        )

    def record_sent(
        self, submission_id: str, *, message: str, checksum: str | None, already_used: bool
    ) -> None:
        """The system accepted the prescription (or said its code was already used: the
        answer to an earlier attempt was lost, e.g. a crash or a timeout after sending)."""
        now = utc_now()
        self._record(
            submission_id,
            "eprescription.sent",
            status=SubmissionStatus.SENT,
            attempted=True,
            answer=message,
            checksum=checksum,
            sent_at=now,
            errors=(),
            last_error=None,
            next_attempt_at=None,
            detail={"already_used": already_used},
        )

    def record_refused(
        self, submission_id: str, *, message: str, errors: Sequence[PortalError]
    ) -> None:
        """The system refused the prescription (HTTP 422): kept for a human, not retried."""
        self._record(
            submission_id,
            "eprescription.refused",
            status=SubmissionStatus.REFUSED,
            attempted=True,
            answer=message,
            errors=tuple(errors),
            last_error=None,
            next_attempt_at=None,
            detail={"errors": len(errors)},
        )

    def record_failure(self, submission_id: str, *, error: str, retry_at: datetime) -> None:
        """The attempt did not get an answer (offline, 5xx, timeout): due again at
        `retry_at`."""
        self._record(
            submission_id,
            "eprescription.failed",
            status=SubmissionStatus.FAILED,
            attempted=True,
            last_error=error[:MAX_ANSWER_LENGTH],
            next_attempt_at=retry_at,
            detail={"retry_at": retry_at.isoformat()},
        )

    def attempts(self, submission_id: str) -> int:
        """How many attempts were made so far (the backoff grows with it)."""
        with self.store.unit_of_work(user_id=None) as uow:
            return self._submission(uow, submission_id).attempts

    def _record(
        self,
        submission_id: str,
        action: str,
        *,
        status: SubmissionStatus,
        attempted: bool,
        detail: dict[str, Any] | None = None,
        **changes: Any,
    ) -> None:
        now = utc_now()
        if isinstance(changes.get("answer"), str):
            changes["answer"] = changes["answer"][:MAX_ANSWER_LENGTH]
        with self.store.engine.connect() as conn:
            queued_by = conn.execute(
                prescription_submission.select()
                .with_only_columns(prescription_submission.c.created_by)
                .where(prescription_submission.c.id == submission_id)
            ).scalar_one()
        # The synced change carries the member of staff who queued the submission.
        with self.store.unit_of_work(user_id=queued_by) as uow:
            current = self._submission(uow, submission_id)
            updated = replace(
                current,
                status=status,
                attempts=current.attempts + int(attempted),
                last_attempt_at=now if attempted else current.last_attempt_at,
                **changes,
            )
            uow.update(updated)
            uow.audit(
                action,
                target_kind=PrescriptionSubmission.KIND,
                target_id=submission_id,
                patient_id=current.patient_id,
                detail={
                    "status": status.value,
                    "attempts": updated.attempts,
                    "device": uow.device_id,
                    **(detail or {}),
                },
            )
            uow.commit()
        log.info("e-prescription %s: %s", submission_id, status.value)


def errors_text(submission: PrescriptionSubmission) -> str:
    """The system's reasons for a refusal, one per line ("dia_chi: …")."""
    lines = [f"{e.field}: {e.message}" if e.field else e.message for e in submission.errors]
    return "\n".join(lines) or (submission.answer or "")


def sending_queue(store: Store, session: Session, build_payload: PayloadBuilder) -> PortalQueue:
    """The queue, for a member of staff who sends it by hand (`emr-admin eprescription
    send`; `eprescription.send`)."""
    session.require(Permission.EPRESCRIPTION_SEND)
    return PortalQueue(store, build_payload)
