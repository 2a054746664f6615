"""The imaging report beside the viewer, and key images kept with the chart."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.conftest import STAFF_PASSWORD
from tests.ui.conftest import logged_in, settle
from tests.ui.imaging.conftest import dicom_file
from tests.ui.support import type_keys, type_text

from emr_desktop.core.imaging import DicomStudy
from emr_desktop.core.records import Attachment, ImagingStudy, Order, Patient
from emr_desktop.imaging.dicom import read_instance
from emr_desktop.services import chart, clinical, imaging, patients
from emr_desktop.services.auth import Session
from emr_desktop.services.chart import ChartEvent
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import CHART, AppContext
from emr_desktop.ui.imaging.report import (
    ReportPanel,
    key_image_title,
    may_keep_key_images,
    may_write_reports,
    png_bytes,
    save_key_image,
)

FINDINGS = "Nhu mô phổi hai bên sáng đều, không thấy nốt mờ, không tràn dịch màng phổi."
CONCLUSION = "Không thấy bất thường trên phim CT ngực."


class Scene:
    """A patient with an open visit, a CT ordered in it, and pydicom's CT image imported."""

    def __init__(self, store: Store, doctor: Session, *, linked: bool = True) -> None:
        self.patient: Patient = patients.register_patient(
            store, doctor, full_name="Nguyễn Văn An", sex="male", date_of_birth="1985-03-07"
        )
        self.visit = clinical.start_encounter(
            store, doctor, patient_id=self.patient.id, kind="outpatient"
        ).id
        self.order_id = clinical.record_event(
            store,
            doctor,
            patient_id=self.patient.id,
            encounter_id=self.visit,
            body=Order(category="imaging", service_code="HA0037", service_name="CT ngực"),
        ).id
        data = dicom_file("CT_small.dcm").read_bytes()
        instance = read_instance(data)
        self.study: ImagingStudy = imaging.save_study(
            store,
            doctor,
            self.patient.id,
            DicomStudy.from_instances([instance]),
            [(instance, data)],
            source="import",
            order_id=self.order_id if linked else None,
            confirm_mismatch=True,
        )


def _panel(qtbot: QtBot, ctx: AppContext, scene: Scene) -> ReportPanel:
    panel = ReportPanel(ctx, scene.patient.id)
    qtbot.addWidget(panel)
    panel.resize(600, 800)
    panel.show()
    panel.set_study(scene.study)
    settle(qtbot, ctx)
    return panel


def _reports(store: Store, session: Session, patient: Patient) -> list[ChartEvent]:
    events = chart.open_chart(store, session, patient.id).current_events()
    return [e for e in events if e.kind == "imaging_report"]


def _sign(qtbot: QtBot, ctx: AppContext, panel: ReportPanel, password: str) -> None:
    panel.sign_button.click()
    assert panel.signature.isVisible()
    type_keys(qtbot, panel.signature.password, password)
    panel.signature.confirm.click()
    settle(qtbot, ctx)


def _write(scene: Scene, store: Store, doctor: Session, *, signed: bool) -> str:
    return imaging.write_report(
        store,
        doctor,
        study_uid=scene.study.study_instance_uid,
        findings=FINDINGS,
        conclusion=CONCLUSION,
        sign_password=STAFF_PASSWORD if signed else None,
    ).id


