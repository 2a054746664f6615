"""The commands of `emr-admin`, each a thin call into `services`."""

from __future__ import annotations

import argparse
import socket
import sys
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.catalog import CatalogKind, DrugEntry, ImagingServiceEntry
from emr_desktop.core.documents import DocumentKind, Letterhead
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.imaging import DicomStudy
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import (
    ClinicalNote,
    Device,
    Diagnosis,
    ImagingReport,
    Measurement,
    MedicationAdministration,
    MedicationOrder,
    Order,
    Patient,
    Prescription,
    PrescriptionItem,
    VitalSigns,
)
from emr_desktop.core.timeutil import parse_moment, to_local, utc_now
from emr_desktop.services import auth, catalogs, clinical, documents, duplicates, maintenance
from emr_desktop.services import chart as chart_service
from emr_desktop.services import conflicts as conflict_service
from emr_desktop.services import patients as patient_service
from emr_desktop.services.auth import Session
from emr_desktop.services.setup import initialize
from emr_desktop.store.store import Store

if TYPE_CHECKING:
    from emr_desktop.cli.main import Output
    from emr_desktop.syncclient.engine import SyncReport


@dataclass
class Context:
    args: argparse.Namespace
    out: Output
    store: Store
    session: Session
    password: str


def run(args: argparse.Namespace, out: Output) -> None:
    """Open the store, log the user in when the command acts for a person, run it."""
    from emr_desktop.cli.main import read_password

    if not args.needs_user:
        args.func(args, out)
        return
    store = Store.open(args.data_dir)
    try:
        password = read_password("EMR_PASSWORD", f"Mật khẩu của {args.user}: ")
        session = auth.login(store, args.user, password)
        args.func(Context(args, out, store, session, password))
    finally:
        store.close()


_SEX_VI = {"male": "Nam", "female": "Nữ", "other": "Khác"}


def _patient_line(p: Patient) -> str:
    dob = p.date_of_birth.iso() if p.date_of_birth else "?"
    ids = " ".join(
        x for x in (p.cccd and f"CCCD {p.cccd}", p.bhyt_number and f"BHYT {p.bhyt_number}") if x
    )
    return f"{p.mrn}  {p.full_name}  {_SEX_VI[p.sex]}  {dob}  {ids}  [{p.id}]".rstrip()


def _patient_id(ctx: Context, key: str) -> str:
    return patient_service.find_patient_by_mrn_or_id(ctx.store, ctx.session, key).id


def _sign_password(ctx: Context) -> str | None:
    return ctx.password if ctx.args.sign else None


# ------------------------------------------------------------------ setup and users


def _required(value: str | None, option: str) -> str:
    if not value:
        raise ValidationError(
            option.lstrip("-").replace("-", "_"),
            "required",
            f"Cần {option}",
            f"{option} is required",
        )
    return value


def init(args: argparse.Namespace, out: Output) -> None:
    """A new store: for a facility given here, or (`--server`, `--code`) joining the
    facility on the server, with its accounts pulled at once (`initialize_enrolled`)."""
    from emr_desktop.cli.main import read_password

    if args.server:
        _init_enrolled(args, out)
        return
    facility = _required(args.facility, "--facility")
    facility_name = _required(args.facility_name, "--facility-name")
    admin = _required(args.admin, "--admin")
    password = read_password("EMR_PASSWORD", "Mật khẩu quản trị viên mới: ")
    store, recovery_key = initialize(
        args.data_dir,
        facility_code=facility,
        facility_name=facility_name,
        admin_username=admin,
        admin_full_name=args.admin_full_name,
        admin_password=password,
        device_number=args.device_number,
    )
    store.close()
    _emit_created(args, out, store.store_id, recovery_key, {})


