"""Migration 0008: attachments saved before it were never uploaded, so it queues them all."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from emr_desktop.services import clinical, patients
from emr_desktop.services.auth import Session
from emr_desktop.store import migrate
from emr_desktop.store.schema import metadata
from emr_desktop.store.store import Store


def _queue(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT event_id FROM attachment_upload ORDER BY seq")
        return [r[0] for r in rows]


def test_attachments_saved_before_the_upload_queue_are_all_queued(
    store: Store, doctor: Session, data_dir: Path
) -> None:
    patient = patients.register_patient(
        store, doctor, full_name="Phạm Thị Hoa", sex="female", date_of_birth="1990"
    )
    saved = [
        clinical.attach_document(
            store,
            doctor,
            patient_id=patient.id,
            title=f"Phiếu {n}",
            media_type="application/pdf",
            data=b"%PDF-1.4 " + bytes([n]) * 500,
        ).id
        for n in range(3)
    ]
    assert _queue(store) == saved  # queued as they are saved, in order
    with store.engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0007")
        tables = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
        assert "attachment_upload" not in {r[0] for r in tables}
    store.close()
    reopened = Store.open(data_dir)
    assert migrate.current_revision(reopened.engine) == migrate.head_revision()
    assert _queue(reopened) == saved
    with reopened.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if "attachment_upload" in repr(d)] == []
    reopened.close()
