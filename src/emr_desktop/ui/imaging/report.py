"""The report of the study on screen, and key images kept with the chart.

`ReportPanel` lists the current reports of the study chosen in the imaging tab (signed or
draft, who answers for them, when) and, for doctors — who may write and sign results — the
form to write one: "Mô tả" (findings) and "Kết luận" (conclusion), saved as a draft or
signed with the password in the chart's inline signature panel. A report answers the order
the study is linked to; a study linked to none offers the patient's open imaging orders, or
a service of the catalogue for images ordered elsewhere. A study has one report per order:
a report already written is edited (the author's own draft) or amended (a new version, with
its reason), never written twice.

`save_key_image` keeps a picture from the viewer with the chart, as a PNG attachment.
Everything that reads or writes the store runs on the database worker.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QImageWriter
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.core.errors import AuthenticationError, PermissionDenied, ValidationError
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.core.records import (
    ClinicalEvent,
    EventStatus,
    ImagingReport,
    ImagingStudy,
    Order,
)
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.services import chart as chart_service
from emr_desktop.services import imaging
from emr_desktop.services.chart import FacilityDirectory
from emr_desktop.services.imaging import ReportOptions
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.notes import (
    DRAFT_COLOUR,
    SignaturePanel,
    error_label,
    records_table,
    selected_row,
    show_error,
)
from emr_desktop.ui.context import CHART, AppContext
from emr_desktop.ui.labels import local_time

_ROOT = QModelIndex()

_HEADERS = (
    QT_TRANSLATE_NOOP("ImagingReportsModel", "Time"),
    QT_TRANSLATE_NOOP("ImagingReportsModel", "Conclusion"),
    QT_TRANSLATE_NOOP("ImagingReportsModel", "Status"),
)
REPORT_TIME, REPORT_CONCLUSION, REPORT_STATUS = range(len(_HEADERS))


def may_write_reports(ctx: AppContext) -> bool:
    """Whether the logged-in user writes imaging reports: whoever may write and sign results
    (doctors; nurses record bedside results, they do not read images)."""
    session = ctx.session
    return (
        session is not None
        and allows(session.role, Permission.RESULT_WRITE)
        and allows(session.role, Permission.RESULT_SIGN)
    )


def may_keep_key_images(ctx: AppContext) -> bool:
    """Whether the logged-in user may keep a key image with the chart (`note.write`)."""
    session = ctx.session
    return (
        session is not None
        and allows(session.role, Permission.CHART_READ)
        and allows(session.role, Permission.NOTE_WRITE)
    )


def _report(event: ClinicalEvent) -> ImagingReport:
    assert isinstance(event.body, ImagingReport)
    return event.body


def _order_text(order: ClinicalEvent) -> str:
    """An imaging order as staff know it: what was ordered, and when."""
    assert isinstance(order.body, Order)
    return f"{order.body.service_name} — {local_time(order.effective_at)}"


class ImagingReportsModel(QAbstractTableModel):
    """The study's current reports, newest first."""

    def __init__(self) -> None:
        super().__init__()
        self._reports: list[ClinicalEvent] = []
        self.directory: FacilityDirectory | None = None

    def set_reports(self, reports: list[ClinicalEvent]) -> None:
        self.beginResetModel()
        self._reports = sorted(reports, key=lambda e: (e.effective_at, e.created_at))[::-1]
        self.endResetModel()

    def set_directory(self, directory: FacilityDirectory) -> None:
        self.directory = directory
        self.refresh()

    def refresh(self) -> None:
        """Names or language changed: every cell is drawn again."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(_HEADERS) - 1)
        if self._reports:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._reports) - 1, len(_HEADERS) - 1)
            )

    def report_at(self, row: int) -> ClinicalEvent:
        return self._reports[row]

    def row_of(self, event_id: str) -> int:
        """The row of a report, or -1."""
        return next((i for i, e in enumerate(self._reports) if e.id == event_id), -1)

    def _name(self, user_id: str | None) -> str:
        return self.directory.staff_name(user_id) if self.directory is not None else ""

    def status_text(self, event: ClinicalEvent) -> str:
        """Who answers for the report: "Signed by X, at", or "Draft by X"."""
        if event.status == EventStatus.SIGNED:
            text = QCoreApplication.translate(
                "ImagingReportsModel", "Signed by {signer}, {time}"
            ).format(signer=self._name(event.signed_by), time=local_time(event.signed_at))
        else:
            text = QCoreApplication.translate("ImagingReportsModel", "Draft by {author}").format(
                author=self._name(event.created_by)
            )
        if event.correction == "amends":
            text = QCoreApplication.translate("ImagingReportsModel", "{status} (amended)").format(
                status=text
            )
        return text

    def _cell(self, event: ClinicalEvent, column: int) -> str:
        if column == REPORT_TIME:
            return local_time(event.effective_at)
        if column == REPORT_CONCLUSION:
            return " ".join(_report(event).conclusion.split())
        return self.status_text(event)

    # ------------------------------------------------------------------ Qt model
    def rowCount(  # noqa: N802 - Qt name
        self, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> int:
        return 0 if parent.isValid() else len(self._reports)

    def columnCount(  # noqa: N802 - Qt name
        self, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> int:
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(  # noqa: N802 - Qt name
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(_HEADERS)
        ):
            return QCoreApplication.translate("ImagingReportsModel", str(_HEADERS[section]))
        return None

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._reports):
            return None
        event = self._reports[index.row()]
        draft = event.status == EventStatus.DRAFT
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._cell(event, index.column())
        if role == Qt.ItemDataRole.ForegroundRole and draft:
            return QBrush(QColor(DRAFT_COLOUR))
        if role == Qt.ItemDataRole.FontRole and draft:
            font = QFont()
            font.setItalic(True)
            return font
        return None


class ReportPanel(QWidget):
    """The reports of one study of the patient, and (for doctors) the form to write one."""

    #: A report was saved (its event id); the chart has been told it changed.
    report_saved = Signal(str)

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__()
        self.setObjectName("imaging_report_panel")
        self._ctx = ctx
        self.patient_id = patient_id
        self.study: ImagingStudy | None = None
        self.options: ReportOptions | None = None
        #: The report the form changes (the author's draft, or one to amend); None: a new one.
        self.changing: ClinicalEvent | None = None
        #: What the report being changed answers (order id or "", service code), to choose
        #: once the choices are known.
        self._preferred: tuple[str, str] | None = None
        self._directory_requested = False

        self.heading = QLabel()
        self.heading.setObjectName("report_heading")
        self.heading.setWordWrap(True)
        bold = QFont(self.heading.font())
        bold.setBold(True)
        self.heading.setFont(bold)
        self.notice = QLabel()
        self.notice.setObjectName("report_notice")
        self.notice.setWordWrap(True)
        self.load_error = error_label()
        self.load_error.setObjectName("report_load_error")

        self.model = ImagingReportsModel()
        self.table = records_table(self.model, "reports_table", stretch=REPORT_CONCLUSION)
        self.table.horizontalHeader().resizeSection(REPORT_TIME, 120)
        self.table.setMaximumHeight(130)
        self.viewer = QPlainTextEdit()
        self.viewer.setObjectName("report_viewer")
        self.viewer.setReadOnly(True)
        self.change_button = QPushButton()
        self.change_button.setObjectName("report_change")
        change_row = QHBoxLayout()
        change_row.addStretch(1)
        change_row.addWidget(self.change_button)

        # The form.
        self.form_title = QLabel()
        self.form_title.setObjectName("report_form_title")
        self.form_title.setFont(bold)
        self.order_text = QLabel()
        self.order_text.setObjectName("report_order")
        self.order_text.setWordWrap(True)
        self.order_choice = QComboBox()
        self.order_choice.setObjectName("report_order_choice")
        self.service_choice = QComboBox()
        self.service_choice.setObjectName("report_service_choice")
        self.findings = QPlainTextEdit()
        self.findings.setObjectName("report_findings")
        self.findings.setTabChangesFocus(True)
        self.conclusion = QPlainTextEdit()
        self.conclusion.setObjectName("report_conclusion")
        self.conclusion.setTabChangesFocus(True)
        self.conclusion.setMaximumHeight(90)
        self.reason = QLineEdit()
        self.reason.setObjectName("report_reason")
        self.reason.setMaxLength(1000)
        self.form_error = error_label()
        self.form_error.setObjectName("report_error")
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("report_cancel")
        self.save_draft = QPushButton()
        self.save_draft.setObjectName("report_save_draft")
        self.sign_button = QPushButton()
        self.sign_button.setObjectName("report_sign")
        self._order_label = QLabel()
        self._order_label.setBuddy(self.order_choice)
        self._service_label = QLabel()
        self._service_label.setBuddy(self.service_choice)
        self._findings_label = QLabel()
        self._findings_label.setBuddy(self.findings)
        self._conclusion_label = QLabel()
        self._conclusion_label.setBuddy(self.conclusion)
        self._reason_label = QLabel()
        self._reason_label.setBuddy(self.reason)
        choices = QFormLayout()
        choices.addRow(self._order_label, self.order_choice)
        choices.addRow(self._service_label, self.service_choice)
        choices.addRow(self._reason_label, self.reason)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_draft)
        buttons.addWidget(self.sign_button)
        self.form = QWidget()
        self.form.setObjectName("report_form")
        form_layout = QVBoxLayout(self.form)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.addWidget(self.form_title)
        form_layout.addWidget(self.order_text)
        form_layout.addLayout(choices)
        form_layout.addWidget(self._findings_label)
        form_layout.addWidget(self.findings, 2)
        form_layout.addWidget(self._conclusion_label)
        form_layout.addWidget(self.conclusion, 1)
        form_layout.addWidget(self.form_error)
        form_layout.addLayout(buttons)
        self.signature = SignaturePanel()

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.notice)
        layout.addWidget(self.load_error)
        layout.addWidget(self.table)
        layout.addWidget(self.viewer, 1)
        layout.addLayout(change_row)
        layout.addWidget(self.form, 2)
        layout.addWidget(self.signature)

        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.change_button.clicked.connect(self.change_selected)
        self.cancel_button.clicked.connect(self.new_report)
        self.save_draft.clicked.connect(lambda: self.save(sign=False))
        self.sign_button.clicked.connect(lambda: self.save(sign=True))
        self.order_choice.currentIndexChanged.connect(self._show_choices)
        self.signature.confirmed.connect(self._on_signature_confirmed)
        i18n.watch_language(self, self.retranslate)

    # ------------------------------------------------------------------ language
    def retranslate(self) -> None:
        self._order_label.setText(self.tr("&Order:"))
        self._service_label.setText(self.tr("Ser&vice:"))
        self._findings_label.setText(self.tr("&Findings:"))
        self._conclusion_label.setText(self.tr("Co&nclusion:"))
        self._reason_label.setText(self.tr("&Reason for the amendment:"))
        self.findings.setPlaceholderText(self.tr("What the images show…"))
        self.conclusion.setPlaceholderText(self.tr("What it means for the patient…"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.save_draft.setText(self.tr("Save &draft"))
        self.sign_button.setText(self.tr("&Sign…"))
        self.notice.setText(self.tr("Your role may read imaging reports but not write them."))
        self._fill_choices()
        self.model.refresh()
        self._show_state()

    # ------------------------------------------------------------------ the study
    def set_study(self, study: ImagingStudy | None) -> None:
        """Show the reports of `study` (None: no study chosen). The same study again (the
        chart was reloaded) refreshes the list and keeps what is being typed."""
        same = (
            study is not None
            and self.study is not None
            and study.study_instance_uid == self.study.study_instance_uid
        )
        self.study = study
        if not same:
            self.options = None
            self.model.set_reports([])
            self.signature.close_panel()
            self._clear_form()
        show_error(self.load_error, "")
        if study is not None:
            self._load(study.study_instance_uid)
        self._fill_choices()
        self._show_state()

    def may_write(self) -> bool:
        return may_write_reports(self._ctx)

    def reload(self) -> None:
        """Read the study's reports again."""
        if self.study is not None:
            self._load(self.study.study_instance_uid)

    def _load(self, uid: str) -> None:
        self._ctx.call(
            imaging.reports_of_study,
            uid,
            on_done=lambda reports: self._on_reports(uid, reports),
            on_error=lambda error: self._on_load_failed(uid, error),
            owner=self,
        )
        if self.may_write():
            self._ctx.call(
                imaging.report_options,
                uid,
                on_done=lambda options: self._on_options(uid, options),
                on_error=lambda error: self._on_load_failed(uid, error),
                owner=self,
            )
        if self.model.directory is None and not self._directory_requested:
            self._directory_requested = True
            self._ctx.call(
                chart_service.facility_directory,
                on_done=self.model.set_directory,
                on_error=self._on_directory_failed,
                owner=self,
            )

    def _is_current(self, uid: str) -> bool:
        return self.study is not None and self.study.study_instance_uid == uid

    def _on_reports(self, uid: str, reports: list[ClinicalEvent]) -> None:
        if not self._is_current(uid):
            return
        selected = self._selected()
        self.model.set_reports(reports)
        row = self.model.row_of(selected.id) if selected is not None else -1
        if row < 0 and reports:
            row = 0  # the newest, to read at once
        if row >= 0:
            self.table.selectRow(row)
        if self.changing is not None:
            # Still a current report? (Another PC may have amended it meanwhile.)
            self.changing = next((r for r in reports if r.id == self.changing.id), None)
        elif self.may_write() and self._form_is_empty():
            own = [r for r in reports if self._is_own_draft(r)]
            if own:
                self._start_change(own[-1])
        self._show_state()

    def _on_options(self, uid: str, options: ReportOptions) -> None:
        if not self._is_current(uid):
            return
        self.options = options
        self._fill_choices()
        self._show_state()

    def _on_load_failed(self, uid: str, error: BaseException) -> None:
        if self._is_current(uid):
            show_error(self.load_error, i18n.error_text(error))

    def _on_directory_failed(self, _error: BaseException) -> None:
        # Without it the list only lacks the names; try again with the next study.
        self._directory_requested = False

    # ------------------------------------------------------------------ showing
    def _selected(self) -> ClinicalEvent | None:
        row = selected_row(self.table)
        return self.model.report_at(row) if row >= 0 else None

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_state()

    def _is_own_draft(self, event: ClinicalEvent) -> bool:
        session = self._ctx.session
        return (
            event.status == EventStatus.DRAFT
            and session is not None
            and event.created_by == session.user_id
        )

    def _show_state(self) -> None:
        writer = self.may_write()
        has_study = self.study is not None
        if not has_study:
            self.heading.setText(self.tr("Choose a study to read or write its report."))
        elif self.model.rowCount() == 0:
            self.heading.setText(self.tr("No report of this study yet."))
        else:
            self.heading.setText(self.tr("Reports of this study"))
        self.notice.setVisible(has_study and not writer)
        self.table.setVisible(has_study)
        chosen = self._selected()
        if chosen is None:
            self.viewer.setPlainText("")
        else:
            body = _report(chosen)
            self.viewer.setPlainText(
                "\n".join(
                    (
                        self.model.status_text(chosen),
                        "",
                        self.tr("Findings:"),
                        body.findings,
                        "",
                        self.tr("Conclusion:"),
                        body.conclusion,
                    )
                )
            )
        self.viewer.setVisible(has_study)
        self.change_button.setVisible(has_study and writer)
        self.change_button.setEnabled(chosen is not None and chosen.id != self._changing_id())
        self.change_button.setText(
            self.tr("&Edit draft")
            if chosen is not None and self._is_own_draft(chosen)
            else self.tr("&Amend…")
        )
        self.form.setVisible(has_study and writer)
        amending = self._amending()
        self.reason.setVisible(amending)
        self._reason_label.setVisible(amending)
        self.cancel_button.setVisible(self.changing is not None)
        if self.changing is None:
            self.form_title.setText(self.tr("New report"))
        elif amending:
            self.form_title.setText(self.tr("Amend the report (the original is kept)"))
        else:
            self.form_title.setText(self.tr("Edit the draft report"))

    def _amending(self) -> bool:
        """The form amends a report (a signed one, or another's draft): a reason is due."""
        return self.changing is not None and not self._is_own_draft(self.changing)

    def _changing_id(self) -> str | None:
        return self.changing.id if self.changing is not None else None

    def _fill_choices(self) -> None:
        """The order the report answers: the study's, or one to choose (or none, then a
        service of the catalogue)."""
        options = self.options
        linked = options.order if options is not None else None
        if linked is not None:
            self.order_text.setText(
                self.tr("Answers the order: {order}").format(order=_order_text(linked))
            )
        else:
            self.order_text.setText("")
        self.order_text.setVisible(linked is not None)
        wanted_order = self.order_choice.currentData()
        wanted_service = self.service_choice.currentData()
        if self._preferred is not None and options is not None:
            wanted_order, wanted_service = self._preferred
            self._preferred = None
        self.order_choice.blockSignals(True)
        self.order_choice.clear()
        self.service_choice.clear()
        if options is not None and linked is None:
            for order in options.open_orders:
                self.order_choice.addItem(_order_text(order), order.id)
            self.order_choice.addItem(self.tr("No order here (images ordered elsewhere)"), "")
            for entry in options.services:
                name = i18n.pick(entry.name_vi, entry.name_en)
                self.service_choice.addItem(f"{entry.code} — {name}", entry.code)
        self.order_choice.setCurrentIndex(max(self.order_choice.findData(wanted_order), 0))
        self.service_choice.setCurrentIndex(max(self.service_choice.findData(wanted_service), 0))
        self.order_choice.blockSignals(False)
        self._show_choices()

    def _show_choices(self) -> None:
        choosing = self.order_choice.count() > 0
        self.order_choice.setVisible(choosing)
        self._order_label.setVisible(choosing)
        no_order = choosing and not self.order_choice.currentData()
        self.service_choice.setVisible(no_order)
        self._service_label.setVisible(no_order)

    # ------------------------------------------------------------------ the form
    def _form_is_empty(self) -> bool:
        return not (self.findings.toPlainText().strip() or self.conclusion.toPlainText().strip())

    def _clear_form(self) -> None:
        self.changing = None
        self._preferred = None
        self.findings.clear()
        self.conclusion.clear()
        self.reason.clear()
        show_error(self.form_error, "")
        self._set_busy(False)

    def new_report(self) -> None:
        """Leave the report being changed: the form is for a new report again."""
        self.signature.close_panel()
        self._clear_form()
        self._show_state()

    def change_selected(self) -> None:
        """Change the selected report: the author's draft is edited, any other is amended."""
        chosen = self._selected()
        if chosen is not None and self.may_write():
            self.signature.close_panel()
            self._start_change(chosen)
            self._show_state()
            (self.findings if self._is_own_draft(chosen) else self.reason).setFocus()

    def _start_change(self, event: ClinicalEvent) -> None:
        body = _report(event)
        self.changing = event
        self._preferred = (body.order_id or "", body.service_code)
        if self.options is not None:
            self._fill_choices()
        self.findings.setPlainText(body.findings)
        self.conclusion.setPlainText(body.conclusion)
        self.reason.clear()
        show_error(self.form_error, "")

    def _set_busy(self, busy: bool) -> None:
        for button in (self.save_draft, self.sign_button, self.cancel_button):
            button.setEnabled(not busy)

    def save(self, *, sign: bool) -> None:
        """Save the report in the form: as a draft, or signed after the password."""
        if self.study is None or not self.may_write():
            return
        try:
            imaging.check_report_text(self.findings.toPlainText(), self.conclusion.toPlainText())
        except ValidationError as error:
            self._field_error(error)
            return
        if self._amending() and not self.reason.text().strip():
            show_error(
                self.form_error,
                self.tr("Reason for the amendment: say why the signed report is corrected."),
            )
            self.reason.setFocus()
            return
        show_error(self.form_error, "")
        if sign:
            self.signature.ask(
                self.tr(
                    "Sign this imaging report: once signed it can no longer be changed, "
                    "only amended."
                ),
                self.tr("Sign report"),
            )
            return
        self._set_busy(True)
        self._submit(None)

    def _on_signature_confirmed(self, password: str, _reason: str) -> None:
        self._set_busy(True)
        self._submit(password)

    def _submit(self, password: str | None) -> None:
        assert self.study is not None
        choosing = self.order_choice.count() > 0
        order_id = str(self.order_choice.currentData() or "") if choosing else ""
        service = str(self.service_choice.currentData() or "") if choosing else ""
        self._ctx.call(
            imaging.write_report,
            study_uid=self.study.study_instance_uid,
            findings=self.findings.toPlainText(),
            conclusion=self.conclusion.toPlainText(),
            order_id=order_id or None,
            service_code=service if not order_id and service else None,
            amends=self._changing_id(),
            reason=self.reason.text().strip() or None,
            sign_password=password,
            on_done=self._on_saved,
            on_error=self._on_save_failed if password is None else self._on_sign_failed,
            owner=self,
        )

    def _on_saved(self, event: ClinicalEvent) -> None:
        self.signature.close_panel()
        self._clear_form()
        self._show_state()
        self.reload()
        self._ctx.data_changed.emit(CHART, self.patient_id)
        self.report_saved.emit(event.id)

    def _on_sign_failed(self, error: BaseException) -> None:
        """A wrong password keeps the signature panel open; anything else is the form's."""
        if isinstance(error, AuthenticationError | PermissionDenied):
            self.signature.fail(i18n.error_text(error))
            return
        self.signature.close_panel()
        self._on_save_failed(error)

    def _on_save_failed(self, error: BaseException) -> None:
        self._field_error(error)
        # The report may have changed meanwhile (a colleague's amendment): show it.
        self.reload()

    def _field_error(self, error: BaseException) -> None:
        """Say inline why the report was refused, beside the field concerned."""
        self._set_busy(False)
        widgets: dict[str, QWidget] = {
            "findings": self.findings,
            "conclusion": self.conclusion,
            "reason": self.reason,
            "order_id": self.order_choice,
            "service_code": self.service_choice,
        }
        if isinstance(error, ValidationError) and error.field in widgets:
            show_error(self.form_error, i18n.error_text(error, with_field=False))
            widgets[error.field].setFocus()
            return
        show_error(self.form_error, i18n.error_text(error))