def _init_enrolled(args: argparse.Namespace, out: Output) -> None:
    from emr_desktop.cli.main import read_password
    from emr_desktop.services.setup import EnrolledFacility, initialize_enrolled
    from emr_desktop.syncclient.client import SyncClient
    from emr_desktop.syncclient.credentials import load_credential, server_url
    from emr_desktop.syncclient.engine import enroll as enroll_device
    from emr_desktop.syncclient.engine import pull_changes

    if args.facility or args.facility_name:
        raise ValidationError(
            "facility",
            "from_server",
            "Với --server, cơ sở do máy chủ cho biết: bỏ --facility và --facility-name",
            "With --server the facility comes from the server: leave out --facility and "
            "--facility-name",
        )
    code = _required(args.code, "--code")
    name = (args.device_name or "").strip() or socket.gethostname() or "PC"
    password = read_password("EMR_PASSWORD", "Mật khẩu quản trị viên mới: ") if args.admin else ""

    def enroll(store: Store) -> EnrolledFacility:
        result = enroll_device(store, args.server, code, name)
        return EnrolledFacility(
            result.facility_id, result.facility_code, result.facility_name, result.device_number
        )

    def pull(store: Store) -> None:
        pull_changes(store, SyncClient(server_url(store), credential=load_credential(store)))

    setup = initialize_enrolled(
        args.data_dir,
        enroll=enroll,
        admin_username=args.admin or "",
        admin_full_name=args.admin_full_name,
        admin_password=password,
        device_name=name,
        pull_accounts=pull,
    )
    with setup.store.unit_of_work(user_id=None) as uow:
        number = uow.get(Device, setup.store.device_id).device_number
    setup.store.close()
    if setup.admin_username and not setup.accounts_checked:
        print(
            f"Cảnh báo: không tải được tài khoản của cơ sở nên chưa kiểm tra được tên "
            f"{setup.admin_username} có trùng với máy khác không / Warning: the facility's "
            f"accounts could not be fetched, so {setup.admin_username} was not checked "
            "against the other PCs' usernames",
            file=sys.stderr,
        )
    _emit_created(
        args,
        out,
        setup.store.store_id,
        setup.recovery_key,
        {
            "server": args.server,
            "device_number": number,
            "admin": setup.admin_username,
            "accounts_checked": setup.accounts_checked,
        },
    )


def _emit_created(
    args: argparse.Namespace, out: Output, store_id: str, recovery_key: str, extra: dict[str, Any]
) -> None:
    joined = (
        f"Đã gia nhập {extra['server']} là máy số {extra['device_number']} / Joined "
        f"{extra['server']} as device {extra['device_number']}\n"
        if extra
        else ""
    )
    out.emit(
        {
            "data_dir": str(args.data_dir),
            "store_id": store_id,
            "recovery_key": recovery_key,
            **extra,
        },
        f"{joined}Đã tạo kho dữ liệu mã hóa / Encrypted store created: "
        f"{args.data_dir}\n\n"
        "KHÓA KHÔI PHỤC / RECOVERY KEY (chỉ hiện một lần — in ra và cất giữ an toàn /\n"
        "shown once — print it and keep it safe):\n\n"
        f"    {recovery_key}\n",
    )


def user_add(ctx: Context) -> None:
    from emr_desktop.cli.main import read_password

    a = ctx.args
    new_password = read_password("EMR_NEW_PASSWORD", f"Mật khẩu cho {a.username}: ")
    user = auth.add_user(
        ctx.store,
        ctx.session,
        username=a.username,
        role=a.role,
        full_name=a.full_name,
        password=new_password,
        practitioner_code=a.practitioner_code,
    )
    ctx.out.emit(
        {"id": user.id, "username": user.username, "role": user.role},
        f"Đã tạo tài khoản / User created: {user.username} ({user.role})",
    )


# ------------------------------------------------------------------ facility letterhead


def _letterhead_data(letterhead: Letterhead) -> dict[str, Any]:
    return {
        "facility_code": letterhead.facility_code,
        "facility_name": letterhead.facility_name,
        "parent_name": letterhead.parent_name,
        "address": letterhead.address,
        "phone": letterhead.phone,
        "logo_bytes": len(letterhead.logo) if letterhead.logo is not None else None,
    }


def _letterhead_text(letterhead: Letterhead) -> str:
    none = "không có / none"
    logo = f"{len(letterhead.logo)} byte" if letterhead.logo is not None else none
    return "\n".join(
        (
            f"Cơ sở / Facility: {letterhead.facility_name} ({letterhead.facility_code})",
            f"Cơ quan chủ quản / Governing body: {letterhead.parent_name or none}",
            f"Địa chỉ / Address: {letterhead.address or none}",
            f"Điện thoại / Phone: {letterhead.phone or none}",
            f"Logo: {logo}",
        )
    )


def facility_show(ctx: Context) -> None:
    letterhead = documents.letterhead(ctx.store, ctx.session)
    ctx.out.emit(_letterhead_data(letterhead), _letterhead_text(letterhead))


def facility_set(ctx: Context) -> None:
    a = ctx.args
    current = documents.letterhead(ctx.store, ctx.session)
    logo = None if a.no_logo else current.logo
    if a.logo is not None:
        try:
            logo = a.logo.read_bytes()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ValidationError(
                "logo",
                "readable",
                f"Không đọc được tệp logo: {reason}",
                f"Cannot read the logo file: {reason}",
            ) from None
    letterhead = documents.update_letterhead(
        ctx.store,
        ctx.session,
        parent_name=current.parent_name if a.parent_name is None else a.parent_name,
        address=current.address if a.address is None else a.address,
        phone=current.phone if a.phone is None else a.phone,
        logo=logo,
    )
    ctx.out.emit(
        _letterhead_data(letterhead),
        f"Đã cập nhật tiêu đề giấy tờ / Letterhead updated\n{_letterhead_text(letterhead)}",
    )


# ------------------------------------------------------------------ patients


