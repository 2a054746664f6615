"""The audit log is append-only and its hash chain reveals tampering."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from emr_desktop.store import audit
from emr_desktop.store.store import Store


def _fill(store: Store, n: int = 5) -> None:
    for i in range(n):
        with store.unit_of_work(user_id="u1") as uow:
            uow.audit("chart.read", target_kind="patient", target_id=f"p{i}", patient_id=f"p{i}")
            uow.commit()


def _verify(store: Store) -> audit.VerifyResult:
    with store.engine.connect() as conn:
        return audit.verify(conn)


def test_intact_chain_verifies(store: Store) -> None:
    _fill(store)
    result = _verify(store)
    assert result.ok and result.rows >= 6


def test_update_and_delete_are_refused(store: Store) -> None:
    _fill(store)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_log SET action = 'x' WHERE seq = 2")
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_log WHERE seq = 2")


def _tamper(store: Store, statement: str) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        conn.exec_driver_sql(statement)


def test_changed_row_is_named(store: Store) -> None:
    _fill(store)
    _tamper(store, "UPDATE audit_log SET target_id = 'someone-else' WHERE seq = 4")
    result = _verify(store)
    assert not result.ok and result.first_broken_seq == 4
    assert result.reason is not None and "changed" in result.reason


def test_rehashed_row_breaks_the_next_link(store: Store) -> None:
    _fill(store)
    _tamper(
        store,
        "UPDATE audit_log SET hash = (CASE WHEN substr(hash, 1, 1) = '0' THEN '1' ELSE '0' "
        "END) || substr(hash, 2) WHERE seq = 3",
    )
    result = _verify(store)
    assert result.first_broken_seq == 3


def test_deleted_row_is_named(store: Store) -> None:
    _fill(store)
    _tamper(store, "DELETE FROM audit_log WHERE seq = 3")
    result = _verify(store)
    assert result.first_broken_seq == 3 and result.reason is not None
    assert "missing" in result.reason


def test_deleted_first_rows_are_found(store: Store) -> None:
    _fill(store)
    _tamper(store, "DELETE FROM audit_log WHERE seq <= 2")
    assert _verify(store).first_broken_seq == 3
