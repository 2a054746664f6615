"""Prescribing: the quantity to dispense and the checks a prescriber must see before signing.

A prescription line is written the way Vietnamese prescriptions are ("Uống: ngày 2 lần, mỗi
lần 1 viên, sau ăn"); the quantity to dispense is dose × times a day × days, rounded up to
whole units, unless the prescriber changes it.

Two checks run before a prescription is saved:

* an **allergy** of the patient (active, on the chart or on a chart merged into it) to the
  drug, to one of its active ingredients, or to its drug class ("dị ứng nhóm penicilin"
  warns on amoxicilin). The prescriber must acknowledge it explicitly; the service refuses
  otherwise, and records the override in the audit log.
* a **duplicate**: the same drug or the same active ingredient twice in the prescription, or
  already prescribed (prescription or medication order) in the same encounter.

Drug names are compared by their international non-proprietary names as the Vietnamese and
the English lists spell them ("amoxicilin" and "amoxicillin", "cefalexin" and "cephalexin").
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from emr_desktop.core.catalog import DrugEntry, DrugRoute
from emr_desktop.core.eprescription import new_prescription_code
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import (
    Allergy,
    AllergyStatus,
    ClinicalEvent,
    Correction,
    Facility,
    MedicationOrder,
    Prescription,
    PrescriptionItem,
)
from emr_desktop.core.text import fold
from emr_desktop.services import catalogs, clinical, eprescribing
from emr_desktop.services.auth import Session
from emr_desktop.services.chart import linked_ids
from emr_desktop.services.patients import resolve_patient_id
from emr_desktop.store.store import Store
from emr_desktop.store.uow import UnitOfWork

MAX_TIMES_PER_DAY = 24
MAX_DAYS = 365

# Spelling differences between the Vietnamese and the English names of the same substance.
_SPELLINGS = (("ph", "f"), ("ch", "c"), ("th", "t"), ("ll", "l"), ("ss", "s"), ("ff", "f"))

#: Drug classes an allergy is often recorded as, and the ATC groups they cover.
_CLASSES: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = (
    (("penicilin", "penicillin", "penicillins"), "penicilin", ("J01C",)),
    (
        ("cephalosporin", "cefalosporin", "cephalosporins", "cefalosporins"),
        "cephalosporin",
        ("J01DB", "J01DC", "J01DD", "J01DE", "J01DI"),
    ),
    (("beta lactam", "betalactam"), "beta-lactam", ("J01C", "J01D")),
    (("sulfamid", "sulfonamid", "sulfonamide", "sulfa"), "sulfamid", ("J01E",)),
    (("quinolon", "fluoroquinolon", "quinolone"), "quinolon", ("J01M",)),
    (("macrolid", "macrolide"), "macrolid", ("J01FA",)),
    (("aminoglycosid", "aminosid", "aminoglycoside"), "aminoglycosid", ("J01G",)),
    (
        ("nsaid", "nsaids", "cvks", "khang viem khong steroid", "chong viem khong steroid"),
        "thuốc chống viêm không steroid",
        ("M01A", "N02BA"),
    ),
)


def _name_key(text: str) -> str:
    """A substance name folded so that its Vietnamese and English spellings compare equal."""
    words = []
    for word in fold(text).replace("-", " ").split():
        for spelled, plain in _SPELLINGS:
            word = word.replace(spelled, plain)
        if len(word) > 4 and word.endswith("e"):
            word = word[:-1]
        words.append(word)
    return " ".join(words)


def _contains(text_key: str, phrase_key: str) -> bool:
    """Whether `phrase_key` appears in `text_key` as whole words."""
    return bool(phrase_key) and f" {phrase_key} " in f" {text_key} "


def active_ingredients(drug: DrugEntry) -> dict[str, str]:
    """The drug's active ingredients: comparison key → name as the catalogue writes it."""
    names = [part.strip() for part in drug.active_ingredient.split(";") if part.strip()]
    return {_name_key(name): name for name in names}


# Salts and esters: "cefuroxim natri" and "cefuroxim axetil" are both cefuroxim.
_SALTS = frozenset(
    _name_key(word)
    for word in (
        *("natri", "kali", "calci", "magnesi", "kẽm"),
        *("hydroclorid", "hydrochlorid", "clorid", "hydrobromid", "bromid", "hcl"),
        *("sulfat", "bisulfat", "phosphat", "nitrat", "carbonat"),
        *("acetat", "axetil", "maleat", "fumarat", "tartrat", "bitartrat", "citrat"),
        *("succinat", "mesylat", "mesilat", "besylat", "besilat", "lactat", "gluconat"),
        *("propionat", "dipropionat", "valerat", "furoat"),
        *("monohydrat", "dihydrat", "trihydrat", "hemihydrat"),
    )
)


