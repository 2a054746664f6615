"""`emr-admin export claim` end to end, in process, on a real encrypted store: an inpatient stay
recorded through the CLI, refused while open and while the card lacks its registered
facility, then exported and parsed."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

from tests.cli.test_main import Cli, cli  # noqa: F401 - the fixture

from emr_desktop.cli.main import EXIT_ERROR
from emr_desktop.core.timeutil import to_local, utc_now
from emr_desktop.services import auth, patients, wards
from emr_desktop.store.store import Store

CERTIFICATE = "000999/HNA-CCHN"
DOCTOR_PASSWORD = "doctor2-password-1"


def _setup_ward_and_doctor(cli: Cli) -> str:  # noqa: F811 - the fixture imported above
    """A department (its code is MA_KHOA), and a doctor with a practising certificate."""
    store = Store.open(cli.data_dir)
    try:
        admin = auth.login(store, "admin", "admin-password-1")
        department = wards.add_department(store, admin, code="K03", name="Khoa Nội")
    finally:
        store.close()
    cli.monkeypatch.setenv("EMR_NEW_PASSWORD", DOCTOR_PASSWORD)
    cli(
        "user",
        "add",
        "bs2",
        "--role",
        "doctor",
        "--full-name",
        "Phạm Thu Trang",
        "--practitioner-code",
        CERTIFICATE,
        "--user",
        "admin",
        password="admin-password-1",
    )
    cli.monkeypatch.setenv("EMR_PASSWORD", DOCTOR_PASSWORD)
    return department.id


def _set_registered_facility(cli: Cli, patient_id: str) -> None:  # noqa: F811
    store = Store.open(cli.data_dir)
    try:
        session = auth.login(store, "bs2", DOCTOR_PASSWORD)
        patients.update_patient(store, session, patient_id, bhyt_registered_facility="70001")
    finally:
        store.close()


def _exports(cli: Cli) -> list[dict[str, object]]:  # noqa: F811
    store = Store.open(cli.data_dir)
    try:
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT detail FROM audit_log WHERE action = 'document.export' ORDER BY seq"
            ).all()
    finally:
        store.close()
    return [json.loads(r[0]) for r in rows]


def test_export_claim_of_an_inpatient_stay(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    department = _setup_ward_and_doctor(cli)
    today = to_local(utc_now()).date()
    added = cli.json(
        "patient",
        "add",
        "--full-name",
        "Trần Thị Mai",
        "--sex",
        "female",
        "--dob",
        "1962",
        "--bhyt",
        "HT3010123456789",
        "--bhyt-from",
        (today - timedelta(days=30)).isoformat(),
        "--bhyt-to",
        (today + timedelta(days=300)).isoformat(),
        "--user",
        "bs2",
    )
    assert isinstance(added, dict)
    mrn = added["mrn"]
    stay = cli.json(
        "encounter",
        "start",
        mrn,
        "--kind",
        "inpatient",
        "--department",
        department,
        "--reason",
        "Sốt cao",
        "--user",
        "bs2",
    )
    assert isinstance(stay, dict)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "hoso.xml"
    # Open: refused, nothing written.
    _, err = cli(
        "export", "claim", stay["id"], "--out", str(target), "--user", "bs2", expect=EXIT_ERROR
    )
    assert "XML1.NGAY_RA" in err
    cli("diagnosis", mrn, "--encounter", stay["id"], "--icd10", "A91", "--sign", "--user", "bs2")
    order = cli.json(
        "order",
        mrn,
        "--encounter",
        stay["id"],
        "--category",
        "lab",
        "--service",
        "XN0109",
        "--sign",
        "--user",
        "bs2",
    )
    assert isinstance(order, dict)
    order_id = order["id"]
    cli("note", mrn, "--encounter", stay["id"], "--text", "Sốt 39 độ.", "--sign", "--user", "bs2")
    cli(
        "result",
        mrn,
        "--encounter",
        stay["id"],
        "--test",
        "XN0109",
        "--value",
        "85",
        "--order-id",
        order_id,
        "--sign",
        "--user",
        "bs2",
    )
    cli(
        "prescription",
        mrn,
        "--encounter",
        stay["id"],
        "--item",
        "T0001:10:5:1 viên khi sốt",
        "--sign",
        "--user",
        "bs2",
    )
    cli("encounter", "discharge", stay["id"], "--result", "1", "--user", "bs2")
    # The card has no registered facility (MA_DKBD) yet: refused, naming the field.
    _, err = cli(
        "export", "claim", stay["id"], "--out", str(target), "--user", "bs2", expect=EXIT_ERROR
    )
    assert "XML1.MA_DKBD" in err
    assert list(out_dir.iterdir()) == []
    assert _exports(cli) == []
    _set_registered_facility(cli, added["id"])
    out, _ = cli("export", "claim", stay["id"], "--out", str(target), "--user", "bs2")
    assert "hoso.xml" in out
    envelope = target.read_bytes()
    root = ET.fromstring(envelope)  # noqa: S314 - our own output
    assert root.findtext("THONGTINDONVI/MACSKCB") == "70001"
    tables = {
        f.findtext("LOAIHOSO"): ET.fromstring(  # noqa: S314 - our own output
            base64.b64decode(f.findtext("NOIDUNGFILE") or "")
        )
        for f in root.iter("FILEHOSO")
    }
    assert list(tables) == ["XML1", "XML2", "XML3", "XML4", "XML5"]
    summary = tables["XML1"]
    # Admitted and discharged within the test: an inpatient stay under 4 hours.
    assert (summary.findtext("MA_LOAI_KCB"), summary.findtext("SO_NGAY_DTRI")) == ("09", "0")
    assert summary.findtext("MA_BENH_CHINH") == "A91"
    assert summary.findtext("NGAY_SINH") == "196200000000"
    assert summary.findtext("MA_KHOA") == "K03"
    assert summary.findtext("KET_QUA_DTRI") == "1"
    # HT3: level 3, 95 % paid by the fund.
    assert {d.findtext("MUC_HUONG") for d in tables["XML2"].iter("CHI_TIET_THUOC")} == {"95"}
    assert [d.findtext("MA_BAC_SI") for d in tables["XML3"].iter("CHI_TIET_DVKT")] == [CERTIFICATE]
    assert [r.findtext("GIA_TRI") for r in tables["XML4"].iter("CHI_TIET_CLS")] == ["85"]
    # To standard output when no file is named; both exports audited.
    out, _ = cli("export", "claim", stay["id"], "--user", "bs2")
    assert out.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert [e["format"] for e in _exports(cli)] == ["qd130+xml", "qd130+xml"]
    assert [p.name for p in out_dir.iterdir()] == ["hoso.xml"]


def test_export_claim_of_an_unknown_encounter(cli: Cli) -> None:  # noqa: F811
    _, err = cli("export", "claim", "enc-nowhere", "--user", "bs", expect=EXIT_ERROR)
    assert "enc-nowhere" in err