def patient_add(ctx: Context) -> None:
    a = ctx.args
    mother = _patient_id(ctx, a.mother) if a.mother else None
    patient = patient_service.register_patient(
        ctx.store,
        ctx.session,
        full_name=a.full_name,
        sex=a.sex,
        date_of_birth=a.dob,
        cccd=a.cccd,
        cmnd=a.cmnd,
        bhyt_number=a.bhyt,
        bhyt_valid_from=a.bhyt_from,
        bhyt_valid_to=a.bhyt_to,
        phones=tuple(a.phone),
        address=a.address,
        guardian_name=a.guardian,
        mother_id=mother,
    )
    ctx.out.emit(patient, f"Đã đăng ký / Registered: {_patient_line(patient)}")


def patient_from_qr(ctx: Context) -> None:
    a = ctx.args
    if a.dry_run:
        draft = patient_service.registration_from_qr(a.payload)
        ctx.out.emit(
            draft,
            f"{draft.full_name}  {draft.sex}  {draft.date_of_birth}  "
            f"CCCD {draft.cccd}  {draft.address}",
        )
        return
    patient = patient_service.register_from_qr(
        ctx.store, ctx.session, a.payload, phones=tuple(a.phone), bhyt_number=a.bhyt
    )
    ctx.out.emit(patient, f"Đã đăng ký / Registered: {_patient_line(patient)}")


def patient_search(ctx: Context) -> None:
    found = patient_service.find_patients(
        ctx.store, ctx.session, ctx.args.query, limit=ctx.args.limit
    )
    text = "\n".join(_patient_line(p) for p in found) or "Không tìm thấy / No match"
    ctx.out.emit(found, text)


def patient_show(ctx: Context) -> None:
    patient = patient_service.find_patient_by_mrn_or_id(ctx.store, ctx.session, ctx.args.patient)
    lines = [
        f"{name}: {value}" for name, value in _plain_items(patient) if value not in (None, "", [])
    ]
    ctx.out.emit(patient, "\n".join(lines))


def _plain_items(record: Any) -> list[tuple[str, Any]]:
    from emr_desktop.core.codec import to_plain

    return list(to_plain(record).items())


def patient_update(ctx: Context) -> None:
    a = ctx.args
    changes: dict[str, Any] = {}
    for name, value in (
        ("full_name", a.full_name),
        ("sex", a.sex),
        ("cccd", a.cccd),
        ("bhyt_number", a.bhyt),
        ("address", a.address),
    ):
        if value is not None:
            changes[name] = value
    if a.dob is not None:
        changes["date_of_birth"] = BirthDate.parse(a.dob)
    if a.phone is not None:
        changes["phones"] = tuple(a.phone)
    patient_id = _patient_id(ctx, a.patient)
    patient = patient_service.update_patient(ctx.store, ctx.session, patient_id, **changes)
    ctx.out.emit(patient, f"Đã cập nhật / Updated: {_patient_line(patient)}")


def patient_duplicates(ctx: Context) -> None:
    found = duplicates.likely_duplicates(ctx.store, ctx.session, _patient_id(ctx, ctx.args.patient))
    lines = [
        f"{c.match.score:.2f}  {_patient_line(c.patient)}  ({', '.join(c.match.reasons)})"
        for c in found
    ]
    ctx.out.emit(found, "\n".join(lines) or "Không có hồ sơ nghi trùng / No likely duplicate")


def patient_merge(ctx: Context) -> None:
    a = ctx.args
    link = duplicates.merge_patients(
        ctx.store,
        ctx.session,
        survivor_id=_patient_id(ctx, a.survivor),
        replaced_id=_patient_id(ctx, a.replaced),
        reason=a.reason,
    )
    ctx.out.emit(link, f"Đã gộp hồ sơ / Charts merged: {link.id}")


def patient_unmerge(ctx: Context) -> None:
    link = duplicates.unmerge_patients(ctx.store, ctx.session, ctx.args.link)
    ctx.out.emit(link, f"Đã hủy gộp / Merge undone: {link.id}")


def conflicts_list(ctx: Context) -> None:
    found = conflict_service.list_conflicts(ctx.store, ctx.session)
    lines = [
        f"{c.id}  {c.kind} {c.record_id} {c.field}: {c.winner_value!r} "
        f"(đang dùng / in force) ≠ {c.loser_value!r}"
        for c in found
    ]
    ctx.out.emit(found, "\n".join(lines) or "Không có xung đột / No open conflicts")


def conflicts_resolve(ctx: Context) -> None:
    settled = conflict_service.resolve_conflict(
        ctx.store, ctx.session, ctx.args.conflict, keep=ctx.args.keep
    )
    ctx.out.emit(settled, f"Đã giải quyết / Settled: {settled.id}")


