"""The chart's Exchange menu: the chart as a FHIR Bundle or as the MoH `HoSoBenhAn` record,
the BHYT claim (QĐ 130) of a finished encounter, and another facility's FHIR Bundle imported
into the chart.

Composed as the CLI composes them (`cli.commands.export_fhir`, `cli.hsba`, `cli.claims`,
`cli.fhir_import`): the services read the chart, check the permissions, audit and write the
file whole or not at all; the pure mappings of `interop` turn the chart into bytes (or the
file into records). The services may not import `interop`, so the mapping is handed in here.

Everything that touches the store or a file — reading the Bundle, mapping, writing — runs on
the database worker (the functions of the first section); the widgets only ask where, show
what comes back, and never wait.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from emr_desktop.core.documents import DocumentKind
from emr_desktop.core.errors import AuthenticationError, ValidationError
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.core.records import EncounterStatus, Patient
from emr_desktop.core.timeutil import to_local, utc_now
from emr_desktop.interop.claim130 import claim_envelope
from emr_desktop.interop.fhir import chart_bundle_json
from emr_desktop.interop.fhir_import import ParsedBundle, read_bundle
from emr_desktop.interop.hsba import Rendering
from emr_desktop.services import documents, fhir_import
from emr_desktop.services import patients as patient_service
from emr_desktop.services.auth import Session
from emr_desktop.services.chart import Chart, ChartEncounter
from emr_desktop.services.claims import export_claim
from emr_desktop.services.fhir_import import ImportPlan, ImportReport
from emr_desktop.services.hsba import export_medical_record
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.notes import error_label, show_error
from emr_desktop.ui.context import CHART, AppContext
from emr_desktop.ui.labels import label, local_time

#: What the menu does: the chart's three exports, a claim, an import.
FHIR = "fhir"
HSBA_XML = "hsba-xml"
HSBA_JSON = "hsba-json"
CLAIM = "claim"
IMPORT = "import"

_CONTEXT = "Exchange"
#: The chart's exports: key → (file name part, extension, the menu's text).
_CHART_EXPORTS: dict[str, tuple[str, str, object]] = {
    FHIR: ("fhir", ".json", QT_TRANSLATE_NOOP("Exchange", "Export FHIR R4 (JSON)…")),
    HSBA_XML: ("hsba", ".xml", QT_TRANSLATE_NOOP("Exchange", "Export MoH medical record (XML)…")),
    HSBA_JSON: (
        "hsba",
        ".json",
        QT_TRANSLATE_NOOP("Exchange", "Export MoH medical record (JSON)…"),
    ),
}
_FILTERS = {
    ".json": QT_TRANSLATE_NOOP("Exchange", "JSON files (*.json)"),
    ".xml": QT_TRANSLATE_NOOP("Exchange", "XML files (*.xml)"),
}
_BASIS = {
    "cccd": QT_TRANSLATE_NOOP("Exchange", "found by the citizen ID (CCCD)"),
    "bhyt": QT_TRANSLATE_NOOP("Exchange", "found by the health insurance card (BHYT)"),
    None: QT_TRANSLATE_NOOP("Exchange", "this chart, chosen by you (no CCCD or BHYT match)"),
}


def _tr(text: object) -> str:
    return QCoreApplication.translate(_CONTEXT, str(text))


# ---------------------------------------------------------------------- the worker's side
def export_chart(
    store: Store, session: Session, patient_id: str, export: str, destination: Path
) -> int:
    """Write the chart of `patient_id` as `export` (`FHIR`, `HSBA_XML`, `HSBA_JSON`) to
    `destination`, whole or not at all, audited; returns the bytes written (on the worker)."""
    if export == FHIR:
        session.require(Permission.EXPORT)
        kind = DocumentKind.CHART_EXPORT
        extract = documents.chart_extract(store, session, patient_id, kind)
        data = chart_bundle_json(extract).encode("utf-8")
        return documents.export_file(
            store, session, kind, patient_id, data, destination, file_format="fhir+json"
        )
    rendering = Rendering("xml" if export == HSBA_XML else "json")
    return len(
        export_medical_record(store, session, patient_id, rendering, destination=destination)
    )


def export_encounter_claim(
    store: Store, session: Session, encounter_id: str, destination: Path
) -> int:
    """Write the BHYT claim of the finished encounter `encounter_id` to `destination`;
    returns the bytes written. A refused claim writes nothing (on the worker)."""
    return len(export_claim(store, session, encounter_id, claim_envelope, destination))


@dataclass(frozen=True)
class ImportPreview:
    """What importing a Bundle into the chart `patient_id` would do.

    `plan.match` says which chart the Bundle's CCCD or BHYT number found; when it found none,
    the plan is for this chart, named by the user (basis None), with what differs. `chart`
    is the chart the plan is for (None when nothing was found). `elsewhere` is True when the
    Bundle's patient is another chart of this facility: it is not imported into this one.
    """

    parsed: ParsedBundle
    plan: ImportPlan
    patient_id: str
    chart: Patient | None

    @property
    def elsewhere(self) -> bool:
        return self.chart is not None and self.chart.id != self.patient_id

    @property
    def importable(self) -> bool:
        return (
            not self.elsewhere
            and self.chart is not None
            and (self.plan.new + self.plan.updated) > 0
        )


def preview_import(store: Store, session: Session, path: Path, patient_id: str) -> ImportPreview:
    """Read and check the Bundle at `path` and plan its import into the chart `patient_id`
    (on the worker; nothing is written but the "fhir.match" audit rows)."""
    parsed = read_bundle(path)
    plan = fhir_import.plan_import(store, session, parsed)
    if plan.match.patient_id is None:
        plan = fhir_import.plan_import(store, session, parsed, patient_id=patient_id)
    found = plan.match.patient_id
    chart = patient_service.get_patient(store, session, found) if found else None
    return ImportPreview(parsed, plan, patient_id, chart)


def import_previewed(
    store: Store,
    session: Session,
    preview: ImportPreview,
    password: str,
    confirm_mismatch: bool,
) -> ImportReport:
    """Import the previewed Bundle, signed with the user's `password` (on the worker)."""
    # Found by CCCD or BHYT: found again (and so audited); else the chart the user chose.
    chosen = None if preview.plan.match.basis else preview.patient_id
    return fhir_import.import_bundle(
        store,
        session,
        preview.parsed,
        password=password,
        patient_id=chosen,
        confirm_mismatch=confirm_mismatch,
    )


