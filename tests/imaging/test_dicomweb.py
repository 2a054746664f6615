"""The DICOMweb client against a real PACS (Orthanc + its DICOMweb plugin on loopback), plus
the failures a hospital link really has: wrong password, PACS stopped, a silent server, and
something in between answering with what is not DICOMweb."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from tests.imaging.conftest import PacsContent, ct_series, dataset, pydicom_file
from tests.imaging.orthanc import Orthanc, free_port, orthanc_missing, running_orthanc

from emr_desktop.core.errors import SyncError, ValidationError
from emr_desktop.core.imaging import DicomStudy
from emr_desktop.imaging.dicomweb import (
    DicomWebClient,
    MultipartError,
    PacsAuthFailed,
    PacsBadAnswer,
    PacsNotFound,
    PacsUnreachable,
    iter_multipart,
)
from emr_desktop.services.auth import Session
from emr_desktop.services.pacs import pacs_client_args, set_pacs
from emr_desktop.store.store import Store

CT_STUDY = "1.3.6.1.4.1.5962.1.2.1.20040119072730.12322"
MR_STUDY = "1.3.6.1.4.1.5962.1.2.4.20040826185059.5457"
NM_STUDY = "1.3.6.1.4.1.5962.1.2.8.20040826185059.5457"
DOSE_STUDY = "1.2.999.999.99.9.9999.8888"


def _uids(studies: list[DicomStudy]) -> set[str]:
    return {s.study_instance_uid for s in studies}


# ====================================================================== QIDO-RS


def test_search_by_patient_id_reads_the_dicom_json_model(
    client: DicomWebClient, pacs: PacsContent
) -> None:
    [study] = client.search_studies(patient_id="BN0001234")
    assert study.study_instance_uid == pacs.series.study_uid
    # PN {"Alphabetic": "NGUYỄN^VĂN AN"}: components joined, Vietnamese letters kept.
    assert study.patient_name == "NGUYỄN VĂN AN"
    assert study.patient_id == "BN0001234"
    assert study.patient_birth_date == date(1980, 5, 12)
    assert study.patient_sex == "M"
    # 2024-03-15 09:30 at +0700 (TimezoneOffsetFromUTC) is 02:30 UTC.
    assert study.study_at == datetime(2024, 3, 15, 2, 30, tzinfo=UTC)
    assert study.description == "CT ngực không tiêm thuốc"
    assert study.accession_number == "2024031500001"
    assert study.modalities == ("CT",)
    assert study.instance_count == 5
    assert study.series == ()

    [ct] = client.search_studies(patient_id="1CT1")
    assert ct.study_instance_uid == CT_STUDY
    assert ct.patient_name == "CompressedSamples CT1"
    # CT_small.dcm: 2004-01-19 07:27:30 at -0500.
    assert ct.study_at == datetime(2004, 1, 19, 12, 27, 30, tzinfo=UTC)
    assert ct.patient_birth_date is None  # an empty DA value

    assert client.search_studies(patient_id="NOBODY") == []


def test_search_by_study_date_range(client: DicomWebClient) -> None:
    august_2004 = client.search_studies(study_date_range=(date(2004, 8, 1), date(2004, 8, 31)))
    assert _uids(august_2004) == {MR_STUDY, NM_STUDY}
    since_2024 = client.search_studies(study_date_range=(date(2024, 1, 1), None))
    assert [s.patient_id for s in since_2024] == ["BN0001234"]
    before_2004 = client.search_studies(study_date_range=(None, date(2003, 12, 31)))
    assert _uids(before_2004) == {DOSE_STUDY}
    one_day = client.search_studies(study_date_range=(date(2004, 1, 19), date(2004, 1, 19)))
    assert _uids(one_day) == {CT_STUDY}
    # Newest first.
    everything = client.search_studies()
    moments = [s.study_at for s in everything if s.study_at is not None]
    assert len(moments) == 5
    assert moments == sorted(moments, reverse=True)


def test_search_by_modality_accession_and_limit(client: DicomWebClient, pacs: PacsContent) -> None:
    ct = client.search_studies(modality="ct")
    assert _uids(ct) == {CT_STUDY, pacs.series.study_uid}
    assert _uids(client.search_studies(modality="MR")) == {MR_STUDY}
    assert client.search_studies(modality="US") == []
    assert client.search_studies(patient_id="1CT1", modality="MR") == []
    [by_accession] = client.search_studies(accession="2024031500001")
    assert by_accession.study_instance_uid == pacs.series.study_uid
    assert len(client.search_studies(limit=2)) == 2


def test_search_criteria_are_checked_before_asking(client: DicomWebClient) -> None:
    with pytest.raises(ValidationError) as bad:
        client.search_studies(patient_id="BN*")  # no wildcards: an exact id is asked for
    assert bad.value.field == "patient_id"
    with pytest.raises(ValidationError):
        client.search_studies(modality="C T")
    with pytest.raises(ValidationError) as order:
        client.search_studies(study_date_range=(date(2024, 2, 1), date(2024, 1, 1)))
    assert order.value.rule == "order"
    with pytest.raises(ValidationError):
        client.search_studies(study_date_range=(None, None))
    with pytest.raises(ValidationError) as uid:
        client.search_series("1.2.3/../../instances")
    assert uid.value.rule == "uid"


def test_search_series_and_instances(client: DicomWebClient, pacs: PacsContent) -> None:
    [series] = client.search_series(pacs.series.study_uid)
    assert series.series_instance_uid == pacs.series.series_uid
    assert series.number == 2
    assert series.modality == "CT"
    assert series.description == "Phổi 5 mm"
    assert series.instances == 5

    instances = client.search_instances(pacs.series.study_uid, pacs.series.series_uid)
    assert [i.sop_instance_uid for i in instances] == list(pacs.series.files)
    assert [i.instance_number for i in instances] == [1, 2, 3, 4, 5]
    first = instances[0]
    assert (first.rows, first.columns, first.frames) == (128, 128, 1)
    assert first.sop_class_uid == "1.2.840.10008.5.1.4.1.1.2"  # CT Image Storage
    assert first.patient_id == "BN0001234"
    assert first.study_at == datetime(2024, 3, 15, 2, 30, tzinfo=UTC)
    positions = [i.image_position for i in instances]
    assert all(p is not None for p in positions)
    assert [round(p[2] - positions[0][2], 3) for p in positions if p and positions[0]] == [
        0.0,
        5.0,
        10.0,
        15.0,
        20.0,
    ]

    [dose] = client.search_instances(
        DOSE_STUDY, dataset(pacs.by_name["rtdose.dcm"]).SeriesInstanceUID
    )
    assert dose.frames == 15


def test_find_one_study_with_its_series(client: DicomWebClient, pacs: PacsContent) -> None:
    study = client.find_study(pacs.series.study_uid)
    assert study.patient_name == "NGUYỄN VĂN AN"
    [series] = study.series
    assert (series.series_instance_uid, series.instances) == (pacs.series.series_uid, 5)
    assert study.instance_count == 5
    with pytest.raises(PacsNotFound):
        client.find_study("1.2.3.4.5")


def test_the_pacs_set_up_in_the_store_is_searched(
    orthanc: Orthanc, pacs: PacsContent, store: Store, admin: Session, doctor: Session
) -> None:
    """The settings an administrator keeps (password in the keyring) build a working client."""
    set_pacs(store, admin, orthanc.dicom_web, "basic", orthanc.user, orthanc.password)
    with DicomWebClient(**pacs_client_args(store, doctor)) as web:
        [study] = web.search_studies(patient_id="BN0001234")
        assert study.study_instance_uid == pacs.series.study_uid
    set_pacs(store, admin, orthanc.dicom_web, "basic", orthanc.user, "not-the-password")
    with DicomWebClient(**pacs_client_args(store, doctor)) as web, pytest.raises(PacsAuthFailed):
        web.search_studies()


# ====================================================================== WADO-RS


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm", "rtdose.dcm", "JPEG2000.dcm"])
def test_retrieve_an_instance_byte_for_byte(
    client: DicomWebClient, pacs: PacsContent, name: str
) -> None:
    sent = pacs.by_name[name]
    ds = dataset(sent)
    data = client.retrieve_instance(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    assert data == sent
    back = dataset(data)
    assert back.SOPInstanceUID == ds.SOPInstanceUID
    assert back.file_meta.TransferSyntaxUID == ds.file_meta.TransferSyntaxUID
    assert back.PixelData == ds.PixelData  # JPEG 2000 comes back still compressed


def test_retrieve_a_multiframe_instance(client: DicomWebClient, pacs: PacsContent) -> None:
    ds = dataset(pacs.by_name["rtdose.dcm"])
    [data] = client.retrieve_series(ds.StudyInstanceUID, ds.SeriesInstanceUID)
    back = dataset(data)
    assert int(back.NumberOfFrames) == 15
    assert np.array_equal(back.pixel_array, ds.pixel_array)
    assert back.pixel_array.shape[0] == 15


def test_retrieve_a_series_of_several_instances(client: DicomWebClient, pacs: PacsContent) -> None:
    series = pacs.series
    received = list(client.retrieve_series(series.study_uid, series.series_uid))
    assert len(received) == 5
    by_uid = {str(dataset(data).SOPInstanceUID): data for data in received}
    assert by_uid == series.files  # every instance, byte for byte
    slices = [dataset(series.files[uid]).pixel_array for uid in series.files]
    for index, uid in enumerate(series.files):
        pixels = dataset(by_uid[uid]).pixel_array
        assert np.array_equal(pixels, slices[index])
    # The slices really differ: the multipart parts were not mixed up.
    assert int(slices[4].astype(np.int32).sum() - slices[0].astype(np.int32).sum()) == (
        40 * 128 * 128
    )


def test_retrieve_a_whole_study(client: DicomWebClient, pacs: PacsContent) -> None:
    received = list(client.retrieve_study(pacs.series.study_uid))
    assert sorted(received) == sorted(pacs.series.files.values())


def test_retrieve_what_the_pacs_does_not_have(client: DicomWebClient, pacs: PacsContent) -> None:
    with pytest.raises(PacsNotFound) as missing:
        client.retrieve_instance(CT_STUDY, "1.2.3.4", "1.2.3.4.5")
    assert missing.value.status == 404
    assert "HTTP 404" in missing.value.message_vi
    with pytest.raises(PacsNotFound):
        list(client.retrieve_series("1.2.3.4", "1.2.3.4.5"))
    with pytest.raises(ValidationError):
        client.retrieve_instance(CT_STUDY, "not-a-uid", "1.2.3")


# ====================================================================== failures


def test_wrong_password_is_a_clear_error(orthanc: Orthanc, pacs: PacsContent) -> None:
    with DicomWebClient(orthanc.dicom_web, auth=(orthanc.user, "wrong-password")) as web:
        with pytest.raises(PacsAuthFailed) as refused:
            web.search_studies(patient_id="1CT1")
        with pytest.raises(PacsAuthFailed):
            web.retrieve_study(CT_STUDY)
    error = refused.value
    assert isinstance(error, SyncError)
    assert error.status == 401
    assert error.code == "pacs_auth"
    assert "mật khẩu" in error.message_vi and "password" in error.message_en
    assert "wrong-password" not in str(error)
    with DicomWebClient(orthanc.dicom_web) as anonymous, pytest.raises(PacsAuthFailed):
        anonymous.search_studies()


def test_a_bearer_token_is_sent_as_authorization(orthanc: Orthanc, pacs: PacsContent) -> None:
    # Orthanc knows only basic authentication: a token, however sent, is refused with 401.
    with DicomWebClient(orthanc.dicom_web, bearer="a-token") as web, pytest.raises(PacsAuthFailed):
        web.search_studies()
    with pytest.raises(ValidationError):
        DicomWebClient(orthanc.dicom_web, auth=orthanc.auth, bearer="a-token")
    with pytest.raises(ValidationError):
        DicomWebClient("ftp://pacs/dicom-web")


def test_the_orthanc_rest_root_is_not_a_dicomweb_root(orthanc: Orthanc, pacs: PacsContent) -> None:
    with DicomWebClient(orthanc.url, auth=orthanc.auth) as web:
        with pytest.raises(SyncError) as searched:
            web.search_studies()
        assert "DICOMweb" in searched.value.message_en
        with pytest.raises(PacsNotFound):
            list(web.retrieve_study(CT_STUDY))


def test_a_stopped_pacs_is_offline_quickly(tmp_path: Path) -> None:
    missing = orthanc_missing()
    if missing is not None:
        pytest.skip(f"no PACS to test against: {missing}")
    with running_orthanc(tmp_path / "orthanc") as server:
        web = DicomWebClient(server.dicom_web, auth=server.auth, timeout=(1.0, 5.0))
        assert web.search_studies() == []
    started = time.monotonic()
    with pytest.raises(PacsUnreachable) as offline:
        web.search_studies()
    assert time.monotonic() - started < 1.0
    error = offline.value
    assert error.code == "pacs_offline"
    assert isinstance(error, SyncError)
    assert "ảnh đã lưu trên máy" in error.message_vi
    assert "cached" in error.message_en
    with pytest.raises(PacsUnreachable):
        web.retrieve_instance(CT_STUDY, "1.2.3", "1.2.3.4")
    web.close()


def test_an_unused_port_is_offline() -> None:
    with DicomWebClient(f"http://127.0.0.1:{free_port()}/dicom-web", timeout=1.0) as web:
        started = time.monotonic()
        with pytest.raises(PacsUnreachable):
            web.search_studies(patient_id="1CT1")
        assert time.monotonic() - started < 1.0


def test_a_pacs_that_never_answers_times_out() -> None:
    # Connections are accepted by the kernel (listen backlog) but nothing is ever sent back.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        web = DicomWebClient(f"http://127.0.0.1:{port}/dicom-web", timeout=(1.0, 0.5))
        started = time.monotonic()
        with pytest.raises(PacsUnreachable) as late:
            web.search_studies()
        assert 0.4 < time.monotonic() - started < 3.0
        assert "did not answer in time" in late.value.message_en
        web.close()


# ---------------------------------------------------------------- a server that is not DICOMweb

Handler = Callable[[BaseHTTPRequestHandler], None]


@contextmanager
def _http_server(answer: Handler) -> Iterator[str]:
    """A real HTTP server on loopback answering every GET with `answer`; its base URL."""

    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            answer(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/dicom-web"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _send(status: int, content_type: str, body: bytes) -> Handler:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def _multipart(
    parts: list[tuple[str, bytes]], boundary: str = "b0undary", close: bool = True
) -> bytes:
    out = b""
    for content_type, body in parts:
        out += f"--{boundary}\r\nContent-Type: {content_type}\r\n\r\n".encode() + body + b"\r\n"
    if close:
        out += f"--{boundary}--\r\n".encode()
    return out


MULTIPART = 'multipart/related; type="application/dicom"; boundary=b0undary'


def test_a_login_page_instead_of_dicom_json() -> None:
    page = b"<html><body>Please log in to the hospital proxy</body></html>"
    answer = _send(200, "text/html; charset=utf-8", page)
    with (
        _http_server(answer) as url,
        DicomWebClient(url) as web,
        pytest.raises(PacsBadAnswer) as bad,
    ):
        web.search_studies()
    assert "text/html" in bad.value.message_en
    assert bad.value.code == "pacs_bad_answer"


def test_json_that_is_not_the_dicom_json_model() -> None:
    for body in (b'{"studies": []}', b'["1.2.3"]', b"[{not json"):
        answer = _send(200, "application/dicom+json", body)
        with _http_server(answer) as url, DicomWebClient(url) as web, pytest.raises(PacsBadAnswer):
            web.search_studies()


def test_a_body_that_is_not_dicom() -> None:
    ct = pydicom_file("CT_small.dcm")
    not_dicom = b"\x00" * 200 + b"this is a PDF, not an image"
    answer = _send(200, MULTIPART, _multipart([("application/dicom", not_dicom)]))
    with (
        _http_server(answer) as url,
        DicomWebClient(url) as web,
        pytest.raises(PacsBadAnswer) as bad,
    ):
        web.retrieve_instance(CT_STUDY, "1.2.3", "1.2.3.4")
    assert "not a DICOM file" in bad.value.message_en
    # A good part followed by a part of another type.
    body = _multipart([("application/dicom", ct), ("text/plain", b"oops")])
    with _http_server(_send(200, MULTIPART, body)) as url, DicomWebClient(url) as web:
        parts = web.retrieve_series(CT_STUDY, "1.2.3")
        assert next(parts) == ct
        with pytest.raises(PacsBadAnswer):
            next(parts)
    # An HTML page where a multipart answer was asked for.
    with (
        _http_server(_send(200, "text/html", b"<html></html>")) as url,
        DicomWebClient(url) as web,
        pytest.raises(PacsBadAnswer),
    ):
        list(web.retrieve_series(CT_STUDY, "1.2.3"))


def test_a_multipart_answer_cut_short() -> None:
    ct = pydicom_file("CT_small.dcm")
    body = _multipart([("application/dicom", ct), ("application/dicom", ct[:1000])], close=False)
    body = body[: -len(b"\r\n")]  # the second part never ends
    with _http_server(_send(200, MULTIPART, body)) as url, DicomWebClient(url) as web:
        parts = web.retrieve_series(CT_STUDY, "1.2.3")
        assert next(parts) == ct
        with pytest.raises(PacsBadAnswer) as cut:
            next(parts)
    assert "multipart" in cut.value.message_en


def test_a_link_that_drops_in_the_middle_of_a_series() -> None:
    ct = pydicom_file("CT_small.dcm")
    body = _multipart([("application/dicom", ct), ("application/dicom", ct)])

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", MULTIPART)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[: len(ct) + 200])  # then the connection closes
        handler.close_connection = True

    with (
        _http_server(answer) as url,
        DicomWebClient(url) as web,
        pytest.raises(PacsUnreachable) as dropped,
    ):
        list(web.retrieve_series(CT_STUDY, "1.2.3"))
    assert "broke off" in dropped.value.message_en
    assert dropped.value.code == "pacs_offline"


def test_a_series_is_streamed_one_instance_at_a_time() -> None:
    """The first instance is handed over while the PACS has not yet sent the second: the
    client does not wait for (nor hold) the whole series."""
    series = ct_series()
    files = list(series.files.values())
    first_received = threading.Event()
    waited: list[bool] = []

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", MULTIPART)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()

        def chunk(data: bytes) -> None:
            handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            handler.wfile.flush()

        whole = _multipart([("application/dicom", f) for f in files])
        # Up to the delimiter that ends the first part: the client can hand it over.
        split = whole.index(b"--b0undary", len(files[0])) + len(b"--b0undary")
        chunk(whole[:split])
        waited.append(first_received.wait(timeout=10))
        chunk(whole[split:])
        handler.wfile.write(b"0\r\n\r\n")

    with _http_server(answer) as url, DicomWebClient(url) as web:
        parts = web.retrieve_series(series.study_uid, series.series_uid)
        assert next(parts) == files[0]
        first_received.set()
        assert list(parts) == files[1:]
    assert waited == [True]


# ---------------------------------------------------------------- the multipart parser


def _chunked(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("size", [1, 3, 7, 64, 1 << 20])
def test_multipart_parts_across_any_chunk_boundaries(size: int) -> None:
    bodies = [b"A" * 300, b"\r\n--b0undar" + b"x" * 10, b"", bytes(range(256)) * 3]
    data = (
        b"preamble to ignore\r\n"
        + b"--b0undary\r\nContent-Type: application/dicom\r\nContent-Length: 300\r\n\r\n"
        + bodies[0]
        + b"\r\n--b0undary  \r\ncontent-type: application/dicom\r\n\r\n"  # padding after it
        + bodies[1]
        + b"\r\n--b0undary\r\n\r\n"  # a part without headers
        + bodies[2]
        + b"\r\n--b0undary\r\nContent-Length: 5\r\n\r\n"  # a wrong length: found by delimiter
        + bodies[3]
        + b"\r\n--b0undary--\r\nepilogue to ignore"
    )
    parts = list(iter_multipart(_chunked(data, size), b"b0undary"))
    assert [body for _, body in parts] == bodies
    assert parts[0][0] == {"content-type": "application/dicom", "content-length": "300"}
    assert parts[1][0] == {"content-type": "application/dicom"}
    assert parts[2][0] == {}


def test_multipart_errors() -> None:
    with pytest.raises(MultipartError):
        list(iter_multipart([b"no delimiter at all"], b"b0undary"))
    with pytest.raises(MultipartError):
        list(iter_multipart([b"--b0undary\r\nContent-Type: x\r\n"], b"b0undary"))
    with pytest.raises(MultipartError):
        list(iter_multipart([b"--b0undary\r\n\r\nbody without end"], b"b0undary"))
    with pytest.raises(MultipartError):
        list(iter_multipart([b"--b0undaryGARBAGE\r\n\r\nx\r\n--b0undary--"], b"b0undary"))
    assert list(iter_multipart([b"--b0undary--\r\n"], b"b0undary")) == []