def chart(ctx: Context) -> None:
    result = chart_service.open_chart(ctx.store, ctx.session, _patient_id(ctx, ctx.args.patient))
    lines = [_patient_line(result.patient)]
    lines += [f"Dị ứng / Allergy: {a.substance} ({a.severity})" for a in result.allergies]
    for event in result.current_events():
        when = to_local(event.effective_time).strftime("%d/%m/%Y %H:%M")
        lines.append(f"{when}  {event.kind:<26} {event.status:<7} {event.id}")
    data = {
        "patient": result.patient,
        "merged_ids": result.merged_ids,
        "allergies": result.allergies,
        "problems": result.problems,
        "encounters": result.encounters,
        "events": [
            {**{k: v for k, v in e._asdict().items() if k != "body_json"}, "body": e.body}
            for e in result.events
        ],
    }
    ctx.out.emit(data, "\n".join(lines))


# ------------------------------------------------------------------ encounters


def encounter_start(ctx: Context) -> None:
    a = ctx.args
    encounter = clinical.start_encounter(
        ctx.store,
        ctx.session,
        patient_id=_patient_id(ctx, a.patient),
        kind=a.kind,
        reason=a.reason,
        department_id=a.department,
        bed_id=a.bed,
    )
    ctx.out.emit(encounter, f"Đã mở lượt khám / Encounter started: {encounter.id}")


def encounter_transfer(ctx: Context) -> None:
    a = ctx.args
    encounter = clinical.transfer_patient(
        ctx.store, ctx.session, a.encounter, department_id=a.department, bed_id=a.bed
    )
    ctx.out.emit(encounter, f"Đã chuyển khoa / Transferred: {encounter.id}")


def encounter_discharge(ctx: Context) -> None:
    a = ctx.args
    encounter = clinical.discharge_patient(
        ctx.store,
        ctx.session,
        a.encounter,
        treatment_result=a.result,
        discharge_type=a.discharge_type,
    )
    ctx.out.emit(encounter, f"Đã kết thúc / Discharged: {encounter.id}")


# ------------------------------------------------------------------ clinical events


def _record(ctx: Context, body: Any) -> None:
    event = clinical.record_event(
        ctx.store,
        ctx.session,
        patient_id=_patient_id(ctx, ctx.args.patient),
        body=body,
        encounter_id=ctx.args.encounter,
        sign_password=_sign_password(ctx),
    )
    state = "đã ký / signed" if event.status == "signed" else "bản nháp / draft"
    ctx.out.emit(event, f"Đã ghi {event.kind} ({state}): {event.id}")


def vitals(ctx: Context) -> None:
    a = ctx.args
    fields = {
        "temperature": a.temperature,
        "pulse": a.pulse,
        "respiratory_rate": a.respiratory_rate,
        "spo2": a.spo2,
        "weight": a.weight,
        "height": a.height,
        "blood_glucose": a.glucose,
    }
    if a.bp:
        systolic, sep, diastolic = a.bp.partition("/")
        if not sep:
            raise ValidationError(
                "bp", "format", "Huyết áp ghi dạng 120/80", "Blood pressure is written 120/80"
            )
        fields["systolic"], fields["diastolic"] = systolic, diastolic
    from emr_desktop.core.records import VITAL_SPECS

    measurements = tuple(
        Measurement(
            code,
            _number(value, code),
            VITAL_SPECS[code].unit,
        )
        for code, value in fields.items()
        if value is not None
    )
    _record(ctx, VitalSigns(measurements=measurements))


def _number(value: str, field: str) -> Decimal:
    """A typed number: "38,5" (Vietnamese decimal comma) or "38.5"."""
    try:
        number = Decimal(value.strip().replace(",", "."))
    except ArithmeticError:
        number = Decimal("NaN")
    if not number.is_finite():
        raise ValidationError(
            field, "number", f"{value!r} không phải là số", f"{value!r} is not a number"
        )
    return number


def note(ctx: Context) -> None:
    a = ctx.args
    _record(ctx, ClinicalNote(note_type=a.type, text=a.text, orders_text=a.orders))


def diagnosis(ctx: Context) -> None:
    a = ctx.args
    _record(ctx, Diagnosis(icd10=a.icd10, rank=a.rank, description=a.description))


def _catalog_entry(ctx: Context, kind: CatalogKind, code: str, field: str) -> Any:
    """The entry `code` of the catalogue in force; `field` names the argument on error."""
    with ctx.store.unit_of_work(user_id=ctx.session.user_id) as uow:
        for entry in catalogs.entries(uow, kind):
            if entry.code == code:
                return entry
    raise ValidationError(
        field,
        "catalog",
        f"Mã {code!r} không có trong danh mục {kind.value}",
        f"Code {code!r} is not in the {kind.value} catalogue",
    )