def test_a_doctor_writes_and_signs_the_report_of_the_study(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session
) -> None:
    scene = Scene(store, doctor)
    logged_in(ctx, doctor)
    changed: list[tuple[str, str]] = []
    ctx.data_changed.connect(lambda kind, pid: changed.append((kind, pid)))
    panel = _panel(qtbot, ctx, scene)
    assert panel.form.isVisible() and not panel.notice.isVisible()
    assert panel.heading.text() == "Chưa có kết quả của ca chụp này."
    assert "CT ngực" in panel.order_text.text() and not panel.order_choice.isVisible()
    assert panel.save_draft.text() == "Lưu &nháp" and panel.sign_button.text() == "&Ký…"
    type_text(panel.findings, FINDINGS)
    type_text(panel.conclusion, CONCLUSION)
    with qtbot.waitSignal(panel.report_saved, timeout=10_000) as saved:
        _sign(qtbot, ctx, panel, STAFF_PASSWORD)
    settle(qtbot, ctx)

    [report] = _reports(store, doctor, scene.patient)
    assert saved.args == [report.id]
    assert (report.status, report.signed_by, report.encounter_id) == (
        "signed",
        doctor.user_id,
        scene.visit,
    )
    assert report.body["conclusion"] == CONCLUSION
    assert report.body["study_instance_uid"] == scene.study.study_instance_uid
    assert (CHART, scene.patient.id) in changed
    assert not panel.signature.isVisible()
    assert panel.findings.toPlainText() == "" and panel.conclusion.toPlainText() == ""
    assert panel.model.rowCount() == 1
    assert panel.model.status_text(panel.model.report_at(0)).startswith("Đã ký: Trần Thị Lan")
    panel.table.selectRow(0)
    assert CONCLUSION in panel.viewer.toPlainText()
    assert panel.change_button.text() == "Đính &chính…"


def test_a_wrong_password_keeps_the_signature_open_and_records_nothing(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session
) -> None:
    scene = Scene(store, doctor)
    logged_in(ctx, doctor)
    panel = _panel(qtbot, ctx, scene)
    type_text(panel.findings, FINDINGS)
    type_text(panel.conclusion, CONCLUSION)
    _sign(qtbot, ctx, panel, "wrong-password-1")
    assert panel.signature.isVisible()
    assert panel.signature.error.text() == "Mật khẩu xác nhận không đúng"
    assert panel.conclusion.toPlainText() == CONCLUSION
    assert _reports(store, doctor, scene.patient) == []


def test_an_empty_conclusion_is_refused_beside_the_form(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session
) -> None:
    scene = Scene(store, doctor)
    logged_in(ctx, doctor)
    panel = _panel(qtbot, ctx, scene)
    type_text(panel.findings, FINDINGS)
    panel.sign_button.click()
    # Refused before the password is asked for.
    assert not panel.signature.isVisible()
    assert panel.form_error.isVisible()
    assert panel.form_error.text() == "Kết luận không được để trống"
    assert panel.conclusion.hasFocus()
    i18n.set_language(i18n.ENGLISH)
    panel.save_draft.click()
    settle(qtbot, ctx)
    assert panel.form_error.text() == "The conclusion must not be empty"
    assert _reports(store, doctor, scene.patient) == []


def test_a_nurse_reads_the_reports_without_the_form(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, nurse: Session
) -> None:
    scene = Scene(store, doctor)
    _write(scene, store, doctor, signed=True)
    logged_in(ctx, nurse)
    panel = _panel(qtbot, ctx, scene)
    assert panel.notice.isVisible()
    assert (
        panel.notice.text()
        == "Vai trò của bạn chỉ được xem, không được viết kết quả chẩn đoán hình ảnh."
    )
    assert not panel.form.isVisible() and not panel.change_button.isVisible()
    assert panel.model.rowCount() == 1
    assert CONCLUSION in panel.viewer.toPlainText()
    assert FINDINGS in panel.viewer.toPlainText()


def test_the_own_draft_is_taken_up_again_and_signed(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session
) -> None:
    scene = Scene(store, doctor)
    draft = _write(scene, store, doctor, signed=False)
    logged_in(ctx, doctor)
    panel = _panel(qtbot, ctx, scene)
    assert panel.changing is not None and panel.changing.id == draft
    assert panel.form_title.text() == "Sửa bản nháp kết quả"
    assert panel.findings.toPlainText() == FINDINGS and not panel.reason.isVisible()
    panel.conclusion.clear()
    type_text(panel.conclusion, "Nốt mờ 4 mm thùy trên phổi phải.")
    _sign(qtbot, ctx, panel, STAFF_PASSWORD)
    [report] = _reports(store, doctor, scene.patient)
    assert (report.id, report.status) == (draft, "signed")
    assert report.body["conclusion"] == "Nốt mờ 4 mm thùy trên phổi phải."
    assert panel.changing is None


