"""The records of a chart, as plain dataclasses (DESIGN §3).

Two kinds of record, and the kind decides how sync merges it:

* **Mutable state** (`MutableRecord`): facility, department, bed, user, device, patient,
  allergy, problem, encounter, patient link, imaging study, prescription submission (to the
  national e-prescription system). Merged field by field by HLC.
* **Clinical events** (`ClinicalEvent` with a typed body): vitals, notes, diagnoses, orders,
  results, prescriptions, medication orders and administrations, movements, attachments,
  external records (imported from another facility's FHIR Bundle, read-only).
  Immutable once signed; a correction is a new event that amends the original or marks it
  entered in error. Merged by union.

Invariants live here, on the records: constructing one with bad data raises
`ValidationError` naming the field and the rule.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, ClassVar

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.catalog import is_icd10_code
from emr_desktop.core.eprescription import validate_prescription_code
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.identity import validate_bhyt, validate_cccd, validate_cmnd, validate_phone
from emr_desktop.core.imaging import SeriesSummary, require_uid
from emr_desktop.core.text import normalize_name
from emr_desktop.core.timeutil import require_aware


def _fail(field_name: str, rule: str, vi: str, en: str) -> ValidationError:
    return ValidationError(field_name, rule, vi, en)


def _require_text(value: str, field_name: str, max_len: int = 10_000) -> None:
    if not value or not value.strip():
        raise _fail(field_name, "required", "Không được để trống", "Must not be empty")
    if len(value) > max_len:
        raise _fail(
            field_name,
            "max_length",
            f"Dài quá {max_len} ký tự",
            f"Longer than {max_len} characters",
        )


_CHOICES: dict[type[StrEnum], frozenset[str]] = {}


def _require_choice(value: str, choices: type[StrEnum], field_name: str) -> None:
    allowed = _CHOICES.get(choices)
    if allowed is None:
        allowed = _CHOICES[choices] = frozenset(c.value for c in choices)
    if value not in allowed:
        listed = ", ".join(sorted(allowed))
        raise _fail(
            field_name,
            "choice",
            f"Giá trị {value!r} không hợp lệ; chọn một trong: {listed}",
            f"Invalid value {value!r}; choose one of: {listed}",
        )


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"


class Role(StrEnum):
    REGISTRAR = "registrar"
    NURSE = "nurse"
    DOCTOR = "doctor"
    PHARMACIST = "pharmacist"
    ADMIN = "admin"


# --------------------------------------------------------------------------- mutable state


@dataclass(frozen=True, kw_only=True)
class MutableRecord:
    """Mutable state: merged field by field (DESIGN §4). `deleted_at` merges like any field."""

    KIND: ClassVar[str] = ""
    #: Fields set once at creation and never merged.
    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"id", "facility_id", "created_at", "created_by", "device_id"}
    )

    id: str
    facility_id: str
    created_at: datetime
    created_by: str
    device_id: str
    deleted_at: datetime | None = None

    def __post_init__(self) -> None:
        require_aware(self.created_at, "created_at")

    @classmethod
    def mutable_fields(cls) -> list[str]:
        """Names of the fields that may change after creation."""
        return [f.name for f in fields(cls) if f.name not in cls.IDENTITY_FIELDS]


@dataclass(frozen=True, kw_only=True)
class Facility(MutableRecord):
    """The facility, with what its printed forms show at the top left (the letterhead)."""

    KIND: ClassVar[str] = "facility"
    #: The largest logo kept (decoded bytes): it travels in every sync of the record.
    MAX_LOGO_BYTES: ClassVar[int] = 256 * 1024
    #: The 5-character facility code of the MoH / BHXH (MA_CSKCB).
    code: str
    name: str
    #: The governing body printed above the facility's name ("SỞ Y TẾ TỈNH HÀ NAM").
    parent_name: str | None = None
    address: str | None = None
    #: As typed for printing ("0226 3851 234"); a valid Vietnamese number (`validate_phone`).
    phone: str | None = None
    #: The logo printed on the forms: base64 of PNG or JPEG bytes.
    logo: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (len(self.code) == 5 and self.code.isalnum()):
            raise _fail(
                "facility_code",
                "format",
                "Mã cơ sở KCB phải gồm đúng 5 chữ số/chữ cái",
                "The facility code (MA_CSKCB) must be exactly 5 letters or digits",
            )
        _require_text(self.name, "facility_name", 255)
        for name, limit in (("parent_name", 255), ("address", 500), ("phone", 20)):
            value = getattr(self, name)
            if value is not None:
                value = " ".join(value.split()) or None
                object.__setattr__(self, name, value)
            if value is not None and len(value) > limit:
                raise _fail(
                    name, "max_length", f"Dài quá {limit} ký tự", f"Longer than {limit} characters"
                )
        if self.phone is not None:
            validate_phone(self.phone)
        if self.logo is not None:
            self.logo_image()

    def logo_image(self) -> bytes | None:
        """The logo's image bytes (None if there is none)."""
        if self.logo is None:
            return None
        # Refused before decoding when even the base64 text is too long.
        if len(self.logo) > (self.MAX_LOGO_BYTES + 2) // 3 * 4:
            raise self._logo_too_large()
        try:
            data = base64.b64decode(self.logo, validate=True)
        except (binascii.Error, ValueError):
            raise _fail(
                "logo", "base64", "Logo không đúng mã base64", "The logo is not valid base64"
            ) from None
        return self.check_logo(data)

    @classmethod
    def check_logo(cls, data: bytes) -> bytes:
        """`data` if it is a PNG or JPEG image of at most `MAX_LOGO_BYTES`, else
        ValidationError(field="logo")."""
        if not data:
            raise _fail("logo", "required", "Tệp logo rỗng", "The logo file is empty")
        if len(data) > cls.MAX_LOGO_BYTES:
            raise cls._logo_too_large()
        if not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
            raise _fail(
                "logo",
                "image",
                "Logo phải là ảnh PNG hoặc JPEG",
                "The logo must be a PNG or JPEG image",
            )
        return data

    @classmethod
    def _logo_too_large(cls) -> ValidationError:
        limit = cls.MAX_LOGO_BYTES // 1024
        return _fail(
            "logo", "max_size", f"Logo lớn quá {limit} KB", f"The logo is larger than {limit} KB"
        )


