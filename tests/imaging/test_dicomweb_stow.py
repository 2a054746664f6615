"""STOW-RS: the DICOMweb client stores DICOM files in a real PACS (Orthanc + its DICOMweb plugin
on loopback), streamed one file at a time, and reports what the PACS stored and refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.imaging.conftest import dataset
from tests.imaging.orthanc import Orthanc, free_port

from emr_desktop.core.errors import SyncError, ValidationError
from emr_desktop.imaging.dicomweb import (
    DicomWebClient,
    PacsAuthFailed,
    PacsUnreachable,
    _Counter,
    _stow_body,
    failure_text,
    iter_multipart,
)
from emr_desktop.imaging.synthetic import ct_series


def _series(slices: int = 4) -> tuple[str, str, dict[str, bytes]]:
    files = ct_series(slices=slices, size=32)
    first = dataset(files[0])
    return (
        str(first.StudyInstanceUID),
        str(first.SeriesInstanceUID),
        {str(dataset(f).SOPInstanceUID): f for f in files},
    )


def test_a_ct_series_is_stored_and_comes_back_byte_for_byte(orthanc: Orthanc) -> None:
    study, series, files = _series()
    taken: list[str] = []

    def one_at_a_time() -> Iterator[bytes]:
        for sop, data in files.items():
            taken.append(sop)
            yield data

    with DicomWebClient(orthanc.dicom_web, auth=orthanc.auth) as web:
        result = web.store_instances(one_at_a_time(), study_uid=study)
        assert result.status == 200
        assert result.sent == len(files) and taken == list(files)
        assert result.stored == set(files) and dict(result.failed) == {}
        back = {str(dataset(d).SOPInstanceUID): d for d in web.retrieve_series(study, series)}
        assert back == files
        # Stored again: the PACS already has them, and says they are stored.
        again = web.store_instances(list(files.values()))
        assert again.stored == set(files)


def test_an_instance_of_another_study_is_refused_the_rest_stored(orthanc: Orthanc) -> None:
    study, _, files = _series(3)
    _, _, stranger = _series(1)
    [stranger_sop] = stranger
    with DicomWebClient(orthanc.dicom_web, auth=orthanc.auth) as web:
        result = web.store_instances([*files.values(), *stranger.values()], study_uid=study)
    assert result.sent == 4
    assert result.stored == set(files)
    assert dict(result.failed) == {stranger_sop: 0x0110}
    assert failure_text(0x0110) == (
        "0x0110: PACS không xử lý được ảnh",
        "0x0110: processing failure",
    )
    assert failure_text(None)[1] == "the PACS gave no reason"
    assert failure_text(0xBEEF)[1] == "0xBEEF: other failure"


def test_a_wrong_password_or_no_pacs_is_a_clear_error(orthanc: Orthanc) -> None:
    study, _, files = _series(2)
    with (
        DicomWebClient(orthanc.dicom_web, auth=(orthanc.user, "wrong")) as web,
        pytest.raises(PacsAuthFailed) as refused,
    ):
        web.store_instances(list(files.values()), study_uid=study)
    assert refused.value.status == 401 and isinstance(refused.value, SyncError)
    with (
        DicomWebClient(f"http://127.0.0.1:{free_port()}/dicom-web", timeout=1.0) as web,
        pytest.raises(PacsUnreachable) as down,
    ):
        web.store_instances(list(files.values()))
    assert "đường truyền" in down.value.message_vi and "link" in down.value.message_en
    with (
        DicomWebClient(orthanc.dicom_web, auth=orthanc.auth) as web,
        pytest.raises(ValidationError),
    ):
        web.store_instances([], study_uid="not a uid")


def test_the_body_takes_each_file_only_when_the_previous_one_is_out() -> None:
    files = [b"A" * 300, b"B" * 10, b"C" * 5000]
    taken: list[int] = []

    def source() -> Iterator[bytes]:
        for n, data in enumerate(files):
            taken.append(n)
            yield data

    sent = _Counter()
    body = _stow_body(source(), "bound", sent)
    head = next(body)
    assert taken == [0] and head.startswith(b"--bound\r\nContent-Type: application/dicom\r\n")
    assert b"Content-Length: 300\r\n\r\n" in head
    assert next(body) == files[0] and taken == [0]
    rest = b"".join(body)
    assert taken == [0, 1, 2] and sent.count == 3
    whole = head + files[0] + rest
    parts = list(iter_multipart([whole], b"bound"))
    assert [p[1] for p in parts] == files
    assert all(h["content-type"] == "application/dicom" for h, _ in parts)
