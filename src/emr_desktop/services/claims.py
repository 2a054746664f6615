"""BHYT claims (QĐ 130 XML): what a claim is built from, and its export.

The claim is built by `emr_desktop.interop.claim130`, which the services may not import (the
two are sibling layers, DESIGN §2): the caller hands its builder in (`ClaimBuilder`,
`interop.claim130.claim_envelope`), as the CLI and the GUI do. This module gathers what the
builder needs (`core.documents.ClaimSources`) — one encounter's chart extract (audited as
`document.prepare`, with the one-encounter scope of a visit summary), the catalogue prices
and drug entries in force, the staff's practising-certificate numbers and the departments'
codes — and writes the envelope through `documents.export_file` (export permission, audited
as `document.export` with the format "qd130+xml", written atomically). A builder that
refuses the claim raises before anything is exported: no file, no export row.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from emr_desktop.core.documents import ClaimSources, DocumentKind
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import Encounter
from emr_desktop.core.timeutil import to_local, utc_now
from emr_desktop.services import catalogs, documents
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store

#: The format named in the export's audit row.
CLAIM_FORMAT = "qd130+xml"


#: Builds the envelope's bytes from the sources, or raises ValidationError.
ClaimBuilder = Callable[[ClaimSources], bytes]


def claim_sources(
    store: Store, session: Session, encounter_id: str, *, visit_category: str | None = None
) -> ClaimSources:
    """What the claim of `encounter_id` is built from (export permission; the chart read is
    audited as `document.prepare`). NotFound for an unknown encounter."""
    session.require(Permission.EXPORT)
    with store.unit_of_work(user_id=session.user_id) as uow:
        patient_id = uow.get(Encounter, encounter_id).patient_id
    chart = documents.chart_extract(
        store, session, patient_id, DocumentKind.VISIT_SUMMARY, encounter_id
    )
    with store.unit_of_work(user_id=session.user_id) as uow:
        conn = uow.conn
        practitioners = {
            user_id: code
            for user_id, code in conn.exec_driver_sql(
                "SELECT id, practitioner_code FROM app_user"
            ).fetchall()
            if code
        }
        departments: dict[str, str] = dict(
            conn.exec_driver_sql("SELECT id, code FROM department").fetchall()
        )
        return ClaimSources(
            chart=chart,
            encounter_id=encounter_id,
            drug_prices=catalogs.drug_prices(uow),
            service_prices=catalogs.service_prices(uow),
            drugs=catalogs.drug_entries(uow),
            practitioners=practitioners,
            departments=departments,
            created_on=to_local(utc_now()).date(),
            visit_category=visit_category,
        )


def export_claim(
    store: Store,
    session: Session,
    encounter_id: str,
    build: ClaimBuilder,
    destination: Path | None,
    *,
    visit_category: str | None = None,
) -> bytes:
    """Build the claim envelope of the finished encounter `encounter_id` with `build` and
    export it: to `destination` (whole or not at all), or, with None, for the caller to hand
    on (a terminal's standard output). Returns the envelope's bytes.

    Needs the export permission. A claim `build` refuses (ValidationError naming the table
    and field) leaves no file and no export in the audit log."""
    session.require(Permission.EXPORT)
    sources = claim_sources(store, session, encounter_id, visit_category=visit_category)
    data = build(sources)
    documents.export_file(
        store,
        session,
        DocumentKind.VISIT_SUMMARY,
        sources.chart.patient.id,
        data,
        destination,
        file_format=CLAIM_FORMAT,
    )
    return data