# ---------------------------------------------------------------------- file names
def _safe(mrn: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "", mrn)


def default_export_name(mrn: str, part: str, suffix: str, day: date) -> str:
    """What the save dialog proposes: the record number, the format and the day, never the
    patient's name (a file name is seen in folder listings and on USB sticks)."""
    stem = "-".join(p for p in (_safe(mrn), part, day.strftime("%Y%m%d")) if p)
    return stem + suffix


def _with_suffix(path: Path, suffix: str) -> Path:
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


def _finished(chart: Chart) -> tuple[ChartEncounter, ...]:
    """The chart's finished encounters, newest first (those a claim can be made for)."""
    done = [e for e in chart.encounters if e.status == EncounterStatus.FINISHED]
    return tuple(sorted(done, key=lambda e: e.ended_at or e.started_at, reverse=True))


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# ---------------------------------------------------------------------- the menu
def may_export(ctx: AppContext) -> bool:
    """Whether the user may take the chart's content out of the store (the export permission,
    with those to read the chart and draw its documents, as the services require)."""
    session = ctx.session
    return session is not None and all(
        allows(session.role, p)
        for p in (Permission.EXPORT, Permission.CHART_READ, Permission.PRINT)
    )


def may_import(ctx: AppContext) -> bool:
    """Whether the user may accept another facility's records into a chart (doctors: who may
    sign results from elsewhere; `services.fhir_import`)."""
    session = ctx.session
    return session is not None and all(
        allows(session.role, p) for p in (Permission.RESULT_SIGN, Permission.PATIENT_READ)
    )