# --------------------------------------------------------------------------- key images

#: A key image's title is an attachment's: at most this long.
_TITLE_LENGTH = 255


def png_bytes(image: QImage) -> bytes | None:
    """`image` encoded as PNG in memory (never through a file), or None if it cannot be."""
    if image.isNull():
        return None
    data = QByteArray()
    buffer = QBuffer(data)
    if not buffer.open(QIODevice.OpenModeFlag.WriteOnly):
        return None
    saved = QImageWriter(buffer, QByteArray(b"png")).write(image)
    buffer.close()
    return bytes(data.data()) if saved and not data.isEmpty() else None


def key_image_title(
    study: ImagingStudy, *, slice_number: int | None = None, slices: int | None = None
) -> str:
    """The title a key image is kept under, in the chart's language (Vietnamese, as every
    record of the chart): "Ảnh chính — CT ngực 20/11/2026 — lát 37/200"."""
    what = study.description or "/".join(study.modalities) or "ca chụp"
    when = study.study_at.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y") if study.study_at else ""
    parts = ["Ảnh chính", f"{what} {when}".strip()]
    if slice_number is not None and slices is not None and slices > 1:
        parts.append(f"lát {slice_number}/{slices}")
    return " — ".join(parts)[:_TITLE_LENGTH]


def save_key_image(
    ctx: AppContext,
    patient_id: str,
    study: ImagingStudy,
    image: QImage,
    title: str,
    owner: QObject | None,
) -> bool:
    """Keep `image` (the picture on screen) with the chart as a key image of `study`: encoded
    to PNG here, kept on the database worker (`services.imaging.attach_key_image`). The
    message bar says when it is kept, or why not. False when the image cannot be encoded
    (nothing is sent)."""
    png = png_bytes(image)
    if png is None:
        ctx.message.emit(
            "error",
            QCoreApplication.translate(
                "KeyImage", "The picture could not be encoded as PNG; no key image was kept."
            ),
        )
        return False

    def kept(_event: ClinicalEvent) -> None:
        ctx.inform(
            QCoreApplication.translate("KeyImage", "Key image kept in the chart: {title}").format(
                title=title
            )
        )
        ctx.data_changed.emit(CHART, patient_id)

    ctx.call(
        imaging.attach_key_image,
        study_uid=study.study_instance_uid,
        png=png,
        title=title,
        on_done=kept,
        on_error=ctx.report_error,
        owner=owner,
    )
    return True