def order(ctx: Context) -> None:
    a = ctx.args
    kind = {
        "lab": CatalogKind.LAB_TESTS,
        "imaging": CatalogKind.IMAGING,
        "procedure": CatalogKind.PROCEDURES,
    }[a.category]
    _record(
        ctx,
        Order(
            category=a.category,
            service_code=a.service,
            service_name=_catalog_entry(ctx, kind, a.service, "service").name_vi,
            priority=a.priority,
            indication=a.indication,
        ),
    )


def result(ctx: Context) -> None:
    a = ctx.args
    event = clinical.record_lab_result(
        ctx.store,
        ctx.session,
        patient_id=_patient_id(ctx, a.patient),
        test_code=a.test,
        value=a.value,
        encounter_id=a.encounter,
        order_id=a.order_id,
        sign_password=_sign_password(ctx),
    )
    flag = getattr(event.body, "flag", "")
    ctx.out.emit(event, f"Đã ghi kết quả / Result recorded: {event.id} {flag}".rstrip())


def imaging_report(ctx: Context) -> None:
    a = ctx.args
    entry: ImagingServiceEntry = _catalog_entry(ctx, CatalogKind.IMAGING, a.service, "service")
    _record(
        ctx,
        ImagingReport(
            service_code=a.service,
            modality=entry.modality,
            findings=a.findings,
            conclusion=a.conclusion,
            order_id=a.order_id,
        ),
    )


def prescription(ctx: Context) -> None:
    a = ctx.args
    items = []
    for number, spec in enumerate(a.item, start=1):
        parts = spec.split(":", 3)
        if len(parts) != 4 or not parts[2].isdigit():
            raise ValidationError(
                f"item {number}",
                "format",
                "Thuốc ghi dạng MÃ:SỐ_LƯỢNG:SỐ_NGÀY:cách dùng",
                "An item is CODE:QUANTITY:DAYS:dosage",
            )
        code, quantity, days, dosage = parts
        drug: DrugEntry = _catalog_entry(ctx, CatalogKind.DRUGS, code, f"item {number}")
        items.append(
            PrescriptionItem(
                drug_code=code,
                drug_name=drug.name_vi,
                dosage=dosage,
                quantity=_number(quantity, f"item {number}"),
                unit=drug.unit,
                days=int(days),
                route=drug.route,
            )
        )
    _record(
        ctx, Prescription(items=tuple(items), diagnosis_codes=tuple(a.diagnosis), advice=a.advice)
    )


def medication_order(ctx: Context) -> None:
    a = ctx.args
    drug: DrugEntry = _catalog_entry(ctx, CatalogKind.DRUGS, a.drug, "drug")
    times = tuple(t.strip() for t in a.times.split(",") if t.strip())
    _record(
        ctx,
        MedicationOrder(
            drug_code=drug.code,
            drug_name=drug.name_vi,
            dose=_number(a.dose, "dose"),
            dose_unit=a.dose_unit,
            route=a.route,
            times=times,
            start_date=a.start or to_local(utc_now()).date(),
            days=a.days,
            as_needed=a.as_needed,
        ),
    )


def administration(ctx: Context) -> None:
    a = ctx.args
    _record(
        ctx,
        MedicationAdministration(
            medication_order_id=a.order_id,
            scheduled_for=parse_moment(a.scheduled_for, "scheduled_for")
            if a.scheduled_for
            else None,
            outcome=a.outcome,
            dose=_number(a.dose, "dose") if a.dose else None,
            dose_unit=a.dose_unit,
            route=a.route,
            reason=a.reason,
            wristband_scanned=a.wristband_scanned,
        ),
    )


def allergy(ctx: Context) -> None:
    a = ctx.args
    record = clinical.add_allergy(
        ctx.store,
        ctx.session,
        patient_id=_patient_id(ctx, a.patient),
        substance=a.substance,
        reaction=a.reaction,
        severity=a.severity,
    )
    ctx.out.emit(record, f"Đã ghi dị ứng / Allergy recorded: {record.id}")


def sign(ctx: Context) -> None:
    event = clinical.sign_event(ctx.store, ctx.session, ctx.args.event, ctx.password)
    ctx.out.emit(event, f"Đã ký / Signed: {event.id} sha256={event.content_hash}")


def entered_in_error(ctx: Context) -> None:
    event = clinical.mark_entered_in_error(
        ctx.store, ctx.session, ctx.args.event, reason=ctx.args.reason
    )
    ctx.out.emit(event, f"Đã đánh dấu nhập nhầm / Marked entered in error: {event.corrects}")


# ------------------------------------------------------------------ operations


def seed_demo(ctx: Context) -> None:
    from emr_desktop.services import demo

    report = demo.seed_demo(ctx.store, ctx.session, patients=ctx.args.patients, seed=ctx.args.seed)
    ctx.out.emit(report, f"Đã tạo dữ liệu mẫu / Demo data: {report}")


