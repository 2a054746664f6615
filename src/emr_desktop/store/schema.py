"""SQLAlchemy tables of the local store.

Tables of mutable records are derived from the record dataclasses in `core.records`, so a
field added to a record is a column here and a migration away (Alembic autogenerate sees it).
Values are stored in the codec's plain form: ISO text for dates and times, text for
decimals, JSON text for lists. Each row keeps the HLC of the last write of every field.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Union, get_args, get_origin

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)

from emr_desktop.core import records as r

metadata = MetaData()

#: Table name of each mutable record kind.
RECORD_TABLES: dict[str, str] = {
    r.Facility.KIND: "facility",
    r.Department.KIND: "department",
    r.Bed.KIND: "bed",
    r.User.KIND: "app_user",
    r.Device.KIND: "device",
    r.Patient.KIND: "patient",
    r.Allergy.KIND: "allergy",
    r.Problem.KIND: "problem",
    r.Encounter.KIND: "encounter",
    r.PatientLink.KIND: "patient_link",
    r.ImagingStudy.KIND: "imaging_study",
    r.PrescriptionSubmission.KIND: "prescription_submission",
}


def _sql_type(hint: Any) -> tuple[Any, bool]:
    """Column type and nullability for a dataclass field's type hint."""
    nullable = False
    origin = get_origin(hint)
    if origin is Union or origin is types.UnionType:
        args = [a for a in get_args(hint) if a is not type(None)]
        nullable = len(args) != len(get_args(hint))
        hint = args[0]
    if hint is bool:
        return Boolean(), nullable
    if hint is int:
        return Integer(), nullable
    return Text(), nullable


def _record_table(cls: type[r.MutableRecord], *indexes: tuple[str, ...]) -> Table:
    name = RECORD_TABLES[cls.KIND]
    hints = typing.get_type_hints(cls)
    columns: list[Any] = [
        # An integer key that VACUUM never renumbers: the search index points at it.
        Column("pk", Integer, primary_key=True, autoincrement=True),
        Column("id", Text, nullable=False, unique=True),
    ]
    for f in dataclasses.fields(cls):
        if f.name == "id":
            continue
        sql_type, nullable = _sql_type(hints[f.name])
        columns.append(Column(f.name, sql_type, nullable=nullable))
    columns.append(Column("field_hlc", Text, nullable=False))
    table = Table(name, metadata, *columns)
    for cols in indexes:
        Index(f"ix_{name}_{'_'.join(cols)}", *(table.c[c] for c in cols))
    return table


facility = _record_table(r.Facility, ("code",))
department = _record_table(r.Department, ("code",))
bed = _record_table(r.Bed, ("department_id",))
app_user = _record_table(r.User, ("username",))
device = _record_table(r.Device)
patient = _record_table(r.Patient, ("mrn",), ("cccd",), ("bhyt_number",))
allergy = _record_table(r.Allergy, ("patient_id",))
problem = _record_table(r.Problem, ("patient_id",))
encounter = _record_table(r.Encounter, ("patient_id", "started_at"), ("department_id", "status"))
patient_link = _record_table(r.PatientLink, ("replaced_id",), ("replaced_by",))
imaging_study = _record_table(r.ImagingStudy, ("patient_id",), ("study_instance_uid",))
prescription_submission = _record_table(
    r.PrescriptionSubmission,
    ("patient_id",),
    ("prescription_id",),
    ("status", "next_attempt_at"),
    ("prescriber_id",),
)

TABLES_BY_KIND: dict[str, Table] = {
    kind: metadata.tables[name] for kind, name in RECORD_TABLES.items()
}

