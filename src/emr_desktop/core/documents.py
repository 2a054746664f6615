"""What a printed document is drawn from: plain data the services gather and `printing` draws.

The services read the store (and audit the read); `emr_desktop.printing` turns a
`ChartExtract` into PDF bytes and knows nothing of the store. Both sides meet here, in core,
because the layers beside each other may not import one another (DESIGN §2).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from emr_desktop.core.catalog import DrugEntry
from emr_desktop.core.records import (
    Allergy,
    ClinicalEvent,
    Correction,
    Encounter,
    ImagingStudy,
    Patient,
    Problem,
)


class DocumentKind(enum.StrEnum):
    """The documents the program prints. The value names the document in the audit log."""

    PRESCRIPTION = "prescription"
    DISCHARGE = "discharge"
    LAB_REPORT = "lab_report"
    IMAGING_REPORT = "imaging_report"
    VISIT_SUMMARY = "visit_summary"
    REFERRAL = "referral"
    CHART_EXPORT = "chart_export"
    MAR = "mar"

    @property
    def title_vi(self) -> str:
        """The document's title as printed."""
        return _TITLES_VI[self]


_TITLES_VI = {
    DocumentKind.PRESCRIPTION: "Đơn thuốc",
    DocumentKind.DISCHARGE: "Giấy ra viện",
    DocumentKind.LAB_REPORT: "Phiếu kết quả xét nghiệm",
    DocumentKind.IMAGING_REPORT: "Phiếu kết quả chẩn đoán hình ảnh",
    DocumentKind.VISIT_SUMMARY: "Tóm tắt lần khám",
    DocumentKind.REFERRAL: "Giấy chuyển tuyến",
    DocumentKind.CHART_EXPORT: "Hồ sơ bệnh án (bản trích xuất)",
    DocumentKind.MAR: "Phiếu theo dõi dùng thuốc",
}


@dataclass(frozen=True)
class Letterhead:
    """The facility block at the top left of every form (MoH convention)."""

    #: The 5-character facility code (MA_CSKCB).
    facility_code: str
    facility_name: str
    #: The governing body printed above the facility ("SỞ Y TẾ TỈNH HÀ NAM"), if set.
    parent_name: str | None = None
    address: str | None = None
    phone: str | None = None
    #: The facility's logo, PNG or JPEG bytes, if set.
    logo: bytes | None = None


@dataclass(frozen=True)
class ReferralDetails:
    """What a referral letter says that the chart does not: typed by the doctor when printing."""

    destination: str
    reason: str
    condition: str
    direction: str = ""
    transport: str = ""
    escort: str = ""
    #: When the patient leaves; None prints the time of printing.
    transfer_at: datetime | None = None