def audit_verify(ctx: Context) -> None:
    outcome = maintenance.verify_audit(ctx.store, ctx.session)
    data = {
        "ok": outcome.ok,
        "rows": outcome.rows,
        "first_broken_seq": outcome.first_broken_seq,
        "reason": outcome.reason,
    }
    if outcome.ok:
        ctx.out.emit(data, f"Nhật ký nguyên vẹn / Audit log intact: {outcome.rows} dòng/rows")
        return
    ctx.out.emit(
        data,
        f"NHẬT KÝ BỊ SỬA từ dòng / AUDIT LOG BROKEN at row "
        f"{outcome.first_broken_seq}: {outcome.reason}",
    )
    raise SystemExit(1)


def backup(ctx: Context) -> None:
    path = maintenance.backup_store(ctx.store, ctx.session, ctx.args.file)
    ctx.out.emit(
        {"file": str(path), "bytes": path.stat().st_size},
        f"Đã sao lưu (mã hóa) / Encrypted backup written: {path}",
    )


def restore(args: argparse.Namespace, out: Output) -> None:
    from emr_desktop.store.restored import pending_catch_up

    store = Store.restore(args.data_dir, args.file, recovery_key=args.recovery_key)
    mark = pending_catch_up(store.read_meta())
    with store.unit_of_work(user_id=None) as uow:
        uow.audit("store.restore", detail={"file": args.file.name, "catch_up": mark is not None})
        uow.commit()
    store.close()
    text = f"Đã khôi phục từ bản sao lưu / Restored from backup: {args.file}"
    if mark is not None and mark.mrn_next is not None:
        text += (
            "\nLần đồng bộ tới sẽ tải lại những gì máy này đã đồng bộ sau bản sao lưu; "
            f"mã bệnh nhân mới bắt đầu từ {mark.mrn_next:010d}"
            "\nThe next sync pulls back what this PC synced after the backup; new record "
            f"numbers start at {mark.mrn_next:010d}"
        )
    out.emit(
        {
            "data_dir": str(args.data_dir),
            "store_id": store.store_id,
            "catch_up": mark is not None,
            "mrn_next": None if mark is None else mark.mrn_next,
        },
        text,
    )


def recover(args: argparse.Namespace, out: Output) -> None:
    store = Store.recover(args.data_dir, args.recovery_key)
    with store.unit_of_work(user_id=None) as uow:
        uow.audit("store.recover_key")
        uow.commit()
    store.close()
    out.emit(
        {"data_dir": str(args.data_dir), "store_id": store.store_id},
        "Đã khôi phục khóa vào kho khóa / The key is back in the keyring",
    )


def export_fhir(ctx: Context) -> None:
    """The whole chart as a FHIR R4 Bundle: to `--out` (written atomically) or stdout."""
    from emr_desktop.interop.fhir import chart_bundle_json

    ctx.session.require(Permission.EXPORT)
    patient_id = _patient_id(ctx, ctx.args.patient)
    extract = documents.chart_extract(ctx.store, ctx.session, patient_id, DocumentKind.CHART_EXPORT)
    text = chart_bundle_json(extract)
    destination = ctx.args.out
    size = documents.export_file(
        ctx.store,
        ctx.session,
        DocumentKind.CHART_EXPORT,
        patient_id,
        text.encode("utf-8"),
        destination,
        file_format="fhir+json",
    )
    if destination is None:
        sys.stdout.write(text)
        return
    ctx.out.emit(
        {"path": str(destination), "bytes": size},
        f"Đã xuất FHIR / FHIR Bundle written: {destination} ({size} bytes)",
    )


def catalog_import(ctx: Context) -> None:
    count = catalogs.import_catalog(ctx.store, ctx.session, ctx.args.kind, ctx.args.file)
    ctx.out.emit(
        {"kind": ctx.args.kind, "rows": count},
        f"Đã nhập {count} dòng danh mục / Imported {count} rows",
    )


# ------------------------------------------------------------------ sync


def enroll(ctx: Context) -> None:
    from emr_desktop.core.errors import PermissionDenied
    from emr_desktop.syncclient.engine import enroll as enroll_device

    if ctx.session.role != "admin":
        raise PermissionDenied(
            "Chỉ quản trị viên được đăng ký máy với máy chủ",
            "Only an administrator may enroll this PC with the server",
        )
    a = ctx.args
    # The server needs a name to list the device by; the computer's is what IT sees too.
    name = (a.device_name or "").strip() or socket.gethostname() or "PC"
    result = enroll_device(ctx.store, a.server, a.code, name, replace=a.replace)
    replaced = " (thay thế / replacement)" if a.replace else ""
    ctx.out.emit(
        {
            "server": a.server,
            "device_id": result.device_id,
            "device_number": result.device_number,
            "device_name": name,
            "facility_code": result.facility_code,
            "facility_name": result.facility_name,
            "replaced": a.replace,
        },
        f"Đã đăng ký máy số {result.device_number} với {result.facility_name} "
        f"({result.facility_code}){replaced} / Enrolled as device {result.device_number}: "
        f"{a.server}",
    )


