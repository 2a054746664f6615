"""Migrations run on open, after an automatic encrypted backup."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from emr_desktop.core.records import Facility, User
from emr_desktop.store import migrate
from emr_desktop.store.schema import metadata
from emr_desktop.store.store import Store

NEXT_REVISION = """
from alembic import op
import sqlalchemy as sa

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("patient", sa.Column("nickname", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("patient", "nickname")
"""


def test_new_store_is_at_head(store: Store) -> None:
    assert migrate.current_revision(store.engine) == migrate.head_revision()


def test_open_backs_up_then_migrates(
    store: Store, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.close()
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts)
    head = migrate.head_revision()
    (scripts / "versions" / "9001_nickname.py").write_text(NEXT_REVISION.format(head=head))
    monkeypatch.setattr(migrate, "MIGRATIONS", scripts)
    reopened = Store.open(data_dir)
    assert migrate.current_revision(reopened.engine) == "9001"
    with reopened.engine.connect() as conn:
        columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(patient)")]
    assert "nickname" in columns
    reopened.close()
    backups = list((data_dir / "backups").glob(f"pre-migration-{head}-*.emrbak"))
    assert len(backups) == 1
    with tarfile.open(backups[0]) as tar:
        assert sorted(tar.getnames()) == ["emr.db", "recovery.db", "store.json"]
    restored = Store.restore(tmp_path / "restored", backups[0])
    assert migrate.current_revision(restored.engine) == "9001"
    restored.close()


def _columns(store: Store, table: str) -> list[str]:
    with store.engine.connect() as conn:
        return [r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({table})")]


def test_the_letterhead_migration_adds_the_facility_fields(store: Store, data_dir: Path) -> None:
    letterhead = ["parent_name", "address", "phone", "logo"]
    with store.engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0004")
    assert not set(letterhead) & set(_columns(store, "facility"))
    store.close()
    reopened = Store.open(data_dir)
    assert migrate.current_revision(reopened.engine) == migrate.head_revision()
    assert set(letterhead) <= set(_columns(reopened, "facility"))
    with reopened.unit_of_work(user_id=None) as uow:
        [facility] = uow.find(Facility)
    assert (facility.code, facility.parent_name, facility.logo) == ("70001", None, None)
    # The migrated table is what `store.schema` (derived from the record) describes.
    with reopened.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if "facility" in repr(d)] == []
    reopened.close()


def test_the_imaging_migration_adds_the_study_and_instance_tables(
    store: Store, data_dir: Path
) -> None:
    tables = {"imaging_study", "imaging_instance"}

    def present(target: Store) -> set[str]:
        with target.engine.connect() as conn:
            names = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
            return {r[0] for r in names} & tables

    with store.engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0005")
    assert present(store) == set()
    store.close()
    reopened = Store.open(data_dir)
    assert migrate.current_revision(reopened.engine) == migrate.head_revision()
    assert present(reopened) == tables
    with reopened.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if "imaging" in repr(d)] == []
    reopened.close()


def test_the_eprescription_migration_adds_the_queue_and_the_prescriber_code(
    store: Store, data_dir: Path
) -> None:
    def present(target: Store) -> tuple[bool, bool]:
        with target.engine.connect() as conn:
            names = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
            table = "prescription_submission" in {r[0] for r in names}
        return table, "eprescription_code" in _columns(target, "app_user")

    with store.engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0006")
    assert present(store) == (False, False)
    store.close()
    reopened = Store.open(data_dir)
    assert migrate.current_revision(reopened.engine) == migrate.head_revision()
    assert present(reopened) == (True, True)
    with reopened.unit_of_work(user_id=None) as uow:
        [admin] = uow.find(User)
    assert admin.eprescription_code is None
    with reopened.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    touched = [d for d in diff if "prescription_submission" in repr(d) or "app_user" in repr(d)]
    assert touched == []
    reopened.close()
