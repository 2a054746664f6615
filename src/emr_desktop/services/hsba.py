"""Export a chart as the MoH `HoSoBenhAn` document (XML or JSON), audited.

The mapping is `emr_desktop.interop.hsba`, beside the services in the layers (neither
imports the other), so the caller hands the export in as a `ChartRendering`
(`interop.hsba.Rendering`: the format and scope, already checked). This module reads the
chart, renders it, and hands the bytes to `documents.export_file`, which writes the file
whole or not at all and audits it as `document.export` with the format ("hsba+xml",
"hsba+json"), never the destination (a file name may hold the patient's name).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from emr_desktop.core.documents import ChartExtract, DocumentKind
from emr_desktop.core.permissions import Permission
from emr_desktop.services import documents
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store


class ChartRendering(Protocol):
    """A chart export in an exchange format: the bytes of a chart, and the format's name in
    the audit log."""

    @property
    def audit_format(self) -> str: ...

    def __call__(self, extract: ChartExtract, /) -> bytes: ...


def export_medical_record(
    store: Store,
    session: Session,
    patient_id: str,
    rendering: ChartRendering,
    *,
    destination: Path | None = None,
) -> bytes:
    """The chart of `patient_id` (merged charts followed) as `rendering` makes it; written
    to `destination` when given (else the caller hands it on). Returns the bytes exported.

    Refused before anything is read without the export permission (PermissionDenied), and
    without the permissions to read and print the chart. A ValidationError of the rendering
    (an encounter not in the chart, a value too long for its field) or of the destination
    leaves no file behind and no export audited.
    """
    session.require(Permission.EXPORT)
    session.require(Permission.CHART_READ)
    session.require(Permission.PRINT)
    extract = documents.chart_extract(store, session, patient_id, DocumentKind.CHART_EXPORT)
    data = rendering(extract)
    documents.export_file(
        store,
        session,
        DocumentKind.CHART_EXPORT,
        patient_id,
        data,
        destination,
        file_format=rendering.audit_format,
    )
    return data