class DepartmentKind(StrEnum):
    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"
    EMERGENCY = "emergency"
    PARACLINICAL = "paraclinical"
    PHARMACY = "pharmacy"
    ADMINISTRATION = "administration"


@dataclass(frozen=True, kw_only=True)
class Department(MutableRecord):
    KIND: ClassVar[str] = "department"
    code: str
    name: str
    kind: str = DepartmentKind.INPATIENT

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_text(self.code, "department_code", 20)
        _require_text(self.name, "department_name", 255)
        _require_choice(self.kind, DepartmentKind, "department_kind")


@dataclass(frozen=True, kw_only=True)
class Bed(MutableRecord):
    KIND: ClassVar[str] = "bed"
    department_id: str
    code: str

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_text(self.code, "bed_code", 20)


@dataclass(frozen=True, kw_only=True)
class User(MutableRecord):
    """A member of staff. The argon2id hash is synced so offline login works on any PC."""

    KIND: ClassVar[str] = "user"
    username: str
    full_name: str
    role: str
    password_hash: str
    active: bool = True
    #: Practising certificate / health-worker identifier, printed under signatures.
    practitioner_code: str | None = None
    #: The national e-prescription system's interconnection code of this prescriber (mã liên
    #: thông bác sĩ, vietnam-formats §4.4): issued by that system, not the certificate number.
    eprescription_code: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.eprescription_code is not None:
            code = self.eprescription_code.strip() or None
            object.__setattr__(self, "eprescription_code", code)
            if code is not None and not (
                len(code) <= 50 and code.isascii() and all(c.isalnum() or c in "._-" for c in code)
            ):
                raise _fail(
                    "eprescription_code",
                    "format",
                    "Mã liên thông bác sĩ gồm chữ cái không dấu, chữ số và . _ - (tối đa 50)",
                    "The prescriber's interconnection code is ASCII letters, digits and . _ - "
                    "(50 at most)",
                )
        if not self.username or not all(c.isalnum() or c in "._-" for c in self.username):
            raise _fail(
                "username",
                "format",
                "Tên đăng nhập chỉ gồm chữ cái không dấu, chữ số và . _ -",
                "A username has only unaccented letters, digits and . _ -",
            )
        if not self.username.isascii() or len(self.username) > 64:
            raise _fail(
                "username",
                "format",
                "Tên đăng nhập chỉ gồm chữ cái không dấu, tối đa 64 ký tự",
                "A username is ASCII only, at most 64 characters",
            )
        object.__setattr__(self, "full_name", normalize_name(self.full_name, "full_name"))
        _require_choice(self.role, Role, "role")
        if not self.password_hash.startswith("$argon2id$"):
            raise _fail(
                "password_hash",
                "argon2id",
                "Mật khẩu phải được băm bằng argon2id",
                "Passwords must be hashed with argon2id",
            )


@dataclass(frozen=True, kw_only=True)
class Device(MutableRecord):
    """A PC. Its number picks its range of medical record numbers (MRN)."""

    KIND: ClassVar[str] = "device"
    name: str
    device_number: int

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 1 <= self.device_number <= 9999:
            raise _fail(
                "device_number",
                "range",
                "Số thiết bị phải từ 1 đến 9999",
                "The device number must be between 1 and 9999",
            )


class IdentityStatus(StrEnum):
    #: Identified by CCCD or another document.
    VERIFIED = "verified"
    #: Registered with what was known (e.g. name and year of birth), to complete later.
    INCOMPLETE = "incomplete"
    #: No identity at all: unconscious emergency patient, abandoned newborn.
    UNKNOWN = "unknown"


@dataclass(frozen=True, kw_only=True)
class Patient(MutableRecord):
    """Patient demographics. Identity is `id`; CCCD, BHYT and MRN are attributes.

    A patient may be registered with no identifier at all (unconscious emergency patient, a
    newborn linked to the mother) and completed later.
    """

    KIND: ClassVar[str] = "patient"
    mrn: str
    full_name: str
    sex: str
    date_of_birth: BirthDate | None = None
    cccd: str | None = None
    cmnd: str | None = None
    bhyt_number: str | None = None
    bhyt_valid_from: date | None = None
    bhyt_valid_to: date | None = None
    #: MA_DKBD: the 5-character code of the registered primary-care facility on the card.
    bhyt_registered_facility: str | None = None
    phones: tuple[str, ...] = ()
    address: str | None = None
    ethnicity: str | None = None
    occupation: str | None = None
    guardian_name: str | None = None
    #: Newborns are linked to the mother's chart.
    mother_id: str | None = None
    identity_status: str = IdentityStatus.INCOMPLETE

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_text(self.mrn, "mrn", 20)
        object.__setattr__(self, "full_name", normalize_name(self.full_name, "full_name"))
        _require_choice(self.sex, Sex, "sex")
        _require_choice(self.identity_status, IdentityStatus, "identity_status")
        if self.cccd is not None:
            sex = self.sex if self.sex != Sex.OTHER else None
            year = self.date_of_birth.year if self.date_of_birth else None
            object.__setattr__(self, "cccd", validate_cccd(self.cccd, sex=sex, birth_year=year))
        if self.cmnd is not None:
            object.__setattr__(self, "cmnd", validate_cmnd(self.cmnd))
        if self.bhyt_number is not None:
            object.__setattr__(self, "bhyt_number", validate_bhyt(self.bhyt_number))
        if (
            self.bhyt_valid_from is not None
            and self.bhyt_valid_to is not None
            and self.bhyt_valid_from > self.bhyt_valid_to
        ):
            raise _fail(
                "bhyt_valid_to",
                "validity",
                "Hạn thẻ BHYT: ngày hết hạn trước ngày bắt đầu",
                "BHYT card: the end of validity is before its start",
            )
        object.__setattr__(self, "phones", tuple(sorted({validate_phone(p) for p in self.phones})))
        if self.address is not None:
            object.__setattr__(self, "address", " ".join(self.address.split()) or None)
        if self.guardian_name:
            object.__setattr__(
                self, "guardian_name", normalize_name(self.guardian_name, "guardian_name")
            )


class AllergyStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    ENTERED_IN_ERROR = "entered_in_error"


class Severity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


@dataclass(frozen=True, kw_only=True)
class Allergy(MutableRecord):
    KIND: ClassVar[str] = "allergy"
    patient_id: str
    substance: str
    reaction: str | None = None
    severity: str = Severity.MODERATE
    status: str = AllergyStatus.ACTIVE
    #: Drug catalogue code when the allergen is a drug (used to warn on prescribing).
    drug_code: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_text(self.substance, "substance", 255)
        _require_choice(self.severity, Severity, "severity")
        _require_choice(self.status, AllergyStatus, "status")


class ProblemStatus(StrEnum):
    ACTIVE = "active"
    RESOLVED = "resolved"
    ENTERED_IN_ERROR = "entered_in_error"


@dataclass(frozen=True, kw_only=True)
class Problem(MutableRecord):
    """An entry of the problem list (chronic conditions followed over years)."""

    KIND: ClassVar[str] = "problem"
    patient_id: str
    icd10: str
    description: str
    status: str = ProblemStatus.ACTIVE
    onset: BirthDate | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_icd10(self.icd10)
        _require_text(self.description, "description", 500)
        _require_choice(self.status, ProblemStatus, "status")


class EncounterKind(StrEnum):
    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"
    EMERGENCY = "emergency"


class EncounterStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"
    CANCELLED = "cancelled"


@dataclass(frozen=True, kw_only=True)
class Encounter(MutableRecord):
    """One visit or stay. Admission, transfer and discharge move it (see `Movement`)."""

    KIND: ClassVar[str] = "encounter"
    patient_id: str
    kind: str
    status: str = EncounterStatus.IN_PROGRESS
    started_at: datetime
    ended_at: datetime | None = None
    department_id: str | None = None
    bed_id: str | None = None
    attending_id: str | None = None
    reason: str | None = None
    #: KET_QUA_DTRI code at discharge (1 cured … 8 died outside hospital).
    treatment_result: str | None = None
    #: MA_LOAI_RV code at discharge (1 discharged, 2 transferred, 3 left, 4 by request).
    discharge_type: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_choice(self.kind, EncounterKind, "encounter_kind")
        _require_choice(self.status, EncounterStatus, "encounter_status")
        require_aware(self.started_at, "started_at")
        if self.ended_at is not None and require_aware(self.ended_at, "ended_at") < (
            self.started_at
        ):
            raise _fail(
                "ended_at",
                "order",
                "Thời điểm kết thúc trước thời điểm bắt đầu",
                "The end is before the start",
            )
        if self.treatment_result is not None and self.treatment_result not in set("12345678"):
            raise _fail(
                "treatment_result",
                "choice",
                "Kết quả điều trị phải là mã 1–8 (QĐ 130)",
                "The treatment result must be a code 1–8 (QĐ 130)",
            )
        if self.discharge_type is not None and self.discharge_type not in set("12345"):
            raise _fail(
                "discharge_type",
                "choice",
                "Loại ra viện phải là mã 1–5 (QĐ 130)",
                "The discharge type must be a code 1–5 (QĐ 130)",
            )


class LinkStatus(StrEnum):
    ACTIVE = "active"
    UNDONE = "undone"


@dataclass(frozen=True, kw_only=True)
class PatientLink(MutableRecord):
    """A merge of two charts: `replaced_id` is read through `replaced_by`. Reversible."""

    KIND: ClassVar[str] = "patient_link"
    replaced_id: str
    replaced_by: str
    status: str = LinkStatus.ACTIVE
    reason: str = ""
    #: True when the server linked two registrations of the same CCCD itself.
    automatic: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.replaced_id == self.replaced_by:
            raise _fail(
                "replaced_by",
                "self_link",
                "Không thể gộp hồ sơ với chính nó",
                "A chart cannot be merged into itself",
            )
        _require_choice(self.status, LinkStatus, "status")


class ImagingSource(StrEnum):
    #: Imported from files, a CD or a USB stick: the pixels are on the PC that imported it.
    IMPORT = "import"
    #: In the hospital's PACS: the pixels are fetched on demand and cached.
    PACS = "pacs"


