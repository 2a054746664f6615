"""`emr-admin eprescription …` against a real HTTP national system on 127.0.0.1."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from tests.cli.test_main import Cli, cli  # noqa: F401 - the fixture
from tests.syncclient.portal import SECRET, USER, Portal, new_patient, prescribe, running_portal

from emr_desktop.cli.main import EXIT_ERROR
from emr_desktop.services import auth
from emr_desktop.store.store import Store

ADMIN = "admin-password-1"
DOCTOR = "doctor-password-1"


@pytest.fixture
def portal() -> Iterator[Portal]:
    with running_portal() as running:
        yield running


def test_set_up_sign_send_and_read_the_answer(
    cli: Cli,  # noqa: F811
    portal: Portal,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    out, _ = cli("eprescription", "show", "--user", "admin", password=ADMIN)
    assert "Chưa cấu hình" in out
    monkeypatch.setenv("EMR_EPRESCRIPTION_SECRET", SECRET)
    out, _ = cli(
        "eprescription",
        "set",
        "--url",
        portal.url,
        "--facility-link-code",
        "CS70001",
        "--account",
        USER,
        "--user",
        "admin",
        password=ADMIN,
    )
    assert "Đã lưu cấu hình / Settings saved" in out and SECRET not in out
    monkeypatch.delenv("EMR_EPRESCRIPTION_SECRET")
    shown = cli.json("eprescription", "show", "--user", "bs", password=DOCTOR)
    assert isinstance(shown, dict) and shown["url"] == portal.url and shown["has_secret"]
    # A doctor may not change it, and a code is needed for the doctor.
    cli(
        "eprescription",
        "doctor-code",
        "bs",
        "X",
        "--user",
        "bs",
        password=DOCTOR,
        expect=EXIT_ERROR,
    )
    cli("eprescription", "doctor-code", "bs", "--user", "admin", password=ADMIN, expect=EXIT_ERROR)
    cli("eprescription", "doctor-code", "bs", "BS-7", "--user", "admin", password=ADMIN)

    with Store.open(cli.data_dir) as store:
        doctor = auth.login(store, "bs", DOCTOR)
        event = prescribe(store, doctor, new_patient(store, doctor), password=DOCTOR)
    out, _ = cli("eprescription", "status", event.id, "--user", "bs", password=DOCTOR)
    assert "chờ gửi / queued" in out
    out, _ = cli("eprescription", "send", "--user", "bs", password=DOCTOR)
    assert "Đã gửi 1" in out
    status = cli.json("eprescription", "status", event.id, "--user", "bs", password=DOCTOR)
    assert isinstance(status, dict) and status["status"] == "sent"
    assert status["checksum"] == f"ck-{status['code']}"
    counts = cli.json("eprescription", "status", "--user", "admin", password=ADMIN)
    assert counts == {"queued": 0, "sent": 1, "refused": 0, "failed": 0}
    # Sent once: queueing it again is refused.
    _, err = cli(
        "eprescription", "queue", event.id, "--user", "bs", password=DOCTOR, expect=EXIT_ERROR
    )
    assert "chỉ gửi một lần" in err
    cli("eprescription", "clear", "--user", "admin", password=ADMIN)
    _, err = cli("eprescription", "send", "--user", "bs", password=DOCTOR, expect=EXIT_ERROR)
    assert "chưa cấu hình" in err
