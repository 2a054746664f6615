"""The HTTP side of sync: one method per endpoint of `core.wire`, nothing else.

The `requests.Session` is injected so that tests can give a fake or a fault-injecting
transport. Every failure, from a refused connection to a malformed answer, becomes a
`SyncError` with a Vietnamese and an English message.
"""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from emr_desktop import __version__
from emr_desktop.core.errors import SyncError, ValidationError
from emr_desktop.core.wire import PROTOCOL_VERSION, Op

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
#: Ops per pulled page: the most the server sends (`MAX_PULL_LIMIT` since protocol 1).
#: Fewer round trips and fewer commits; about 250 kB compressed at most.
PULL_LIMIT = 2000
#: This program's version, sent on every request; the server may refuse versions older than
#: its minimum (`emr_sync.versions`, which defines the same header name).
CLIENT_VERSION_HEADER = "X-EMR-Client-Version"


class UpdateRequired(SyncError):
    """The server no longer accepts this program (HTTP 426): its protocol, or its version
    when the server has a minimum client version (then both versions are known)."""

    code = "update_required"

    def __init__(
        self, client_version: str | None = None, min_client_version: str | None = None
    ) -> None:
        self.client_version = client_version
        self.min_client_version = min_client_version
        if min_client_version is not None:
            shown = client_version or "?"
            super().__init__(
                f"Phiên bản {shown} cũ hơn phiên bản tối thiểu {min_client_version} của máy "
                "chủ: cần cập nhật; vẫn làm việc ngoại tuyến được (dữ liệu được giữ lại và "
                "sẽ được gửi sau khi cập nhật)",
                f"Version {shown} is older than the server's minimum version "
                f"{min_client_version}: update required; this PC keeps working offline (its "
                "changes are kept and will be sent once it is updated)",
            )
            return
        super().__init__(
            "Máy chủ yêu cầu cập nhật chương trình EMR Desktop lên phiên bản mới để đồng bộ. "
            "Máy này vẫn làm việc bình thường khi không đồng bộ; dữ liệu được giữ lại và "
            "sẽ được gửi sau khi cập nhật.",
            "The server requires EMR Desktop to be updated to a newer version before it can "
            "sync. This PC keeps working offline; its changes are kept and will be sent once "
            "the program is updated.",
        )

    def to_dict(self) -> dict[str, str]:
        versions = {
            "client_version": self.client_version,
            "min_client_version": self.min_client_version,
        }
        return {**super().to_dict(), **{k: v for k, v in versions.items() if v is not None}}


class ServerRefused(SyncError):
    """The server answered with an error (4xx/5xx) other than 426."""

    code = "server_refused"

    def __init__(self, status: int, error_code: str, message_vi: str, message_en: str) -> None:
        super().__init__(message_vi, message_en)
        self.status = status
        self.error_code = error_code


@dataclass(frozen=True)
class Health:
    protocols: list[int]
    server_time_ms: int
    #: The oldest EMR Desktop version the server syncs with; None: no minimum (or a server
    #: from before the rule).
    min_client_version: str | None = None


@dataclass(frozen=True)
class Enrollment:
    """What the server says about this PC once it accepts the enrollment code."""

    device_id: str
    device_number: int
    facility_id: str
    facility_code: str
    facility_name: str
    credential: str


@dataclass(frozen=True)
class PushResult:
    acked: list[str]
    server_time_ms: int
    skew_ms: int
    clamped: list[str]
    #: Stamps the server kept instead of this PC's (its clock was too far ahead).
    clamped_hlcs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PullPage:
    ops: list[Op]
    next: str
    more: bool
    server_time_ms: int
    #: The server sent this device's own ops too (asked with `own`; older servers do not).
    own: bool = False


@dataclass(frozen=True)
class AuditAck:
    """What `/v1/audit` answers: the batch's last row, now held by the server (None for an
    empty batch), and the last row of this device's chain on the server."""

    acked_seq: int | None
    acked_hash: str | None
    last_seq: int | None
    #: `core.auditchain.GENESIS` when the server holds no row of this device.
    last_hash: str
    #: The server started a new branch for a restored chain (`restored_from`).
    forked: bool = False