def test_a_signed_report_is_amended_with_its_reason(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session
) -> None:
    scene = Scene(store, doctor)
    original = _write(scene, store, doctor, signed=True)
    logged_in(ctx, doctor)
    panel = _panel(qtbot, ctx, scene)
    assert panel.changing is None
    panel.table.selectRow(0)
    panel.change_button.click()
    assert panel.reason.isVisible() and panel.reason.hasFocus()
    assert panel.form_title.text() == "Đính chính kết quả (bản gốc được giữ lại)"
    panel.conclusion.clear()
    type_text(panel.conclusion, "Nốt mờ 4 mm thùy trên phổi phải.")
    panel.save_draft.click()
    assert "Lý do đính chính" in panel.form_error.text()
    type_text(panel.reason, "Đọc lại phim")
    _sign(qtbot, ctx, panel, STAFF_PASSWORD)
    [report] = _reports(store, doctor, scene.patient)
    assert (report.corrects, report.correction, report.status) == (original, "amends", "signed")
    assert panel.model.rowCount() == 1
    assert panel.model.status_text(panel.model.report_at(0)).endswith("(đã đính chính)")


def test_a_second_report_is_refused_inline(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session
) -> None:
    scene = Scene(store, doctor)
    logged_in(ctx, doctor)
    panel = _panel(qtbot, ctx, scene)
    # Meanwhile, another PC's report of the same order arrives.
    _write(scene, store, doctor, signed=True)
    type_text(panel.findings, FINDINGS)
    type_text(panel.conclusion, "Khác")
    panel.save_draft.click()
    settle(qtbot, ctx)
    assert "đã có kết quả cho chỉ định này" in panel.form_error.text()
    assert panel.model.rowCount() == 1
    assert len(_reports(store, doctor, scene.patient)) == 1


def test_a_study_without_an_order_chooses_one_or_a_service(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session
) -> None:
    scene = Scene(store, doctor, linked=False)
    logged_in(ctx, doctor)
    panel = _panel(qtbot, ctx, scene)
    assert not panel.order_text.isVisible() and panel.order_choice.isVisible()
    assert panel.order_choice.count() == 2
    assert panel.order_choice.currentData() == scene.order_id
    assert not panel.service_choice.isVisible()
    panel.order_choice.setCurrentIndex(1)  # images ordered elsewhere
    assert panel.service_choice.isVisible()
    assert panel.service_choice.currentData().startswith("HA")
    panel.service_choice.setCurrentIndex(panel.service_choice.findData("HA0035"))
    type_text(panel.findings, FINDINGS)
    type_text(panel.conclusion, CONCLUSION)
    panel.save_draft.click()
    settle(qtbot, ctx)
    [report] = _reports(store, doctor, scene.patient)
    assert (report.status, report.body["service_code"], report.body["order_id"]) == (
        "draft",
        "HA0035",
        None,
    )


def test_choosing_the_order_links_the_study(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session
) -> None:
    scene = Scene(store, doctor, linked=False)
    logged_in(ctx, doctor)
    panel = _panel(qtbot, ctx, scene)
    type_text(panel.findings, FINDINGS)
    type_text(panel.conclusion, CONCLUSION)
    panel.save_draft.click()
    settle(qtbot, ctx)
    [report] = _reports(store, doctor, scene.patient)
    assert (report.body["order_id"], report.encounter_id) == (scene.order_id, scene.visit)
    linked = imaging.study(store, doctor, scene.study.study_instance_uid)
    assert linked is not None and linked.order_id == scene.order_id
    # The form now answers the linked order.
    assert "CT ngực" in panel.order_text.text() and not panel.order_choice.isVisible()


def test_another_study_clears_the_form_and_the_same_one_keeps_it(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session
) -> None:
    scene = Scene(store, doctor)
    logged_in(ctx, doctor)
    panel = _panel(qtbot, ctx, scene)
    type_text(panel.findings, FINDINGS)
    panel.set_study(scene.study)  # the chart was reloaded
    settle(qtbot, ctx)
    assert panel.findings.toPlainText() == FINDINGS
    panel.set_study(None)
    assert panel.findings.toPlainText() == "" and not panel.form.isVisible()
    assert panel.heading.text() == "Chọn một ca chụp để xem hoặc viết kết quả."


