"""The e-prescription queue: settings, queueing on signing, answers recorded and audited.

Sending goes to a real HTTP server on 127.0.0.1 (`tests.syncclient.portal`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from tests.conftest import STAFF_PASSWORD
from tests.syncclient.portal import (
    SECRET,
    USER,
    Portal,
    client,
    new_patient,
    prescribe,
    queue,
    running_portal,
    set_up,
)

from emr_desktop.core.errors import ConflictError, PermissionDenied, ValidationError
from emr_desktop.core.records import (
    Prescription,
    PrescriptionSubmission,
    SubmissionStatus,
    User,
)
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services import clinical, eprescribing, patients
from emr_desktop.services.auth import Session
from emr_desktop.store.keys import KEYRING_SERVICE, check_keyring
from emr_desktop.store.store import Store
from emr_desktop.syncclient.eprescription import send_due


@pytest.fixture
def portal() -> Iterator[Portal]:
    with running_portal() as running:
        yield running


def _audit(store: Store, action: str) -> list[tuple[str | None, dict[str, object]]]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT user_id, detail FROM audit_log WHERE action = ? ORDER BY seq", (action,)
        ).all()
    return [(r[0], json.loads(r[1])) for r in rows]


def _outbox_kinds(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql("SELECT kind FROM outbox ORDER BY device_seq")]


# ------------------------------------------------------------------ settings


def test_settings_keep_the_password_in_the_keyring_only(
    store: Store, admin: Session, doctor: Session
) -> None:
    assert not eprescribing.eprescribing_settings(store, doctor).configured
    settings = eprescribing.set_eprescribing(
        store,
        admin,
        url="https://donthuoc.example.vn/",
        facility_link_code="CS70001",
        username=USER,
        secret=SECRET,
    )
    assert settings.url == "https://donthuoc.example.vn"
    assert settings.has_secret and settings.configured_at is not None
    assert SECRET not in json.dumps(store.read_meta())
    stored = check_keyring().get_password(
        KEYRING_SERVICE, f"eprescription-secret:{store.store_id}:{admin.facility_id}"
    )
    assert stored == SECRET
    [(user_id, detail)] = _audit(store, "eprescription.settings")
    assert user_id == admin.user_id and "secret" in detail["fields"]  # type: ignore[operator]
    assert "donthuoc" not in json.dumps(detail) and SECRET not in json.dumps(detail)
    # Changed again without a password: the one in the keyring stays; the first set-up time too.
    again = eprescribing.set_eprescribing(
        store,
        admin,
        url="https://dt2.example.vn",
        facility_link_code="CS70001",
        username=USER,
        secret=None,
    )
    assert again.has_secret and again.configured_at == settings.configured_at
    connection = eprescribing.portal_connection(store)
    assert connection is not None and connection.secret == SECRET
    eprescribing.clear_eprescribing(store, admin)
    assert not eprescribing.eprescribing_settings(store, admin).configured
    assert eprescribing.portal_connection(store) is None


def test_settings_refuse_plain_http_to_another_pc_and_a_missing_password(
    store: Store, admin: Session, doctor: Session
) -> None:
    with pytest.raises(ValidationError) as caught:
        eprescribing.set_eprescribing(
            store, admin, url="http://10.0.0.5", facility_link_code="X", username=USER, secret="s"
        )
    assert (caught.value.field, caught.value.rule) == ("url", "tls")
    with pytest.raises(ValidationError) as caught:
        eprescribing.set_eprescribing(
            store, admin, url="https://a.vn", facility_link_code="X", username=USER, secret=None
        )
    assert (caught.value.field, caught.value.rule) == ("secret", "required")
    with pytest.raises(ValidationError) as caught:
        eprescribing.set_eprescribing(
            store, admin, url="https://a.vn", facility_link_code=" ", username=USER, secret="s"
        )
    assert caught.value.field == "facility_link_code"
    with pytest.raises(PermissionDenied):
        eprescribing.set_eprescribing(
            store, doctor, url="https://a.vn", facility_link_code="X", username=USER, secret="s"
        )
    assert not eprescribing.eprescribing_settings(store, admin).configured


def test_the_prescribers_interconnection_code_is_on_the_account(
    store: Store, admin: Session, doctor: Session
) -> None:
    user = eprescribing.set_prescriber_code(store, admin, doctor.username, " BS-0042 ")
    assert user.eprescription_code == "BS-0042"
    with store.unit_of_work(user_id=None) as uow:
        assert uow.get(User, doctor.user_id).eprescription_code == "BS-0042"
    with pytest.raises(ValidationError) as caught:
        eprescribing.set_prescriber_code(store, admin, doctor.username, "mã có dấu")
    assert caught.value.field == "eprescription_code"
    with pytest.raises(PermissionDenied):
        eprescribing.set_prescriber_code(store, doctor, doctor.username, "X1")


# ------------------------------------------------------------------ queueing


def test_signing_queues_the_prescription_only_where_e_prescribing_is_set_up(
    store: Store, admin: Session, doctor: Session, portal: Portal
) -> None:
    patient = new_patient(store, doctor)
    before = prescribe(store, doctor, patient)
    assert eprescribing.status_for(store, doctor, before.id) is None
    set_up(store, admin, doctor, portal.url)
    signed = prescribe(store, doctor, patient, drug="T0021")
    draft = prescribe(store, doctor, patient, signed=False, drug="T0021")
    submission = eprescribing.status_for(store, doctor, signed.id)
    assert submission is not None
    assert submission.id == eprescribing.submission_id(signed.id)
    assert submission.status == SubmissionStatus.QUEUED and submission.attempts == 0
    assert submission.prescriber_id == doctor.user_id
    assert submission.sender_device_id == store.device_id
    assert submission.code == signed.body.code  # type: ignore[attr-defined]
    assert eprescribing.status_for(store, doctor, draft.id) is None
    # The queue is a synced record: its op waits in the outbox like any other.
    assert _outbox_kinds(store).count(PrescriptionSubmission.KIND) == 1
    [(user_id, _)] = _audit(store, "eprescription.enqueue")
    assert user_id == doctor.user_id


def test_a_draft_signed_later_is_swept_into_the_queue(
    store: Store, admin: Session, doctor: Session, portal: Portal
) -> None:
    set_up(store, admin, doctor, portal.url)
    patient = new_patient(store, doctor)
    draft = prescribe(store, doctor, patient, signed=False)
    clinical.sign_event(store, doctor, draft.id, STAFF_PASSWORD)
    assert eprescribing.status_for(store, doctor, draft.id) is None
    pending = queue(store)
    assert pending.due(utc_now()) == [eprescribing.submission_id(draft.id)]
    assert pending.sweep() == 0  # already queued: once only


def test_an_older_prescription_is_queued_by_hand_and_an_accepted_one_never_again(
    store: Store, admin: Session, doctor: Session, nurse: Session, portal: Portal
) -> None:
    patient = new_patient(store, doctor)
    older = prescribe(store, doctor, patient)
    set_up(store, admin, doctor, portal.url)
    # Signed before set-up: not swept (that is what the administrator decides).
    assert queue(store).due(utc_now()) == []
    with pytest.raises(PermissionDenied):
        eprescribing.enqueue(store, nurse, older.id)
    submission = eprescribing.enqueue(store, admin, older.id)
    assert submission.created_by == admin.user_id and submission.prescriber_id == doctor.user_id
    assert eprescribing.enqueue(store, admin, older.id).status == SubmissionStatus.QUEUED
    report = send_due(queue(store), client(portal.url))
    assert report.sent == 1
    with pytest.raises(ConflictError):
        eprescribing.enqueue(store, doctor, older.id)
    draft = prescribe(store, doctor, patient, signed=False, drug="T0021")
    with pytest.raises(ValidationError):
        eprescribing.enqueue(store, doctor, draft.id)


def test_an_answer_is_recorded_on_the_submission_and_audited(
    store: Store, admin: Session, doctor: Session, portal: Portal
) -> None:
    set_up(store, admin, doctor, portal.url)
    event = prescribe(store, doctor, new_patient(store, doctor))
    report = send_due(queue(store), client(portal.url))
    assert (report.sent, report.refused, report.failed) == (1, 0, 0)
    submission = eprescribing.status_for(store, doctor, event.id)
    assert submission is not None and submission.status == SubmissionStatus.SENT
    code = submission.code
    assert submission.answer == "Gửi đơn thuốc thành công"
    assert submission.checksum == f"ck-{code}"
    assert submission.attempts == 1 and submission.sent_at is not None
    # What reached the national system is the body of this prescription.
    body = portal.accepted[code]
    assert body["ma_lien_thong_bac_si"] == "BS-0042"
    assert body["ma_lien_thong_co_so_kham_chua_benh"] == "CS70001"
    assert body["chan_doan"][0]["ma_chan_doan"] == "J20.9"
    assert body["gioi_tinh"] == 2 and body["dia_chi"] == "Thôn Đông, xã Tượng Lĩnh"
    # Audited, for the prescriber who queued it, without patient data.
    [(user_id, detail)] = _audit(store, "eprescription.sent")
    assert user_id == doctor.user_id
    assert detail["status"] == "sent" and detail["already_used"] is False
    assert "Sơn" not in json.dumps(detail, ensure_ascii=False)
    # The answer is a synced change too, made for the prescriber.
    with store.engine.connect() as conn:
        users = conn.exec_driver_sql(
            "SELECT user_id FROM outbox WHERE kind = ?", (PrescriptionSubmission.KIND,)
        ).all()
    assert {r[0] for r in users} == {doctor.user_id}


def test_a_refusal_is_kept_for_the_prescriber_and_queued_again_once_fixed(
    store: Store, admin: Session, doctor: Session, portal: Portal
) -> None:
    set_up(store, admin, doctor, portal.url)
    patient = new_patient(store, doctor, address=None)
    event = prescribe(store, doctor, patient)
    # The checks before sending refuse it: nothing reaches the system.
    report = send_due(queue(store), client(portal.url))
    assert (report.sent, report.skipped) == (0, 1)
    assert portal.log == []
    refused = eprescribing.status_for(store, doctor, event.id)
    assert refused is not None and refused.status == SubmissionStatus.REFUSED
    assert [e.field for e in refused.errors] == ["dia_chi"]
    assert eprescribing.failures_for_prescriber(store, doctor) == [refused]
    assert eprescribing.failures_for_prescriber(store, doctor, admin.user_id) == []
    with pytest.raises(PermissionDenied):  # an administrator does not read charts
        eprescribing.failures_for_prescriber(store, admin)
    # Not retried by itself.
    assert queue(store).due(utc_now() + timedelta(days=30)) == []
    # The chart is completed, the prescription queued again, and it goes.
    patients.update_patient(store, doctor, patient.id, address="Xóm 2, xã Nhật Tân")
    eprescribing.enqueue(store, doctor, event.id)
    assert send_due(queue(store), client(portal.url)).sent == 1
    assert eprescribing.failures_for_prescriber(store, doctor) == []
    assert portal.accepted[refused.code]["dia_chi"] == "Xóm 2, xã Nhật Tân"
    assert [a for a, _ in _audit(store, "eprescription.requeue")] == [doctor.user_id]


def test_a_prescriber_without_an_interconnection_code_is_told(
    store: Store, admin: Session, doctor: Session, portal: Portal
) -> None:
    set_up(store, admin, doctor, portal.url)
    eprescribing.set_prescriber_code(store, admin, doctor.username, None)
    event = prescribe(store, doctor, new_patient(store, doctor))
    send_due(queue(store), client(portal.url))
    submission = eprescribing.status_for(store, doctor, event.id)
    assert submission is not None and submission.status == SubmissionStatus.REFUSED
    assert submission.errors[0].field == "ma_lien_thong_bac_si"
    assert "mã liên thông" in eprescribing.errors_text(submission)


def test_counts_by_status(store: Store, admin: Session, doctor: Session, portal: Portal) -> None:
    set_up(store, admin, doctor, portal.url)
    patient = new_patient(store, doctor)
    prescribe(store, doctor, patient)
    prescribe(store, doctor, patient, drug="T0021")
    portal.script[:] = ["ok", "refuse"]
    send_due(queue(store), client(portal.url))
    counts = eprescribing.queue_counts(store, admin)
    assert (counts.queued, counts.sent, counts.refused, counts.failed) == (0, 1, 1, 0)


def test_an_amendment_keeping_the_code_is_not_queued_a_second_time(
    store: Store, admin: Session, doctor: Session, portal: Portal
) -> None:
    set_up(store, admin, doctor, portal.url)
    event = prescribe(store, doctor, new_patient(store, doctor))
    assert isinstance(event.body, Prescription)
    amended = clinical.amend_event(
        store,
        doctor,
        event.id,
        body=replace(event.body, advice="Uống sau ăn"),
        reason="Sửa lời dặn",
        sign_password=STAFF_PASSWORD,
    )
    assert eprescribing.status_for(store, doctor, amended.id) is None
    assert queue(store).sweep() == 0
    with pytest.raises(ConflictError):
        eprescribing.enqueue(store, doctor, amended.id)
    assert queue(store).due(utc_now()) == [eprescribing.submission_id(event.id)]