class SyncClient:
    """Talks to the central server at `base_url` (e.g. `https://emr.ttyt.vn`)."""

    def __init__(
        self,
        base_url: str,
        *,
        session: requests.Session | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        credential: str | None = None,
        pull_limit: int = PULL_LIMIT,
        client_version: str = __version__,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.timeout = timeout
        self.credential = credential
        self.pull_limit = pull_limit
        #: Sent in `CLIENT_VERSION_HEADER`: the installed package's version.
        self.client_version = client_version

    # ------------------------------------------------------------------ endpoints

    def health(self) -> Health:
        """Whether the server is up, which protocols it speaks, its clock."""
        data = self._request("GET", "/v1/health", auth=False)
        minimum = data.get("min_client_version")
        return Health(
            protocols=[int(p) for p in _get(data, "protocols", list)],
            server_time_ms=_get(data, "server_time_ms", int),
            min_client_version=str(minimum) if minimum else None,
        )

    def enroll(
        self, *, code: str, device_id: str, device_name: str, replace: bool = False
    ) -> Enrollment:
        """Trade a one-time enrollment code for this PC's device credential; `replace`
        re-enrolls a device id the server knows (its old credential stops working)."""
        data = self._request(
            "POST",
            "/v1/enroll",
            body={
                "protocol": PROTOCOL_VERSION,
                "code": code,
                "device_id": device_id,
                "device_name": device_name,
                "replace": replace,
            },
            auth=False,
        )
        return Enrollment(
            device_id=_get(data, "device_id", str),
            device_number=_get(data, "device_number", int),
            facility_id=_get(data, "facility_id", str),
            facility_code=_get(data, "facility_code", str),
            facility_name=_get(data, "facility_name", str),
            credential=_get(data, "credential", str),
        )

    def push(self, *, device_id: str, ops: list[Op]) -> PushResult:
        """Send a batch of outbox ops; the server acknowledges each by op id."""
        data = self._request(
            "POST",
            "/v1/push",
            body={
                "protocol": PROTOCOL_VERSION,
                "device_id": device_id,
                "ops": [op.to_wire() for op in ops],
            },
        )
        return PushResult(
            acked=[str(x) for x in _get(data, "acked", list)],
            server_time_ms=_get(data, "server_time_ms", int),
            skew_ms=int(data.get("skew_ms") or 0),
            clamped=[str(x) for x in data.get("clamped") or []],
            clamped_hlcs={str(k): str(v) for k, v in (data.get("clamped_hlcs") or {}).items()},
        )

    def pull(self, *, after: str, limit: int | None = None, own: bool = False) -> PullPage:
        """One page of the facility's ops after `after` (the cursor of the previous page);
        `own` asks for this device's own ops too (a PC restored from a backup)."""
        params = {
            "after": after,
            "limit": str(limit or self.pull_limit),
            "protocol": str(PROTOCOL_VERSION),
        }
        if own:
            params["own"] = "1"
        data = self._request("GET", "/v1/pull", params=params)
        try:
            ops = [Op.from_wire(item) for item in _get(data, "ops", list)]
        except ValidationError as exc:
            raise _malformed(exc.message_en) from exc
        return PullPage(
            ops=ops,
            next=str(_get(data, "next", (str, int))),
            more=bool(_get(data, "more", bool)),
            server_time_ms=_get(data, "server_time_ms", int),
            own=data.get("own") is True,
        )

    def push_audit(
        self, *, device_id: str, rows: list[dict[str, Any]], restored_from: str | None = None
    ) -> AuditAck:
        """Send audit rows of this device, in order (`core.auditchain.WIRE_FIELDS`);
        `restored_from` declares a restored store's chain (see `emr_sync.audit`). An empty
        batch asks for the server's last row of this device."""
        body: dict[str, Any] = {"protocol": PROTOCOL_VERSION, "device_id": device_id, "rows": rows}
        if restored_from is not None:
            body["restored_from"] = restored_from
        data = self._request("POST", "/v1/audit", body=body)
        acked_seq, acked_hash = data.get("acked_seq"), data.get("acked_hash")
        last_seq = data.get("last_seq")
        if rows and (acked_seq != rows[-1]["seq"] or acked_hash != rows[-1]["hash"]):
            raise _malformed("acked_seq")
        if last_seq is not None and not isinstance(last_seq, int):
            raise _malformed("last_seq")
        return AuditAck(
            acked_seq=acked_seq,
            acked_hash=acked_hash,
            last_seq=last_seq,
            last_hash=_get(data, "last_hash", str),
            forked=data.get("forked") is True,
        )

    def upload_attachment(self, event_id: str, data: bytes) -> bool:
        """Send the bytes of attachment event `event_id` (whose op the server already holds).

        Sent as they are: scans, PDFs and images hardly compress. Returns whether the server
        stored them now (False: it held them already, e.g. after a lost answer).
        """
        answer = self._request(
            "PUT",
            _attachment_path(event_id),
            raw=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        if _get(answer, "event_id", str) != event_id:
            raise _malformed("event_id")
        return bool(_get(answer, "stored", bool))

    def download_attachment(self, event_id: str) -> bytes:
        """The bytes of attachment event `event_id`, as the server holds them (unchecked:
        the caller compares them with the event's SHA-256)."""
        response = self._send(
            "GET",
            _attachment_path(event_id),
            headers={"Accept": "application/octet-stream", "Accept-Encoding": "identity"},
        )
        return response.content

    # ------------------------------------------------------------------ transport

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        raw: bytes | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> dict[str, Any]:
        """A request answered by a JSON object; `body` is sent as gzipped JSON, `raw` as is."""
        headers = {"Accept": "application/json", **(headers or {})}
        data = raw
        if body is not None:
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            data = gzip.compress(text, compresslevel=6)
            headers["Content-Type"] = "application/json"
            headers["Content-Encoding"] = "gzip"
        response = self._send(method, path, data=data, params=params, headers=headers, auth=auth)
        try:
            payload = response.json()
        except ValueError as exc:
            raise _malformed("not JSON") from exc
        if not isinstance(payload, dict):
            raise _malformed("not a JSON object")
        return payload

    def _send(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> requests.Response:
        """One request; every failure, transport or HTTP status, as a `SyncError`."""
        headers = {
            "X-EMR-Protocol": str(PROTOCOL_VERSION),
            CLIENT_VERSION_HEADER: self.client_version,
            **(headers or {}),
        }
        if auth:
            if not self.credential:
                raise SyncError(
                    "Máy này chưa được đăng ký với máy chủ; chạy `emr-admin enroll`",
                    "This PC is not enrolled with the server; run `emr-admin enroll`",
                )
            headers["Authorization"] = f"Bearer {self.credential}"
        url = self.base_url + path
        try:
            response = self.session.request(
                method, url, data=data, params=params, headers=headers, timeout=self.timeout
            )
        except requests.Timeout as exc:
            raise SyncError(
                f"Máy chủ không trả lời trong {self.timeout:g} giây ({self.base_url})",
                f"The server did not answer within {self.timeout:g} s ({self.base_url})",
            ) from exc
        except requests.RequestException as exc:
            raise SyncError(
                f"Không kết nối được máy chủ {self.base_url}: {type(exc).__name__}",
                f"Cannot reach the server {self.base_url}: {type(exc).__name__}",
            ) from exc
        if response.status_code == 426:
            raise _update_required(response, self.client_version)
        if response.status_code >= 400:
            raise _refused(response)
        return response


def _attachment_path(event_id: str) -> str:
    return "/v1/attachments/" + quote(event_id, safe="")


def _update_required(response: requests.Response, own_version: str) -> UpdateRequired:
    """The 426's versions when the server says them (a minimum client version)."""
    error = _error_body(response)
    minimum = error.get("min_client_version")
    if not isinstance(minimum, str) or not minimum:
        return UpdateRequired()
    reported = error.get("client_version")
    return UpdateRequired(reported if isinstance(reported, str) else own_version, minimum)


def _error_body(response: requests.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    error = payload.get("error") if isinstance(payload, dict) else None
    return error if isinstance(error, dict) else {}


def _refused(response: requests.Response) -> ServerRefused:
    error: dict[str, Any] = {}
    try:
        payload = response.json()
        if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
            error = payload["error"]
    except ValueError:
        pass
    status = response.status_code
    vi = str(error.get("message_vi") or f"Máy chủ từ chối yêu cầu (HTTP {status})")
    en = str(error.get("message_en") or f"The server refused the request (HTTP {status})")
    return ServerRefused(status, str(error.get("code") or f"http_{status}"), vi, en)


def _malformed(detail: str) -> SyncError:
    return SyncError(
        f"Máy chủ trả lời không đúng định dạng ({detail})",
        f"The server's answer is malformed ({detail})",
    )


def _get(data: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = data.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _malformed(f"{name}")
    return value