class ExchangeButton(QToolButton):
    """The chart's Exchange button: export the chart or a claim, import another facility's
    records. Hidden from roles that may do neither."""

    #: An export was written to this file.
    exported = Signal(object)
    #: A claim was refused (the ValidationError naming the table and field): nothing written.
    refused = Signal(object)
    #: An import's plan is on screen (the dialog).
    planned = Signal(object)
    #: Records were imported (the `ImportReport`).
    imported = Signal(object)

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__()
        self.setObjectName("chart_exchange")
        self._ctx = ctx
        self.patient_id = patient_id
        self.mrn = ""
        self.encounters: tuple[ChartEncounter, ...] = ()
        self.can_export = may_export(ctx)
        self.can_import = may_import(ctx)
        self.busy = False
        self.refusal: QMessageBox | None = None
        self.dialog: ImportDialog | None = None
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.menu_ = QMenu(self)
        self.menu_.setObjectName("chart_exchange_menu")
        self.setMenu(self.menu_)
        if not (self.can_export or self.can_import):
            # Hidden, never shown here: without a parent yet, a shown button is a window.
            self.hide()
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.setText(self.tr("E&xchange"))
        self.setToolTip(self.tr("Export this chart or a claim, import records from elsewhere"))
        self._build_menu()

    def set_chart(self, chart: Chart) -> None:
        """The chart was (re)loaded: its record number and finished encounters."""
        self.patient_id = chart.patient.id
        self.mrn = chart.patient.mrn
        self.encounters = _finished(chart)
        self._build_menu()

    def actions_by_key(self) -> dict[str, object]:
        """The menu's entries by what they do (`FHIR`, …, `IMPORT`; claims as
        ("claim", encounter id)), for tests and for the keyboard tour."""
        found: dict[str, object] = {}
        for action in self.menu_.actions():
            submenu = action.menu()
            inner = submenu.actions() if isinstance(submenu, QMenu) else [action]
            for entry in inner:
                data = entry.data()
                if isinstance(data, str) and data:
                    found[data] = entry
                elif isinstance(data, tuple):
                    found[f"{data[0]}:{data[1]}"] = entry
        return found

    def _build_menu(self) -> None:
        menu = self.menu_
        menu.clear()
        if self.can_export:
            for key, (_part, _suffix, text) in _CHART_EXPORTS.items():
                action = menu.addAction(_tr(text))
                action.setData(key)
                action.triggered.connect(lambda _checked=False, k=key: self.export_chart_as(k))
            claims = menu.addMenu(self.tr("BHYT claim (XML 130)"))
            claims.setObjectName("chart_exchange_claims")
            if not self.encounters:
                claims.addAction(self.tr("No finished encounter")).setEnabled(False)
            for encounter in self.encounters:
                text = self.tr("{date} — {kind}…").format(
                    date=local_time(_moment(encounter.started_at)),
                    kind=label("encounter_kind", encounter.kind),
                )
                action = claims.addAction(text)
                action.setData((CLAIM, encounter.id))
                action.triggered.connect(
                    lambda _checked=False, e=encounter: self.export_claim_of(e)
                )
        if self.can_import:
            if self.can_export:
                menu.addSeparator()
            action = menu.addAction(self.tr("Import FHIR records from another facility…"))
            action.setData(IMPORT)
            action.triggered.connect(lambda _checked=False: self.import_file())

    # ------------------------------------------------------------------ exports
    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.setEnabled(not busy)

    def _ask_destination(self, proposed_name: str, suffix: str) -> Path | None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        # The system's own modal dialog, which only the static function shows everywhere;
        # the chart may have closed meanwhile (the user changed), hence the check.
        path, _filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Export to"),
            str(Path(folder) / proposed_name),
            _tr(_FILTERS[suffix]),
        )
        if not isValid(self) or not path:
            return None
        return _with_suffix(Path(path), suffix)

    def export_chart_as(self, export: str) -> None:
        """Ask where, then write the chart in the format `export` on the worker."""
        if self.busy or not self.can_export:
            return
        part, suffix, _text = _CHART_EXPORTS[export]
        today = to_local(utc_now()).date()
        destination = self._ask_destination(
            default_export_name(self.mrn, part, suffix, today), suffix
        )
        if destination is None:
            return
        self._set_busy(True)
        self._ctx.call(
            export_chart,
            self.patient_id,
            export,
            destination,
            on_done=lambda size: self._exported(destination, size),
            on_error=self._failed,
            owner=self,
        )

    def export_claim_of(self, encounter: ChartEncounter) -> None:
        """Ask where, then build and write the encounter's BHYT claim on the worker."""
        if self.busy or not self.can_export:
            return
        ended = _moment(encounter.ended_at) or _moment(encounter.started_at)
        day = to_local(ended).date() if ended else to_local(utc_now()).date()
        destination = self._ask_destination(
            default_export_name(self.mrn, "bhyt", ".xml", day), ".xml"
        )
        if destination is None:
            return
        self._set_busy(True)
        self._ctx.call(
            export_encounter_claim,
            encounter.id,
            destination,
            on_done=lambda size: self._exported(destination, size),
            on_error=self._claim_failed,
            owner=self,
        )

    def _exported(self, destination: Path, size: int) -> None:
        self._set_busy(False)
        self._ctx.inform(
            self.tr("Exported to {file} ({size} bytes).").format(file=destination.name, size=size)
        )
        self.exported.emit(destination)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self._ctx.report_error(error)

    def _claim_failed(self, error: BaseException) -> None:
        """A claim the rules refuse is told to the clerk in a box of its own (the table and
        field to fix); any other failure goes to the message bar."""
        self._set_busy(False)
        if not isinstance(error, ValidationError):
            self._ctx.report_error(error)
            return
        box = QMessageBox(self)
        box.setObjectName("claim_refused")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("BHYT claim refused"))
        box.setText(self.tr("The claim cannot be made; nothing was written. Fix this first:"))
        box.setInformativeText(i18n.error_text(error))
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.refusal = box
        self.refused.emit(error)

    # ------------------------------------------------------------------ import
    def import_file(self) -> None:
        """Ask which file, then read it and plan its import on the worker."""
        if self.busy or not self.can_import:
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Import a FHIR Bundle"),
            folder,
            self.tr("FHIR Bundle (*.json);;All files (*)"),
        )
        if not isValid(self) or not path:
            return
        self._set_busy(True)
        self._ctx.call(
            preview_import,
            Path(path),
            self.patient_id,
            on_done=self._show_plan,
            on_error=self._failed,
            owner=self,
        )

    def _show_plan(self, preview: ImportPreview) -> None:
        self._set_busy(False)
        dialog = ImportDialog(self._ctx, preview, self)
        dialog.imported.connect(self._imported)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.dialog = dialog
        self.planned.emit(dialog)

    def _imported(self, report: ImportReport) -> None:
        survivor = report.plan.match.patient_id or self.patient_id
        count = report.plan.new + report.plan.updated
        self._ctx.inform(self.tr("Imported {count} records into the chart.").format(count=count))
        self._ctx.data_changed.emit(CHART, survivor)
        self.imported.emit(report)