def test_the_reports_model_is_a_proper_qt_model(
    qtbot: QtBot, qtmodeltester: ModelTester, ctx: AppContext, store: Store, doctor: Session
) -> None:
    scene = Scene(store, doctor)
    _write(scene, store, doctor, signed=False)
    logged_in(ctx, doctor)
    panel = _panel(qtbot, ctx, scene)
    assert panel.model.rowCount() == 1
    qtmodeltester.check(panel.model)


# --------------------------------------------------------------------------- key images


def _picture() -> QImage:
    image = QImage(64, 48, QImage.Format.Format_RGB888)
    image.fill(QColor(90, 90, 90))
    return image


def test_a_key_image_is_kept_with_the_chart_as_a_png(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session
) -> None:
    scene = Scene(store, doctor)
    logged_in(ctx, doctor)
    owner = ReportPanel(ctx, scene.patient.id)
    qtbot.addWidget(owner)
    messages: list[tuple[str, str]] = []
    ctx.message.connect(lambda level, text: messages.append((level, text)))
    title = key_image_title(scene.study, slice_number=1, slices=1)
    assert title == "Ảnh chính — e+1 19/01/2004"
    assert save_key_image(ctx, scene.patient.id, scene.study, _picture(), title, owner)
    settle(qtbot, ctx)

    events = chart.open_chart(store, doctor, scene.patient.id).events
    [kept] = [e for e in events if e.kind == Attachment.KIND]
    assert kept.body["title"] == title and kept.body["media_type"] == "image/png"
    assert kept.encounter_id == scene.visit
    data = clinical.read_attachment(store, doctor, kept.id)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    decoded = QImage.fromData(data)
    assert (decoded.width(), decoded.height()) == (64, 48)
    assert messages == [("info", f"Đã lưu ảnh chính vào hồ sơ: {title}")]


def test_an_empty_picture_is_not_kept(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session
) -> None:
    scene = Scene(store, doctor)
    logged_in(ctx, doctor)
    messages: list[tuple[str, str]] = []
    ctx.message.connect(lambda level, text: messages.append((level, text)))
    assert png_bytes(QImage()) is None
    assert not save_key_image(ctx, scene.patient.id, scene.study, QImage(), "Ảnh chính", None)
    settle(qtbot, ctx)
    assert [level for level, _ in messages] == ["error"]
    events = chart.open_chart(store, doctor, scene.patient.id).events
    assert [e for e in events if e.kind == Attachment.KIND] == []


def test_a_registrar_is_told_a_key_image_is_not_theirs_to_keep(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, registrar: Session
) -> None:
    scene = Scene(store, doctor)
    logged_in(ctx, doctor)
    assert may_keep_key_images(ctx) and may_write_reports(ctx)
    logged_in(ctx, registrar)
    assert not may_keep_key_images(ctx) and not may_write_reports(ctx)
    messages: list[tuple[str, str]] = []
    ctx.message.connect(lambda level, text: messages.append((level, text)))
    assert save_key_image(ctx, scene.patient.id, scene.study, _picture(), "Ảnh chính", None)
    settle(qtbot, ctx)
    [(level, text)] = messages
    assert level == "error" and "không được phép" in text


@pytest.mark.parametrize(
    ("slice_number", "slices", "ending"),
    [(37, 200, " — lát 37/200"), (None, None, "19/01/2004"), (1, 1, "19/01/2004")],
)
def test_the_key_image_title_names_the_study_and_the_slice(
    store: Store, doctor: Session, slice_number: int | None, slices: int | None, ending: str
) -> None:
    scene = Scene(store, doctor)
    title = key_image_title(scene.study, slice_number=slice_number, slices=slices)
    assert title.startswith("Ảnh chính — e+1 19/01/2004") and title.endswith(ending)


def test_a_draft_answering_no_order_is_taken_up_with_its_service(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session
) -> None:
    scene = Scene(store, doctor, linked=False)
    draft = imaging.write_report(
        store,
        doctor,
        study_uid=scene.study.study_instance_uid,
        findings=FINDINGS,
        conclusion=CONCLUSION,
        service_code="HA0035",
    )
    logged_in(ctx, doctor)
    panel = _panel(qtbot, ctx, scene)
    assert panel.changing is not None and panel.changing.id == draft.id
    assert panel.order_choice.currentData() == ""
    assert panel.service_choice.isVisible()
    assert panel.service_choice.currentData() == "HA0035"
