"""Sync review: settle a conflict, merge a likely duplicate pair, undo the merge — and what
the store holds afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.services.test_conflicts import _conflicting_pcs
from tests.syncclient.support import Pc
from tests.ui.conftest import logged_in, settle
from tests.ui.support import type_keys, type_text

from emr_desktop.core.errors import NotFound
from emr_desktop.core.matching import MatchScore
from emr_desktop.services import auth, conflicts, duplicates, patients, review
from emr_desktop.services.auth import Session
from emr_desktop.store.schema import RECORD_TABLES
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import CHART, PATIENTS, AppContext
from emr_desktop.ui.review import (
    RECORD_KINDS,
    ConflictModel,
    MergeModel,
    PairModel,
    ReviewScreen,
    charts_like,
    value_text,
)


def _screen(qtbot: QtBot, ctx: AppContext) -> ReviewScreen:
    screen = ReviewScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    settle(qtbot, ctx)
    return screen


def _cell(model: PairModel | MergeModel | ConflictModel, row: int, column: int) -> str:
    return str(model.index(row, column).data())


@pytest.fixture
def conflicted(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[AppContext, Pc, str]]:
    """A PC holding one conflict (its address, changed on two PCs), and its context."""
    i18n.set_language(i18n.VIETNAMESE)
    a, _b, patient_id, _ = _conflicting_pcs(tmp_path)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    context = AppContext(a.store.data_dir, settings, store=a.store)
    yield context, a, patient_id
    context.db.drain(30)
    context.net.stop()
    context.db.stop()


def test_a_conflict_is_settled_by_putting_the_other_value_back(
    qtbot: QtBot, conflicted: tuple[AppContext, Pc, str]
) -> None:
    ctx, pc, patient_id = conflicted
    screen = _screen(qtbot, logged_in(ctx, pc.doctor))
    model = screen.conflicts.model
    assert model.rowCount() == 1
    assert screen.tabs.tabText(0) == "Xung đột (1)"
    assert _cell(model, 0, ConflictModel.RECORD).startswith("Đinh Văn Lộc — ")
    assert _cell(model, 0, ConflictModel.FIELD) == "địa chỉ"
    [before] = conflicts.list_conflicts(pc.store, pc.doctor)
    assert _cell(model, 0, ConflictModel.IN_FORCE) == before.winner_value
    assert _cell(model, 0, ConflictModel.OTHER) == before.loser_value
    written = {
        _cell(model, 0, ConflictModel.IN_FORCE_WRITTEN).split(",")[0],
        _cell(model, 0, ConflictModel.OTHER_WRITTEN).split(",")[0],
    }
    assert written == {"máy này", "PC 2"}

    with qtbot.waitSignal(
        ctx.data_changed, check_params_cb=lambda kind, pid: (kind, pid) == (CHART, patient_id)
    ):
        screen.conflicts.use_other.click()
    settle(qtbot, ctx)
    assert conflicts.list_conflicts(pc.store, pc.doctor) == []
    address = patients.get_patient(pc.store, pc.doctor, patient_id).address
    assert address == before.loser_value
    assert model.rowCount() == 0 and screen.conflicts.empty.isVisible()


def test_settling_needs_the_right_to_edit_the_record(
    qtbot: QtBot, conflicted: tuple[AppContext, Pc, str]
) -> None:
    ctx, pc, _ = conflicted
    auth.add_user(
        pc.store,
        pc.admin,
        username="dd.x",
        role="pharmacist",
        full_name="Mai Thị Xuân",
        password="staff-password-1",
    )
    pharmacist = auth.login(pc.store, "dd.x", "staff-password-1")
    screen = _screen(qtbot, logged_in(ctx, pharmacist))
    assert screen.conflicts.model.rowCount() == 1
    screen.conflicts.use_other.click()
    settle(qtbot, ctx)
    assert "không được phép" in screen.conflicts.error.text()
    assert len(conflicts.list_conflicts(pc.store, pc.doctor)) == 1


def _pair(store: Store, registrar: Session) -> tuple[str, str]:
    first = patients.register_patient(
        store,
        registrar,
        full_name="Bùi Thị Mận",
        sex="female",
        date_of_birth="1948",
        phones=("0977111222",),
        address="Thôn Đông, xã Yên Lạc",
    )
    second = patients.register_patient(
        store,
        registrar,
        full_name="BUI THI MAN",
        sex="female",
        date_of_birth="1948",
        phones=("0977111222",),
    )
    return first.id, second.id


def test_a_clerk_merges_a_likely_pair_and_undoes_it(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session
) -> None:
    first, second = _pair(store, registrar)
    screen = _screen(qtbot, logged_in(ctx, registrar))
    screen.tabs.setCurrentWidget(screen.duplicates)
    page = screen.duplicates
    assert page.model.rowCount() == 1
    assert screen.tabs.tabText(1) == "Nghi trùng (1)"
    assert "cùng năm sinh" in _cell(page.model, 0, PairModel.WHY)
    assert page.comparison.item(1, 0).text() == "Bùi Thị Mận"
    assert page.comparison.item(1, 1).text() == "Bui Thi Man"
    assert page.comparison.item(1, 0).font().bold()  # the names differ
    assert not page.comparison.item(3, 0).font().bold()  # the birth years do not
    assert page.comparison.item(7, 1).text() == ""

    page.merge.click()
    assert "Ghi lý do" in page.error.text()
    assert review.recent_merges(store, registrar) == []

    page.keep_second.click()
    type_text(page.reason, "Cùng một người, đăng ký hai lần")
    with qtbot.waitSignal(
        ctx.data_changed, check_params_cb=lambda kind, pid: (kind, pid) == (PATIENTS, first)
    ):
        page.merge.click()
    settle(qtbot, ctx)
    # The chart kept is the one chosen: the earlier one now reads through it.
    assert patients.get_patient(store, registrar, first).id == second
    [merge] = review.recent_merges(store, registrar)
    assert merge.link.reason == "Cùng một người, đăng ký hai lần"
    assert page.model.rowCount() == 0
    assert screen.merges.model.rowCount() == 1
    assert _cell(screen.merges.model, 0, MergeModel.BY) == registrar.full_name

    screen.tabs.setCurrentWidget(screen.merges)
    screen.merges.view.selectRow(0)
    screen.merges.unmerge.click()
    settle(qtbot, ctx)
    assert patients.get_patient(store, registrar, first).id == first
    assert review.recent_merges(store, registrar) == []
    assert screen.merges.model.rowCount() == 0 and screen.merges.empty.isVisible()
    # Undone: the clerk said they are two people; the pair is not proposed again.
    assert page.model.rowCount() == 0


def test_one_chart_is_checked_by_its_record_number(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session
) -> None:
    first, second = _pair(store, registrar)
    other = patients.register_patient(store, registrar, full_name="Hà Văn Tư", sex="male")
    screen = _screen(qtbot, logged_in(ctx, registrar))
    page = screen.duplicates
    type_keys(qtbot, page.check, other.mrn)
    page.check_button.click()
    settle(qtbot, ctx)
    assert page.model.rowCount() == 0 and "của hồ sơ này" in page.empty.text()
    page.check.clear()
    type_keys(qtbot, page.check, patients.get_patient(store, registrar, first).mrn)
    page.check_button.click()
    settle(qtbot, ctx)
    assert page.model.rowCount() == 1
    assert {page.model.item(0).first.id, page.model.item(0).second.id} == {first, second}
    with pytest.raises(NotFound):
        charts_like(store, registrar, "0000000000000")


def test_a_nurse_compares_but_does_not_merge(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session, nurse: Session
) -> None:
    _pair(store, registrar)
    screen = _screen(qtbot, logged_in(ctx, nurse))
    page = screen.duplicates
    assert page.model.rowCount() == 1
    assert not page.merge.isEnabled()
    assert "không được gộp" in page.notice.text()
    assert not screen.merges.unmerge.isEnabled()


def test_an_administrator_has_nothing_to_review(
    qtbot: QtBot, ctx: AppContext, admin: Session
) -> None:
    screen = _screen(qtbot, logged_in(ctx, admin))
    assert screen.notice.isVisible() and not screen.tabs.isEnabled()


def test_values_read_as_a_clerk_reads_them() -> None:
    i18n.set_language(i18n.VIETNAMESE)
    assert value_text("sex", "female") == "nữ"
    assert value_text("phones", ["0977111222", "0911000111"]) == "0977111222, 0911000111"
    assert value_text("date_of_birth", "1948-03-07") == "07/03/1948"
    assert value_text("address", None) == "(trống)"
    assert value_text("bed_id", "b1", {"b1": "P201-G1"}) == "P201-G1"
    assert value_text("deleted_at", "2025-03-01T01:00:00+00:00") == "01/03/2025 08:00"


def test_the_review_models_are_sound_qt_models(
    qtmodeltester: ModelTester, store: Store, registrar: Session
) -> None:
    first, second = _pair(store, registrar)
    a = patients.get_patient(store, registrar, first)
    b = patients.get_patient(store, registrar, second)
    pairs = PairModel()
    pairs.set_items([review.DuplicatePair(a, b, MatchScore(0.9, ("name", "phone")))])
    qtmodeltester.check(pairs)
    duplicates.merge_patients(store, registrar, survivor_id=first, replaced_id=second, reason="x")
    merges = MergeModel()
    merges.set_items(review.recent_merges(store, registrar))
    qtmodeltester.check(merges)
    conflict = conflicts.Conflict(1, "patient", first, "address", "A", "x", "B", "y", "open", "")
    views = ConflictModel("dev")
    views.set_items(
        [
            review.ConflictView(
                conflict,
                a,
                None,
                review.Write(None, "dev", None),
                review.Write(None, "other", "PC 2"),
                {},
            )
        ]
    )
    qtmodeltester.check(views)


def test_every_kind_of_record_a_conflict_may_be_on_has_a_name() -> None:
    """A patient's own conflicts show the chart alone; every other kind shows its name."""
    assert set(RECORD_TABLES) - {"patient"} <= set(RECORD_KINDS)


def test_a_conflict_on_a_prescription_sending_names_it(
    qtmodeltester: ModelTester, store: Store, registrar: Session
) -> None:
    patient = patients.register_patient(store, registrar, full_name="Lý Thị Mai", sex="female")
    conflict = conflicts.Conflict(
        1, "prescription_submission", "rx-1", "status", "failed", "x", "sent", "y", "open", ""
    )
    views = ConflictModel("dev")
    views.set_items(
        [
            review.ConflictView(
                conflict,
                patient,
                None,
                review.Write(None, "dev", None),
                review.Write(None, "other", "PC 2"),
                {},
            )
        ]
    )
    qtmodeltester.check(views)
    i18n.set_language(i18n.VIETNAMESE)
    shown = _cell(views, 0, ConflictModel.RECORD)
    assert shown == f"Lý Thị Mai — {patient.mrn} · gửi đơn thuốc quốc gia"
    i18n.set_language(i18n.ENGLISH)
    assert _cell(views, 0, ConflictModel.RECORD).endswith(" · e-prescription sending")
