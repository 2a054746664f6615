"""The meta table's two helpers, on a real encrypted store."""

from __future__ import annotations

from emr_desktop.store.metadata import read_meta, write_meta
from emr_desktop.store.store import Store


def test_values_are_added_then_replaced_in_the_callers_transaction(store: Store) -> None:
    with store.engine.begin() as conn:
        write_meta(conn, {"test_a": "1", "test_b": "2"})
        write_meta(conn, {"test_a": "3"})
        assert {k: v for k, v in read_meta(conn).items() if k.startswith("test_")} == {
            "test_a": "3",
            "test_b": "2",
        }
    assert store.read_meta()["test_a"] == "3"


def test_a_rolled_back_transaction_writes_nothing(store: Store) -> None:
    conn = store.engine.connect()
    try:
        transaction = conn.begin()
        write_meta(conn, {"test_c": "x"})
        transaction.rollback()
    finally:
        conn.close()
    assert "test_c" not in store.read_meta()
