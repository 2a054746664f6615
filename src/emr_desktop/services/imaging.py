"""Imaging studies in the chart: whose they are, where their images are kept, what they answer.

`imaging` reads DICOM and talks to the PACS; this module keeps what it found (DESIGN §2: the
two are siblings, and exchange the plain data of `core.imaging`). A study is

* an `ImagingStudy` record — metadata only, synced to every PC of the facility;
* its DICOM instances in the local table `imaging_instance`, inside the encrypted store:
  imported from a CD or USB stick (`source` "import": kept on the PC that imported them) or
  fetched from the PACS ("pacs": a cache, evicted oldest-viewed first, fetched again on
  demand). Pixels never sync.

A study imported on one PC reaches the others through the PACS (`upload_study`, STOW-RS):
once the PACS holds every instance, the record's `source` becomes "pacs" — no new field:
"pacs" already means "any PC fetches it from the PACS" — while `held_on_device` still
names the importing PC, whose copy stays (its rows remain "import": never evicted). A PC
that knows the record but no instance lists them from the PACS (`list_pacs_instances`)
and fetches each as it is shown. Nothing is marked until the PACS has it all.

Matching a study to a chart (`match_patient`): the DICOM PatientID equal to the record number
("mrn"); PatientID or OtherPatientIDs equal to the chart's CCCD ("cccd"); else the same name,
folded (no diacritics, any case), and birth date ("name_birth"). Whatever found the chart,
what differs between the DICOM and the chart (name, birth date, sex) is listed, and an import
with differences needs `confirm_mismatch=True` — the confirmation is audited (the fields,
never the values).

Reports and key images (`write_report`, `attach_key_image`) are clinical events of the chart,
recorded, signed and amended through `services.clinical`: an `ImagingReport` names the study
and the order it answers, and goes in the order's encounter; a key image is a PNG kept as an
`Attachment`. Both sync as every clinical event does; the attachment's bytes follow
apart, uploaded to the server and fetched by the other PCs (`syncclient.engine`).

Permissions: importing a study or linking it to an order needs `order.write` (doctors; the
server checks the same for the synced record, `emr_sync.authz`); reading needs `chart.read`.
A report is the reading of the images: it needs `result.write` and `result.sign` (doctors;
nurses hold `result.write` for bedside results only). A key image needs `chart.read` and
`note.write`. Audited: "imaging.import", "imaging.link_order", "imaging.view" (once per
viewing), "imaging.list", "imaging.match", "imaging.evict", "imaging.upload" (sending a
study to the PACS: counts only; `order.write`), "imaging.reports" (reading a study's
reports); reports and key images as their events are ("imaging_report.record",
"attachment.record", "event.amends", …).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol

from sqlalchemy import select

from emr_desktop.core.catalog import CatalogKind, ImagingServiceEntry
from emr_desktop.core.codec import to_plain
from emr_desktop.core.errors import ConflictError, NotFound, ValidationError
from emr_desktop.core.imaging import (
    DicomInstance,
    DicomStudy,
    Mismatch,
    PatientMatch,
    SeriesSummary,
    StoredInstance,
    modality_family,
    order_accession,
    require_uid,
    sex_from_dicom,
    study_record_id,
)
from emr_desktop.core.permissions import Permission, event_permission
from emr_desktop.core.records import (
    ClinicalEvent,
    EventStatus,
    ImagingReport,
    ImagingSource,
    ImagingStudy,
    Order,
    OrderCategory,
    Patient,
)
from emr_desktop.core.text import fold
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services import catalogs, clinical
from emr_desktop.services.auth import Session, record_header
from emr_desktop.services.chart import linked_ids
from emr_desktop.services.patients import resolve_patient_id
from emr_desktop.store import search
from emr_desktop.store.rows import row_to_event, row_to_record
from emr_desktop.store.schema import clinical_event, imaging_study
from emr_desktop.store.store import Store
from emr_desktop.store.uow import UnitOfWork

log = logging.getLogger(__name__)

#: SOP instance UIDs per `IN (...)` (well under SQLite's limit of bound values).
_CHUNK = 500
#: Charts with a similar name offered when no chart matched.
_CANDIDATES = 10


# --------------------------------------------------------------------------- matching


def _live(uow: UnitOfWork, patients: Iterable[Patient]) -> list[str]:
    """The surviving charts of `patients` (merges followed, deleted ones left out)."""
    found: dict[str, None] = {}
    for patient in patients:
        if patient.deleted_at is not None:
            continue
        survivor = resolve_patient_id(uow, patient.id)
        if uow.get(Patient, survivor).deleted_at is None:
            found[survivor] = None
    return list(found)


def _cccd(value: str) -> str | None:
    digits = "".join(c for c in value if not c.isspace() and c not in "-.")
    return digits if len(digits) == 12 and digits.isascii() and digits.isdigit() else None


def _same_birth(study: DicomStudy, patient: Patient) -> bool | None:
    """True/False when both give a birth date (a year-only chart compares the year), None
    when one of them does not."""
    born, chart = study.patient_birth_date, patient.date_of_birth
    if born is None or chart is None:
        return None
    return born == chart.date if chart.date is not None else born.year == chart.year


def _mismatches(study: DicomStudy, patient: Patient) -> tuple[Mismatch, ...]:
    """What the DICOM says of the patient that the chart does not (user-visible text: it
    holds names and dates, and is never logged)."""
    found = []
    if study.patient_name and fold(study.patient_name) != fold(patient.full_name):
        found.append(
            Mismatch(
                "name",
                f"Họ tên trên ảnh “{study.patient_name}” khác họ tên trong hồ sơ "
                f"“{patient.full_name}”",
                f"The name in the images “{study.patient_name}” differs from the chart's "
                f"“{patient.full_name}”",
            )
        )
    if _same_birth(study, patient) is False:
        assert study.patient_birth_date is not None and patient.date_of_birth is not None
        dicom = study.patient_birth_date.strftime("%d/%m/%Y")
        chart = (
            patient.date_of_birth.date.strftime("%d/%m/%Y")
            if patient.date_of_birth.date
            else str(patient.date_of_birth.year)
        )
        found.append(
            Mismatch(
                "birth_date",
                f"Ngày sinh trên ảnh {dicom} khác ngày sinh trong hồ sơ {chart}",
                f"The birth date in the images {dicom} differs from the chart's {chart}",
            )
        )
    sex = sex_from_dicom(study.patient_sex)
    if sex in ("male", "female") and patient.sex in ("male", "female") and sex != patient.sex:
        vi = {"male": "Nam", "female": "Nữ"}
        found.append(
            Mismatch(
                "sex",
                f"Giới tính trên ảnh ({vi[sex]}) khác hồ sơ ({vi[patient.sex]})",
                f"The sex in the images ({sex}) differs from the chart's ({patient.sex})",
            )
        )
    return tuple(found)


def _by_name(uow: UnitOfWork, name: str, limit: int) -> list[Patient]:
    pks = search.search_patient_pks(uow.conn, name, limit)
    return [row_to_record(Patient, row) for row in search.fetch_by_pks(uow.conn, pks)]


def _match(uow: UnitOfWork, study: DicomStudy) -> PatientMatch:
    dicom_id = (study.patient_id or "").strip()
    if dicom_id:
        charts = _live(uow, uow.find(Patient, mrn=dicom_id))
        if len(charts) == 1:
            return _matched(uow, study, charts[0], "mrn")
    for value in (dicom_id, *study.other_patient_ids):
        cccd = _cccd(value)
        if cccd is None:
            continue
        charts = _live(uow, uow.find(Patient, cccd=cccd))
        if len(charts) == 1:
            return _matched(uow, study, charts[0], "cccd")
    if not study.patient_name:
        return PatientMatch(None, None)
    folded = fold(study.patient_name)
    similar = _by_name(uow, study.patient_name, 50)
    if study.patient_birth_date is not None:
        same = _live(
            uow,
            (p for p in similar if fold(p.full_name) == folded and _same_birth(study, p) is True),
        )
        if len(same) == 1:
            return _matched(uow, study, same[0], "name_birth")
    candidates = _live(uow, similar)[:_CANDIDATES]
    return PatientMatch(None, None, candidates=tuple(candidates))


def _matched(uow: UnitOfWork, study: DicomStudy, patient_id: str, basis: str) -> PatientMatch:
    return PatientMatch(patient_id, basis, _mismatches(study, uow.get(Patient, patient_id)))


def match_patient(store: Store, session: Session, study: DicomStudy) -> PatientMatch:
    """Find the chart a study belongs to (see the module's docstring); audited as a
    search ("imaging.match")."""
    session.require(Permission.PATIENT_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        match = _match(uow, study)
        uow.audit(
            "imaging.match",
            target_kind="patient" if match.patient_id else None,
            target_id=match.patient_id,
            patient_id=match.patient_id,
            detail={"basis": match.basis, "candidates": len(match.candidates)},
        )
        uow.commit()
    return match


def compare_with_chart(
    store: Store, session: Session, patient_id: str, study: DicomStudy
) -> PatientMatch:
    """How the DICOM's patient compares with a chart the user chose (basis None)."""
    session.require(Permission.PATIENT_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        survivor = resolve_patient_id(uow, patient_id)
        return PatientMatch(survivor, None, _mismatches(study, uow.get(Patient, survivor)))


# --------------------------------------------------------------------------- orders


@dataclass(frozen=True)
class OrderProposal:
    """The imaging order a study probably answers: `basis` "accession" (the DICOM carries
    the order's accession number, `core.imaging.order_accession`) or "modality" (an open
    order of the same kind of examination)."""

    order: ClinicalEvent
    basis: str
    accession_number: str


def _current(events: Iterable[ClinicalEvent]) -> list[ClinicalEvent]:
    """The events as the chart reads them: amended ones replaced by their amendments,
    those entered in error (and the records saying so) left out."""
    listed = list(events)
    gone: set[str] = set()
    for event in listed:
        if event.corrects is not None:
            gone.add(event.corrects)
            if event.correction == "entered_in_error":
                gone.add(event.id)
    return [e for e in listed if e.id not in gone]


def _imaging_services(uow: UnitOfWork) -> list[ImagingServiceEntry]:
    """The imaging catalogue in force."""
    return [
        e for e in catalogs.entries(uow, CatalogKind.IMAGING) if isinstance(e, ImagingServiceEntry)
    ]


def _is_open_order_candidate(event: ClinicalEvent) -> bool:
    return isinstance(event.body, Order) and event.body.category == OrderCategory.IMAGING


def _open_imaging_orders(
    uow: UnitOfWork, patient_ids: list[str], except_study: str | None
) -> list[ClinicalEvent]:
    """The patient's imaging orders that nothing answers yet: not corrected away, no
    imaging report and no other study linked to them. Oldest first."""
    rows = uow.conn.execute(
        select(clinical_event)
        .where(
            clinical_event.c.patient_id.in_(patient_ids),
            clinical_event.c.kind.in_([Order.KIND, ImagingReport.KIND]),
        )
        .order_by(clinical_event.c.effective_at, clinical_event.c.pk)
    ).all()
    events = _current([row_to_event(row) for row in rows])
    answered = {
        e.body.order_id for e in events if isinstance(e.body, ImagingReport) and e.body.order_id
    }
    linked = uow.conn.execute(
        select(imaging_study.c.order_id).where(
            imaging_study.c.patient_id.in_(patient_ids),
            imaging_study.c.order_id.is_not(None),
            imaging_study.c.deleted_at.is_(None),
            imaging_study.c.id != (except_study or ""),
        )
    ).scalars()
    answered.update(linked)
    return [e for e in events if _is_open_order_candidate(e) and e.id not in answered]


def _propose(
    uow: UnitOfWork, survivor: str, study: DicomStudy, record_id: str
) -> OrderProposal | None:
    orders = _open_imaging_orders(uow, linked_ids(uow, survivor), record_id)
    accession = (study.accession_number or "").strip()
    if accession:
        for order in orders:
            if order_accession(order.id) == accession:
                return OrderProposal(order, "accession", accession)
    families = {modality_family(m) for m in study.modalities}
    services = {e.code: e for e in _imaging_services(uow)}
    matching = []
    for order in orders:
        assert isinstance(order.body, Order)
        entry = services.get(order.body.service_code)
        if entry is not None and modality_family(entry.modality) in families:
            matching.append(order)
    if study.study_at is not None:
        # Ordered before the images were made (a day's slack for a PC with a wrong clock).
        before = [o for o in matching if o.effective_at <= study.study_at + timedelta(days=1)]
        matching = before or matching
    if not matching:
        return None
    order = matching[-1]
    return OrderProposal(order, "modality", order_accession(order.id))


def proposed_order(
    store: Store, session: Session, patient_id: str, study: DicomStudy
) -> OrderProposal | None:
    """The patient's open imaging order the study most likely answers, to propose (the user
    confirms): the one whose accession number the DICOM carries, else the latest open order
    of the same kind of examination (modality of the ordered service: CR, DX and DR all
    count as X-ray) made before the study. None when there is none."""
    session.require(Permission.CHART_READ)
    require_uid(study.study_instance_uid, "study_instance_uid")
    with store.unit_of_work(user_id=session.user_id) as uow:
        survivor = resolve_patient_id(uow, patient_id)
        return _propose(
            uow, survivor, study, study_record_id(session.facility_id, study.study_instance_uid)
        )


def _check_order(uow: UnitOfWork, survivor: str, order_id: str) -> ClinicalEvent:
    refused = ValidationError(
        "order_id",
        "imaging_order",
        "Chỉ định này không phải chỉ định chẩn đoán hình ảnh của bệnh nhân",
        "This is not an imaging order of the patient",
    )
    try:
        order = uow.get_event(order_id)
    except NotFound:
        raise refused from None
    if not _is_open_order_candidate(order) or resolve_patient_id(uow, order.patient_id) != survivor:
        raise refused
    withdrawn = uow.conn.exec_driver_sql(
        "SELECT 1 FROM clinical_event WHERE corrects = ? AND correction = 'entered_in_error'",
        (order_id,),
    ).first()
    if withdrawn is not None or order.correction == "entered_in_error":
        raise ValidationError(
            "order_id",
            "entered_in_error",
            "Chỉ định này đã bị đánh dấu nhập nhầm",
            "This order was marked entered in error",
        )
    return order


# --------------------------------------------------------------------------- storing


def _require_source(source: str) -> str:
    try:
        return ImagingSource(source).value
    except ValueError:
        raise ValidationError(
            "source",
            "choice",
            f"Nguồn ảnh {source!r} không hợp lệ (import, pacs)",
            f"Invalid image source {source!r} (import, pacs)",
        ) from None


def _check_instances(
    study_uid: str, instances: Sequence[tuple[DicomInstance, bytes]]
) -> list[tuple[DicomInstance, bytes]]:
    """The instances, each once, all of the study and with bytes."""
    unique: dict[str, tuple[DicomInstance, bytes]] = {}
    for instance, data in instances:
        if instance.study_instance_uid != study_uid:
            raise ValidationError(
                "instances",
                "same_study",
                "Có ảnh không thuộc ca chụp này",
                "An instance belongs to another study",
            )
        require_uid(instance.sop_instance_uid, "sop_instance_uid")
        require_uid(instance.series_instance_uid, "series_instance_uid")
        if not data:
            raise ValidationError(
                "instances", "empty", "Có ảnh không có dữ liệu", "An instance has no data"
            )
        unique.setdefault(instance.sop_instance_uid, (instance, data))
    return list(unique.values())


def _stored(uow: UnitOfWork, sops: list[str]) -> dict[str, tuple[str, bool]]:
    """SOP uid → (its study uid, whether its bytes are held) of those already stored."""
    found: dict[str, tuple[str, bool]] = {}
    for start in range(0, len(sops), _CHUNK):
        chunk = sops[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = uow.conn.exec_driver_sql(
            "SELECT sop_instance_uid, study_instance_uid, held "  # noqa: S608
            f"FROM imaging_instance WHERE sop_instance_uid IN ({marks})",
            tuple(chunk),
        )
        found.update((str(sop), (str(study), bool(held))) for sop, study, held in rows)
    return found


def _store_instances(
    uow: UnitOfWork,
    patient_id: str,
    instances: list[tuple[DicomInstance, bytes]],
    source: str,
) -> tuple[int, int]:
    """Write the instances not yet held; returns (added, already held)."""
    stored = _stored(uow, [i.sop_instance_uid for i, _ in instances])
    now = to_plain(utc_now())
    new_rows = []
    refill = []
    skipped = 0
    for instance, data in instances:
        previous = stored.get(instance.sop_instance_uid)
        if previous is not None and previous[0] != instance.study_instance_uid:
            raise ConflictError(
                "Một ảnh mang mã (SOP Instance UID) của ảnh thuộc ca chụp khác đã lưu",
                "An instance carries the SOP Instance UID of a stored image of another study",
            )
        if previous is not None and previous[1]:
            skipped += 1
            if source == ImagingSource.IMPORT:
                # Imported now: kept for good, no longer an evictable cache entry.
                uow.conn.exec_driver_sql(
                    "UPDATE imaging_instance SET source = 'import' WHERE sop_instance_uid = ?",
                    (instance.sop_instance_uid,),
                )
            continue
        position = json.dumps(list(instance.image_position)) if instance.image_position else None
        values = (
            instance.study_instance_uid,
            instance.series_instance_uid,
            patient_id,
            instance.instance_number,
            position,
            instance.frames,
            len(data),
            data,
            source,
            now,
        )
        if previous is not None:
            refill.append((*values, instance.sop_instance_uid))
        else:
            new_rows.append((instance.sop_instance_uid, *values))
    if new_rows:
        uow.conn.exec_driver_sql(
            "INSERT INTO imaging_instance (sop_instance_uid, study_instance_uid, "
            "series_instance_uid, patient_id, instance_number, image_position, frames, size, "
            "data, source, stored_at, held) VALUES (?,?,?,?,?,?,?,?,?,?,?,1)",
            new_rows,
        )
    if refill:
        uow.conn.exec_driver_sql(
            "UPDATE imaging_instance SET study_instance_uid = ?, series_instance_uid = ?, "
            "patient_id = ?, instance_number = ?, image_position = ?, frames = ?, size = ?, "
            "data = ?, source = ?, stored_at = ?, held = 1 WHERE sop_instance_uid = ?",
            refill,
        )
    return len(new_rows) + len(refill), skipped


def _series_counts(uow: UnitOfWork, study_uid: str) -> dict[str, int]:
    rows = uow.conn.exec_driver_sql(
        "SELECT series_instance_uid, count(*) FROM imaging_instance "
        "WHERE study_instance_uid = ? GROUP BY series_instance_uid",
        (study_uid,),
    )
    return {str(uid): int(count) for uid, count in rows}


def _merged_series(
    held: Sequence[SeriesSummary], found: Sequence[SeriesSummary], counts: dict[str, int]
) -> tuple[SeriesSummary, ...]:
    """The study's series: those known before, with what was found now, each counting the
    most instances any source has seen (media, PACS, or this PC's table)."""
    merged: dict[str, SeriesSummary] = {s.series_instance_uid: s for s in held}
    for series in found:
        before = merged.get(series.series_instance_uid)
        merged[series.series_instance_uid] = (
            series
            if before is None
            else replace(
                series,
                number=series.number if series.number is not None else before.number,
                description=series.description or before.description,
                modality=series.modality or before.modality,
                instances=max(before.instances, series.instances),
            )
        )
    result = [
        replace(s, instances=max(s.instances, counts.get(s.series_instance_uid, 0)))
        for s in merged.values()
    ]
    result.sort(key=lambda s: (s.number is None, s.number or 0, s.series_instance_uid))
    return tuple(result)


def _clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else None


def _find_study(uow: UnitOfWork, session: Session, study_uid: str) -> ImagingStudy | None:
    """The facility's record of the study (by its derived id), else any record of it."""
    by_id = uow.find(ImagingStudy, id=study_record_id(session.facility_id, study_uid))
    if by_id:
        return by_id[0]
    others = uow.find(ImagingStudy, study_instance_uid=study_uid)
    live = [s for s in others if s.deleted_at is None]
    chosen = live or others
    return chosen[0] if chosen else None


def _require_study(uow: UnitOfWork, session: Session, study_uid: str) -> ImagingStudy:
    study = _find_study(uow, session, study_uid)
    if study is None or study.deleted_at is not None:
        raise NotFound(
            "Không có ca chụp này trong hồ sơ", "This study is not in any chart on this PC"
        )
    return study


def save_study(
    store: Store,
    session: Session,
    patient_id: str,
    study: DicomStudy,
    instances: Sequence[tuple[DicomInstance, bytes]],
    *,
    source: str,
    order_id: str | None = None,
    confirm_mismatch: bool = False,
) -> ImagingStudy:
    """Keep a study in a patient's chart, with its instances, in one transaction: all of it
    is stored, or nothing is.

    Refused: differences between the DICOM's patient and the chart unless
    `confirm_mismatch` (ValidationError "identity_mismatch"); a study already in another
    patient's chart (ConflictError); an `order_id` that is not an imaging order of this
    patient. A study already in this chart gets the instances it did not have; those it
    has are skipped. `source` "import" needs instances (they stay on this PC); "pacs" may
    come without (fetched later, `add_instances`).
    """
    session.require(Permission.ORDER_WRITE)
    source = _require_source(source)
    study_uid = require_uid(study.study_instance_uid, "study_instance_uid")
    unique = _check_instances(study_uid, instances)
    if source == ImagingSource.IMPORT and not unique:
        raise ValidationError(
            "instances",
            "required",
            "Ca chụp nhập từ tệp phải có ít nhất một ảnh",
            "An imported study needs at least one instance",
        )
    with store.unit_of_work(user_id=session.user_id) as uow:
        survivor = resolve_patient_id(uow, patient_id)
        patient = uow.get(Patient, survivor)
        differences = _mismatches(study, patient)
        if differences and not confirm_mismatch:
            raise ValidationError(
                "patient",
                "identity_mismatch",
                "Thông tin bệnh nhân trên ảnh khác hồ sơ; cần xác nhận: "
                + "; ".join(m.vi for m in differences),
                "The patient in the images differs from the chart; confirm first: "
                + "; ".join(m.en for m in differences),
            )
        existing = _find_study(uow, session, study_uid)
        if (
            existing is not None
            and existing.deleted_at is None
            and resolve_patient_id(uow, existing.patient_id) != survivor
        ):
            raise ConflictError(
                "Ca chụp này đã được lưu vào hồ sơ của một bệnh nhân khác",
                "This study is already in another patient's chart",
            )
        added, skipped = _store_instances(uow, survivor, unique, source)
        if order_id is not None:
            _check_order(uow, survivor, order_id)
        series = _merged_series(
            existing.series if existing else (), study.series, _series_counts(uow, study_uid)
        )
        modalities = tuple(
            dict.fromkeys([*(existing.modalities if existing else ()), *study.modalities])
        )
        keeps_here = source == ImagingSource.IMPORT
        if existing is None:
            header = record_header(store, session)
            header["id"] = study_record_id(session.facility_id, study_uid)
            record = ImagingStudy(
                **header,
                patient_id=survivor,
                study_instance_uid=study_uid,
                study_at=study.study_at,
                modalities=modalities,
                description=_clip(study.description, 1024),
                accession_number=_clip(study.accession_number, 64),
                order_id=order_id,
                series=series,
                source=source,
                held_on_device=store.device_id if keeps_here else None,
                source_patient_id=_clip(study.patient_id, 64),
                source_patient_name=_clip(study.patient_name, 255),
            )
            uow.add(record)
        else:
            same_chart = resolve_patient_id(uow, existing.patient_id) == survivor
            record = replace(
                existing,
                # A deleted record of the study may have been another chart's.
                patient_id=existing.patient_id if same_chart else survivor,
                deleted_at=None,
                study_at=existing.study_at or study.study_at,
                modalities=modalities,
                description=existing.description or _clip(study.description, 1024),
                accession_number=existing.accession_number or _clip(study.accession_number, 64),
                order_id=order_id or existing.order_id,
                series=series,
                # A study in the PACS stays fetchable by every PC, whoever imported a copy.
                source=ImagingSource.PACS
                if ImagingSource.PACS in (existing.source, source)
                else ImagingSource.IMPORT,
                held_on_device=store.device_id if keeps_here else existing.held_on_device,
            )
            uow.update(record)
        uow.audit(
            "imaging.import",
            target_kind=ImagingStudy.KIND,
            target_id=record.id,
            patient_id=survivor,
            detail={
                "source": source,
                "new_record": existing is None,
                "instances_added": added,
                "instances_skipped": skipped,
                "mismatch_confirmed": [m.field for m in differences],
                "order_id": order_id,
            },
        )
        if order_id is not None and (existing is None or existing.order_id != order_id):
            uow.audit(
                "imaging.link_order",
                target_kind=ImagingStudy.KIND,
                target_id=record.id,
                patient_id=survivor,
                detail={"order_id": order_id, "previous": existing.order_id if existing else None},
            )
        uow.commit()
    log.info("imaging study %s saved: %d instances added, %d skipped", record.id, added, skipped)
    return record


def add_instances(
    store: Store,
    session: Session,
    study_uid: str,
    instances: Sequence[tuple[DicomInstance, bytes]],
    *,
    source: str = "pacs",
) -> int:
    """Keep instances of a study already in a chart (fetched from the PACS: a cache, evicted
    when space is needed; or "import"). Returns how many were not held before."""
    session.require(Permission.CHART_READ)
    source = _require_source(source)
    unique = _check_instances(require_uid(study_uid, "study_instance_uid"), instances)
    with store.unit_of_work(user_id=session.user_id) as uow:
        study = _require_study(uow, session, study_uid)
        added, _ = _store_instances(uow, study.patient_id, unique, source)
        uow.commit()
    return added


def link_order(
    store: Store, session: Session, study_uid: str, order_id: str | None
) -> ImagingStudy:
    """Say which imaging order the study answers (None: none)."""
    session.require(Permission.ORDER_WRITE)
    with store.unit_of_work(user_id=session.user_id) as uow:
        study = _require_study(uow, session, study_uid)
        survivor = resolve_patient_id(uow, study.patient_id)
        if order_id is not None:
            _check_order(uow, survivor, order_id)
        updated = replace(study, order_id=order_id)
        uow.update(updated)
        uow.audit(
            "imaging.link_order",
            target_kind=ImagingStudy.KIND,
            target_id=study.id,
            patient_id=survivor,
            detail={"order_id": order_id, "previous": study.order_id},
        )
        uow.commit()
    return updated


# --------------------------------------------------------------------------- reading


def _sort_key(study: ImagingStudy) -> tuple[bool, str, str]:
    return (study.study_at is None, to_plain(study.study_at) or "", study.id)


def studies(store: Store, session: Session, patient_id: str) -> list[ImagingStudy]:
    """The patient's studies (merged charts included), newest first; audited."""
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        survivor = resolve_patient_id(uow, patient_id)
        ids = linked_ids(uow, survivor)
        rows = uow.conn.execute(
            select(imaging_study).where(
                imaging_study.c.patient_id.in_(ids), imaging_study.c.deleted_at.is_(None)
            )
        ).all()
        found = [row_to_record(ImagingStudy, row) for row in rows]
        uow.audit(
            "imaging.list",
            target_kind="patient",
            target_id=survivor,
            patient_id=survivor,
            detail={"studies": len(found)},
        )
        uow.commit()
    dated = sorted((s for s in found if s.study_at is not None), key=_sort_key, reverse=True)
    return dated + sorted((s for s in found if s.study_at is None), key=lambda s: s.id)


def study(store: Store, session: Session, study_uid: str) -> ImagingStudy | None:
    """The chart's record of a study (None if no chart on this PC has it); not audited:
    `open_study` is, when it is shown."""
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        found = _find_study(uow, session, study_uid)
    return found if found is not None and found.deleted_at is None else None


def open_study(store: Store, session: Session, study_uid: str) -> ImagingStudy:
    """Start viewing a study: audited once ("imaging.view"), and its cached instances marked
    as just viewed (the last to be evicted)."""
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        found = _require_study(uow, session, study_uid)
        uow.conn.exec_driver_sql(
            "UPDATE imaging_instance SET last_viewed_at = ? WHERE study_instance_uid = ?",
            (to_plain(utc_now()), study_uid),
        )
        uow.audit(
            "imaging.view",
            target_kind=ImagingStudy.KIND,
            target_id=found.id,
            patient_id=resolve_patient_id(uow, found.patient_id),
        )
        uow.commit()
    return found


def _position(text: str | None) -> tuple[float, float, float] | None:
    if not text:
        return None
    x, y, z = (float(v) for v in json.loads(text))
    return (x, y, z)


def series_instances(
    store: Store, session: Session, study_uid: str, series_uid: str
) -> list[StoredInstance]:
    """The instances of a series this PC knows (held, or evicted from the cache), by
    instance number."""
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        rows = uow.conn.exec_driver_sql(
            "SELECT sop_instance_uid, series_instance_uid, instance_number, image_position, "
            "frames, size, held, source FROM imaging_instance "
            "WHERE study_instance_uid = ? AND series_instance_uid = ? "
            "ORDER BY instance_number IS NULL, instance_number, sop_instance_uid",
            (study_uid, series_uid),
        ).all()
    return [
        StoredInstance(
            sop_instance_uid=str(sop),
            series_instance_uid=str(series),
            instance_number=number,
            image_position=_position(position),
            frames=int(frames),
            size=int(size),
            held=bool(held),
            source=str(source),
        )
        for sop, series, number, position, frames, size, held, source in rows
    ]


def instances_bytes(store: Store, session: Session, sop_uids: Sequence[str]) -> dict[str, bytes]:
    """The DICOM bytes of the instances held here, by SOP uid (evicted or unknown ones are
    left out: fetch them from the PACS)."""
    session.require(Permission.CHART_READ)
    found: dict[str, bytes] = {}
    wanted = list(dict.fromkeys(sop_uids))
    # Read only: the transaction is rolled back, nothing is written or synced to disk.
    with store.unit_of_work(user_id=session.user_id) as uow:
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = uow.conn.exec_driver_sql(
                f"SELECT sop_instance_uid, data FROM imaging_instance "  # noqa: S608
                f"WHERE sop_instance_uid IN ({marks}) AND held",
                tuple(chunk),
            )
            found.update((str(sop), bytes(data)) for sop, data in rows)
    return found


def instance_bytes(store: Store, session: Session, sop_instance_uid: str) -> bytes:
    """The DICOM bytes of one instance held here; NotFound when it is not (fetch it from
    the PACS)."""
    data = instances_bytes(store, session, [sop_instance_uid]).get(sop_instance_uid)
    if data is None:
        raise NotFound(
            "Ảnh này không có trên máy (chưa tải hoặc đã xóa khỏi bộ nhớ đệm)",
            "This image is not on this PC (not fetched, or evicted from the cache)",
        )
    return data


def cache_size(store: Store, session: Session) -> tuple[int, int]:
    """Bytes held here: (imported, cached from the PACS)."""
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        rows: dict[str, int] = {
            str(source): int(total)
            for source, total in uow.conn.exec_driver_sql(
                "SELECT source, coalesce(sum(size), 0) FROM imaging_instance "
                "WHERE held GROUP BY source"
            )
        }
    return rows.get("import", 0), rows.get("pacs", 0)


def evict_cache(store: Store, session: Session, keep_bytes: int) -> int:
    """Drop images cached from the PACS, least recently viewed first, until at most
    `keep_bytes` of them remain; imported images are never dropped. The instances stay
    listed (fetched again when shown). Returns the bytes freed."""
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        rows = uow.conn.exec_driver_sql(
            "SELECT sop_instance_uid, size FROM imaging_instance "
            "WHERE source = 'pacs' AND held "
            "ORDER BY coalesce(last_viewed_at, stored_at), stored_at, sop_instance_uid"
        ).all()
        total = sum(int(size) for _, size in rows)
        evicted: list[str] = []
        freed = 0
        for sop, size in rows:
            if total - freed <= max(keep_bytes, 0):
                break
            evicted.append(str(sop))
            freed += int(size)
        if evicted:
            uow.conn.exec_driver_sql(
                "UPDATE imaging_instance SET data = NULL, held = 0 WHERE sop_instance_uid = ?",
                [(sop,) for sop in evicted],
            )
            uow.audit("imaging.evict", detail={"instances": len(evicted), "bytes": freed})
            uow.commit()
    return freed


# --------------------------------------------------------------------------- to the PACS


class StowAnswer(Protocol):
    """What the PACS said of a store (`imaging.dicomweb.StoreResult`)."""

    @property
    def stored(self) -> Collection[str]: ...

    @property
    def failed(self) -> Mapping[str, int | None]: ...


#: Sends a study's DICOM files to the PACS: (study uid, the files one at a time) → what the
#: PACS stored (`imaging.dicomweb.DicomWebClient.store_instances`, bound by the caller: the
#: services do not talk DICOMweb themselves, DESIGN §2).
StowSender = Callable[[str, Iterable[bytes]], StowAnswer]


@dataclass(frozen=True)
class UploadOutcome:
    """What sending a study to the PACS did: `on_pacs` once every instance this PC held is
    in the PACS and the record says so (`source` "pacs": every PC fetches it from there)."""

    record_id: str
    #: Instances of the study held on this PC, and sent.
    instances: int
    stored: int
    #: SOPInstanceUIDs the PACS refused or did not acknowledge, with its FailureReason.
    failed: tuple[tuple[str, int | None], ...]
    on_pacs: bool


def _held_sops(uow: UnitOfWork, study_uid: str) -> list[str]:
    return [
        str(sop)
        for (sop,) in uow.conn.exec_driver_sql(
            "SELECT sop_instance_uid FROM imaging_instance "
            "WHERE study_instance_uid = ? AND held "
            "ORDER BY series_instance_uid, instance_number IS NULL, instance_number, "
            "sop_instance_uid",
            (study_uid,),
        )
    ]


def _files(store: Store, session: Session, sops: Sequence[str]) -> Iterator[bytes]:
    """The DICOM bytes of `sops`, read a few at a time as the upload asks for them."""
    step = 8
    for start in range(0, len(sops), step):
        chunk = sops[start : start + step]
        found = instances_bytes(store, session, chunk)
        for sop in chunk:
            data = found.get(sop)
            if data is None:
                # Evicted while sending: the PACS will not get it, the study stays unmarked.
                continue
            yield data


def upload_study(store: Store, session: Session, study_uid: str, send: StowSender) -> UploadOutcome:
    """Send the study's instances held on this PC to the PACS (STOW-RS through `send`), so
    that every PC of the facility can view it, not only the one it was imported on.

    Only when the PACS holds every one of them does the synced record change: `source`
    becomes "pacs" (other PCs then list the instances from the PACS and fetch them, the
    path of any study of the PACS), `held_on_device` still names this PC, whose copy stays
    (imported: never evicted). Otherwise nothing changes and the refused instances are
    reported: the upload can be run again (the PACS keeps what it has). When the PACS is
    not set up or cannot be reached, the caller gets that error and nothing has changed.
    For those who may import (`order.write`); audited ("imaging.upload", counts only).
    """
    session.require(Permission.ORDER_WRITE)
    uid = require_uid(study_uid, "study_instance_uid")
    with store.unit_of_work(user_id=session.user_id) as uow:
        record = _require_study(uow, session, uid)
        sops = _held_sops(uow, uid)
    if not sops:
        raise ValidationError(
            "instances",
            "required",
            "Máy này không giữ ảnh nào của ca chụp này để gửi lên PACS",
            "This PC holds no image of this study to send to the PACS",
        )
    answer = send(uid, _files(store, session, sops))
    failed = {sop: answer.failed.get(sop) for sop in sops if sop not in answer.stored}
    on_pacs = not failed
    with store.unit_of_work(user_id=session.user_id) as uow:
        current = _require_study(uow, session, uid)
        if on_pacs and current.source != ImagingSource.PACS:
            uow.update(replace(current, source=ImagingSource.PACS))
        uow.audit(
            "imaging.upload",
            target_kind=ImagingStudy.KIND,
            target_id=current.id,
            patient_id=resolve_patient_id(uow, current.patient_id),
            detail={
                "instances": len(sops),
                "stored": len(sops) - len(failed),
                "failed": len(failed),
                "on_pacs": on_pacs,
            },
        )
        uow.commit()
    log.info(
        "imaging study %s sent to the PACS: %d of %d stored",
        record.id,
        len(sops) - len(failed),
        len(sops),
    )
    return UploadOutcome(
        record_id=record.id,
        instances=len(sops),
        stored=len(sops) - len(failed),
        failed=tuple(failed.items()),
        on_pacs=on_pacs,
    )


def list_pacs_instances(
    store: Store, session: Session, study_uid: str, instances: Sequence[DicomInstance]
) -> int:
    """Remember the instances the PACS lists for a study in a chart (QIDO-RS), as not held
    here: the viewer then lays the series out and fetches each image from the PACS as it
    is shown (`add_instances` keeps it). For a study of the PACS that this PC has never
    fetched (one another PC imported and sent there, or fetched). Returns how many were
    new."""
    session.require(Permission.CHART_READ)
    uid = require_uid(study_uid, "study_instance_uid")
    with store.unit_of_work(user_id=session.user_id) as uow:
        record = _require_study(uow, session, uid)
        known = _stored(uow, [i.sop_instance_uid for i in instances])
        now = to_plain(utc_now())
        rows = []
        for instance in instances:
            if instance.study_instance_uid != uid:
                raise ValidationError(
                    "instances",
                    "same_study",
                    "Có ảnh không thuộc ca chụp này",
                    "An instance belongs to another study",
                )
            sop = require_uid(instance.sop_instance_uid, "sop_instance_uid")
            if sop in known:
                continue
            known[sop] = (uid, False)
            position = (
                json.dumps(list(instance.image_position)) if instance.image_position else None
            )
            rows.append(
                (
                    sop,
                    uid,
                    require_uid(instance.series_instance_uid, "series_instance_uid"),
                    record.patient_id,
                    instance.instance_number,
                    position,
                    instance.frames,
                    now,
                )
            )
        if rows:
            uow.conn.exec_driver_sql(
                "INSERT INTO imaging_instance (sop_instance_uid, study_instance_uid, "
                "series_instance_uid, patient_id, instance_number, image_position, frames, "
                "size, held, source, stored_at) VALUES (?,?,?,?,?,?,?,0,0,'pacs',?)",
                rows,
            )
            uow.commit()
    return len(rows)


# --------------------------------------------------------------------------- reports

#: Modalities of series that hold no pictures of the patient (structured reports, key-object
#: notes, presentation states, registrations, segmentations, radiotherapy plans).
_NOT_IMAGES = frozenset({"SR", "KO", "PR", "DOC", "REG", "SEG", "RTSTRUCT", "RTPLAN", "RTRECORD"})
#: `ImagingReport.modality` holds at most this many characters.
_MODALITY_LENGTH = 16


@dataclass(frozen=True)
class ReportOptions:
    """What a report of a study can answer.

    `order`: the imaging order the study is linked to (the report answers it). Without one,
    the report answers one of `open_orders` (the patient's imaging orders nothing answers
    yet, oldest first), or, for images no order here asked for (brought from another
    hospital), names one of `services`: the imaging catalogue's services of the study's kind
    of examination, else the whole catalogue.
    """

    order: ClinicalEvent | None
    open_orders: tuple[ClinicalEvent, ...] = ()
    services: tuple[ImagingServiceEntry, ...] = ()


def _report_modality(study: ImagingStudy) -> str:
    """The modalities of the study's images, joined as far as the field allows ("PT/CT")."""
    imaged = [m for m in study.modalities if m.strip().upper() not in _NOT_IMAGES]
    text = ""
    for modality in imaged or study.modalities:
        joined = f"{text}/{modality}" if text else modality
        if len(joined) > _MODALITY_LENGTH:
            break
        text = joined
    return text or "OT"


def _linked_order(uow: UnitOfWork, study: ImagingStudy) -> ClinicalEvent | None:
    """The order event the study is linked to, when this PC has it."""
    if study.order_id is None:
        return None
    try:
        order = uow.get_event(study.order_id)
    except NotFound:
        return None
    return order if isinstance(order.body, Order) else None


def _study_reports(
    uow: UnitOfWork, study: ImagingStudy, also_order: str | None = None
) -> list[ClinicalEvent]:
    """The current reports of a study, oldest first: those naming it, and those naming no
    study that answer its order (or `also_order`), written before the study was linked."""
    ids = linked_ids(uow, resolve_patient_id(uow, study.patient_id))
    rows = uow.conn.execute(
        select(clinical_event)
        .where(clinical_event.c.patient_id.in_(ids), clinical_event.c.kind == ImagingReport.KIND)
        .order_by(clinical_event.c.effective_at, clinical_event.c.pk)
    ).all()
    orders = {o for o in (study.order_id, also_order) if o is not None}
    found = []
    for event in _current(row_to_event(row) for row in rows):
        body = event.body
        assert isinstance(body, ImagingReport)
        if body.study_instance_uid == study.study_instance_uid or (
            body.study_instance_uid is None and body.order_id in orders
        ):
            found.append(event)
    return found


def reports_of_study(store: Store, session: Session, study_uid: str) -> list[ClinicalEvent]:
    """The study's reports as the chart reads them (an amended report replaced by its latest
    version, those entered in error left out), oldest first; audited ("imaging.reports")."""
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        study = _require_study(uow, session, study_uid)
        reports = _study_reports(uow, study)
        uow.audit(
            "imaging.reports",
            target_kind=ImagingStudy.KIND,
            target_id=study.id,
            patient_id=resolve_patient_id(uow, study.patient_id),
            detail={"reports": len(reports)},
        )
        uow.commit()
    return reports


def report_options(store: Store, session: Session, study_uid: str) -> ReportOptions:
    """What a report of the study can answer (see `ReportOptions`)."""
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        study = _require_study(uow, session, study_uid)
        order = _linked_order(uow, study)
        if order is not None:
            return ReportOptions(order)
        survivor = resolve_patient_id(uow, study.patient_id)
        orders = _open_imaging_orders(uow, linked_ids(uow, survivor), study.id)
        catalogue = _imaging_services(uow)
    families = {modality_family(m) for m in study.modalities}
    same_kind = tuple(e for e in catalogue if modality_family(e.modality) in families)
    return ReportOptions(None, tuple(orders), same_kind or tuple(catalogue))


def _required_text(value: str | None, field: str, vi: str, en: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(field, "required", vi, en)
    return text


def _report_text(value: str, field: str, vi_name: str, en_name: str, limit: int) -> str:
    text = _required_text(
        value, field, f"{vi_name} không được để trống", f"{en_name} must not be empty"
    )
    if len(text) > limit:
        raise ValidationError(
            field,
            "max_length",
            f"{vi_name} dài quá {limit} ký tự",
            f"{en_name} is longer than {limit} characters",
        )
    return text


def check_report_text(findings: str, conclusion: str) -> tuple[str, str]:
    """The findings and the conclusion of a report, trimmed; a ValidationError whose message
    names the field when one is empty or too long. Reads nothing: the GUI checks the form
    with it before asking for the password."""
    return (
        _report_text(findings, "findings", "Mô tả", "The findings", 100_000),
        _report_text(conclusion, "conclusion", "Kết luận", "The conclusion", 10_000),
    )


def _report_service(uow: UnitOfWork, service_code: str | None) -> str:
    """The service a report answering no order names: one of the imaging catalogue."""
    if not service_code:
        raise ValidationError(
            "order_id",
            "required",
            "Ca chụp chưa gắn với chỉ định chẩn đoán hình ảnh: chọn chỉ định, "
            "hoặc dịch vụ khi không có chỉ định",
            "The study answers no imaging order: choose the order, or the service when "
            "there is none",
        )
    if service_code not in {e.code for e in _imaging_services(uow)}:
        raise ValidationError(
            "service_code",
            "catalog",
            f"Mã dịch vụ {service_code!r} không có trong danh mục chẩn đoán hình ảnh",
            f"Service code {service_code!r} is not in the imaging catalogue",
        )
    return service_code


def write_report(
    store: Store,
    session: Session,
    *,
    study_uid: str,
    findings: str,
    conclusion: str,
    order_id: str | None = None,
    service_code: str | None = None,
    amends: str | None = None,
    reason: str | None = None,
    sign_password: str | None = None,
) -> ClinicalEvent:
    """Write the report of a study: an `ImagingReport` of the study's patient, a draft or
    signed at once with the password (`services.clinical.record_event`).

    It answers `order_id` (which the study is then linked to) or the order the study is
    linked to: it goes in that order's encounter and names its service. A study answering
    no order (images from another hospital) needs `service_code`, a service of the imaging
    catalogue. The modality is the study's.

    A study has one report per order. A second one is refused (ConflictError): the existing
    report is changed with `amends=<its id>` — the author's own draft is edited in place
    (then signed, when the password is given: a wrong password leaves the edited draft
    unsigned); any other report is amended (`services.clinical.amend_event`: a new version,
    the original kept, `reason` required).
    """
    # Refused before anything is read; `clinical.record_event` applies the same rule.
    session.require(event_permission(ImagingReport.PERMISSION, ImagingReport.WRITE_ACTION))
    findings, conclusion = check_report_text(findings, conclusion)
    with store.unit_of_work(user_id=session.user_id) as uow:
        study = _require_study(uow, session, study_uid)
        survivor = resolve_patient_id(uow, study.patient_id)
        answered = order_id or study.order_id
        order = _check_order(uow, survivor, answered) if answered else None
        if order is not None:
            assert isinstance(order.body, Order)
            code = order.body.service_code
        else:
            code = _report_service(uow, service_code)
        reports = _study_reports(uow, study, order.id if order else None)
    answers = order.id if order is not None else None
    target: ClinicalEvent | None = None
    if amends is None:
        if any(isinstance(e.body, ImagingReport) and e.body.order_id == answers for e in reports):
            raise ConflictError(
                "Ca chụp này đã có kết quả cho chỉ định này: hãy sửa bản nháp hoặc đính chính "
                "kết quả đó",
                "This study already has a report for this order: edit its draft or amend it",
            )
    else:
        target = next((e for e in reports if e.id == amends), None)
        if target is None:
            raise ValidationError(
                "amends",
                "current_report",
                "Bản cần sửa không phải kết quả hiện hành của ca chụp này",
                "The record to change is not a current report of this study",
            )
    own_draft = (
        target is not None
        and target.status == EventStatus.DRAFT
        and target.created_by == session.user_id
    )
    if target is not None and not own_draft:
        reason = _required_text(
            reason,
            "reason",
            "Cần nêu lý do đính chính kết quả",
            "Give the reason for amending the report",
        )
    relink = order is not None and study.order_id != order.id
    if relink:
        session.require(Permission.ORDER_WRITE)
    body = ImagingReport(
        service_code=code,
        modality=_report_modality(study),
        findings=findings,
        conclusion=conclusion,
        order_id=answers,
        study_instance_uid=study.study_instance_uid,
    )
    if target is None:
        event = clinical.record_event(
            store,
            session,
            patient_id=survivor,
            body=body,
            encounter_id=order.encounter_id if order is not None else None,
            sign_password=sign_password,
        )
    elif own_draft:
        event = clinical.edit_draft(store, session, target.id, body)
        if sign_password is not None:
            event = clinical.sign_event(store, session, event.id, sign_password)
    else:
        assert reason is not None
        event = clinical.amend_event(
            store, session, target.id, body=body, reason=reason, sign_password=sign_password
        )
    if relink:
        assert answers is not None
        link_order(store, session, study.study_instance_uid, answers)
    log.info("imaging report %s written for study record %s", event.id, study.id)
    return event


# --------------------------------------------------------------------------- key images

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: A PNG ends with an empty IEND chunk and its fixed checksum: a cut file does not.
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _require_png(data: bytes) -> None:
    if not (data.startswith(_PNG_SIGNATURE) and data[12:16] == b"IHDR" and data.endswith(_PNG_END)):
        raise ValidationError(
            "png",
            "format",
            "Ảnh chính phải là một ảnh PNG đầy đủ",
            "The key image must be a complete PNG image",
        )


def attach_key_image(
    store: Store, session: Session, *, study_uid: str, png: bytes, title: str
) -> ClinicalEvent:
    """Keep a key image of a study (a picture as the doctor saw it: windowed, zoomed,
    measured) with the chart: a PNG `Attachment` (`services.clinical.attach_document`) in the
    encounter of the order the study answers, or in none. `title` says what it shows, e.g.
    "Ảnh chính — CT ngực 20/11/2026 — lát 37/200"."""
    session.require(Permission.CHART_READ)
    session.require(Permission.NOTE_WRITE)
    _require_png(png)
    with store.unit_of_work(user_id=session.user_id) as uow:
        study = _require_study(uow, session, study_uid)
        survivor = resolve_patient_id(uow, study.patient_id)
        order = _linked_order(uow, study)
    return clinical.attach_document(
        store,
        session,
        patient_id=survivor,
        title=title.strip(),
        media_type="image/png",
        data=png,
        encounter_id=order.encounter_id if order is not None else None,
    )