clinical_event = Table(
    "clinical_event",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("id", Text, nullable=False, unique=True),
    Column("facility_id", Text, nullable=False),
    Column("patient_id", Text, nullable=False),
    Column("encounter_id", Text),
    Column("kind", Text, nullable=False),
    Column("effective_at", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("device_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("signed_by", Text),
    Column("signed_at", Text),
    Column("content_hash", Text),
    Column("corrects", Text),
    Column("correction", Text),
    Column("correction_reason", Text),
    Column("body", Text, nullable=False),
    Column("field_hlc", Text, nullable=False),
    Index("ix_clinical_event_patient", "patient_id", "effective_at"),
    Index("ix_clinical_event_encounter", "encounter_id"),
    Index("ix_clinical_event_corrects", "corrects"),
    Index("ix_clinical_event_kind", "kind", "effective_at"),
)

attachment_content = Table(
    "attachment_content",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

#: Attachments whose bytes (in `attachment_content`) wait to be uploaded to the server,
#: oldest first; a row goes only once the server holds them (`syncclient.engine`). Never
#: synced as ops.
attachment_upload = Table(
    "attachment_upload",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Text, nullable=False, unique=True),
    Column("queued_at", Text, nullable=False),
    sqlite_autoincrement=True,
)

#: The DICOM instances held on this PC (DESIGN §5: inside the encrypted store, never in a
#: file): imported from media (`source` 'import', kept) or fetched from the PACS ('pacs', a
#: cache: `data` is set to NULL when evicted, the row stays so the series keeps its list).
#: Not synced: the study's metadata travels as the `imaging_study` record.
imaging_instance = Table(
    "imaging_instance",
    metadata,
    Column("sop_instance_uid", Text, primary_key=True),
    Column("study_instance_uid", Text, nullable=False),
    Column("series_instance_uid", Text, nullable=False),
    Column("patient_id", Text, nullable=False),
    Column("instance_number", Integer),
    #: ImagePositionPatient as JSON text `[x, y, z]` (mm), or NULL.
    Column("image_position", Text),
    Column("frames", Integer, nullable=False),
    Column("size", Integer, nullable=False),
    #: Whether `data` holds the bytes (a PACS image evicted from the cache does not).
    Column("held", Boolean, nullable=False),
    Column("source", Text, nullable=False),
    Column("stored_at", Text, nullable=False),
    Column("last_viewed_at", Text),
    #: Last: SQLite reads a row's columns in order, so any column after the image would
    #: cost reading (and decrypting) the whole image first.
    Column("data", LargeBinary),
    Index("ix_imaging_instance_series", "study_instance_uid", "series_instance_uid"),
    Index("ix_imaging_instance_cache", "source", "last_viewed_at"),
)

#: Changes waiting to be pushed (DESIGN §4). `device_seq` is never reused (AUTOINCREMENT).
outbox = Table(
    "outbox",
    metadata,
    Column("device_seq", Integer, primary_key=True, autoincrement=True),
    Column("op_id", Text, nullable=False, unique=True),
    Column("device_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("fields", Text, nullable=False),
    Column("hlc", Text, nullable=False),
    Column("base", Text, nullable=False),
    Column("user_id", Text),
    Column("created_at", Text, nullable=False),
    sqlite_autoincrement=True,
)

#: Append-only, hash-chained (DESIGN §5). Triggers refuse UPDATE and DELETE.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", Text, nullable=False, unique=True),
    Column("at", Text, nullable=False),
    Column("user_id", Text),
    Column("device_id", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("target_kind", Text),
    Column("target_id", Text),
    Column("patient_id", Text),
    Column("detail", Text, nullable=False),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    Index("ix_audit_log_patient", "patient_id"),
    sqlite_autoincrement=True,
)

#: Per-PC settings and counters that are not records (store id, device id, clock).
meta = Table(
    "meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

#: This PC's range of medical record numbers.
mrn_range = Table(
    "mrn_range",
    metadata,
    Column("device_id", Text, primary_key=True),
    Column("first", Integer, nullable=False),
    Column("last", Integer, nullable=False),
    Column("next", Integer, nullable=False),
)

#: Failed logins and lockout: kept per PC, never synced.
login_state = Table(
    "login_state",
    metadata,
    Column("user_id", Text, primary_key=True),
    Column("failed_count", Integer, nullable=False),
    Column("locked_until", Text),
)

#: Hospital catalogues imported over the built-in ones (drugs, lab tests, services).
catalog_entry = Table(
    "catalog_entry",
    metadata,
    Column("kind", Text, primary_key=True),
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("data", Text, nullable=False),
    UniqueConstraint("kind", "code"),
)

#: Every word of a folded patient name: tells a finished word from one still being typed,
#: and turns a typed prefix into the few words it can be (see `search`).
name_word = Table(
    "name_word",
    metadata,
    Column("word", Text, primary_key=True),
    sqlite_with_rowid=False,
)

# Not declared here, created by the initial migration: the FTS5 search index `patient_fts`
# (rowid = patient.pk) and the triggers that keep `audit_log` append-only.

#: Values that lost to a concurrent write of the same field (DESIGN §4): kept for review.
#: Values are JSON text; `status` is 'open' until a clerk resolves it. Never synced.
conflict = Table(
    "conflict",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("winner_value", Text, nullable=False),
    Column("winner_hlc", Text, nullable=False),
    Column("loser_value", Text, nullable=False),
    Column("loser_hlc", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    UniqueConstraint("kind", "record_id", "field", "loser_hlc"),
    Index("ix_conflict_status", "status"),
)