@dataclass(frozen=True, kw_only=True)
class ImagingStudy(MutableRecord):
    """A DICOM study of a patient's chart: its metadata only (DESIGN §4: pixels never sync).

    The id is derived from the facility and the StudyInstanceUID
    (`core.imaging.study_record_id`), so the same study imported on two PCs is one record.
    """

    KIND: ClassVar[str] = "imaging_study"
    patient_id: str
    study_instance_uid: str
    study_at: datetime | None = None
    modalities: tuple[str, ...] = ()
    description: str | None = None
    accession_number: str | None = None
    #: The imaging `Order` event this study answers.
    order_id: str | None = None
    series: tuple[SeriesSummary, ...] = ()
    source: str = ImagingSource.IMPORT
    #: For an imported study: the device whose local store holds the pixels.
    held_on_device: str | None = None
    #: How the DICOM named the patient (PatientID, PatientName), as read.
    source_patient_id: str | None = None
    source_patient_name: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _require_text(self.patient_id, "patient_id", 64)
        require_uid(self.study_instance_uid, "study_instance_uid")
        if self.study_at is not None:
            object.__setattr__(self, "study_at", require_aware(self.study_at, "study_at"))
        _require_choice(self.source, ImagingSource, "source")
        for modality in self.modalities:
            _require_text(modality, "modalities", 16)
        for series in self.series:
            require_uid(series.series_instance_uid, "series_instance_uid")
            if series.instances < 0:
                raise _fail(
                    "series",
                    "range",
                    "Số ảnh của loạt không được âm",
                    "A series cannot have a negative number of instances",
                )
        for name, limit in (
            ("description", 1024),
            ("accession_number", 64),
            ("source_patient_id", 64),
            ("source_patient_name", 255),
        ):
            value = getattr(self, name)
            if value is not None and len(value) > limit:
                raise _fail(
                    name, "max_length", f"Dài quá {limit} ký tự", f"Longer than {limit} characters"
                )
        if self.source == ImagingSource.IMPORT and not self.held_on_device:
            raise _fail(
                "held_on_device",
                "required",
                "Ca chụp nhập từ tệp phải ghi máy đang giữ ảnh",
                "An imported study names the device that holds its images",
            )


class SubmissionStatus(StrEnum):
    """Where a prescription stands with the national e-prescription system."""

    #: Waiting to be sent (new, or a human asked to send it again).
    QUEUED = "queued"
    #: Accepted by the national system (its answer and checksum are kept).
    SENT = "sent"
    #: Refused (by the national system, or by the checks before sending): a human must act.
    REFUSED = "refused"
    #: The last attempt did not reach the system (offline, 5xx, timeout): retried by itself.
    FAILED = "failed"


@dataclass(frozen=True)
class PortalError:
    """One error the national e-prescription system listed (`danh_sach_cac_loi`)."""

    #: The JSON field it names (`truong`), e.g. "dia_chi".
    field: str
    #: Its error code (`ma_loi`).
    code: str
    #: Its message (`thong_bao`), as the system wrote it.
    message: str


@dataclass(frozen=True, kw_only=True)
class PrescriptionSubmission(MutableRecord):
    """A signed prescription's way to the national e-prescription system, and its answer.

    The id is derived from the prescription's event id (`services.eprescribing`), so the
    same prescription queued on two PCs is one record. Synced, so the prescriber sees the
    answer on any PC; only `sender_device_id` sends it (two PCs never race one code).
    """

    KIND: ClassVar[str] = "prescription_submission"
    patient_id: str
    prescription_id: str
    #: The prescription's national code (`ma_don_thuoc`): it can be sent only once.
    code: str
    #: Who signed the prescription: the failures are shown to them.
    prescriber_id: str
    #: The PC that sends it.
    sender_device_id: str
    status: str = SubmissionStatus.QUEUED
    attempts: int = 0
    #: When a queued or failed submission is next due (UTC); None: at once.
    next_attempt_at: datetime | None = None
    last_attempt_at: datetime | None = None
    #: Why the last attempt failed (a connection error, HTTP 503…; no patient data).
    last_error: str | None = None
    #: The national system's message (`success`: a sentence, on success and on refusal).
    answer: str | None = None
    errors: tuple[PortalError, ...] = ()
    checksum: str | None = None
    sent_at: datetime | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        validate_prescription_code(self.code)
        _require_choice(self.status, SubmissionStatus, "status")
        if self.attempts < 0:
            raise _fail(
                "attempts", "range", "Số lần gửi không được âm", "Attempts cannot be negative"
            )
        for name in ("next_attempt_at", "last_attempt_at", "sent_at"):
            value = getattr(self, name)
            if value is not None:
                require_aware(value, name)


# --------------------------------------------------------------------------- clinical events


def _check_icd10(code: str) -> None:
    if not is_icd10_code(code):
        raise _fail(
            "icd10",
            "catalog",
            f"Mã ICD-10 {code!r} không có trong danh mục",
            f"ICD-10 code {code!r} is not in the catalogue",
        )