@dataclass(frozen=True)
class ChartExtract:
    """One patient's chart, or the part of it a document needs, with the names it shows.

    `events` are oldest first and include corrections and entries marked in error (the full
    chart export shows them); `current_events()` is the chart as a clinician reads it.
    """

    letterhead: Letterhead
    patient: Patient
    allergies: tuple[Allergy, ...]
    problems: tuple[Problem, ...]
    #: Oldest first.
    encounters: tuple[Encounter, ...]
    events: tuple[ClinicalEvent, ...]
    #: User id → full name (authors and signers).
    staff: Mapping[str, str]
    #: Department id → name.
    departments: Mapping[str, str]
    #: Bed id → code.
    beds: Mapping[str, str]
    #: Who prints, and when (UTC).
    printed_by: str
    printed_at: datetime
    #: Extra staff details, user id → title printed under a signature ("BS.", "ĐD.") if known.
    staff_titles: Mapping[str, str] = field(default_factory=dict)
    #: The chart's imaging studies (metadata only); gathered for the chart export alone.
    imaging_studies: tuple[ImagingStudy, ...] = ()

    def current_events(self) -> list[ClinicalEvent]:
        """Events with amended versions replaced by their latest amendment and entries marked
        in error left out, oldest first."""
        return list(self._current)

    @cached_property
    def _current(self) -> tuple[ClinicalEvent, ...]:
        superseded: set[str] = set()
        for event in self.events:
            if event.corrects is not None:
                superseded.add(event.corrects)
                if event.correction == Correction.ENTERED_IN_ERROR:
                    superseded.add(event.id)
        return tuple(e for e in self.events if e.id not in superseded)

    def latest_version(self, event_id: str) -> ClinicalEvent | None:
        """The latest amendment of the event `event_id` (following amendments of amendments;
        the event itself if it was never amended): what a record that points at `event_id`
        points at now. None if the extract does not hold the event, or it is a correction
        marking another in error, or its latest version was marked entered in error."""
        version = self._by_id.get(event_id)
        seen: set[str] = set()
        while version is not None and version.id not in seen:
            seen.add(version.id)
            if version.correction == Correction.ENTERED_IN_ERROR:
                return None
            correction = self._corrected_by.get(version.id)
            if correction is None:
                return version
            version = correction
        return None

    @cached_property
    def _by_id(self) -> dict[str, ClinicalEvent]:
        return {e.id: e for e in self.events}

    @cached_property
    def _corrected_by(self) -> dict[str, ClinicalEvent]:
        """Event id → the (latest) correction of it."""
        return {e.corrects: e for e in self.events if e.corrects is not None}

    def event(self, event_id: str) -> ClinicalEvent:
        """One event by id (KeyError if the extract does not hold it)."""
        return self._by_id[event_id]

    def encounter(self, encounter_id: str) -> Encounter:
        """One encounter by id (KeyError if the extract does not hold it)."""
        for encounter in self.encounters:
            if encounter.id == encounter_id:
                return encounter
        raise KeyError(encounter_id)

    def events_of(self, encounter_id: str | None, kind: str | None = None) -> list[ClinicalEvent]:
        """Current events of one encounter (all encounters if None), optionally of one kind."""
        events = self._current if encounter_id is None else self._by_encounter.get(encounter_id, ())
        return [e for e in events if kind is None or e.kind == kind]

    @cached_property
    def _by_encounter(self) -> dict[str, tuple[ClinicalEvent, ...]]:
        """Current events by encounter id, oldest first: a document that walks every
        encounter of a long chart reads each event once, not once per encounter."""
        grouped: dict[str, list[ClinicalEvent]] = {}
        for event in self._current:
            if event.encounter_id is not None:
                grouped.setdefault(event.encounter_id, []).append(event)
        return {key: tuple(value) for key, value in grouped.items()}

    def staff_name(self, user_id: str | None) -> str:
        """A member of staff's full name ("" if unknown)."""
        return self.staff.get(user_id or "", "")


@dataclass(frozen=True)
class ClaimSources:
    """Everything one encounter's BHYT claim (QĐ 130 XML) is built from: gathered by
    `services.claims`, built by `interop.claim130.claim_envelope`."""

    chart: ChartExtract
    encounter_id: str
    #: BHYT unit prices in VND by drug code, and by lab/imaging/procedure code.
    drug_prices: Mapping[str, Decimal]
    service_prices: Mapping[str, Decimal]
    #: The formulary in force, by drug code (strength, form and unit of each drug).
    drugs: Mapping[str, DrugEntry]
    #: User id → practising-certificate number (MA_BAC_SI); staff without one are absent.
    practitioners: Mapping[str, str]
    #: Department id → department code (MA_KHOA).
    departments: Mapping[str, str]
    #: The day the claim is made, in Vietnam (NGAYLAP).
    created_on: date
    #: MA_DOITUONG_KCB when staff chose it (None: the builder derives it or refuses).
    visit_category: str | None = None


def age_on(birth_year: int, birth_date: date | None, day: date) -> int:
    """Age in whole years on `day` (from the year alone when the date is unknown)."""
    if birth_date is None:
        return day.year - birth_year
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
