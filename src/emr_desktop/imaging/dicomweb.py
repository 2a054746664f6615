"""The PACS client: DICOMweb search (QIDO-RS), retrieve (WADO-RS) and store (STOW-RS) over
`requests`.

    client = DicomWebClient("https://pacs.bvhuyen.vn/dicom-web", auth=("emr", "…"))
    studies = client.search_studies(patient_id="BN0001234")
    for data in client.retrieve_series(study_uid, series_uid):   # one DICOM file at a time
        ...

    result = client.store_instances(files, study_uid=uid)  # files: an iterator of bytes
    result.stored, result.failed                            # per SOPInstanceUID

Searches answer in the DICOM JSON model (PS3.18 §F.2) and become `core.imaging` dataclasses;
retrieves answer `multipart/related; type="application/dicom"`, parsed here as a stream so a
series of hundreds of megabytes is never held whole in memory. A store sends
`multipart/related; type="application/dicom"` the same way, one part at a time, as the
iterator of files yields them (HTTP chunked transfer: the size of the whole is never needed
up front). Every failure is a `PacsError`
(a `SyncError`: talking to a server failed) with a Vietnamese and an English message;
`PacsUnreachable` means the link is down, and the PC keeps working offline from its cache.
Nothing here logs a patient's name or id.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from email.message import Message
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import requests

from emr_desktop.core.errors import SyncError, ValidationError
from emr_desktop.core.imaging import DicomInstance, DicomStudy, SeriesSummary, require_uid
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.imaging.dicom import display_name

log = logging.getLogger(__name__)

#: Seconds to open the connection (short: a dead link must be noticed quickly), then to wait
#: for each block of the answer (a PACS may take a while to start sending a big series).
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 60.0)
DEFAULT_LIMIT = 100
CHUNK_SIZE = 1 << 20

DICOM_JSON = "application/dicom+json"
MULTIPART_DICOM = 'multipart/related; type="application/dicom"; transfer-syntax=*'

# Tags of the DICOM JSON model (PS3.18 §F.2: eight upper-case hex digits).
_STUDY_DATE = "00080020"
_STUDY_TIME = "00080030"
_ACCESSION = "00080050"
_MODALITY = "00080060"
_MODALITIES_IN_STUDY = "00080061"
_SOP_CLASS = "00080016"
_SOP_INSTANCE = "00080018"
_TIMEZONE_OFFSET = "00080201"
_STUDY_DESCRIPTION = "00081030"
_SERIES_DESCRIPTION = "0008103E"
_AVAILABLE_TRANSFER_SYNTAX = "00083002"
_REFERENCED_SOP_INSTANCE = "00081155"
_FAILURE_REASON = "00081197"
_FAILED_SOP_SEQUENCE = "00081198"
_REFERENCED_SOP_SEQUENCE = "00081199"
_WARNING_REASON = "00081196"
_PATIENT_NAME = "00100010"
_PATIENT_ID = "00100020"
_PATIENT_BIRTH_DATE = "00100030"
_PATIENT_SEX = "00100040"
_OTHER_PATIENT_IDS = "00101000"
_STUDY_UID = "0020000D"
_SERIES_UID = "0020000E"
_SERIES_NUMBER = "00200011"
_INSTANCE_NUMBER = "00200013"
_IMAGE_POSITION = "00200032"
_STUDY_SERIES_COUNT = "00201206"
_STUDY_INSTANCE_COUNT = "00201208"
_SERIES_INSTANCE_COUNT = "00201209"
_FRAMES = "00280008"
_ROWS = "00280010"
_COLUMNS = "00280011"

_STUDY_FIELDS = (
    _STUDY_DESCRIPTION,
    _MODALITIES_IN_STUDY,
    _TIMEZONE_OFFSET,
    _OTHER_PATIENT_IDS,
    _STUDY_SERIES_COUNT,
    _STUDY_INSTANCE_COUNT,
)
_SERIES_FIELDS = (_SERIES_DESCRIPTION, _SERIES_NUMBER, _SERIES_INSTANCE_COUNT)
_INSTANCE_FIELDS = (
    _FRAMES,
    _ROWS,
    _COLUMNS,
    _IMAGE_POSITION,
    _AVAILABLE_TRANSFER_SYNTAX,
    _TIMEZONE_OFFSET,
)


# ====================================================================== errors


class PacsError(SyncError):
    """Talking to the PACS failed; `status` is the HTTP status when the PACS answered."""

    code = "pacs"

    def __init__(self, message_vi: str, message_en: str, *, status: int | None = None) -> None:
        super().__init__(message_vi, message_en)
        self.status = status


class PacsUnreachable(PacsError):
    """No answer: the link or the PACS is down (refused, timed out, cut). Work goes on
    offline with what this PC has cached."""

    code = "pacs_offline"


class PacsAuthFailed(PacsError):
    """The PACS refused this PC's credentials (401) or this account's access (403)."""

    code = "pacs_auth"


class PacsNotFound(PacsError):
    """The PACS has no such study, series or instance (404)."""

    code = "pacs_not_found"


class PacsBadAnswer(PacsError):
    """The PACS (or something in between) answered with something that is not DICOMweb:
    an HTML page, a body that is not DICOM, a multipart answer cut short."""

    code = "pacs_bad_answer"


def _bad_answer(host: str, what_vi: str, what_en: str) -> PacsBadAnswer:
    return PacsBadAnswer(
        f"PACS {host} trả lời không đúng chuẩn DICOMweb: {what_vi}. Kiểm tra địa chỉ PACS "
        "(phải là gốc DICOMweb, ví dụ …/dicom-web)",
        f"The PACS {host} did not answer in DICOMweb: {what_en}. Check the PACS address "
        "(it must be the DICOMweb root, e.g. …/dicom-web)",
    )


# ====================================================================== the client


class DicomWebClient:
    """A DICOMweb client for one PACS (QIDO-RS and WADO-RS).

    `base_url` is the DICOMweb root ("https://pacs/dicom-web"); authenticate with HTTP basic
    `auth=(user, password)` or an OAuth `bearer` token (not both). `session` may be shared
    (connection reuse); one made here is closed by `close()`. `timeout` is seconds, or
    (connect, read) seconds.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: tuple[str, str] | None = None,
        bearer: str | None = None,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError(
                "url",
                "format",
                f"Địa chỉ PACS phải là một URL http(s)://…: {base_url[:100]!r}",
                f"The PACS address must be an http(s)://… URL: {base_url[:100]!r}",
            )
        if auth is not None and bearer is not None:
            raise ValidationError(
                "auth",
                "choice",
                "Chỉ dùng một cách xác thực PACS: tên đăng nhập/mật khẩu hoặc mã truy cập",
                "Use one PACS authentication: user name and password, or a token",
            )
        self.base_url = base_url.rstrip("/")
        self.host = parts.netloc
        self.timeout = timeout
        self._own_session = session is None
        self.session = session if session is not None else requests.Session()
        self._auth = auth
        self._headers: dict[str, str] = {}
        if bearer is not None:
            self._headers["Authorization"] = f"Bearer {bearer}"

    def close(self) -> None:
        """Release the connections of a session made by this client."""
        if self._own_session:
            self.session.close()

    def __enter__(self) -> DicomWebClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ QIDO-RS

    def search_studies(
        self,
        patient_id: str | None = None,
        study_date_range: tuple[date | None, date | None] | None = None,
        modality: str | None = None,
        accession: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[DicomStudy]:
        """Studies matching every given criterion (exact PatientID and accession number;
        a study date range, either end open; a modality present in the study), at most
        `limit`, newest first. `series` is left empty: list them with `search_series`."""
        params: dict[str, str] = {}
        if patient_id is not None:
            params["PatientID"] = _criterion(patient_id, "patient_id", 64)
        if study_date_range is not None:
            params["StudyDate"] = _date_range(study_date_range)
        if modality is not None:
            code = _criterion(modality, "modality", 16).upper()
            if not code.replace("_", "").isalnum():
                raise ValidationError(
                    "modality",
                    "format",
                    f"Mã thiết bị chụp không hợp lệ: {modality!r} (ví dụ CT, MR, CR, US)",
                    f"Not a modality code: {modality!r} (e.g. CT, MR, CR, US)",
                )
            params["ModalitiesInStudy"] = code
        if accession is not None:
            params["AccessionNumber"] = _criterion(accession, "accession", 16)
        if limit < 1:
            raise ValidationError(
                "limit", "range", "Giới hạn phải lớn hơn 0", "The limit must be positive"
            )
        params["limit"] = str(limit)
        studies = [_study(item) for item in self._search("/studies", params, _STUDY_FIELDS)]
        studies.sort(key=lambda s: (s.study_at is not None, s.study_at), reverse=True)
        return studies

    def find_study(self, study_uid: str) -> DicomStudy:
        """One study with its series listed (`PacsNotFound` if the PACS does not have it)."""
        uid = require_uid(study_uid, "study_instance_uid")
        found = [
            _study(item)
            for item in self._search("/studies", {"StudyInstanceUID": uid}, _STUDY_FIELDS)
        ]
        study = next((s for s in found if s.study_instance_uid == uid), None)
        if study is None:
            raise PacsNotFound(
                f"PACS {self.host} không có ca chụp này",
                f"The PACS {self.host} does not have this study",
            )
        series = tuple(self.search_series(uid))
        return replace(
            study,
            series=series,
            modalities=study.modalities
            or tuple(dict.fromkeys(s.modality for s in series if s.modality)),
            instance_count=study.instance_count or sum(s.instances for s in series),
        )

    def search_series(self, study_uid: str) -> list[SeriesSummary]:
        """The series of a study, by series number."""
        uid = require_uid(study_uid, "study_instance_uid")
        found = [
            _series(item)
            for item in self._search(f"/studies/{uid}/series", {}, _SERIES_FIELDS)
            if _text(item, _SERIES_UID)
        ]
        found.sort(key=lambda s: (s.number is None, s.number or 0, s.series_instance_uid))
        return found

    def search_instances(self, study_uid: str, series_uid: str) -> list[DicomInstance]:
        """The instances of a series with what QIDO-RS tells of them (uids, number, size,
        frames, the patient and study as the PACS has them), by instance number."""
        study = require_uid(study_uid, "study_instance_uid")
        series = require_uid(series_uid, "series_instance_uid")
        found = [
            _instance(item, study, series)
            for item in self._search(
                f"/studies/{study}/series/{series}/instances", {}, _INSTANCE_FIELDS
            )
            if _text(item, _SOP_INSTANCE)
        ]
        found.sort(
            key=lambda i: (i.instance_number is None, i.instance_number or 0, i.sop_instance_uid)
        )
        return found

    # ------------------------------------------------------------------ WADO-RS

    def retrieve_instance(self, study_uid: str, series_uid: str, sop_uid: str) -> bytes:
        """One instance as a DICOM file (the bytes the PACS stores, not transcoded)."""
        path = "/studies/{}/series/{}/instances/{}".format(
            require_uid(study_uid, "study_instance_uid"),
            require_uid(series_uid, "series_instance_uid"),
            require_uid(sop_uid, "sop_instance_uid"),
        )
        parts = list(self._retrieve(path))
        if len(parts) != 1:
            raise _bad_answer(
                self.host,
                f"{len(parts)} tệp thay vì một",
                f"{len(parts)} files instead of one",
            )
        return parts[0]

    def retrieve_series(self, study_uid: str, series_uid: str) -> Iterator[bytes]:
        """The instances of a series as DICOM files, one at a time, as they arrive."""
        path = "/studies/{}/series/{}".format(
            require_uid(study_uid, "study_instance_uid"),
            require_uid(series_uid, "series_instance_uid"),
        )
        return self._retrieve(path)

    def retrieve_study(self, study_uid: str) -> Iterator[bytes]:
        """Every instance of a study as DICOM files, one at a time, as they arrive."""
        return self._retrieve(f"/studies/{require_uid(study_uid, 'study_instance_uid')}")

    # ------------------------------------------------------------------ STOW-RS

    def store_instances(
        self, files: Iterable[bytes], *, study_uid: str | None = None
    ) -> StoreResult:
        """Send DICOM files to the PACS (STOW-RS, PS3.18 §10.5) in one request, streamed:
        each file is read from `files` as the previous one has gone out, so a study of
        hundreds of megabytes is never whole in memory.

        With `study_uid` the request goes to `{base}/studies/{uid}`, and the PACS refuses any
        file of another study; without, to `{base}/studies`. The PACS's answer (a DICOM JSON
        object: ReferencedSOPSequence for what it stored, FailedSOPSequence for what it did
        not) is read whatever its status (200 all stored, 202 some failed or with warnings,
        409 or 400 none or some failed), and given back per SOPInstanceUID. Errors are the
        same as for a retrieve: `PacsUnreachable`, `PacsAuthFailed`, `PacsBadAnswer`, ….
        """
        path = "/studies"
        if study_uid is not None:
            path += "/" + require_uid(study_uid, "study_instance_uid")
        boundary = f"emr-stow-{secrets.token_hex(16)}"
        headers = {
            **self._headers,
            "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}',
            "Accept": DICOM_JSON,
        }
        sent = _Counter()
        try:
            response = self.session.post(
                self.base_url + path,
                data=_stow_body(files, boundary, sent),
                headers=headers,
                auth=self._auth,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise self._unreachable(exc) from exc
        with response:
            answer = self._stow_answer(response)
        result = StoreResult(
            status=response.status_code,
            sent=sent.count,
            stored=frozenset(_text(item, _REFERENCED_SOP_INSTANCE) or "" for item in answer[0])
            - {""},
            failed={
                sop: _int(item, _FAILURE_REASON)
                for item in answer[1]
                if (sop := _text(item, _REFERENCED_SOP_INSTANCE))
            },
        )
        # Counts only: the uids are the study's, and the study is a patient's.
        log.info(
            "PACS %s store: HTTP %s, %d sent, %d stored, %d failed",
            self.host,
            result.status,
            result.sent,
            len(result.stored),
            len(result.failed),
        )
        return result

    def _stow_answer(
        self, response: requests.Response
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(ReferencedSOPSequence items, FailedSOPSequence items) of a STOW-RS answer."""
        status = response.status_code
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        payload: Any = None
        # Orthanc sends its failure answers (400, 409) with no Content-Type at all.
        if media in (DICOM_JSON, "application/json", "") and response.content.strip():
            try:
                payload = response.json()
            except ValueError:
                payload = None
        # Some servers wrap the one object in a list.
        if isinstance(payload, list) and len(payload) == 1:
            payload = payload[0]
        if not isinstance(payload, dict) or not (
            _REFERENCED_SOP_SEQUENCE in payload or _FAILED_SOP_SEQUENCE in payload
        ):
            if status >= 400:
                raise self._refused(status)
            raise _bad_answer(
                self.host,
                "câu trả lời lưu ảnh (STOW-RS) không có danh sách ảnh đã lưu",
                "the answer to a store (STOW-RS) lists no stored instance",
            )
        if status in (401, 403):
            raise self._refused(status)
        return (
            [v for v in _values(payload, _REFERENCED_SOP_SEQUENCE) if isinstance(v, dict)],
            [v for v in _values(payload, _FAILED_SOP_SEQUENCE) if isinstance(v, dict)],
        )

    # ------------------------------------------------------------------ transport

    def _unreachable(self, exc: requests.RequestException) -> PacsUnreachable:
        if isinstance(exc, requests.Timeout):
            return PacsUnreachable(
                f"PACS {self.host} không trả lời kịp; đường truyền có thể đang gián đoạn. "
                "Máy vẫn làm việc bình thường với ảnh đã lưu trên máy",
                f"The PACS {self.host} did not answer in time; the link may be down. "
                "This PC keeps working with the images it has cached",
            )
        return PacsUnreachable(
            f"Không kết nối được PACS {self.host} ({type(exc).__name__}); đường truyền "
            "hoặc PACS đang ngừng. Máy vẫn làm việc bình thường với ảnh đã lưu trên máy",
            f"Cannot reach the PACS {self.host} ({type(exc).__name__}); the link or the "
            "PACS is down. This PC keeps working with the images it has cached",
        )

    def _get(self, path: str, params: Sequence[tuple[str, str]], accept: str) -> requests.Response:
        url = self.base_url + path
        try:
            response = self.session.get(
                url,
                params=params,
                headers={**self._headers, "Accept": accept},
                auth=self._auth,
                timeout=self.timeout,
                stream=True,
            )
        except requests.RequestException as exc:
            raise self._unreachable(exc) from exc
        if response.status_code >= 400:
            response.close()
            raise self._refused(response.status_code)
        # The level asked for, never the uids or criteria (a PatientID is the patient's).
        level = next((s for s in reversed(path.split("/")) if s and not s[0].isdigit()), "")
        log.info("PACS %s %s: HTTP %s", self.host, level, response.status_code)
        return response

    def _refused(self, status: int) -> PacsError:
        host = self.host
        if status == 401:
            return PacsAuthFailed(
                f"PACS {host} từ chối tên đăng nhập hoặc mật khẩu (HTTP 401); quản trị viên "
                "kiểm tra lại cấu hình PACS (`emr-admin pacs set`)",
                f"The PACS {host} refused the user name or password (HTTP 401); an "
                "administrator should check the PACS settings (`emr-admin pacs set`)",
                status=status,
            )
        if status == 403:
            return PacsAuthFailed(
                f"PACS {host} không cho tài khoản này truy cập (HTTP 403)",
                f"The PACS {host} does not allow this account access (HTTP 403)",
                status=status,
            )
        if status == 404:
            return PacsNotFound(
                f"PACS {host} không có ca chụp, loạt ảnh hoặc ảnh này (HTTP 404), hoặc địa chỉ "
                "không phải gốc DICOMweb",
                f"The PACS {host} has no such study, series or instance (HTTP 404), or the "
                "address is not a DICOMweb root",
                status=status,
            )
        if status in (406, 415):
            return PacsBadAnswer(
                f"PACS {host} không gửi được ảnh ở dạng DICOM gốc (HTTP {status})",
                f"The PACS {host} cannot send the images as stored DICOM (HTTP {status})",
                status=status,
            )
        if status >= 500:
            return PacsError(
                f"PACS {host} gặp lỗi nội bộ (HTTP {status}); thử lại sau hoặc báo bộ phận "
                "quản lý PACS",
                f"The PACS {host} had an internal error (HTTP {status}); try again later or "
                "tell whoever runs the PACS",
                status=status,
            )
        return PacsError(
            f"PACS {host} từ chối yêu cầu (HTTP {status}); kiểm tra địa chỉ PACS (phải là gốc "
            "DICOMweb, ví dụ …/dicom-web)",
            f"The PACS {host} refused the request (HTTP {status}); check the PACS address (it "
            "must be the DICOMweb root, e.g. …/dicom-web)",
            status=status,
        )

    def _search(
        self, path: str, params: dict[str, str], fields: Iterable[str]
    ) -> list[dict[str, Any]]:
        query = [*params.items(), *(("includefield", tag) for tag in fields)]
        with self._get(path, query, f"{DICOM_JSON}, application/json;q=0.9") as response:
            if response.status_code == 204:
                return []
            media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if media not in (DICOM_JSON, "application/json"):
                raise _bad_answer(
                    self.host,
                    f"nhận được {media or 'không rõ kiểu'} thay vì DICOM JSON",
                    f"got {media or 'no content type'} instead of DICOM JSON",
                )
            try:
                payload = response.json() if response.content.strip() else []
            except ValueError as exc:
                raise _bad_answer(self.host, "JSON hỏng", "malformed JSON") from exc
            except requests.RequestException as exc:
                raise self._cut(exc) from exc
        if not isinstance(payload, list) or not all(
            isinstance(item, dict) and all(isinstance(v, dict) for v in item.values())
            for item in payload
        ):
            raise _bad_answer(self.host, "không phải danh sách DICOM JSON", "not a DICOM JSON list")
        return payload

    def _retrieve(self, path: str) -> Iterator[bytes]:
        response = self._get(path, (), MULTIPART_DICOM)
        media, options = _content_type(response.headers.get("Content-Type", ""))
        return self._parts(response, media, options)

    def _parts(
        self, response: requests.Response, media: str, options: dict[str, str]
    ) -> Iterator[bytes]:
        with response:
            if media == "application/dicom":
                # A single instance sent bare: allowed by some servers for one instance.
                yield _checked_dicom(self.host, self._read_all(response))
                return
            boundary = options.get("boundary", "")
            if media != "multipart/related" or not boundary:
                raise _bad_answer(
                    self.host,
                    f"nhận được {media or 'không rõ kiểu'} thay vì multipart/related DICOM",
                    f"got {media or 'no content type'} instead of multipart/related DICOM",
                )
            parts = iter_multipart(self._chunks(response), boundary.encode("ascii", "replace"))
            while True:
                try:
                    headers, body = next(parts)
                except StopIteration:
                    return
                except MultipartError as exc:
                    raise _bad_answer(
                        self.host, f"phần multipart hỏng ({exc})", f"broken multipart ({exc})"
                    ) from exc
                part_type = headers.get("content-type", "application/dicom")
                if part_type.split(";")[0].strip().lower() != "application/dicom":
                    raise _bad_answer(
                        self.host,
                        f"một phần là {part_type[:60]} thay vì application/dicom",
                        f"a part is {part_type[:60]} instead of application/dicom",
                    )
                yield _checked_dicom(self.host, body)

    def _chunks(self, response: requests.Response) -> Iterator[bytes]:
        try:
            yield from response.iter_content(CHUNK_SIZE)
        except requests.RequestException as exc:
            raise self._cut(exc) from exc

    def _read_all(self, response: requests.Response) -> bytes:
        return b"".join(self._chunks(response))

    def _cut(self, exc: BaseException) -> PacsUnreachable:
        return PacsUnreachable(
            f"Kết nối tới PACS {self.host} bị ngắt giữa chừng ({type(exc).__name__}); "
            "thử lại khi đường truyền ổn định",
            f"The connection to the PACS {self.host} broke off ({type(exc).__name__}); "
            "try again when the link is steady",
        )


# ====================================================================== STOW-RS


@dataclass(frozen=True)
class StoreResult:
    """What the PACS said of a store: the SOPInstanceUIDs it stored, and those it refused
    with their FailureReason (PS3.4 / PS3.18 codes, e.g. 0x0110 processing failure, 0xA700
    out of resources, 0xC000 cannot understand; None when it gave none)."""

    status: int
    #: How many files went out.
    sent: int
    stored: frozenset[str]
    failed: Mapping[str, int | None] = field(hash=False)


#: What the usual FailureReason codes mean (PS3.4 Annex B, PS3.18 §10.5.3).
FAILURE_REASONS: dict[int, tuple[str, str]] = {
    0x0110: ("PACS không xử lý được ảnh", "processing failure"),
    0x0122: ("PACS không nhận loại ảnh này (SOP Class)", "SOP class not supported"),
    0x0124: ("PACS không cho phép lưu", "not authorized"),
    0xA700: ("PACS hết chỗ lưu", "out of resources"),
    0xA900: ("dữ liệu không khớp loại ảnh", "data set does not match the SOP class"),
    0xC000: ("PACS không đọc được tệp", "cannot understand"),
    0xC122: ("PACS không nhận cú pháp truyền này", "transfer syntax not supported"),
}


def failure_text(code: int | None) -> tuple[str, str]:
    """A FailureReason as (Vietnamese, English) text: "0x0110: processing failure"."""
    if code is None:
        return ("PACS không nêu lý do", "the PACS gave no reason")
    vi, en = FAILURE_REASONS.get(code, ("lỗi khác", "other failure"))
    return (f"0x{code:04X}: {vi}", f"0x{code:04X}: {en}")


class _Counter:
    """How many parts a streamed body has sent (read once the request is over)."""

    def __init__(self) -> None:
        self.count = 0


def _stow_body(files: Iterable[bytes], boundary: str, sent: _Counter) -> Iterator[bytes]:
    """A multipart/related body, part by part: each file is taken from `files` only when
    the previous one has been written to the socket."""
    for data in files:
        yield (
            f"--{boundary}\r\nContent-Type: application/dicom\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        ).encode("ascii")
        yield data
        yield b"\r\n"
        sent.count += 1
    yield f"--{boundary}--\r\n".encode("ascii")


# ====================================================================== multipart/related


class MultipartError(ValueError):
    """A multipart body that does not follow RFC 2046 (cut short, no closing delimiter)."""


def _content_type(value: str) -> tuple[str, dict[str, str]]:
    """The media type of a Content-Type header (lower case) and its parameters."""
    header = Message()
    header["Content-Type"] = value
    options: dict[str, str] = {}
    for name, param in header.get_params(failobj=[])[1:]:
        options[name.lower()] = param if isinstance(param, str) else str(param[2])
    return (header.get_content_type() if value.strip() else ""), options


class _Buffer:
    """Bytes arriving from an iterator of chunks, read from the front."""

    def __init__(self, chunks: Iterable[bytes], start: bytes = b"") -> None:
        self._chunks = iter(chunks)
        self.data = bytearray(start)

    def more(self) -> bool:
        """Append the next non-empty chunk; False at the end of the stream."""
        for chunk in self._chunks:
            if chunk:
                self.data += chunk
                return True
        return False

    def fill(self, size: int) -> bool:
        """Read until `size` bytes are buffered; False if the stream ends first."""
        while len(self.data) < size:
            if not self.more():
                return False
        return True

    def find(self, pattern: bytes, start: int = 0) -> int:
        """The offset of `pattern` at or after `start`, reading as needed; -1 at the end."""
        searched = start
        while True:
            at = self.data.find(pattern, searched)
            if at >= 0:
                return at
            searched = max(start, len(self.data) - len(pattern) + 1)
            if not self.more():
                return -1

    def take(self, size: int) -> bytes:
        """Remove and return the first `size` bytes."""
        out = bytes(self.data[:size])
        del self.data[:size]
        return out


def iter_multipart(
    chunks: Iterable[bytes], boundary: bytes
) -> Iterator[tuple[dict[str, str], bytes]]:
    """The parts of a multipart body (RFC 2046) arriving as `chunks`: (headers with
    lower-case names, body), one at a time, holding no more than one part in memory.

    A part with a valid Content-Length is read by length; otherwise up to the next
    delimiter. Raises `MultipartError` if the body is cut short or malformed.
    """
    if not boundary or len(boundary) > 200:
        raise MultipartError("invalid boundary")
    delimiter = b"\r\n--" + boundary
    # A leading CRLF lets the first delimiter (which may open the body) match like the others.
    buf = _Buffer(chunks, b"\r\n")
    at = buf.find(delimiter)
    if at < 0:
        raise MultipartError("no delimiter")
    del buf.data[: at + len(delimiter)]
    while True:
        # After a delimiter: "--" closes the body; otherwise optional padding, then CRLF.
        if not buf.fill(2):
            raise MultipartError("cut short after a delimiter")
        if buf.data[:2] == b"--":
            return
        line_end = buf.find(b"\r\n")
        if line_end < 0 or buf.data[:line_end].strip(b" \t"):
            raise MultipartError("garbage after a delimiter")
        del buf.data[: line_end + 2]
        headers_end = 0 if buf.fill(2) and buf.data[:2] == b"\r\n" else buf.find(b"\r\n\r\n")
        if headers_end < 0:
            raise MultipartError("cut short in the part headers")
        headers = _part_headers(bytes(buf.data[:headers_end]))
        del buf.data[: headers_end + (2 if headers_end == 0 else 4)]
        length = _content_length(headers)
        end = -1
        if (
            length is not None
            and buf.fill(length + len(delimiter))
            and buf.data[length : length + len(delimiter)] == delimiter
        ):
            end = length
        if end < 0:
            end = buf.find(delimiter)
            if end < 0:
                raise MultipartError("cut short in a part")
        body = buf.take(end)
        del buf.data[: len(delimiter)]
        yield headers, body


def _part_headers(raw: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in raw.decode("latin-1").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


def _content_length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-length", "")
    return int(value) if value.isdigit() else None


def _checked_dicom(host: str, data: bytes) -> bytes:
    """`data` if it is a DICOM file (128-byte preamble, then "DICM")."""
    if len(data) < 132 or data[128:132] != b"DICM":
        raise _bad_answer(
            host,
            "nội dung nhận được không phải tệp DICOM",
            "what came back is not a DICOM file",
        )
    return data


# ====================================================================== DICOM JSON model


def _criterion(value: str, field: str, limit: int) -> str:
    text = value.strip()
    if not text or len(text) > limit or any(c in text for c in "*?\\") or not text.isprintable():
        raise ValidationError(
            field,
            "format",
            f"Giá trị tìm kiếm không hợp lệ (tối đa {limit} ký tự, không có * ? \\)",
            f"Not a valid search value (at most {limit} characters, no * ? \\)",
        )
    return text


def _date_range(bounds: tuple[date | None, date | None]) -> str:
    start, end = bounds
    if start is None and end is None:
        raise ValidationError(
            "study_date_range",
            "required",
            "Khoảng ngày cần ít nhất một đầu",
            "A date range needs at least one end",
        )
    if start is not None and end is not None and start > end:
        raise ValidationError(
            "study_date_range",
            "order",
            "Ngày bắt đầu phải trước ngày kết thúc",
            "The start date must come before the end date",
        )
    fmt = "%Y%m%d"
    return f"{start.strftime(fmt) if start else ''}-{end.strftime(fmt) if end else ''}"


def _values(item: Mapping[str, Any], tag: str) -> list[Any]:
    element = item.get(tag)
    if not isinstance(element, dict):
        return []
    values = element.get("Value")
    return values if isinstance(values, list) else []


def _text(item: Mapping[str, Any], tag: str) -> str | None:
    values = _values(item, tag)
    if not values or values[0] is None:
        return None
    first = values[0]
    if isinstance(first, dict):  # a person name
        return _person_name(first)
    text = str(first).strip()
    return text or None


def _texts(item: Mapping[str, Any], tag: str) -> tuple[str, ...]:
    out = (str(v).strip() for v in _values(item, tag) if isinstance(v, str | int | float))
    return tuple(dict.fromkeys(v for v in out if v))


def _person_name(value: Mapping[str, Any]) -> str | None:
    """A PN value ({"Alphabetic": "NGUYEN^VAN A"}) as shown, read as files are read."""
    groups = [value.get(k) for k in ("Alphabetic", "Ideographic", "Phonetic")]
    return display_name("=".join(g if isinstance(g, str) else "" for g in groups))


def _int(item: Mapping[str, Any], tag: str) -> int | None:
    values = _values(item, tag)
    if not values:
        return None
    try:
        return int(float(values[0]))
    except (TypeError, ValueError):
        return None


def _position(item: Mapping[str, Any]) -> tuple[float, float, float] | None:
    """ImagePositionPatient: three numbers (DS values come as numbers or as text)."""
    values = _values(item, _IMAGE_POSITION)
    if len(values) != 3:
        return None
    try:
        x, y, z = (float(v) for v in values)
    except (TypeError, ValueError):
        return None
    return (x, y, z)


def _date(item: Mapping[str, Any], tag: str) -> date | None:
    text = (_text(item, tag) or "").replace(".", "")  # ACR-NEMA wrote 2004.01.19
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _time(item: Mapping[str, Any], tag: str) -> time | None:
    text = (_text(item, tag) or "").replace(":", "")
    whole, _, fraction = text.partition(".")
    if not whole.isdigit() or len(whole) not in (2, 4, 6):
        return None
    hour, minute, second = (int(whole[i : i + 2] or 0) for i in (0, 2, 4))
    micro = int((fraction + "000000")[:6]) if fraction.isdigit() else 0
    try:
        return time(hour, minute, second, micro)
    except ValueError:
        return None


def _utc_offset(item: Mapping[str, Any]) -> int | None:
    """TimezoneOffsetFromUTC ("+0700", "-0500") in minutes."""
    text = _text(item, _TIMEZONE_OFFSET) or ""
    match = re.fullmatch(r"([+-])(\d{2})(\d{2})", text)
    if match is None:
        return None
    minutes = int(match.group(2)) * 60 + int(match.group(3))
    return -minutes if match.group(1) == "-" else minutes


def _study_at(day: date | None, at: time | None, offset_minutes: int | None) -> datetime | None:
    """StudyDate + StudyTime as a UTC moment, read as `DicomInstance.study_at` reads them: the
    DICOM's own offset if it gives one, else Vietnamese time. None without a date."""
    if day is None:
        return None
    zone = VIETNAM_TZ if offset_minutes is None else timezone(timedelta(minutes=offset_minutes))
    return datetime.combine(day, at or time(0, 0), tzinfo=zone).astimezone(UTC)


def _study(item: Mapping[str, Any]) -> DicomStudy:
    uid = _text(item, _STUDY_UID)
    if uid is None:
        raise PacsBadAnswer(
            "PACS trả về một ca chụp không có StudyInstanceUID",
            "The PACS returned a study without a StudyInstanceUID",
        )
    return DicomStudy(
        study_instance_uid=uid,
        patient_id=_text(item, _PATIENT_ID),
        patient_name=_text(item, _PATIENT_NAME),
        patient_birth_date=_date(item, _PATIENT_BIRTH_DATE),
        patient_sex=_text(item, _PATIENT_SEX),
        other_patient_ids=_texts(item, _OTHER_PATIENT_IDS),
        study_at=_study_at(_date(item, _STUDY_DATE), _time(item, _STUDY_TIME), _utc_offset(item)),
        description=_text(item, _STUDY_DESCRIPTION),
        accession_number=_text(item, _ACCESSION),
        modalities=_texts(item, _MODALITIES_IN_STUDY),
        series=(),
        instance_count=_int(item, _STUDY_INSTANCE_COUNT) or 0,
    )


def _series(item: Mapping[str, Any]) -> SeriesSummary:
    return SeriesSummary(
        series_instance_uid=_text(item, _SERIES_UID) or "",
        number=_int(item, _SERIES_NUMBER),
        modality=_text(item, _MODALITY) or "",
        description=_text(item, _SERIES_DESCRIPTION),
        instances=_int(item, _SERIES_INSTANCE_COUNT) or 0,
    )


def _instance(item: Mapping[str, Any], study_uid: str, series_uid: str) -> DicomInstance:
    return DicomInstance(
        sop_instance_uid=_text(item, _SOP_INSTANCE) or "",
        sop_class_uid=_text(item, _SOP_CLASS) or "",
        study_instance_uid=_text(item, _STUDY_UID) or study_uid,
        series_instance_uid=_text(item, _SERIES_UID) or series_uid,
        instance_number=_int(item, _INSTANCE_NUMBER),
        modality=_text(item, _MODALITY) or "",
        transfer_syntax_uid=_text(item, _AVAILABLE_TRANSFER_SYNTAX) or "",
        rows=_int(item, _ROWS),
        columns=_int(item, _COLUMNS),
        frames=max(1, _int(item, _FRAMES) or 1),
        patient_id=_text(item, _PATIENT_ID),
        patient_name=_text(item, _PATIENT_NAME),
        patient_birth_date=_date(item, _PATIENT_BIRTH_DATE),
        patient_sex=_text(item, _PATIENT_SEX),
        study_date=_date(item, _STUDY_DATE),
        study_time=_time(item, _STUDY_TIME),
        utc_offset_minutes=_utc_offset(item),
        series_number=_int(item, _SERIES_NUMBER),
        image_position=_position(item),
    )