class ImportDialog(QDialog):
    """An import's plan: where the file comes from, whose chart it goes to and how that was
    decided, what differs, how many records of each type; the doctor's password signs it."""

    imported = Signal(object)

    def __init__(self, ctx: AppContext, preview: ImportPreview, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("import_dialog")
        self._ctx = ctx
        self.preview = preview
        self.busy = False
        self._labels = [QLabel() for _ in range(6)]
        self._values = [QLabel() for _ in range(6)]
        for value in self._values:
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        (
            self.source,
            self.patient,
            self.chart,
            self.differences,
            self.records,
            self.types,
        ) = self._values
        self.notice = QLabel()
        self.notice.setObjectName("import_notice")
        self.notice.setWordWrap(True)
        self.confirm = QCheckBox()
        self.confirm.setObjectName("import_confirm")
        self.password = QLineEdit()
        self.password.setObjectName("import_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self._password_label = QLabel()
        self._password_label.setBuddy(self.password)
        self.error = error_label()
        self.error.setObjectName("import_error")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = QPushButton()
        self.import_button.setObjectName("import_start")
        self.import_button.setDefault(True)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        form = QFormLayout()
        for name, value in zip(self._labels, self._values, strict=True):
            form.addRow(name, value)
        form.addRow(self._password_label, self.password)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.notice)
        layout.addWidget(self.confirm)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        mismatches = bool(preview.plan.match.mismatches) and preview.importable
        self.confirm.setVisible(mismatches)
        self.differences.setVisible(bool(preview.plan.match.mismatches))
        self._labels[3].setVisible(bool(preview.plan.match.mismatches))
        for widget in (self.password, self._password_label):
            widget.setVisible(preview.importable)
        self.buttons.rejected.connect(self.reject)
        self.import_button.clicked.connect(self.start_import)
        self.password.returnPressed.connect(self.start_import)
        self.confirm.toggled.connect(lambda _on: self._enable())
        self.password.textChanged.connect(lambda _text: self._enable())
        ctx.session_changed.connect(lambda _session: self.close())
        ctx.locked_changed.connect(lambda locked: self.setVisible(not locked))
        self.resize(640, 0)
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Import records from another facility"))
        names = (
            self.tr("From:"),
            self.tr("Patient in the file:"),
            self.tr("Into the chart:"),
            self.tr("Differences:"),
            self.tr("Records:"),
            self.tr("By type:"),
        )
        for widget, text in zip(self._labels, names, strict=True):
            widget.setText(text)
        self._password_label.setText(self.tr("Your &password (signs the import):"))
        self.import_button.setText(self.tr("&Import"))
        self.confirm.setText(
            self.tr("I have checked: the file is this patient's despite the differences")
        )
        self._fill()
        self._enable()

    def _fill(self) -> None:
        preview = self.preview
        parsed, plan = preview.parsed, preview.plan
        source = parsed.source
        when = local_time(parsed.timestamp) or "?"
        code = f" ({source.facility_code})" if source.facility_code else ""
        self.source.setText(
            self.tr("{name}{code}, sent {when}").format(name=source.name, code=code, when=when)
        )
        person = parsed.patient
        ids = [
            f"CCCD {person.cccd}" if person.cccd else "",
            f"BHYT {person.bhyt}" if person.bhyt else "",
        ]
        self.patient.setText(
            "  ".join(
                p
                for p in (
                    person.name or "?",
                    _birth_text(person.birth_date),
                    label("sex", person.sex),
                    *ids,
                )
                if p
            )
        )
        chart = preview.chart
        if chart is None:
            self.chart.setText(self.tr("none found"))
        else:
            basis = _tr(_BASIS.get(plan.match.basis, _BASIS[None]))
            self.chart.setText(f"{chart.mrn}  {chart.full_name}  ({basis})")
        self.differences.setText("\n".join(i18n.pick(m.vi, m.en) for m in plan.match.mismatches))
        self.records.setText(
            self.tr(
                "{new} new, {updated} updated at the source, {unchanged} already in the chart"
            ).format(new=plan.new, updated=plan.updated, unchanged=plan.unchanged)
        )
        types = [f"{kind}: {count}" for kind, count in plan.by_type.items()]
        if parsed.skipped:
            skipped = ", ".join(f"{kind} ×{count}" for kind, count in parsed.skipped)
            types.append(self.tr("not imported: {types}").format(types=skipped))
        self.types.setText("\n".join(types))
        if preview.elsewhere and chart is not None:
            notice = self.tr(
                "The file's patient is another chart ({mrn}): open that chart to import it."
            ).format(mrn=chart.mrn)
        elif chart is None:
            notice = self.tr("No chart to import into.")
        elif not preview.importable:
            notice = self.tr("Everything in this file is already in the chart.")
        else:
            notice = self.tr(
                "The records are kept read-only, with their source, signed by you as imported."
            )
        self.notice.setText(notice)

    def _enable(self) -> None:
        preview = self.preview
        ready = (
            preview.importable
            and bool(self.password.text())
            and (self.confirm.isChecked() or not preview.plan.match.mismatches)
        )
        self.import_button.setEnabled(ready and not self.busy)
        self.password.setEnabled(not self.busy)
        self.confirm.setEnabled(not self.busy)

    def start_import(self) -> None:
        """Import on the worker, signed with the password typed."""
        if not self.import_button.isEnabled():
            return
        self.busy = True
        show_error(self.error, "")
        self._enable()
        self._ctx.call(
            import_previewed,
            self.preview,
            self.password.text(),
            self.confirm.isChecked(),
            on_done=self._done,
            on_error=self._failed,
            owner=self,
        )

    def _done(self, report: ImportReport) -> None:
        self.busy = False
        self.password.clear()
        self.imported.emit(report)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        """Refused (a wrong password above all): nothing was imported; say why, try again."""
        self.busy = False
        self.password.clear()
        show_error(self.error, i18n.error_text(error, with_field=False))
        self._enable()
        self.password.setFocus()
        if not isinstance(error, AuthenticationError | ValidationError):
            self._ctx.report_error(error)


def _birth_text(value: str | None) -> str:
    """A FHIR birth date (yyyy, yyyy-mm or yyyy-mm-dd) as staff write it."""
    if not value:
        return ""
    parts = value.split("-")
    return "/".join(reversed(parts))
