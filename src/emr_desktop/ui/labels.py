"""Display names of the stored codes (roles, sexes, kinds of records...), translatable.

The store keeps stable English codes (`Sex.FEMALE == "female"`); screens show these names,
which Qt translates (context "Labels") like every other visible string.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.timeutil import VIETNAM_TZ

_CONTEXT = "Labels"

#: QT_TRANSLATE_NOOP marks the names for lupdate and returns them unchanged.
_NAMES: dict[str, dict[str, Any]] = {
    "sex": {
        "male": QT_TRANSLATE_NOOP("Labels", "male"),
        "female": QT_TRANSLATE_NOOP("Labels", "female"),
        "other": QT_TRANSLATE_NOOP("Labels", "other"),
    },
    "role": {
        "registrar": QT_TRANSLATE_NOOP("Labels", "registration clerk"),
        "nurse": QT_TRANSLATE_NOOP("Labels", "nurse"),
        "doctor": QT_TRANSLATE_NOOP("Labels", "doctor"),
        "pharmacist": QT_TRANSLATE_NOOP("Labels", "pharmacist"),
        "admin": QT_TRANSLATE_NOOP("Labels", "administrator"),
    },
    "encounter_kind": {
        "outpatient": QT_TRANSLATE_NOOP("Labels", "outpatient visit"),
        "inpatient": QT_TRANSLATE_NOOP("Labels", "inpatient stay"),
        "emergency": QT_TRANSLATE_NOOP("Labels", "emergency"),
    },
    "encounter_status": {
        "in_progress": QT_TRANSLATE_NOOP("Labels", "in progress"),
        "finished": QT_TRANSLATE_NOOP("Labels", "finished"),
        "cancelled": QT_TRANSLATE_NOOP("Labels", "cancelled"),
    },
    "event_kind": {
        "vital_signs": QT_TRANSLATE_NOOP("Labels", "vital signs"),
        "clinical_note": QT_TRANSLATE_NOOP("Labels", "note"),
        "diagnosis": QT_TRANSLATE_NOOP("Labels", "diagnosis"),
        "order": QT_TRANSLATE_NOOP("Labels", "order"),
        "lab_result": QT_TRANSLATE_NOOP("Labels", "lab result"),
        "imaging_report": QT_TRANSLATE_NOOP("Labels", "imaging report"),
        "prescription": QT_TRANSLATE_NOOP("Labels", "prescription"),
        "medication_order": QT_TRANSLATE_NOOP("Labels", "medication order"),
        "medication_administration": QT_TRANSLATE_NOOP("Labels", "medication given"),
        "movement": QT_TRANSLATE_NOOP("Labels", "admission/transfer/discharge"),
        "attachment": QT_TRANSLATE_NOOP("Labels", "document"),
        "external_record": QT_TRANSLATE_NOOP("Labels", "record from another facility"),
    },
    "event_status": {
        "draft": QT_TRANSLATE_NOOP("Labels", "draft"),
        "signed": QT_TRANSLATE_NOOP("Labels", "signed"),
    },
    "movement": {
        "admission": QT_TRANSLATE_NOOP("Labels", "admission"),
        "transfer": QT_TRANSLATE_NOOP("Labels", "transfer"),
        "discharge": QT_TRANSLATE_NOOP("Labels", "discharge"),
    },
    "severity": {
        "mild": QT_TRANSLATE_NOOP("Labels", "mild"),
        "moderate": QT_TRANSLATE_NOOP("Labels", "moderate"),
        "severe": QT_TRANSLATE_NOOP("Labels", "severe"),
    },
    "flag": {
        "normal": QT_TRANSLATE_NOOP("Labels", "normal"),
        "low": QT_TRANSLATE_NOOP("Labels", "low"),
        "high": QT_TRANSLATE_NOOP("Labels", "high"),
        "abnormal": QT_TRANSLATE_NOOP("Labels", "abnormal"),
    },
    "note_type": {
        "progress": QT_TRANSLATE_NOOP("Labels", "progress note"),
        "admission": QT_TRANSLATE_NOOP("Labels", "admission note"),
        "daily_treatment": QT_TRANSLATE_NOOP("Labels", "daily treatment sheet"),
        "discharge_summary": QT_TRANSLATE_NOOP("Labels", "discharge summary"),
        "consultation": QT_TRANSLATE_NOOP("Labels", "consultation note"),
        "nursing": QT_TRANSLATE_NOOP("Labels", "nursing note"),
    },
    "vital": {
        "temperature": QT_TRANSLATE_NOOP("Labels", "temperature"),
        "pulse": QT_TRANSLATE_NOOP("Labels", "pulse"),
        "respiratory_rate": QT_TRANSLATE_NOOP("Labels", "respiratory rate"),
        "systolic": QT_TRANSLATE_NOOP("Labels", "systolic BP"),
        "diastolic": QT_TRANSLATE_NOOP("Labels", "diastolic BP"),
        "spo2": QT_TRANSLATE_NOOP("Labels", "SpO₂"),
        "weight": QT_TRANSLATE_NOOP("Labels", "weight"),
        "height": QT_TRANSLATE_NOOP("Labels", "height"),
        "blood_glucose": QT_TRANSLATE_NOOP("Labels", "blood glucose"),
    },
}


def label(group: str, code: str | None) -> str:
    """The translated name of `code` in `group` (the code itself if it has no name)."""
    if code is None:
        return ""
    source = _NAMES.get(group, {}).get(code)
    return QCoreApplication.translate(_CONTEXT, str(source)) if source else code


def codes(group: str) -> list[str]:
    """The codes of a group, in display order."""
    return list(_NAMES[group])


def local_time(value: datetime | None) -> str:
    """A stored (UTC) time as Vietnamese staff read it: dd/mm/yyyy hh:mm, Vietnam time."""
    if value is None:
        return ""
    return value.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M")


def local_date(value: date | None) -> str:
    return "" if value is None else value.strftime("%d/%m/%Y")


def birth_date(value: BirthDate | None) -> str:
    """A full birth date as dd/mm/yyyy, a year-only one as the year."""
    if value is None:
        return ""
    return str(value.year) if value.date is None else value.date.strftime("%d/%m/%Y")


def age_text(value: BirthDate | None, today: date) -> str:
    """Age as shown in the banner: years, or months for children under two."""
    if value is None:
        return ""
    if value.date is not None and value.age_on(today) < 2:
        months = (today.year - value.date.year) * 12 + today.month - value.date.month
        months -= int(today.day < value.date.day)
        months = max(months, 0)
        # (Plain names as the count: lupdate 6.11 misses a translate() whose count is a call.)
        return QCoreApplication.translate("Labels", "%n month(s)", "", months)
    years = value.age_on(today)
    return QCoreApplication.translate("Labels", "%n year(s)", "", years)