def _moiety(key: str) -> str:
    """The active part of a substance, without its salt ("metformin hydroclorid" →
    "metformin"); a substance that is only a salt ("kali clorid") stays whole."""
    words = [word for word in key.split() if word not in _SALTS]
    return " ".join(words) if words else key


def _same_substance(key: str, other: str) -> bool:
    # "cefuroxim" is the substance of "cefuroxim axetil": a salt or ester names the same drug.
    key, other = _moiety(key), _moiety(other)
    return key == other or _contains(key, other) or _contains(other, key)


# ------------------------------------------------------------------ quantity and dosage


def _check_dose(dose: Decimal, times_per_day: int, days: int) -> None:
    if not dose.is_finite() or dose <= 0:
        raise ValidationError("dose", "positive", "Liều phải lớn hơn 0", "The dose must be above 0")
    if not 1 <= times_per_day <= MAX_TIMES_PER_DAY:
        raise ValidationError(
            "times_per_day",
            "range",
            f"Số lần dùng trong ngày phải từ 1 đến {MAX_TIMES_PER_DAY}",
            f"Times a day must be between 1 and {MAX_TIMES_PER_DAY}",
        )
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(
            "days",
            "range",
            f"Số ngày dùng thuốc phải từ 1 đến {MAX_DAYS}",
            f"Days of treatment must be between 1 and {MAX_DAYS}",
        )


def dispense_quantity(dose: Decimal, times_per_day: int, days: int) -> Decimal:
    """Units to dispense for `dose` units taken `times_per_day` for `days`, rounded up to
    whole units (half a tablet twice a day for 5 days is 5 tablets; 0.3 a day for 5 days
    is 2)."""
    _check_dose(dose, times_per_day, days)
    return Decimal(math.ceil(dose * times_per_day * days))


