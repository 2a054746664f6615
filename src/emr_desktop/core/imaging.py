"""DICOM studies as plain data: what `imaging` reads from files and the PACS, what `services`
keeps in the store, and what the GUI shows (DESIGN §2: imaging and services are siblings and
exchange only these dataclasses).

Names and identifiers here are the DICOM's own ("NGUYEN VAN A", PatientID "BN0001234"); they
are compared with the chart only by `services.imaging.match_patient`, never logged.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import NamedTuple

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.timeutil import VIETNAM_TZ

#: A DICOM UID: at most 64 characters, digits and dots (PS3.5 §9.1).
MAX_UID_LENGTH = 64
#: DICOM sex codes to `core.records.Sex` values ("O" is "other"; anything else unknown).
_SEXES = {"M": "male", "F": "female", "O": "other"}
#: Modality codes that are the same examination for ordering purposes: the catalogue says
#: CR for plain X-ray, while direct radiography writes DX (or DR, an old code).
_MODALITY_FAMILIES = {"CR": "XR", "DX": "XR", "DR": "XR", "RG": "XR"}
#: Accession numbers are SH values: at most 16 characters.
ACCESSION_LENGTH = 16


def is_uid(value: str) -> bool:
    """True if `value` is a syntactically valid DICOM UID (digits and dots, ≤ 64)."""
    if not value or len(value) > MAX_UID_LENGTH or not value.isascii():
        return False
    return all(part.isdigit() for part in value.split("."))


def require_uid(value: str, field: str) -> str:
    """`value` if it is a DICOM UID, else ValidationError for `field`."""
    if not is_uid(value):
        raise ValidationError(
            field,
            "uid",
            "UID DICOM không hợp lệ (chỉ gồm chữ số và dấu chấm, tối đa 64 ký tự)",
            "Not a valid DICOM UID (digits and dots, at most 64 characters)",
        )
    return value


def sex_from_dicom(code: str | None) -> str | None:
    """A DICOM PatientSex ("M", "F", "O") as a `core.records.Sex` value, or None."""
    return _SEXES.get((code or "").strip().upper())


def modality_family(modality: str) -> str:
    """The examination family of a modality code: CR, DX and DR are all plain X-ray."""
    code = modality.strip().upper()
    return _MODALITY_FAMILIES.get(code, code)


def order_accession(order_id: str) -> str:
    """The accession number this program gives the imaging order `order_id`: 16 digits.

    DICOM's AccessionNumber holds at most 16 characters, too short for a record id, so the
    number is made of the id's random bits (the low 62 bits of a UUIDv7, which differ between
    any two ids made by one PC); digits only, because the technician may have to type it at
    the modality's console. A study carrying it answers that order.
    """
    bits = uuid.UUID(order_id).int & ((1 << 62) - 1)
    return f"{bits % 10**ACCESSION_LENGTH:0{ACCESSION_LENGTH}d}"


_STUDY_NAMESPACE = uuid.UUID("0f6a5c1e-2b7d-4c38-9e41-7a0d3f8b6c25")


def study_record_id(facility_id: str, study_instance_uid: str) -> str:
    """The id of the `ImagingStudy` record of a study in a facility (UUIDv5).

    Derived, not drawn: two PCs that import the same CD while offline write the same record,
    which sync merges field by field (a patient chosen differently on each becomes a conflict
    to review) instead of two copies of the study.
    """
    return str(uuid.uuid5(_STUDY_NAMESPACE, f"{facility_id}|{study_instance_uid}"))


@dataclass(frozen=True)
class SeriesSummary:
    """One series of a study, as listed in the chart (the pixels are elsewhere)."""

    series_instance_uid: str
    number: int | None
    modality: str
    description: str | None
    instances: int


@dataclass(frozen=True, kw_only=True)
class DicomInstance:
    """The header facts of one DICOM instance (one image, or one multi-frame object)."""

    sop_instance_uid: str
    sop_class_uid: str
    study_instance_uid: str
    series_instance_uid: str
    instance_number: int | None = None
    modality: str = ""
    transfer_syntax_uid: str = ""
    rows: int | None = None
    columns: int | None = None
    frames: int = 1
    #: PatientID (0010,0020) as the DICOM has it.
    patient_id: str | None = None
    #: PatientName decoded with the data set's character set, components joined by spaces.
    patient_name: str | None = None
    patient_birth_date: date | None = None
    #: PatientSex as written: "M", "F", "O" or None.
    patient_sex: str | None = None
    #: OtherPatientIDs (0010,1000) and the ids of OtherPatientIDsSequence (0010,1002).
    other_patient_ids: tuple[str, ...] = ()
    study_date: date | None = None
    study_time: time | None = None
    #: TimezoneOffsetFromUTC (0008,0201) in minutes, when the DICOM gives it.
    utc_offset_minutes: int | None = None
    study_description: str | None = None
    accession_number: str | None = None
    series_number: int | None = None
    series_description: str | None = None
    #: ImagePositionPatient (0020,0032), mm.
    image_position: tuple[float, float, float] | None = None
    #: PixelSpacing (0028,0030): row spacing, column spacing, mm.
    pixel_spacing: tuple[float, float] | None = None

    @property
    def study_at(self) -> datetime | None:
        """StudyDate + StudyTime as a UTC moment; the DICOM's own offset if it gives one,
        else Vietnamese time (the modality's clock). None without a date."""
        return _moment(self.study_date, self.study_time, self.utc_offset_minutes)


def _moment(day: date | None, at: time | None, offset_minutes: int | None) -> datetime | None:
    if day is None:
        return None
    zone = VIETNAM_TZ if offset_minutes is None else timezone(timedelta(minutes=offset_minutes))
    local = datetime.combine(day, at or time(0, 0), tzinfo=zone)
    return local.astimezone(UTC)


@dataclass(frozen=True, kw_only=True)
class DicomStudy:
    """A study found on media or in the PACS: its uid, the patient as the DICOM names them,
    and what it holds."""

    study_instance_uid: str
    patient_id: str | None = None
    patient_name: str | None = None
    patient_birth_date: date | None = None
    #: "M", "F", "O" or None, as written in the DICOM.
    patient_sex: str | None = None
    other_patient_ids: tuple[str, ...] = ()
    study_at: datetime | None = None
    description: str | None = None
    accession_number: str | None = None
    modalities: tuple[str, ...] = ()
    series: tuple[SeriesSummary, ...] = ()
    instance_count: int = 0

    @classmethod
    def from_instances(cls, instances: Iterable[DicomInstance]) -> DicomStudy:
        """The study the instances belong to (all of one StudyInstanceUID).

        Study-level facts are taken from the first instance that has them; series are
        listed by series number, then uid.
        """
        items = list(instances)
        if not items:
            raise ValidationError(
                "instances", "required", "Ca chụp không có ảnh nào", "The study has no instance"
            )
        uid = items[0].study_instance_uid
        if any(i.study_instance_uid != uid for i in items):
            raise ValidationError(
                "instances",
                "same_study",
                "Các ảnh thuộc nhiều ca chụp khác nhau",
                "The instances belong to different studies",
            )

        def first(name: str) -> object:
            return next((getattr(i, name) for i in items if getattr(i, name)), None)

        by_series: dict[str, list[DicomInstance]] = {}
        for item in items:
            by_series.setdefault(item.series_instance_uid, []).append(item)
        series = []
        for series_uid, members in by_series.items():
            series.append(
                SeriesSummary(
                    series_instance_uid=series_uid,
                    number=next(
                        (m.series_number for m in members if m.series_number is not None), None
                    ),
                    modality=next((m.modality for m in members if m.modality), ""),
                    description=next(
                        (m.series_description for m in members if m.series_description), None
                    ),
                    instances=len({m.sop_instance_uid for m in members}),
                )
            )
        series.sort(key=lambda s: (s.number is None, s.number or 0, s.series_instance_uid))
        dated = next((i for i in items if i.study_date is not None), None)
        others: dict[str, None] = {}
        for item in items:
            others.update(dict.fromkeys(item.other_patient_ids))
        birth = first("patient_birth_date")
        return cls(
            study_instance_uid=uid,
            patient_id=_text(first("patient_id")),
            patient_name=_text(first("patient_name")),
            patient_birth_date=birth if isinstance(birth, date) else None,
            patient_sex=_text(first("patient_sex")),
            other_patient_ids=tuple(others),
            study_at=dated.study_at if dated is not None else None,
            description=_text(first("study_description")),
            accession_number=_text(first("accession_number")),
            modalities=tuple(dict.fromkeys(s.modality for s in series if s.modality)),
            series=tuple(series),
            instance_count=len({i.sop_instance_uid for i in items}),
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class Mismatch(NamedTuple):
    """A difference between the DICOM's patient and the chart's: the field and what to say."""

    field: str
    vi: str
    en: str


@dataclass(frozen=True)
class PatientMatch:
    """Whose study this is, and how sure: `basis` says how the chart was found ("mrn":
    PatientID is the record number; "cccd": PatientID or OtherPatientIDs is the chart's CCCD;
    "name_birth": the same folded name and birth date; None: not found). `mismatches` lists
    what differs between the DICOM and the chart (to be confirmed before import);
    `candidates` are charts with a similar name when none matched."""

    patient_id: str | None
    basis: str | None
    mismatches: tuple[Mismatch, ...] = ()
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredInstance:
    """One instance of a series as this PC knows it; `held` is False once evicted from the
    cache (the viewer fetches it again from the PACS)."""

    sop_instance_uid: str
    series_instance_uid: str
    instance_number: int | None
    image_position: tuple[float, float, float] | None
    frames: int
    size: int
    held: bool
    source: str