def _report_line(report: Any) -> str:
    return (
        f"Đã gửi {report.pushed}, đã nhận {report.pulled}, xung đột {report.conflicts} / "
        f"pushed {report.pushed}, pulled {report.pulled}, conflicts {report.conflicts}"
    )


def _check_double_doses(store: Store, report: SyncReport) -> None:
    """Two PCs may have recorded one dose while offline: make it a conflict to review."""
    from emr_desktop.services.nursing import detect_double_doses

    if report.pulled and (found := detect_double_doses(store)):
        print(
            f"Cảnh báo: {found} liều thuốc được ghi hai lần / Warning: {found} dose(s)"
            " recorded twice — xem / see `emr-admin conflicts list`",
            file=sys.stderr,
        )


def sync(args: argparse.Namespace, out: Output) -> None:
    import time

    from emr_desktop.syncclient.client import SyncClient
    from emr_desktop.syncclient.credentials import load_credential, server_url
    from emr_desktop.syncclient.engine import sync_once
    from emr_desktop.syncclient.loop import SyncLoop

    store = Store.open(args.data_dir)
    try:
        client = SyncClient(server_url(store), credential=load_credential(store))
        if args.once:
            report = sync_once(store, client)
            _check_double_doses(store, report)
            out.emit(report, _report_line(report))
            return

        def after_sync(report: SyncReport) -> None:
            _check_double_doses(store, report)
            out.emit(report, _report_line(report))

        loop = SyncLoop(store, client, interval=args.interval, on_report=after_sync)
        print("Đang đồng bộ; nhấn Ctrl-C để dừng / Syncing; press Ctrl-C to stop", file=sys.stderr)
        loop.start()
        try:
            last_error = None
            while True:
                time.sleep(1)
                status = loop.status()
                if status.last_error and status.last_error != last_error:
                    print(f"Lỗi / Error: {status.last_error}", file=sys.stderr)
                last_error = status.last_error
        finally:
            loop.stop()
    finally:
        store.close()


# ------------------------------------------------------------------ imaging

_SEX_DICOM = {"M": "Nam / M", "F": "Nữ / F", "O": "Khác / O"}


def _study_lines(study: DicomStudy) -> list[str]:
    when = to_local(study.study_at).strftime("%d/%m/%Y %H:%M") if study.study_at else "?"
    born = study.patient_birth_date.strftime("%d/%m/%Y") if study.patient_birth_date else "?"
    sex = _SEX_DICOM.get(study.patient_sex or "", "?")
    return [
        f"Ca chụp / Study {study.study_instance_uid}",
        f"  {when}  {'/'.join(study.modalities) or '?'}  {study.description or ''}".rstrip(),
        f"  {len(study.series)} loạt / series, {study.instance_count} ảnh / images",
        f"  Trên ảnh / In the images: {study.patient_name or '?'}  "
        f"ID {study.patient_id or '?'}  {born}  {sex}",
    ]


#: Skipped files listed one by one (a CD with a viewer program holds hundreds).
_SHOWN_SKIPPED = 10

_BASIS = {
    "mrn": "mã bệnh nhân / record number",
    "cccd": "số CCCD / citizen ID",
    "name_birth": "họ tên + ngày sinh / name + birth date",
    None: "chọn bằng --patient / chosen with --patient",
}