def _decimal(value: Decimal | int | float | str, field_name: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise _fail(
            field_name, "number", f"{value!r} không phải là số", f"{value!r} is not a number"
        ) from None
    if not number.is_finite():
        raise _fail(field_name, "number", "Phải là số hữu hạn", "Must be a finite number")
    return number


@dataclass(frozen=True, kw_only=True)
class EventBody:
    """The content of one kind of clinical event."""

    KIND: ClassVar[str] = ""
    #: The permission family that writes and signs this kind (see `core.permissions`).
    PERMISSION: ClassVar[str] = ""
    #: The action of the family that writing needs ("sign" where drafting is for signers only).
    WRITE_ACTION: ClassVar[str] = "write"
    #: Fields added after records of the kind were already signed. While empty they are left
    #: out of `ClinicalEvent.signed_content()`, so the older signatures still verify.
    LATE_FIELDS: ClassVar[frozenset[str]] = frozenset()


class VitalCode(StrEnum):
    TEMPERATURE = "temperature"
    PULSE = "pulse"
    RESPIRATORY_RATE = "respiratory_rate"
    SYSTOLIC = "systolic"
    DIASTOLIC = "diastolic"
    SPO2 = "spo2"
    WEIGHT = "weight"
    HEIGHT = "height"
    BLOOD_GLUCOSE = "blood_glucose"


@dataclass(frozen=True)
class VitalSpec:
    unit: str
    low: Decimal
    high: Decimal
    name_vi: str
    name_en: str


#: Physiological hard limits: anything outside is a typing error, not a patient.
VITAL_SPECS: dict[str, VitalSpec] = {
    VitalCode.TEMPERATURE: VitalSpec("°C", Decimal(30), Decimal(45), "Nhiệt độ", "Temperature"),
    VitalCode.PULSE: VitalSpec("/min", Decimal(20), Decimal(300), "Mạch", "Pulse"),
    VitalCode.RESPIRATORY_RATE: VitalSpec(
        "/min", Decimal(4), Decimal(80), "Nhịp thở", "Respiratory rate"
    ),
    VitalCode.SYSTOLIC: VitalSpec(
        "mmHg", Decimal(40), Decimal(300), "Huyết áp tâm thu", "Systolic blood pressure"
    ),
    VitalCode.DIASTOLIC: VitalSpec(
        "mmHg", Decimal(20), Decimal(200), "Huyết áp tâm trương", "Diastolic blood pressure"
    ),
    VitalCode.SPO2: VitalSpec("%", Decimal(50), Decimal(100), "SpO₂", "SpO₂"),
    VitalCode.WEIGHT: VitalSpec("kg", Decimal("0.3"), Decimal(400), "Cân nặng", "Weight"),
    VitalCode.HEIGHT: VitalSpec("cm", Decimal(20), Decimal(250), "Chiều cao", "Height"),
    VitalCode.BLOOD_GLUCOSE: VitalSpec(
        "mmol/L", Decimal("0.5"), Decimal(50), "Đường huyết mao mạch", "Capillary blood glucose"
    ),
}

#: Units accepted on input, converted to the stored unit: (factor, offset).
_UNIT_CONVERSIONS: dict[tuple[str, str], tuple[Decimal, Decimal]] = {
    (VitalCode.TEMPERATURE, "°F"): (Decimal(5) / Decimal(9), Decimal(-32) * Decimal(5) / 9),
    (VitalCode.WEIGHT, "g"): (Decimal("0.001"), Decimal(0)),
    (VitalCode.HEIGHT, "m"): (Decimal(100), Decimal(0)),
    (VitalCode.BLOOD_GLUCOSE, "mg/dL"): (Decimal(1) / Decimal(18), Decimal(0)),
}


@dataclass(frozen=True)
class Measurement:
    """One vital sign with its unit, always stored in the unit of `VITAL_SPECS`."""

    code: str
    value: Decimal
    unit: str

    def __post_init__(self) -> None:
        _require_choice(self.code, VitalCode, "vital_code")
        spec = VITAL_SPECS[self.code]
        value = _decimal(self.value, self.code)
        if self.unit != spec.unit:
            conversion = _UNIT_CONVERSIONS.get((self.code, self.unit))
            if conversion is None:
                raise _fail(
                    self.code,
                    "unit",
                    f"Đơn vị {self.unit!r} không dùng được cho {spec.name_vi}",
                    f"Unit {self.unit!r} is not accepted for {spec.name_en}",
                )
            value = (value * conversion[0] + conversion[1]).quantize(Decimal("0.1"))
            object.__setattr__(self, "unit", spec.unit)
        if not spec.low <= value <= spec.high:
            raise _fail(
                self.code,
                "physiological_range",
                f"{spec.name_vi} {value} {spec.unit} nằm ngoài giới hạn sinh lý "
                f"({spec.low}–{spec.high} {spec.unit})",
                f"{spec.name_en} {value} {spec.unit} is outside physiological limits "
                f"({spec.low}–{spec.high} {spec.unit})",
            )
        object.__setattr__(self, "value", value)


@dataclass(frozen=True, kw_only=True)
class VitalSigns(EventBody):
    KIND: ClassVar[str] = "vital_signs"
    PERMISSION: ClassVar[str] = "vitals"
    measurements: tuple[Measurement, ...]

    def __post_init__(self) -> None:
        if not self.measurements:
            raise _fail(
                "measurements",
                "required",
                "Cần ít nhất một chỉ số sinh tồn",
                "At least one vital sign is required",
            )
        codes = [m.code for m in self.measurements]
        if len(set(codes)) != len(codes):
            raise _fail(
                "measurements",
                "duplicate",
                "Mỗi chỉ số chỉ nhập một lần",
                "Each vital sign may be entered once",
            )
        values = {m.code: m.value for m in self.measurements}
        systolic, diastolic = values.get(VitalCode.SYSTOLIC), values.get(VitalCode.DIASTOLIC)
        if systolic is not None and diastolic is not None and diastolic >= systolic:
            raise _fail(
                "diastolic",
                "below_systolic",
                "Huyết áp tâm trương phải thấp hơn tâm thu",
                "Diastolic pressure must be below systolic",
            )

    def value(self, code: str) -> Decimal | None:
        """The value of one vital sign, if measured."""
        return next((m.value for m in self.measurements if m.code == code), None)


class NoteType(StrEnum):
    PROGRESS = "progress"
    ADMISSION = "admission"
    #: Tờ điều trị: the inpatient daily treatment sheet (progress + orders of the day).
    DAILY_TREATMENT = "daily_treatment"
    DISCHARGE_SUMMARY = "discharge_summary"
    CONSULTATION = "consultation"
    NURSING = "nursing"


@dataclass(frozen=True, kw_only=True)
class ClinicalNote(EventBody):
    KIND: ClassVar[str] = "clinical_note"
    PERMISSION: ClassVar[str] = "note"
    note_type: str
    text: str
    #: On the daily treatment sheet: the orders of the day (y lệnh), beside the progress.
    orders_text: str | None = None

    def __post_init__(self) -> None:
        _require_choice(self.note_type, NoteType, "note_type")
        _require_text(self.text, "text", 100_000)
        if self.note_type == NoteType.DAILY_TREATMENT and not (self.orders_text or "").strip():
            raise _fail(
                "orders_text",
                "required",
                "Tờ điều trị cần có phần y lệnh",
                "A daily treatment sheet needs its orders",
            )


class DiagnosisRank(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True, kw_only=True)
class Diagnosis(EventBody):
    KIND: ClassVar[str] = "diagnosis"
    PERMISSION: ClassVar[str] = "diagnosis"
    icd10: str
    rank: str = DiagnosisRank.PRIMARY
    description: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "icd10", self.icd10.strip().upper())
        _check_icd10(self.icd10)
        _require_choice(self.rank, DiagnosisRank, "rank")


