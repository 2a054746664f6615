"""The sync wire format, shared by the PCs and the server (DESIGN §4).

Protocol version 1, JSON (gzip on the wire), under `/v1`:

* `GET  /v1/health` → `{"status": "ok", "protocols": [1], "server_time_ms": int}`
* `POST /v1/enroll` `{"protocol", "code", "device_id", "device_name"}` →
  `{"device_id", "device_number", "facility_id", "facility_code", "facility_name",
  "credential"}`; the credential is then sent as `Authorization: Bearer <credential>`.
* `POST /v1/push` `{"protocol", "device_id", "ops": [op, …]}` → `{"acked": [op_id, …],
  "server_time_ms", "skew_ms", "clamped": [op_id, …], "clamped_hlcs": {op_id: hlc}}` —
  an op stamped too far ahead of the server's clock is kept with the server's stamp, which
  the device then adopts for the fields that op wrote (`clamped_hlcs`, also for an op
  acknowledged again).
* `GET  /v1/pull?after=<cursor>&limit=<n>[&own=1]` → `{"ops": [{"seq": int, **op}, …],
  "next": cursor, "more": bool, "server_time_ms"}` — a device's own ops are not sent back,
  unless `own=1`: a PC restored from a backup gets back what it pushed after the backup
  (still only its facility's ops); the answer then says `"own": true`, which a server
  from before `own` does not (it ignores the parameter), so such a PC knows to wait.

Every error is a 4xx/5xx with `{"error": {"code", "message_vi", "message_en", …}}`.
An op is one row of a PC's outbox, fields by name (never by position).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.hlc import Hlc

PROTOCOL_VERSION = 1
#: The server accepts the current and the previous protocol (DESIGN §4 "Versions").
SUPPORTED_PROTOCOLS = frozenset({PROTOCOL_VERSION})
#: Ops per push batch (DESIGN §4: about 256).
PUSH_BATCH = 256

_STR_FIELDS = ("op_id", "device_id", "kind", "record_id", "hlc", "created_at")


@dataclass(frozen=True)
class Op:
    """One change to one record, as captured by a PC's unit of work."""

    op_id: str
    device_id: str
    device_seq: int
    kind: str
    record_id: str
    fields: dict[str, Any]
    hlc: str
    base: dict[str, str]
    user_id: str | None
    created_at: str

    def to_wire(self) -> dict[str, Any]:
        """The op as a JSON object."""
        return asdict(self)

    @classmethod
    def from_wire(cls, data: Any) -> Op:
        """Parse and check one op; `ValidationError(field="op.<name>")` when malformed."""
        if not isinstance(data, dict):
            raise _bad("op", "Thao tác phải là một đối tượng JSON", "An op must be a JSON object")
        for name in _STR_FIELDS:
            if not isinstance(data.get(name), str) or not data[name]:
                raise _bad(f"op.{name}", "Thiếu hoặc sai kiểu chuỗi", "Missing or not a string")
        if not isinstance(data.get("device_seq"), int) or data["device_seq"] < 1:
            raise _bad("op.device_seq", "Phải là số nguyên dương", "Must be a positive integer")
        if not isinstance(data.get("fields"), dict):
            raise _bad("op.fields", "Phải là một đối tượng", "Must be an object")
        base = data.get("base")
        if not isinstance(base, dict) or not all(isinstance(v, str) for v in base.values()):
            raise _bad(
                "op.base", "Phải là đối tượng tên trường → HLC", "Must map field names to HLCs"
            )
        user_id = data.get("user_id")
        if user_id is not None and not isinstance(user_id, str):
            raise _bad("op.user_id", "Phải là chuỗi", "Must be a string")
        Hlc.decode(data["hlc"])
        return cls(
            op_id=data["op_id"],
            device_id=data["device_id"],
            device_seq=data["device_seq"],
            kind=data["kind"],
            record_id=data["record_id"],
            fields=data["fields"],
            hlc=data["hlc"],
            base=base,
            user_id=user_id,
            created_at=data["created_at"],
        )


def _bad(field: str, vi: str, en: str) -> ValidationError:
    return ValidationError(field, "wire", vi, en)