def imaging_import(ctx: Context) -> None:
    """Scan files, folders or a DICOMDIR; show each study and whose chart it goes to; with
    --yes, import it. A study whose patient differs from the chart needs --accept-mismatch;
    one with damaged files is refused unless --skip-corrupt imports its valid files."""
    from pathlib import Path

    from emr_desktop.core.errors import EmrError
    from emr_desktop.imaging import dicom
    from emr_desktop.services import imaging

    a = ctx.args
    found = dicom.scan([Path(p) for p in a.paths])
    lines: list[str] = []
    data: dict[str, Any] = {"studies": [], "skipped_files": []}
    skipped = found.unattributed_problems
    for problem in skipped[:_SHOWN_SKIPPED]:
        lines.append(f"Bỏ qua / Skipped: {problem.error.message_vi} / {problem.error.message_en}")
    if len(skipped) > _SHOWN_SKIPPED:
        more = len(skipped) - _SHOWN_SKIPPED
        lines.append(f"… và {more} tệp khác bị bỏ qua / and {more} more skipped (--json)")
    data["skipped_files"] = [{"path": str(p.path), **p.error.to_dict()} for p in skipped]
    if not found.studies:
        ctx.out.emit(data, "\n".join(lines))
        raise EmrError("Không tìm thấy ca chụp DICOM nào", "No DICOM study found")
    if a.order and len(found.studies) != 1:
        raise ValidationError(
            "order",
            "one_study",
            f"--order chỉ dùng khi có đúng một ca chụp (tìm thấy {len(found.studies)})",
            f"--order needs exactly one study ({len(found.studies)} found)",
        )
    chosen = _patient_id(ctx, a.patient) if a.patient else None
    refused = 0
    for scanned in found.studies:
        study = scanned.study
        lines += ["", *_study_lines(study)]
        entry: dict[str, Any] = {
            "study_instance_uid": study.study_instance_uid,
            "study": study,
            "problems": [{"path": str(p.path), **p.error.to_dict()} for p in scanned.problems],
            "imported": False,
        }
        data["studies"].append(entry)
        if chosen is not None:
            match = imaging.compare_with_chart(ctx.store, ctx.session, chosen, study)
        else:
            match = imaging.match_patient(ctx.store, ctx.session, study)
        entry.update(patient_id=match.patient_id, basis=match.basis)
        entry["mismatches"] = [m._asdict() for m in match.mismatches]
        if match.patient_id is None:
            refused += 1
            lines.append(
                "  Không tìm thấy hồ sơ bệnh nhân / No matching chart; dùng / use --patient"
            )
            if match.candidates:
                entry["candidates"] = list(match.candidates)
                lines.append(
                    f"  Hồ sơ tên gần giống / Similar names: {', '.join(match.candidates)}"
                )
            continue
        patient = patient_service.get_patient(ctx.store, ctx.session, match.patient_id)
        lines.append(f"  Hồ sơ / Chart: {_patient_line(patient)} ({_BASIS[match.basis]})")
        lines += [f"  KHÁC / DIFFERS: {m.vi} / {m.en}" for m in match.mismatches]
        lines += [
            f"  HỎNG / DAMAGED: {p.error.message_vi} / {p.error.message_en}"
            for p in scanned.problems
        ]
        order_id = a.order
        if order_id is None:
            proposal = imaging.proposed_order(ctx.store, ctx.session, match.patient_id, study)
            if proposal is not None:
                assert isinstance(proposal.order.body, Order)
                entry["proposed_order"] = {
                    "id": proposal.order.id,
                    "basis": proposal.basis,
                    "service_code": proposal.order.body.service_code,
                }
                lines.append(
                    f"  Chỉ định phù hợp / Matching order: {proposal.order.body.service_name} "
                    f"[{proposal.order.id}] — gắn bằng / link with --order"
                )
        if not a.yes:
            continue
        if match.mismatches and not a.accept_mismatch:
            refused += 1
            lines.append(
                "  Không nhập: thông tin khác hồ sơ, xác nhận bằng --accept-mismatch / "
                "Not imported: differs from the chart, confirm with --accept-mismatch"
            )
            continue
        if scanned.problems and not a.skip_corrupt:
            refused += 1
            lines.append(
                f"  Không nhập: {len(scanned.problems)} tệp hỏng; --skip-corrupt để nhập "
                f"{len(scanned.files)} tệp còn tốt / Not imported: {len(scanned.problems)} "
                f"damaged file(s); --skip-corrupt imports the {len(scanned.files)} good ones"
            )
            continue
        record = imaging.save_study(
            ctx.store,
            ctx.session,
            match.patient_id,
            study,
            dicom.load_study(scanned),
            source="import",
            order_id=order_id,
            confirm_mismatch=bool(match.mismatches),
        )
        entry.update(imported=True, record_id=record.id, order_id=record.order_id)
        lines.append(f"  Đã nhập / Imported [{record.id}]")
    if not a.yes:
        lines += ["", "Chưa nhập gì: chạy lại với --yes / Nothing imported: run again with --yes"]
    ctx.out.emit(data, "\n".join(lines).strip())
    if a.yes and refused:
        raise EmrError(
            f"{refused} ca chụp không được nhập (xem trên)",
            f"{refused} study/studies not imported (see above)",
        )


def imaging_studies(ctx: Context) -> None:
    from emr_desktop.services import imaging

    found = imaging.studies(ctx.store, ctx.session, _patient_id(ctx, ctx.args.patient))
    lines = []
    for study in found:
        when = to_local(study.study_at).strftime("%d/%m/%Y %H:%M") if study.study_at else "?"
        count = sum(s.instances for s in study.series)
        here = (
            "trên máy này / on this PC"
            if study.held_on_device == ctx.store.device_id
            else ("PACS" if study.source == "pacs" else "máy khác / another PC")
        )
        lines.append(
            f"{when}  {'/'.join(study.modalities):<6} {study.description or '':<30} "
            f"{len(study.series)} loạt/series {count} ảnh/images  {here}  [{study.id}]"
        )
    ctx.out.emit(found, "\n".join(lines) or "Không có ca chụp / No imaging study")