def format_amount(value: Decimal) -> str:
    """A number as Vietnamese write it on a prescription: no trailing zeros, decimal comma."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def dosage_text(
    *, route: str, dose: Decimal, unit: str, times_per_day: int, instructions: str = ""
) -> str:
    """How to take the drug, as written on a Vietnamese prescription:
    "Uống: ngày 2 lần, mỗi lần 1 viên, sau ăn"."""
    parsed = DrugRoute.parse(route)
    how = parsed.label_vi if parsed is not None else route
    amount = format_amount(dose)
    text = f"{how[:1].upper()}{how[1:]}: ngày {times_per_day} lần, mỗi lần {amount} {unit}"
    extra = " ".join(instructions.split())
    return f"{text}, {extra}" if extra else text


# ------------------------------------------------------------------ checks


@dataclass(frozen=True)
class AllergyMatch:
    """A drug of the prescription that the patient is (or may be) allergic to."""

    drug_code: str
    drug_name: str
    allergy_id: str
    #: The allergy as recorded on the chart.
    substance: str
    reaction: str | None
    severity: str
    #: Why it matches: "drug" (that very product), "ingredient" or "class".
    basis: str
    #: The shared ingredient or the drug class (in Vietnamese, as the catalogue writes it).
    detail: str


@dataclass(frozen=True)
class DuplicateMatch:
    """A drug prescribed twice, or with an active ingredient already prescribed."""

    drug_code: str
    drug_name: str
    other_code: str
    other_name: str
    #: "same_drug" or "same_ingredient".
    basis: str
    #: The shared active ingredient ("" for the same drug).
    ingredient: str
    #: "prescription" (twice in this one) or "encounter" (already prescribed in this visit).
    where: str


@dataclass(frozen=True)
class PrescriptionReview:
    """What the prescriber must see before saving."""

    allergies: tuple[AllergyMatch, ...]
    duplicates: tuple[DuplicateMatch, ...]


def _allergy_basis(
    drug: DrugEntry, allergy: Allergy, drugs: Mapping[str, DrugEntry]
) -> tuple[str, str] | None:
    if allergy.drug_code == drug.code:
        return ("drug", drug.name_vi)
    ingredients = active_ingredients(drug)
    allergen = drugs.get(allergy.drug_code or "")
    if allergen is not None:
        for key in active_ingredients(allergen):
            for own, name in ingredients.items():
                if _same_substance(own, key):
                    return ("ingredient", name)
    substance = _name_key(allergy.substance)
    for own, name in ingredients.items():
        if _same_substance(own, substance):
            return ("ingredient", name)
    atc = drug.atc_code.upper()
    for spellings, class_name, prefixes in _CLASSES:
        named = any(_contains(substance, _name_key(s)) for s in spellings)
        if named and atc.startswith(prefixes):
            return ("class", class_name)
    return None


def allergy_matches(
    drugs_prescribed: Iterable[DrugEntry],
    allergies: Iterable[Allergy],
    formulary: Mapping[str, DrugEntry],
) -> list[AllergyMatch]:
    """Every (drug, active allergy) pair where the allergy concerns the drug."""
    active = [a for a in allergies if a.status == AllergyStatus.ACTIVE and a.deleted_at is None]
    found = []
    for drug in drugs_prescribed:
        for allergy in active:
            basis = _allergy_basis(drug, allergy, formulary)
            if basis is not None:
                found.append(
                    AllergyMatch(
                        drug_code=drug.code,
                        drug_name=drug.name_vi,
                        allergy_id=allergy.id,
                        substance=allergy.substance,
                        reaction=allergy.reaction,
                        severity=allergy.severity,
                        basis=basis[0],
                        detail=basis[1],
                    )
                )
    return found


@dataclass(frozen=True)
class PrescribedDrug:
    """A drug already prescribed in the encounter (from a prescription or a medication order)."""

    code: str
    name: str


def _duplicate(
    drug: DrugEntry, other: DrugEntry | None, code: str, name: str, where: str
) -> DuplicateMatch | None:
    if drug.code == code:
        return DuplicateMatch(drug.code, drug.name_vi, code, name, "same_drug", "", where)
    if other is None:
        return None
    theirs = active_ingredients(other)
    for key, ingredient in active_ingredients(drug).items():
        if any(_same_substance(key, their) for their in theirs):
            return DuplicateMatch(
                drug.code, drug.name_vi, code, name, "same_ingredient", ingredient, where
            )
    return None


def duplicate_matches(
    drugs_prescribed: Sequence[DrugEntry],
    already: Iterable[PrescribedDrug],
    formulary: Mapping[str, DrugEntry],
) -> list[DuplicateMatch]:
    """Drugs of this prescription that repeat one another, or repeat one already prescribed
    in the encounter (each pair reported once)."""
    found = []
    for position, drug in enumerate(drugs_prescribed):
        for earlier in drugs_prescribed[:position]:
            match = _duplicate(drug, earlier, earlier.code, earlier.name_vi, "prescription")
            if match is not None:
                found.append(match)
    for previous in already:
        for drug in drugs_prescribed:
            match = _duplicate(
                drug, formulary.get(previous.code), previous.code, previous.name, "encounter"
            )
            if match is not None:
                found.append(match)
    return found


def _active_allergies(uow: UnitOfWork, patient_id: str) -> list[Allergy]:
    survivor = resolve_patient_id(uow, patient_id)
    return [a for pid in linked_ids(uow, survivor) for a in uow.find(Allergy, patient_id=pid)]


def _prescribed_in(uow: UnitOfWork, encounter_id: str | None) -> list[PrescribedDrug]:
    """Drugs on the encounter's prescriptions and medication orders still in force (those
    amended or marked entered in error are left out)."""
    if encounter_id is None:
        return []
    rows = uow.conn.exec_driver_sql(
        "SELECT id, kind, body, corrects, correction FROM clinical_event "
        "WHERE encounter_id = ? AND kind IN (?, ?) ORDER BY effective_at, pk",
        (encounter_id, Prescription.KIND, MedicationOrder.KIND),
    ).fetchall()
    superseded: set[str] = set()
    for event_id, _kind, _body, corrects, correction in rows:
        if corrects is not None:
            superseded.add(corrects)
            if correction == Correction.ENTERED_IN_ERROR:
                superseded.add(event_id)
    drugs: list[PrescribedDrug] = []
    for event_id, kind, body, _corrects, _correction in rows:
        if event_id in superseded:
            continue
        content = json.loads(body)
        if kind == Prescription.KIND:
            drugs.extend(PrescribedDrug(i["drug_code"], i["drug_name"]) for i in content["items"])
        else:
            drugs.append(PrescribedDrug(content["drug_code"], content["drug_name"]))
    return drugs


def _catalog_drug(formulary: Mapping[str, DrugEntry], code: str, field: str) -> DrugEntry:
    drug = formulary.get(code)
    if drug is None:
        raise ValidationError(
            field,
            "catalog",
            f"Mã thuốc {code!r} không có trong danh mục thuốc",
            f"Drug code {code!r} is not in the formulary",
        )
    return drug


def _review(
    uow: UnitOfWork, patient_id: str, encounter_id: str | None, drug_codes: Sequence[str]
) -> PrescriptionReview:
    formulary = catalogs.drug_entries(uow)
    drugs = [_catalog_drug(formulary, code, f"items[{n}]") for n, code in enumerate(drug_codes)]
    return PrescriptionReview(
        allergies=tuple(allergy_matches(drugs, _active_allergies(uow, patient_id), formulary)),
        duplicates=tuple(duplicate_matches(drugs, _prescribed_in(uow, encounter_id), formulary)),
    )


def review_prescription(
    store: Store,
    session: Session,
    *,
    patient_id: str,
    encounter_id: str | None,
    drug_codes: Sequence[str],
) -> PrescriptionReview:
    """The allergy and duplicate warnings for a prescription of `drug_codes`."""
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        return _review(uow, patient_id, encounter_id, drug_codes)


# ------------------------------------------------------------------ prescribing


@dataclass(frozen=True)
class ItemRequest:
    """One drug as the prescriber entered it."""

    drug_code: str
    #: Units (the drug's dispensing unit: viên, gói, ống…) per dose.
    dose: Decimal
    times_per_day: int
    days: int
    #: A `DrugRoute` value; None: the drug's usual route.
    route: str | None = None
    #: "sau ăn", "trước khi ngủ"…
    instructions: str = ""
    #: Units to dispense; None: computed (`dispense_quantity`).
    quantity: Decimal | None = None


def _item(drug: DrugEntry, request: ItemRequest, field: str) -> PrescriptionItem:
    try:
        computed = dispense_quantity(request.dose, request.times_per_day, request.days)
    except ValidationError as error:
        raise ValidationError(
            f"{field}.{error.field}",
            error.rule,
            error.message_vi.removeprefix(f"{error.field}: "),
            error.message_en.removeprefix(f"{error.field}: "),
        ) from None
    route = request.route or drug.route.value
    return PrescriptionItem(
        drug_code=drug.code,
        drug_name=drug.name_vi,
        dosage=dosage_text(
            route=route,
            dose=request.dose,
            unit=drug.unit,
            times_per_day=request.times_per_day,
            instructions=request.instructions,
        ),
        quantity=computed if request.quantity is None else request.quantity,
        unit=drug.unit,
        days=request.days,
        route=route,
    )


def prescribe(
    store: Store,
    session: Session,
    *,
    patient_id: str,
    encounter_id: str | None,
    items: Sequence[ItemRequest],
    diagnosis_codes: Sequence[str] = (),
    advice: str | None = None,
    allergy_acknowledged: bool = False,
    sign_password: str | None = None,
    prescription_type: str = "c",
) -> ClinicalEvent:
    """Save a prescription (a draft, or signed at once with the prescriber's password).

    Each prescription gets a new national e-prescription code of the facility
    (`core.eprescription`; `prescription_type` c, n or h), printed on it with its QR code.

    Refuses (`ValidationError` on field "allergy") while an allergy warning stands
    unacknowledged; an acknowledged one is recorded in the audit log with the prescription.
    """
    session.require(Permission.PRESCRIPTION_WRITE)
    if sign_password is not None:
        session.require(Permission.PRESCRIPTION_SIGN)
    with store.unit_of_work(user_id=session.user_id) as uow:
        formulary = catalogs.drug_entries(uow)
        drugs = [
            _catalog_drug(formulary, item.drug_code, f"items[{n}]") for n, item in enumerate(items)
        ]
        review = _review(uow, patient_id, encounter_id, [d.code for d in drugs])
        facility_code = uow.get(Facility, session.facility_id).code
    body = Prescription(
        items=tuple(
            _item(drug, item, f"items[{n}]")
            for n, (drug, item) in enumerate(zip(drugs, items, strict=True))
        ),
        diagnosis_codes=tuple(diagnosis_codes),
        advice=" ".join((advice or "").split()) or None,
        code=new_prescription_code(facility_code, prescription_type),
    )
    if review.allergies and not allergy_acknowledged:
        names = ", ".join(sorted({m.drug_name for m in review.allergies}))
        raise ValidationError(
            "allergy",
            "acknowledge",
            f"Bệnh nhân dị ứng với thuốc trong đơn ({names}): xác nhận cảnh báo trước khi lưu",
            f"The patient is allergic to a drug of the prescription ({names}): "
            "acknowledge the warning before saving",
        )
    event = clinical.record_event(
        store,
        session,
        patient_id=patient_id,
        body=body,
        encounter_id=encounter_id,
        sign_password=sign_password,
    )
    if review.allergies:
        with store.unit_of_work(user_id=session.user_id) as uow:
            uow.audit(
                "prescription.allergy_override",
                target_kind=event.kind,
                target_id=event.id,
                patient_id=event.patient_id,
                detail={
                    "drugs": sorted({m.drug_code for m in review.allergies}),
                    "allergies": sorted({m.allergy_id for m in review.allergies}),
                },
            )
            uow.commit()
    # Signed: queued for the national e-prescription system when this PC sends there (a crash
    # before this line is caught up by the sender's sweep, `eprescribing.PortalQueue`).
    eprescribing.enqueue_signed(store, event)
    return event
