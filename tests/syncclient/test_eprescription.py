"""Sending to the national e-prescription system through faults, restarts and offline days.

Against a real HTTP server on 127.0.0.1 (`tests.syncclient.portal`) that answers 500, drops
connections before and after recording a prescription, answers after the client's timeout,
refuses with 422, and says "already used" for a code it has.
"""

from __future__ import annotations

import itertools
import json
import random
import socket
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    live_server,
    sync_app,
    sync_db_url,
    sync_settings,
)
from tests.syncclient.portal import (
    Portal,
    client,
    new_patient,
    prescribe,
    queue,
    running_portal,
    set_up,
)
from tests.syncclient.support import make_pc
from tests.syncclient.test_live_server import _enrolled

from emr_desktop.core.records import ClinicalEvent, PrescriptionSubmission, SubmissionStatus
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services import auth, eprescribing
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.syncclient.engine import sync_once
from emr_desktop.syncclient.eprescription import (
    MAX_BACKOFF,
    EPrescriptionLoop,
    PortalClient,
    SendReport,
    retry_delay,
    send_due,
)


@pytest.fixture
def portal() -> Iterator[Portal]:
    with running_portal() as running:
        yield running


class Clock:
    """The sender's idea of now, moved forward by the test (backoffs last minutes)."""

    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> datetime:
        return self.now

    def jump(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _submissions(
    store: Store, doctor: Session, events: list[ClinicalEvent]
) -> list[PrescriptionSubmission]:
    found = eprescribing.statuses(store, doctor, [e.id for e in events])
    return [found[e.id] for e in events]


def _audit_details(store: Store, action: str) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT detail FROM audit_log WHERE action = ? ORDER BY seq", (action,)
        ).all()
    return [json.loads(r[0]) for r in rows]


