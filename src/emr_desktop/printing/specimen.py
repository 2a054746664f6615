"""A specimen chart of a fictitious patient: the sample documents in `docs/samples/`, the
printing tests and the printing benchmarks are drawn from it.

Everything is fixed (ids, times, names), so two runs print the same documents. The knobs
make the cases the forms must survive: a 30-drug prescription, a 200-line lab report, ten
years of history, a stay of several weeks, a patient with nothing optional known, and
extreme lengths (very long names and addresses, 40-character drug names).

`specimen_event`, `with_events`, `changed_event`, `changed_encounter` and `unsigned` make
the variations a test needs from it (a correction, a draft, a cancelled encounter).
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.documents import ChartExtract, Letterhead
from emr_desktop.core.records import (
    Allergy,
    ClinicalEvent,
    ClinicalNote,
    Diagnosis,
    Encounter,
    EventBody,
    EventStatus,
    ImagingReport,
    LabResult,
    Measurement,
    MedicationAdministration,
    MedicationOrder,
    Movement,
    Order,
    Patient,
    Prescription,
    PrescriptionItem,
    Problem,
    VitalSigns,
)
from emr_desktop.core.schedule import all_doses

#: The moment the specimen documents are printed: 20/11/2026 15:30, Vietnam time.
PRINTED_AT = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
FACILITY_ID = "fac-kb"
PATIENT_ID = "pt-specimen"
DOCTOR, NURSE, LAB, RADIOLOGIST = "u-bs-minh", "u-dd-lan", "u-ktv-huy", "u-bs-thu"
#: A second nurse whose initials are the first one's (Lê Thị Lan): the MAR prints "LTL2".
NURSE2 = "u-dd-linh"
STAFF = {
    DOCTOR: "Trần Văn Minh",
    NURSE: "Lê Thị Lan",
    NURSE2: "Lê Thị Linh",
    LAB: "Phạm Quốc Huy",
    RADIOLOGIST: "Đỗ Thị Thu",
}
DEPARTMENTS = {"d-kb": "Khoa Khám bệnh", "d-noi": "Khoa Nội tổng hợp", "d-hscc": "Khoa HSCC"}
BEDS = {"b-noi-12": "12"}
#: Ids of the specimen's documents' targets.
PRESCRIPTION_ID = "ev-rx-today"
IMAGING_ID = "ev-img-today"
VISIT_ID = "enc-visit-today"
STAY_ID = "enc-stay"

_LAB_PANEL: tuple[tuple[str, str, str, str, Decimal | None, Decimal | None], ...] = (
    ("XN001", "Hồng cầu (RBC)", "4,12", "T/L", Decimal("3.8"), Decimal("5.0")),
    ("XN002", "Huyết sắc tố (HGB)", "118", "g/L", Decimal(120), Decimal(150)),
    ("XN003", "Bạch cầu (WBC)", "11,8", "G/L", Decimal(4), Decimal(10)),
    ("XN004", "Tiểu cầu (PLT)", "254", "G/L", Decimal(150), Decimal(400)),
    ("XN005", "Glucose", "8,6", "mmol/L", Decimal("3.9"), Decimal("6.4")),
    ("XN006", "Ure", "6,1", "mmol/L", Decimal("2.5"), Decimal("7.5")),
    ("XN007", "Creatinin", "96", "µmol/L", Decimal(53), Decimal(100)),
    ("XN008", "AST (GOT)", "32", "U/L", None, Decimal(37)),
    ("XN009", "ALT (GPT)", "45", "U/L", None, Decimal(40)),
    ("XN010", "HbA1c", "7,4", "%", Decimal(4), Decimal("6.0")),
    ("XN011", "Cholesterol toàn phần", "5,9", "mmol/L", None, Decimal("5.2")),
    ("XN012", "Natri", "138", "mmol/L", Decimal(135), Decimal(145)),
)
_DRUGS = (
    (
        "T0101",
        "Amlodipin 5 mg (viên nén)",
        "Uống: ngày 1 lần, mỗi lần 1 viên, buổi sáng",
        30,
        "viên",
    ),
    (
        "T0120",
        "Metformin 500 mg (viên nén bao phim)",
        "Uống: ngày 2 lần, mỗi lần 1 viên, sau ăn",
        60,
        "viên",
    ),
    ("T0233", "Amoxicilin 500 mg (viên nang)", "Uống: ngày 3 lần, mỗi lần 1 viên", 21, "viên"),
    (
        "T0310",
        "Paracetamol 500 mg (viên nén)",
        "Uống: khi sốt trên 38,5 °C, mỗi lần 1 viên, cách nhau ít nhất 6 giờ",
        10,
        "viên",
    ),
    (
        "T0411",
        "Omeprazol 20 mg (viên nang)",
        "Uống: ngày 1 lần, mỗi lần 1 viên, trước ăn sáng 30 phút",
        30,
        "viên",
    ),
)
_LONG_DRUG = "Amoxicilin + Acid clavulanic 875mg/125mg"  # 40 characters


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local (UTC+7) time of day as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def specimen_event(
    body: EventBody,
    event_id: str,
    *,
    at: datetime,
    author: str,
    encounter_id: str | None,
    signed: bool = True,
    created_at: datetime | None = None,
    corrects: str | None = None,
    correction: str | None = None,
    correction_reason: str | None = None,
) -> ClinicalEvent:
    """An event of the specimen patient, effective `at`, written by `author` (at `at`, or
    at `created_at`: an amendment keeps the original's effective time) and, if `signed`,
    signed by them five minutes after it was written; a correction of the event `corrects`
    when given."""
    written = created_at or at
    draft = ClinicalEvent(
        id=event_id,
        facility_id=FACILITY_ID,
        patient_id=PATIENT_ID,
        encounter_id=encounter_id,
        effective_at=at,
        created_at=written,
        created_by=author,
        device_id="dev-specimen",
        body=body,
        corrects=corrects,
        correction=correction,
        correction_reason=correction_reason,
    )
    if not signed:
        return draft
    return replace(
        draft,
        status=EventStatus.SIGNED,
        signed_by=author,
        signed_at=written + timedelta(minutes=5),
        content_hash=draft.content_digest(),
    )


def with_events(chart: ChartExtract, *events: ClinicalEvent) -> ChartExtract:
    """`chart` with `events` added after its own."""
    return replace(chart, events=(*chart.events, *events))


def changed_event(chart: ChartExtract, event_id: str, **changes: Any) -> ChartExtract:
    """`chart` with the fields `changes` of the event `event_id` changed (in place)."""
    return replace(
        chart,
        events=tuple(replace(e, **changes) if e.id == event_id else e for e in chart.events),
    )


def changed_encounter(chart: ChartExtract, encounter_id: str, **changes: Any) -> ChartExtract:
    """`chart` with the fields `changes` of the encounter `encounter_id` changed."""
    return replace(
        chart,
        encounters=tuple(
            replace(e, **changes) if e.id == encounter_id else e for e in chart.encounters
        ),
    )


def unsigned(chart: ChartExtract, *event_ids: str) -> ChartExtract:
    """`chart` with the events `event_ids` turned back into unsigned drafts."""
    return replace(
        chart,
        events=tuple(
            replace(e, status=EventStatus.DRAFT, signed_by=None, signed_at=None, content_hash=None)
            if e.id in event_ids
            else e
            for e in chart.events
        ),
    )


class _Events:
    def __init__(self) -> None:
        self.events: list[ClinicalEvent] = []

    def add(
        self,
        body: EventBody,
        at: datetime,
        author: str,
        encounter_id: str | None,
        *,
        event_id: str | None = None,
        **options: Any,
    ) -> ClinicalEvent:
        """`specimen_event` numbered in the order written unless given `event_id`."""
        event = specimen_event(
            body,
            event_id or f"ev{len(self.events):06d}",
            at=at,
            author=author,
            encounter_id=encounter_id,
            **options,
        )
        self.events.append(event)
        return event


def _logo_png() -> bytes:
    """A 64 × 64 PNG: a red cross on white (written by hand: no imaging library needed)."""
    size = 64
    rows = bytearray()
    for y in range(size):
        rows.append(0)
        for x in range(size):
            cross = (24 <= x < 40 and 8 <= y < 56) or (24 <= y < 40 and 8 <= x < 56)
            rows += b"\xc8\x10\x2e" if cross else b"\xff\xff\xff"

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    out = io.BytesIO()
    out.write(b"\x89PNG\r\n\x1a\n")
    out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)))
    out.write(chunk(b"IDAT", zlib.compress(bytes(rows), 9)))
    out.write(chunk(b"IEND", b""))
    return out.getvalue()


def _patient(*, minimal: bool, extreme: bool) -> Patient:
    common: dict[str, Any] = {
        "id": PATIENT_ID,
        "facility_id": FACILITY_ID,
        "created_at": datetime(2016, 3, 1, tzinfo=UTC),
        "created_by": NURSE,
        "device_id": "dev-specimen",
        "mrn": "2016000123",
    }
    if minimal:
        return Patient(
            **common, full_name="Trần Văn Đức", sex="male", date_of_birth=BirthDate(1948)
        )
    name = (
        "Tôn Nữ Thị Hoàng Phương Thảo Nguyên Khánh Linh Bảo Ngọc" if extreme else "Nguyễn Thị Hoà"
    )
    address = (
        "Số nhà 1234/56/78 ngõ 910 đường Nguyễn Văn Linh kéo dài, tổ dân phố số 15, "
        "khu đô thị mới Phương Đông, phường Thanh Sơn, thị xã Kim Bảng, tỉnh Ninh Bình"
        if extreme
        else "Thôn Đông, xã Tượng Lĩnh, tỉnh Ninh Bình"
    )
    return Patient(
        **common,
        full_name=name,
        sex="female",
        date_of_birth=BirthDate(1956, date(1956, 3, 7)),
        cccd="001156012345",
        bhyt_number="HT2010123456789",
        bhyt_valid_from=date(2026, 1, 1),
        bhyt_valid_to=date(2026, 12, 31),
        bhyt_registered_facility="35001",
        phones=("0912345678",),
        address=address,
        ethnicity="Kinh",
        occupation="Hưu trí",
    )


def _visit(
    log: _Events,
    encounter_id: str,
    day: date,
    *,
    drugs: int,
    lab_lines: int,
    today: bool,
    long_drug_names: bool,
) -> Encounter:
    """An outpatient visit: vitals, note, diagnoses, labs, (today: imaging) and drugs."""
    log.add(
        VitalSigns(
            measurements=(
                Measurement("pulse", Decimal(82), "/min"),
                Measurement("temperature", Decimal("37.8"), "°C"),
                Measurement("systolic", Decimal(150), "mmHg"),
                Measurement("diastolic", Decimal(90), "mmHg"),
                Measurement("respiratory_rate", Decimal(20), "/min"),
                Measurement("spo2", Decimal(96), "%"),
                Measurement("weight", Decimal("52.5"), "kg"),
            )
        ),
        _at(day, 7, 40),
        NURSE,
        encounter_id,
    )
    log.add(
        ClinicalNote(
            note_type="progress",
            text="Ho khạc đờm vàng 5 ngày, sốt nhẹ về chiều. Khám: phổi ran nổ đáy phải. "
            "Tim đều. Bụng mềm. Tăng huyết áp và đái tháo đường đang điều trị ngoại trú.",
        ),
        _at(day, 8, 0),
        DOCTOR,
        encounter_id,
    )
    log.add(
        Diagnosis(icd10="J18.9", rank="primary", description="Viêm phổi"),
        _at(day, 8, 5),
        DOCTOR,
        encounter_id,
    )
    log.add(
        Diagnosis(icd10="I10", rank="secondary", description="Tăng huyết áp vô căn"),
        _at(day, 8, 5),
        DOCTOR,
        encounter_id,
    )
    log.add(
        Diagnosis(icd10="E11.9", rank="secondary", description="Đái tháo đường typ 2"),
        _at(day, 8, 6),
        DOCTOR,
        encounter_id,
    )
    order = log.add(
        Order(
            category="lab",
            service_code="XN-TQ",
            service_name="Xét nghiệm máu tổng quát",
            indication="Sốt, ho",
        ),
        _at(day, 8, 10),
        DOCTOR,
        encounter_id,
    )
    for n in range(lab_lines):
        code, name, value, unit, low, high = _LAB_PANEL[n % len(_LAB_PANEL)]
        if n >= len(_LAB_PANEL):
            code, name = (
                f"{code}-{n // len(_LAB_PANEL)}",
                f"{name} (lần {n // len(_LAB_PANEL) + 1})",
            )
        number = Decimal(value.replace(",", "."))
        flag = (
            "high"
            if high is not None and number > high
            else "low"
            if low is not None and number < low
            else "normal"
        )
        log.add(
            LabResult(
                test_code=code,
                test_name=name,
                value=value,
                unit=unit,
                ref_low=low,
                ref_high=high,
                flag=flag,
                order_id=order.id,
            ),
            _at(day, 9, 30),
            LAB,
            encounter_id,
        )
    if today:
        imaging_order = log.add(
            Order(
                category="imaging",
                service_code="CDHA-XQ-NGUC",
                service_name="Chụp X-quang ngực thẳng",
                indication="Nghi viêm phổi",
            ),
            _at(day, 8, 12),
            DOCTOR,
            encounter_id,
        )
        log.add(
            ImagingReport(
                service_code="CDHA-XQ-NGUC",
                modality="CR",
                findings="Đám mờ không đều vùng đáy phổi phải, xóa góc sườn hoành phải.\n"
                "Bóng tim không to. Vòm hoành trái bình thường.",
                conclusion="Hình ảnh viêm phổi thùy dưới phải.",
                order_id=imaging_order.id,
                study_instance_uid="1.2.826.0.1.3680043.8.498.12345",
            ),
            _at(day, 9, 15),
            RADIOLOGIST,
            encounter_id,
            event_id=IMAGING_ID,
        )
    items = []
    for n in range(drugs):
        code, name, dosage, quantity, unit = _DRUGS[n % len(_DRUGS)]
        if long_drug_names:
            name = _LONG_DRUG
        if n >= len(_DRUGS):
            code, name = f"{code}-{n}", f"{name} [{n + 1}]"
        items.append(PrescriptionItem(code, name, dosage, Decimal(quantity), unit, days=7 + n % 23))
    log.add(
        Prescription(
            items=tuple(items),
            diagnosis_codes=("J18.9", "I10", "E11.9"),
            advice="Uống thuốc đúng giờ, ăn nhạt, hạn chế đồ ngọt. "
            "Tái khám ngay khi sốt cao, khó thở.",
            follow_up=day + timedelta(days=7),
            code="35001K7Q2M9X-c" if today else f"35001H{len(log.events):06d}-c",
        ),
        _at(day, 10, 0),
        DOCTOR,
        encounter_id,
        event_id=PRESCRIPTION_ID if today else None,
    )
    return Encounter(
        id=encounter_id,
        facility_id=FACILITY_ID,
        created_at=_at(day, 7, 30),
        created_by=NURSE,
        device_id="dev-specimen",
        patient_id=PATIENT_ID,
        kind="outpatient",
        status="finished" if not today else "in_progress",
        started_at=_at(day, 7, 30),
        ended_at=None if today else _at(day, 10, 30),
        department_id="d-kb",
        attending_id=DOCTOR,
        reason="Ho, sốt 5 ngày",
    )


def _medication(
    code: str,
    name: str,
    dose: int,
    unit: str,
    route: str,
    times: tuple[str, ...],
    start: date,
    days: int,
    **options: Any,
) -> MedicationOrder:
    return MedicationOrder(
        drug_code=code,
        drug_name=name,
        dose=Decimal(dose),
        dose_unit=unit,
        route=route,
        times=times,
        start_date=start,
        days=days,
        **options,
    )


@dataclass(frozen=True)
class _Recorded:
    """What a nurse recorded for a dose, where it was not simply given as ordered."""

    outcome: str = "given"
    nurse: str = NURSE
    reason: str | None = None
    #: The dose given, when not the one ordered.
    dose: Decimal | None = None


def _stay(log: _Events, admitted: date, days: int) -> Encounter:
    """A finished inpatient stay of `days` days after the admission evening: admission,
    daily sheets, a transfer, medication with its doses, and the discharge.

    The medication is what a medication record must show: doses held, refused, missed,
    given in part and not recorded, a record made by mistake (marked entered in error); an
    as-needed drug given twice, once by a second nurse with the same initials; an order
    whose dose was raised and one stopped (amendments); an order entered in error."""
    if not 4 <= days <= 29:
        raise ValueError("The specimen stay lasts 4 to 29 days")

    def on(offset: int, hour: int, minute: int = 0) -> datetime:
        return _at(admitted + timedelta(days=offset), hour, minute)

    log.add(Movement(movement="admission", department_id="d-hscc"), on(0, 21), DOCTOR, STAY_ID)
    log.add(
        ClinicalNote(
            note_type="admission",
            text="Vào viện vì đau ngực trái, khó thở khi gắng sức. Tiền sử tăng huyết áp 10 năm.",
        ),
        on(0, 21, 10),
        DOCTOR,
        STAY_ID,
    )
    log.add(
        Diagnosis(icd10="I20.0", rank="primary", description="Cơn đau thắt ngực không ổn định"),
        on(0, 21, 15),
        DOCTOR,
        STAY_ID,
    )
    first = admitted + timedelta(days=1)
    ordered = [
        _medication(
            "T0501", "Enoxaparin 40 mg/0,4 ml", 40, "mg", "sc", ("08:00", "20:00"), first, days
        ),
        _medication("T0101", "Amlodipin 5 mg", 1, "viên", "oral", ("08:00",), first, days),
        _medication(
            "T0602",
            "Nitroglycerin 0,5 mg",
            1,
            "viên",
            "sublingual",
            (),
            admitted,
            days,
            as_needed=True,
            instructions="Khi đau ngực, cách nhau 5 phút",
        ),
        _medication("T0705", "Furosemid 20 mg/2 ml", 20, "mg", "iv", ("08:00",), first, days),
        _medication("T0903", "Digoxin 0,25 mg", 1, "viên", "oral", ("08:00",), first, days),
    ]
    enoxaparin, amlodipin, nitroglycerin, furosemid, digoxin = (
        log.add(body, on(0, 21, 20 + n), DOCTOR, STAY_ID) for n, body in enumerate(ordered)
    )
    log.add(
        digoxin.body,
        digoxin.effective_at,
        DOCTOR,
        STAY_ID,
        created_at=on(0, 21, 40),
        corrects=digoxin.id,
        correction="entered_in_error",
        correction_reason="Nhầm bệnh nhân",
    )
    log.add(
        Movement(movement="transfer", department_id="d-noi", bed_id="b-noi-12"),
        on(1, 9),
        DOCTOR,
        STAY_ID,
    )
    # On the fourth day the furosemide is raised from noon (an amendment written then, which
    # keeps the order's effective time); on the fifth the anticoagulant is stopped at 10:00
    # (an amendment effective then, keeping the three days whose doses were all due before).
    raised_at, stopped_at = on(3, 12), on(4, 10)
    raised = log.add(
        replace(_ordered(furosemid), dose=Decimal(40), times=("08:00", "16:00")),
        furosemid.effective_at,
        DOCTOR,
        STAY_ID,
        created_at=raised_at,
        corrects=furosemid.id,
        correction="amends",
        correction_reason="Tăng liều: còn phù hai chân",
    )
    log.add(
        replace(_ordered(enoxaparin), days=3),
        stopped_at,
        DOCTOR,
        STAY_ID,
        corrects=enoxaparin.id,
        correction="amends",
        correction_reason="Ngừng: hết đau ngực 48 giờ",
    )
    for offset in range(1, days + 1):
        log.add(
            ClinicalNote(
                note_type="daily_treatment",
                text=f"Ngày điều trị thứ {offset}: bệnh nhân tỉnh, đỡ đau ngực, HA 140/85 mmHg.",
                orders_text="Tiếp tục thuốc theo y lệnh. Theo dõi HA, mạch 2 lần/ngày.",
            ),
            on(offset, 8, 30),
            DOCTOR,
            STAY_ID,
        )
    discharged = on(days, 10)

    def give(
        order: ClinicalEvent, due: datetime | None, at: datetime, record: _Recorded
    ) -> ClinicalEvent:
        body = _ordered(order)
        given = record.outcome == "given"
        return log.add(
            MedicationAdministration(
                medication_order_id=order.id,
                scheduled_for=due,
                outcome=record.outcome,
                dose=(record.dose or body.dose) if given else None,
                dose_unit=body.dose_unit if given else None,
                route=body.route,
                reason=record.reason,
                wristband_scanned=True,
            ),
            at,
            record.nurse,
            STAY_ID,
        )

    # Each order's doses while it was in force, given as ordered but for these (None: the
    # dose has nothing recorded).
    recorded: dict[tuple[str, datetime], _Recorded | None] = {
        (raised.id, on(5, 16)): None,
        (enoxaparin.id, on(1, 20)): _Recorded("held", reason="Chờ kết quả đông máu"),
        (enoxaparin.id, on(2, 8)): _Recorded(nurse=NURSE2),
        (enoxaparin.id, on(2, 20)): _Recorded("refused", reason="Bệnh nhân từ chối tiêm"),
        (enoxaparin.id, on(3, 8)): _Recorded("missed", reason="Bệnh nhân đi làm điện tim"),
        (enoxaparin.id, on(3, 20)): _Recorded(dose=Decimal(20)),
    }
    for order, since, until in (
        (enoxaparin, None, stopped_at),
        (amlodipin, None, None),
        (furosemid, None, raised_at),
        (raised, raised_at, None),
    ):
        for due in all_doses(_ordered(order)):
            in_force = (since is None or due >= since) and (until is None or due < until)
            record = recorded.get((order.id, due), _Recorded())
            if in_force and due <= discharged and record is not None:
                give(order, due, due + timedelta(minutes=10), record)
    # Chest pain on the second day: the as-needed drug, given by each nurse.
    give(nitroglycerin, None, on(2, 14, 20), _Recorded(nurse=NURSE2))
    give(nitroglycerin, None, on(2, 22, 5), _Recorded())
    # A dose recorded as refused by mistake: marked entered in error (it was given).
    mistaken = give(
        amlodipin, on(4, 8), on(4, 8, 5), _Recorded("refused", reason="Bệnh nhân từ chối")
    )
    log.add(
        mistaken.body,
        mistaken.effective_at,
        NURSE,
        STAY_ID,
        created_at=on(4, 9),
        corrects=mistaken.id,
        correction="entered_in_error",
        correction_reason="Ghi nhầm: bệnh nhân đã uống thuốc",
    )
    log.add(
        ClinicalNote(
            note_type="discharge_summary",
            text="Điều trị chống đông, hạ áp, giãn vành. Hết đau ngực từ ngày thứ 3. "
            "Điện tim ổn định.\nLời dặn: uống thuốc đều, tái khám sau 2 tuần tại phòng khám "
            "Tim mạch.",
        ),
        on(days, 9),
        DOCTOR,
        STAY_ID,
    )
    log.add(
        Movement(movement="discharge", treatment_result="2", discharge_type="1"),
        discharged,
        DOCTOR,
        STAY_ID,
    )
    return Encounter(
        id=STAY_ID,
        facility_id=FACILITY_ID,
        created_at=on(0, 20, 45),
        created_by=DOCTOR,
        device_id="dev-specimen",
        patient_id=PATIENT_ID,
        kind="inpatient",
        status="finished",
        started_at=on(0, 20, 45),
        ended_at=discharged,
        department_id="d-noi",
        bed_id=None,
        attending_id=DOCTOR,
        reason="Đau ngực trái",
        treatment_result="2",
        discharge_type="1",
    )


def _ordered(order: ClinicalEvent) -> MedicationOrder:
    assert isinstance(order.body, MedicationOrder)
    return order.body


def specimen_chart(
    *,
    drugs: int = 3,
    lab_lines: int = 12,
    years: int = 1,
    minimal: bool = False,
    extreme: bool = False,
    draft_prescription: bool = False,
    stay_days: int = 6,
) -> ChartExtract:
    """The specimen chart: a visit today (`VISIT_ID`, with the prescription `PRESCRIPTION_ID`
    and the imaging report `IMAGING_ID`), a finished stay (`STAY_ID`) admitted a month ago
    and discharged `stay_days` (4 to 29) days later, and outpatient visits every 2 months
    over `years` years. The events are in the order the services read them: by effective
    time, then as they were written."""
    log = _Events()
    today = PRINTED_AT.date()
    encounters: list[Encounter] = []
    visits = max(0, years * 6 - 1)
    for n in range(visits, 0, -1):
        day = today - timedelta(days=61 * n + 40)
        encounters.append(
            _visit(
                log, f"enc-{n:03d}", day, drugs=2, lab_lines=6, today=False, long_drug_names=False
            )
        )
    encounters.append(_stay(log, today - timedelta(days=30), days=stay_days))
    encounters.append(
        _visit(
            log,
            VISIT_ID,
            today,
            drugs=drugs,
            lab_lines=lab_lines,
            today=True,
            long_drug_names=extreme,
        )
    )
    events = sorted(log.events, key=lambda e: e.effective_at)
    letterhead = (
        Letterhead(facility_code="35001", facility_name="Trạm Y tế xã Tượng Lĩnh")
        if minimal
        else Letterhead(
            facility_code="35001",
            facility_name="Trung tâm Y tế khu vực Kim Bảng",
            parent_name="Sở Y tế tỉnh Ninh Bình",
            address="Thị trấn Quế, Kim Bảng, Ninh Bình",
            phone="0226 3820 115",
            logo=_logo_png(),
        )
    )
    patient = _patient(minimal=minimal, extreme=extreme)
    allergies: tuple[Allergy, ...] = ()
    problems: tuple[Problem, ...] = ()
    if not minimal:
        allergies = (
            Allergy(
                id="al-1",
                facility_id=FACILITY_ID,
                created_at=datetime(2018, 5, 2, tzinfo=UTC),
                created_by=DOCTOR,
                device_id="dev-specimen",
                patient_id=patient.id,
                substance="Penicilin",
                reaction="Nổi mề đay toàn thân",
                severity="severe",
            ),
        )
        problems = tuple(
            Problem(
                id=f"pb-{code}",
                facility_id=FACILITY_ID,
                created_at=datetime(2016, 3, 1, tzinfo=UTC),
                created_by=DOCTOR,
                device_id="dev-specimen",
                patient_id=patient.id,
                icd10=code,
                description=text,
                onset=BirthDate(2016),
            )
            for code, text in (("I10", "Tăng huyết áp vô căn"), ("E11.9", "Đái tháo đường typ 2"))
        )
    chart = ChartExtract(
        letterhead=letterhead,
        patient=patient,
        allergies=allergies,
        problems=problems,
        encounters=tuple(encounters),
        events=tuple(events),
        staff=STAFF,
        departments=DEPARTMENTS,
        beds=BEDS,
        printed_by=STAFF[DOCTOR],
        printed_at=PRINTED_AT,
    )
    return unsigned(chart, PRESCRIPTION_ID) if draft_prescription else chart