class OrderCategory(StrEnum):
    LAB = "lab"
    IMAGING = "imaging"
    PROCEDURE = "procedure"


class Priority(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"
    STAT = "stat"


@dataclass(frozen=True, kw_only=True)
class Order(EventBody):
    KIND: ClassVar[str] = "order"
    PERMISSION: ClassVar[str] = "order"
    category: str
    service_code: str
    service_name: str
    priority: str = Priority.ROUTINE
    indication: str | None = None

    def __post_init__(self) -> None:
        _require_choice(self.category, OrderCategory, "category")
        _require_text(self.service_code, "service_code", 50)
        _require_text(self.service_name, "service_name", 1024)
        _require_choice(self.priority, Priority, "priority")


class AbnormalFlag(StrEnum):
    NORMAL = "normal"
    LOW = "low"
    HIGH = "high"
    ABNORMAL = "abnormal"
    NONE = ""


@dataclass(frozen=True, kw_only=True)
class LabResult(EventBody):
    KIND: ClassVar[str] = "lab_result"
    PERMISSION: ClassVar[str] = "result"
    test_code: str
    test_name: str
    value: str
    order_id: str | None = None
    loinc: str | None = None
    unit: str | None = None
    ref_low: Decimal | None = None
    ref_high: Decimal | None = None
    ref_text: str | None = None
    flag: str = AbnormalFlag.NONE

    def __post_init__(self) -> None:
        _require_text(self.test_code, "test_code", 50)
        _require_text(self.test_name, "test_name", 255)
        _require_text(self.value, "value", 2000)
        _require_choice(self.flag, AbnormalFlag, "flag")
        if self.ref_low is not None and self.ref_high is not None and self.ref_low > self.ref_high:
            raise _fail(
                "ref_low",
                "order",
                "Giới hạn dưới lớn hơn giới hạn trên",
                "The lower reference limit is above the upper one",
            )

    def numeric_value(self) -> Decimal | None:
        """The value as a number, or None for a text result ("Âm tính")."""
        try:
            number = Decimal(self.value.strip().replace(",", "."))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None


@dataclass(frozen=True, kw_only=True)
class ImagingReport(EventBody):
    KIND: ClassVar[str] = "imaging_report"
    PERMISSION: ClassVar[str] = "result"
    #: Only who may sign a report may write one (nurses record bedside results, not reports).
    WRITE_ACTION: ClassVar[str] = "sign"
    service_code: str
    modality: str
    findings: str
    conclusion: str
    order_id: str | None = None
    study_instance_uid: str | None = None

    def __post_init__(self) -> None:
        _require_text(self.service_code, "service_code", 50)
        _require_text(self.modality, "modality", 16)
        _require_text(self.findings, "findings", 100_000)
        _require_text(self.conclusion, "conclusion", 10_000)


@dataclass(frozen=True)
class PrescriptionItem:
    drug_code: str
    drug_name: str
    #: e.g. "1 viên x 2 lần/ngày, sau ăn".
    dosage: str
    quantity: Decimal
    unit: str
    days: int
    route: str = "oral"

    def __post_init__(self) -> None:
        _require_text(self.drug_code, "drug_code", 50)
        _require_text(self.drug_name, "drug_name", 255)
        _require_text(self.dosage, "dosage", 1000)
        _require_text(self.unit, "unit", 50)
        quantity = _decimal(self.quantity, "quantity")
        if quantity <= 0:
            raise _fail(
                "quantity", "positive", "Số lượng phải lớn hơn 0", "The quantity must be above 0"
            )
        object.__setattr__(self, "quantity", quantity)
        if not 1 <= self.days <= 365:
            raise _fail(
                "days",
                "range",
                "Số ngày dùng thuốc phải từ 1 đến 365",
                "Days of treatment must be between 1 and 365",
            )


@dataclass(frozen=True, kw_only=True)
class Prescription(EventBody):
    KIND: ClassVar[str] = "prescription"
    PERMISSION: ClassVar[str] = "prescription"
    LATE_FIELDS: ClassVar[frozenset[str]] = frozenset({"code"})
    items: tuple[PrescriptionItem, ...]
    diagnosis_codes: tuple[str, ...] = ()
    advice: str | None = None
    follow_up: date | None = None
    #: The national e-prescription code (`core.eprescription`), printed with its QR code.
    code: str | None = None

    def __post_init__(self) -> None:
        if self.code is not None:
            object.__setattr__(self, "code", validate_prescription_code(self.code))
        if not self.items:
            raise _fail(
                "items",
                "required",
                "Đơn thuốc cần ít nhất một thuốc",
                "A prescription needs at least one drug",
            )
        codes = [i.drug_code for i in self.items]
        if len(set(codes)) != len(codes):
            raise _fail(
                "items",
                "duplicate",
                "Một thuốc được kê hai lần trong cùng đơn",
                "The same drug appears twice in one prescription",
            )
        for code in self.diagnosis_codes:
            _check_icd10(code)


@dataclass(frozen=True, kw_only=True)
class MedicationOrder(EventBody):
    """An inpatient medication order with its schedule (the nurse's worklist comes from it)."""

    KIND: ClassVar[str] = "medication_order"
    PERMISSION: ClassVar[str] = "prescription"
    drug_code: str
    drug_name: str
    dose: Decimal
    dose_unit: str
    route: str
    #: Local times of day ("08:00", "20:00") at which a dose is due.
    times: tuple[str, ...]
    start_date: date
    days: int
    as_needed: bool = False
    instructions: str | None = None

    def __post_init__(self) -> None:
        _require_text(self.drug_code, "drug_code", 50)
        _require_text(self.drug_name, "drug_name", 255)
        dose = _decimal(self.dose, "dose")
        if dose <= 0:
            raise _fail("dose", "positive", "Liều phải lớn hơn 0", "The dose must be above 0")
        object.__setattr__(self, "dose", dose)
        _require_text(self.dose_unit, "dose_unit", 50)
        _require_text(self.route, "route", 50)
        if not self.times and not self.as_needed:
            raise _fail(
                "times",
                "required",
                "Cần giờ dùng thuốc, hoặc đánh dấu dùng khi cần",
                "Give the times of the doses, or mark the order as needed",
            )
        for moment in self.times:
            hh, _, mm = moment.partition(":")
            if not (
                len(hh) == 2
                and len(mm) == 2
                and hh.isdigit()
                and mm.isdigit()
                and int(hh) < 24
                and int(mm) < 60
            ):
                raise _fail(
                    "times",
                    "format",
                    f"Giờ {moment!r} phải có dạng HH:MM",
                    f"Time {moment!r} must be HH:MM",
                )
        if not 1 <= self.days <= 365:
            raise _fail(
                "days", "range", "Số ngày phải từ 1 đến 365", "Days must be between 1 and 365"
            )


class AdministrationOutcome(StrEnum):
    GIVEN = "given"
    HELD = "held"
    REFUSED = "refused"
    MISSED = "missed"


@dataclass(frozen=True, kw_only=True)
class MedicationAdministration(EventBody):
    KIND: ClassVar[str] = "medication_administration"
    PERMISSION: ClassVar[str] = "administration"
    medication_order_id: str
    scheduled_for: datetime | None
    outcome: str
    dose: Decimal | None = None
    dose_unit: str | None = None
    route: str | None = None
    site: str | None = None
    reason: str | None = None
    #: The patient's wristband was scanned before giving the dose.
    wristband_scanned: bool = False

    def __post_init__(self) -> None:
        _require_choice(self.outcome, AdministrationOutcome, "outcome")
        if self.scheduled_for is not None:
            object.__setattr__(
                self, "scheduled_for", require_aware(self.scheduled_for, "scheduled_for")
            )
        if self.outcome == AdministrationOutcome.GIVEN:
            if self.dose is None or not self.dose_unit:
                raise _fail(
                    "dose", "required", "Ghi liều đã dùng", "Record the dose that was given"
                )
            object.__setattr__(self, "dose", _decimal(self.dose, "dose"))
        elif not (self.reason or "").strip():
            raise _fail(
                "reason",
                "required",
                "Ghi lý do không dùng thuốc",
                "Give the reason the dose was not given",
            )


class MovementKind(StrEnum):
    ADMISSION = "admission"
    TRANSFER = "transfer"
    DISCHARGE = "discharge"


@dataclass(frozen=True, kw_only=True)
class Movement(EventBody):
    """Admission to, transfer between, or discharge from a department (the stay's history)."""

    KIND: ClassVar[str] = "movement"
    PERMISSION: ClassVar[str] = "encounter"
    movement: str
    department_id: str | None = None
    bed_id: str | None = None
    treatment_result: str | None = None
    discharge_type: str | None = None

    def __post_init__(self) -> None:
        _require_choice(self.movement, MovementKind, "movement")
        if self.movement != MovementKind.DISCHARGE and not self.department_id:
            raise _fail("department_id", "required", "Chọn khoa", "Choose a department")


@dataclass(frozen=True, kw_only=True)
class Attachment(EventBody):
    """A document kept with the chart (scanned referral, consent, ECG). Bytes are stored apart."""

    KIND: ClassVar[str] = "attachment"
    PERMISSION: ClassVar[str] = "note"
    title: str
    media_type: str
    size: int
    sha256: str

    def __post_init__(self) -> None:
        _require_text(self.title, "title", 255)
        if "/" not in self.media_type:
            raise _fail("media_type", "format", "Kiểu tệp không hợp lệ", "Invalid media type")
        if not 0 < self.size <= 50 * 1024 * 1024:
            raise _fail(
                "size",
                "range",
                "Tệp đính kèm phải từ 1 byte đến 50 MB",
                "An attachment must be 1 byte to 50 MB",
            )


@dataclass(frozen=True)
class ExternalReference:
    """How a reference inside an external resource was resolved when it was imported.

    `target`: "patient" (the chart's patient), "record" (another external record of the
    chart, `record_id`), "source" (the facility the Bundle came from), "party" (a person or
    organisation the Bundle named: `resource_type`, `display`, `identifier` "system|value"),
    "unresolved" (not in the Bundle).
    """

    reference: str
    target: str
    record_id: str | None = None
    resource_type: str | None = None
    display: str | None = None
    identifier: str | None = None


@dataclass(frozen=True, kw_only=True)
class ExternalRecord(EventBody):
    """A record from another facility (a FHIR resource of an imported Bundle), read-only.

    `resource` is the original resource as canonical JSON; the `source_*` fields keep where
    it came from and who signed it there. The event itself is signed by the clinician who
    imported it: an attestation of the import, not of the content. Only who may sign
    results may import (`interop.fhir_import`, `services.fhir_import`).
    """

    KIND: ClassVar[str] = "external_record"
    PERMISSION: ClassVar[str] = "result"
    WRITE_ACTION: ClassVar[str] = "sign"
    resource_type: str
    resource: str
    summary: str
    #: Who the record came from (name and "system|value" of the facility), and the identity
    #: used to recognise the same resource in a later import ("system|value" or "bundle:…").
    source_name: str
    source_identity: str
    source_identifier: str | None = None
    source_bundle_id: str | None = None
    source_bundle_at: datetime | None = None
    #: The resource's fullUrl or "Type/id" in the Bundle.
    source_resource: str
    #: The clinical date as the source wrote it (FHIR dateTime, possibly partial: "2024-05").
    clinical_date: str | None = None
    #: Who signed or authored it at the source, and when (from its Provenance).
    source_author: str | None = None
    source_signed_at: datetime | None = None
    source_provenance: str | None = None
    imported_at: datetime
    references: tuple[ExternalReference, ...] = ()

    def __post_init__(self) -> None:
        _require_text(self.resource_type, "resource_type", 64)
        _require_text(self.resource, "resource", 5_000_000)
        _require_text(self.summary, "summary", 2000)
        _require_text(self.source_name, "source_name", 255)
        _require_text(self.source_identity, "source_identity", 1024)
        _require_text(self.source_resource, "source_resource", 1024)
        require_aware(self.imported_at, "imported_at")
        try:
            resource = json.loads(self.resource)
        except ValueError:
            resource = None
        if not isinstance(resource, dict) or resource.get("resourceType") != self.resource_type:
            raise _fail(
                "resource",
                "format",
                f"Bản ghi ngoài không phải tài nguyên FHIR {self.resource_type}",
                f"The external record is not a FHIR {self.resource_type} resource",
            )


EVENT_BODIES: dict[str, type[EventBody]] = {
    cls.KIND: cls
    for cls in (
        VitalSigns,
        ClinicalNote,
        Diagnosis,
        Order,
        LabResult,
        ImagingReport,
        Prescription,
        MedicationOrder,
        MedicationAdministration,
        Movement,
        Attachment,
        ExternalRecord,
    )
}


class EventStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


class Correction(StrEnum):
    AMENDS = "amends"
    ENTERED_IN_ERROR = "entered_in_error"


@dataclass(frozen=True, kw_only=True)
class ClinicalEvent:
    """An event in a chart. A draft may be edited by its author; signing freezes it."""

    KIND: ClassVar[str] = "clinical_event"
    id: str
    facility_id: str
    patient_id: str
    encounter_id: str | None
    effective_at: datetime
    created_at: datetime
    created_by: str
    device_id: str
    body: EventBody
    status: str = EventStatus.DRAFT
    signed_by: str | None = None
    signed_at: datetime | None = None
    #: SHA-256 of `signed_content()`: what the clinician's signature covers.
    content_hash: str | None = None
    #: For a correction: the event it amends or marks entered in error.
    corrects: str | None = None
    correction: str | None = None
    correction_reason: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.effective_at, "effective_at")
        require_aware(self.created_at, "created_at")
        _require_choice(self.status, EventStatus, "status")
        if self.status == EventStatus.SIGNED and not (
            self.signed_by and self.signed_at and self.content_hash
        ):
            raise _fail(
                "signature",
                "incomplete",
                "Chữ ký thiếu người ký, thời điểm hoặc mã băm",
                "A signature needs its signer, time and hash",
            )
        if (self.corrects is None) != (self.correction is None):
            raise _fail(
                "correction",
                "incomplete",
                "Bản đính chính phải nêu bản gốc và loại đính chính",
                "A correction names both the original and the kind of correction",
            )
        if self.correction is not None:
            _require_choice(self.correction, Correction, "correction")
            _require_text(self.correction_reason or "", "correction_reason", 1000)

    @property
    def kind(self) -> str:
        """The body's kind: `vital_signs`, `clinical_note`, …"""
        return self.body.KIND

    def signed_content(self) -> bytes:
        """The canonical bytes a signature covers: everything clinical, nothing about the signer.

        Canonical JSON (sorted keys, no spaces, UTF-8) so that the server and every PC compute
        the same hash from the same record.
        """
        from emr_desktop.core.codec import to_plain

        body = to_plain(self.body)
        for name in self.body.LATE_FIELDS:
            if body.get(name) is None:
                body.pop(name, None)
        content: dict[str, Any] = {
            "id": self.id,
            "facility_id": self.facility_id,
            "patient_id": self.patient_id,
            "encounter_id": self.encounter_id,
            "effective_at": to_plain(self.effective_at),
            "created_by": self.created_by,
            "kind": self.kind,
            "body": body,
            "corrects": self.corrects,
            "correction": self.correction,
            "correction_reason": self.correction_reason,
        }
        return json.dumps(
            content, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")

    def content_digest(self) -> str:
        """SHA-256 hex of `signed_content()`."""
        return hashlib.sha256(self.signed_content()).hexdigest()


MUTABLE_RECORDS: dict[str, type[MutableRecord]] = {
    cls.KIND: cls
    for cls in (
        Facility,
        Department,
        Bed,
        User,
        Device,
        Patient,
        Allergy,
        Problem,
        Encounter,
        PatientLink,
        ImagingStudy,
        PrescriptionSubmission,
    )
}