def _closed_port_url() -> str:
    """An address where nothing listens (a port just released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _until_settled(
    store: Store, sender: PortalClient, clock: Clock, *, passes: int = 40
) -> list[SendReport]:
    """Passes, each after the longest possible backoff, until nothing is due any more."""
    reports = []
    pending = queue(store)
    for _ in range(passes):
        if not pending.due(clock() + timedelta(seconds=MAX_BACKOFF)):
            return reports
        clock.jump(MAX_BACKOFF)
        reports.append(send_due(pending, sender, rng=random.Random(7), clock=clock))
    raise AssertionError("the queue never settled")


def test_every_prescription_ends_sent_or_refused_through_every_kind_of_fault(
    store: Store, admin: Session, doctor: Session, portal: Portal
) -> None:
    set_up(store, admin, doctor, portal.url)
    patient = new_patient(store, doctor)
    drugs = ["T0001", "T0021", "T0031", "T0041", "T0051", "T0061"]
    events = [prescribe(store, doctor, patient, drug=code) for code in drugs]
    faults = ["500", "drop_before", "ok", "drop_after", "slow_after", "refuse", "500", "ok"]
    portal.script[:] = list(faults)
    clock = Clock()
    reports = _until_settled(store, client(portal.url), clock)
    assert portal.script == []  # every fault was met
    submissions = _submissions(store, doctor, events)
    statuses = [s.status for s in submissions]
    # None lost, none left waiting: sent, or refused once (a refusal is never retried).
    assert statuses.count(SubmissionStatus.REFUSED) == 1
    assert statuses.count(SubmissionStatus.SENT) == len(events) - 1
    refused = next(s for s in submissions if s.status == SubmissionStatus.REFUSED)
    assert [(e.field, e.code) for e in refused.errors] == [("dia_chi", "E_DIA_CHI")]
    assert refused.answer == "Dữ liệu không hợp lệ"
    assert refused.code not in portal.accepted
    # Each sent code reached the system once; a lost answer was found out by "already used".
    for submission in submissions:
        if submission.status != SubmissionStatus.SENT:
            continue
        outcomes = [what for code, what in portal.log if code == submission.code]
        accepted = [o for o in outcomes if o.startswith("accepted/")]
        assert len(accepted) == 1
        after = outcomes[outcomes.index(accepted[0]) + 1 :]
        if accepted[0] in ("accepted/drop_after", "accepted/slow_after"):
            assert after == ["already_used"]
        else:
            assert after == []
            assert submission.checksum == f"ck-{submission.code}"
    already = [d for d in _audit_details(store, "eprescription.sent") if d["already_used"]]
    assert len(already) == 2
    assert sum(r.failed for r in reports) >= 4
    # Nothing is sent again, however long the PC keeps running.
    requests_so_far = len(portal.log)
    clock.jump(30 * 24 * 3600)
    assert send_due(queue(store), client(portal.url), clock=clock) == SendReport()
    assert len(portal.log) == requests_so_far


def test_the_queue_survives_a_restart_while_offline(
    store: Store, admin: Session, doctor: Session, data_dir: Path
) -> None:
    offline = _closed_port_url()
    set_up(store, admin, doctor, offline)
    events = [prescribe(store, doctor, new_patient(store, doctor)) for _ in range(2)]
    clock = Clock()
    report = send_due(queue(store), client(offline), clock=clock)
    # The first attempt finds nobody; the second is not even tried in that pass.
    assert (report.sent, report.failed) == (0, 2)
    failed = _submissions(store, doctor, events)
    assert {s.status for s in failed} == {SubmissionStatus.FAILED}
    assert all(s.next_attempt_at is not None and s.next_attempt_at > clock() for s in failed)
    assert "cannot reach" in (failed[0].last_error or "")
    assert "not tried" in (failed[1].last_error or "")
    store.close()

    reopened = Store.open(data_dir)
    try:
        again = auth.login(reopened, doctor.username, STAFF_PASSWORD)
        kept = _submissions(reopened, again, events)
        assert [(s.status, s.attempts) for s in kept] == [(SubmissionStatus.FAILED, 1)] * 2
        with running_portal() as portal:
            admin_again = auth.login(reopened, admin.username, ADMIN_PASSWORD)
            set_up(reopened, admin_again, again, portal.url)
            # Not before its time...
            assert send_due(queue(reopened), client(portal.url), clock=clock).sent == 0
            clock.jump(MAX_BACKOFF)
            # ...and then it goes.
            assert send_due(queue(reopened), client(portal.url), clock=clock).sent == 2
            sent = _submissions(reopened, again, events)
            assert [(s.status, s.attempts) for s in sent] == [(SubmissionStatus.SENT, 2)] * 2
            assert sorted(portal.accepted) == sorted(s.code for s in sent)
    finally:
        reopened.close()


def test_offline_keeps_prescriptions_queued_with_a_growing_backoff(
    store: Store, admin: Session, doctor: Session
) -> None:
    offline = _closed_port_url()
    set_up(store, admin, doctor, offline)
    event = prescribe(store, doctor, new_patient(store, doctor))
    clock = Clock()
    waits = []
    for _ in range(8):
        send_due(queue(store), client(offline), rng=random.Random(3), clock=clock)
        [submission] = _submissions(store, doctor, [event])
        assert submission.status == SubmissionStatus.FAILED
        assert submission.next_attempt_at is not None
        waits.append((submission.next_attempt_at - clock()).total_seconds())
        clock.now = submission.next_attempt_at
    [submission] = _submissions(store, doctor, [event])
    assert submission.attempts == 8
    # Doubling with equal jitter: never shorter than the wait before, and soon much longer.
    assert all(later >= earlier for earlier, later in itertools.pairwise(waits))
    assert waits[-1] > 16 * waits[0]
    assert waits[-1] <= MAX_BACKOFF


def test_retry_delay_doubles_up_to_the_ceiling_with_jitter() -> None:
    rng = random.Random(11)
    for attempts in range(1, 20):
        ceiling = min(MAX_BACKOFF, 60.0 * 2 ** (attempts - 1))
        delay = retry_delay(attempts, rng)
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(retry_delay(3, rng), 6) for _ in range(20)}) > 1


def test_a_wrong_password_is_a_failure_to_retry_not_a_refusal(
    store: Store, admin: Session, doctor: Session, portal: Portal
) -> None:
    set_up(store, admin, doctor, portal.url)
    event = prescribe(store, doctor, new_patient(store, doctor))
    wrong = PortalClient(portal.url, username="cs70001", secret="sai", timeout=2)
    assert send_due(queue(store), wrong).failed == 1
    [submission] = _submissions(store, doctor, [event])
    assert submission.status == SubmissionStatus.FAILED and submission.last_error == "HTTP 401"
    assert portal.accepted == {}


def _wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_the_background_loop_sends_what_is_signed(
    store: Store, admin: Session, doctor: Session, portal: Portal
) -> None:
    set_up(store, admin, doctor, portal.url)
    reports: list[SendReport] = []
    loop = EPrescriptionLoop(
        queue(store), client(portal.url), interval=30, on_report=reports.append
    )
    loop.start()
    try:
        _wait_for(lambda: bool(reports))
        event = prescribe(store, doctor, new_patient(store, doctor))
        loop.trigger()

        def sent() -> bool:
            found = eprescribing.status_for(store, doctor, event.id)
            return found is not None and found.status == SubmissionStatus.SENT

        _wait_for(sent)
    finally:
        loop.stop()
    assert loop.last_error is None and sum(r.sent for r in reports) == 1


def test_the_answer_reaches_the_prescriber_on_another_pc(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
    portal: Portal,
) -> None:
    a = make_pc(tmp_path, "a", 1)
    link_a = _enrolled(a, live_server)
    set_up(a.store, a.admin, a.doctor, portal.url)
    event = prescribe(a.store, a.doctor, new_patient(a.store, a.doctor))
    portal.script[:] = ["refuse"]
    send_due(queue(a.store), client(portal.url))
    sync_once(a.store, link_a)
    b = make_pc(tmp_path, "b", 2)
    link_b = _enrolled(b, live_server)
    sync_once(b.store, link_b)
    seen = eprescribing.status_for(b.store, b.doctor, event.id)
    assert seen is not None and seen.status == SubmissionStatus.REFUSED
    assert [e.field for e in seen.errors] == ["dia_chi"]
    assert eprescribing.failures_for_prescriber(b.store, b.doctor, a.doctor.user_id) == [seen]
    # PC b shows it but never sends it: only the PC that queued it does.
    set_up(b.store, b.admin, b.doctor, portal.url)
    eprescribing.enqueue(a.store, a.doctor, event.id)
    sync_once(a.store, link_a)
    sync_once(b.store, link_b)
    assert send_due(queue(b.store), client(portal.url)) == SendReport()
    assert send_due(queue(a.store), client(portal.url)).sent == 1
    sync_once(a.store, link_a)
    sync_once(b.store, link_b)
    final = eprescribing.status_for(b.store, b.doctor, event.id)
    assert final is not None and final.status == SubmissionStatus.SENT
    assert final.checksum == f"ck-{final.code}"
    a.store.close()
    b.store.close()


def test_a_submission_that_cannot_be_prepared_does_not_hold_up_the_others(
    store: Store, admin: Session, doctor: Session, portal: Portal
) -> None:
    set_up(store, admin, doctor, portal.url)
    good = prescribe(store, doctor, new_patient(store, doctor))
    # A submission whose prescription is not on this PC (a damaged or partial store).
    with store.unit_of_work(user_id=doctor.user_id) as uow:
        uow.add(
            PrescriptionSubmission(
                id="sub-orphan",
                facility_id=doctor.facility_id,
                created_at=utc_now(),
                created_by=doctor.user_id,
                device_id=store.device_id,
                patient_id="pt-gone",
                prescription_id="ev-gone",
                code="70001ABCDEFG-c",
                prescriber_id=doctor.user_id,
                sender_device_id=store.device_id,
            )
        )
        uow.commit()
    report = send_due(queue(store), client(portal.url))
    assert (report.sent, report.failed) == (1, 1)
    [sent] = _submissions(store, doctor, [good])
    assert sent.status == SubmissionStatus.SENT
    with store.unit_of_work(user_id=None) as uow:
        orphan = uow.get(PrescriptionSubmission, "sub-orphan")
    assert orphan.status == SubmissionStatus.FAILED and orphan.last_error == "NotFound"
    assert orphan.next_attempt_at is not None and orphan.next_attempt_at > utc_now()
