"""The HTTP API (`core/wire.py` is the contract). Routes are thin: they read and check the
request, authenticate the device and hand over to `admin`, `ingest` and `patients`.

Besides enroll, push, pull and health (see `core/wire.py`), for enrolled devices:

* `GET /v1/duplicates` → `{"duplicates": [{"id", "a_id", "b_id", "score", "reasons",
  "status", "created_at"}, …]}`: the likely duplicate charts of the device's facility
  waiting for review (same-CCCD charts are linked by the server itself, see `patients`).
* `GET /v1/patients/by-cccd/{cccd}` → `{"patients": [{"facility": {"id", "code", "name"},
  "patient": {…}, "events": [{…}, …]}, …]}`: charts with that CCCD in *other* facilities
  (DESIGN §4 "Scope"); 404 `patient_not_found` when there is none.
* `PUT /v1/attachments/{event_id}` (raw body, at most 50 MB) → `{"event_id", "sha256",
  "size", "stored"}` and `GET /v1/attachments/{event_id}` → the bytes: the content of an
  attachment event of the device's facility, see `attachments`.
* `POST /v1/audit` `{"protocol", "device_id", "rows", "restored_from"?}` → `{"acked_seq",
  "acked_hash", "last_seq", "last_hash", "forked"}`: the device's audit rows, hash chain
  checked, see `audit`.
"""

from __future__ import annotations

import gzip
import json
import logging
import zlib
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from emr_desktop.core.errors import EmrError
from emr_desktop.core.wire import PROTOCOL_VERSION, SUPPORTED_PROTOCOLS, Op
from emr_sync import admin, attachments, audit, ingest, patients, versions
from emr_sync.db import op_log, open_database, read_transaction
from emr_sync.errors import ApiError
from emr_sync.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 2000
_MAX_NAME = 200


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """The server application; migrates the database (or uses `engine` as given, migrated)."""
    engine = engine if engine is not None else open_database(settings.database_url)
    app = FastAPI(
        title="EMR Desktop sync server",
        version=str(PROTOCOL_VERSION),
        description="Enrollment, push and pull for the PCs of district hospitals.",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    # Outermost: a PC older than the minimum is refused before anything else is done.
    app.add_middleware(versions.ClientVersionGate, minimum=settings.minimum_client)
    _install_error_handlers(app)

    @app.get("/v1/health")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "protocols": sorted(SUPPORTED_PROTOCOLS),
            "server_time_ms": ingest.wall_ms(),
            "min_client_version": settings.min_client_version or None,
        }

    @app.post("/v1/enroll")
    async def enroll(request: Request) -> dict[str, Any]:
        body = await read_json(request, settings.max_body_bytes)
        _check_protocol(body.get("protocol"))
        code = _required_str(body, "code")
        device_id = _required_str(body, "device_id")
        device_name = _required_str(body, "device_name")
        if (
            len(device_id) > 64
            or any(ch in device_id for ch in ".: /")
            or device_id == ingest.SERVER_DEVICE_ID
        ):
            raise _invalid("device_id", "Mã thiết bị không hợp lệ", "Invalid device id")
        if len(device_name) > _MAX_NAME:
            raise _invalid("device_name", "Tên thiết bị quá dài", "The device name is too long")
        replace = body.get("replace", False)
        if not isinstance(replace, bool):
            raise _invalid("replace", "Phải là true hoặc false", "Must be true or false")
        return await run_in_threadpool(
            admin.enroll,
            engine,
            code=code,
            device_id=device_id,
            device_name=device_name,
            replace=replace,
        )

    @app.post("/v1/push")
    async def push(request: Request) -> dict[str, Any]:
        device = await _authenticate(request, engine)
        body = await read_json(request, settings.max_body_bytes)
        _check_protocol(body.get("protocol"))
        if body.get("device_id") != device.id:
            raise ApiError(
                403,
                "wrong_device",
                "Mã thiết bị trong yêu cầu khác thiết bị đã xác thực",
                "The request's device id is not the authenticated device",
                field="device_id",
            )
        raw_ops = body.get("ops")
        if not isinstance(raw_ops, list):
            raise _invalid("ops", "Phải là một danh sách", "Must be a list")
        try:
            ops = [Op.from_wire(item) for item in raw_ops]
        except EmrError as exc:
            raise ApiError(
                422, exc.code, exc.message_vi, exc.message_en, field=getattr(exc, "field", None)
            ) from exc
        result = await run_in_threadpool(
            ingest.push,
            engine,
            device,
            ops,
            max_future_skew_ms=settings.max_future_skew_ms,
        )
        return result.to_wire()

    @app.get("/v1/pull")
    async def pull(request: Request) -> Response:
        device = await _authenticate(request, engine)
        params = request.query_params
        if "protocol" in params:
            _check_protocol(_int_param(params.get("protocol"), "protocol", 0, 10**6, None))
        after = _int_param(params.get("after"), "after", 0, 2**62, 0)
        limit = _int_param(params.get("limit"), "limit", 1, MAX_PULL_LIMIT, DEFAULT_PULL_LIMIT)
        own = _int_param(params.get("own"), "own", 0, 1, 0) == 1
        gzipped = "gzip" in request.headers.get("accept-encoding", "")
        body = await run_in_threadpool(pull_answer, engine, device, after, limit, gzipped, own=own)
        headers = {"Vary": "Accept-Encoding"}
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        return Response(body, media_type="application/json", headers=headers)

    @app.get("/v1/duplicates")
    async def duplicates(request: Request) -> dict[str, Any]:
        device = await _authenticate(request, engine)
        found = await run_in_threadpool(_open_duplicates, engine, device)
        return {"duplicates": found}

    @app.get("/v1/patients/by-cccd/{cccd}")
    async def by_cccd(request: Request, cccd: str) -> dict[str, Any]:
        device = await _authenticate(request, engine)
        number = patients.check_cccd(cccd)
        found = await run_in_threadpool(_chart_by_cccd, engine, device, number)
        return {"patients": found}

    @app.put("/v1/attachments/{event_id}")
    async def upload_attachment(request: Request, event_id: str) -> dict[str, Any]:
        device = await _authenticate(request, engine)
        _check_protocol_header(request)
        attachments.check_event_id(event_id)
        # Refused before the body is read: no 50 MB for an event the server does not hold.
        await run_in_threadpool(attachments.upload_target, engine, device, event_id)
        data = await read_raw(request, attachments.MAX_ATTACHMENT_BYTES)
        return await run_in_threadpool(attachments.store_upload, engine, device, event_id, data)

    @app.post("/v1/audit")
    async def push_audit(request: Request) -> dict[str, Any]:
        device = await _authenticate(request, engine)
        body = await read_json(request, settings.max_body_bytes)
        _check_protocol(body.get("protocol"))
        rows, restored_from = audit.parse_batch(body, device)
        return await run_in_threadpool(audit.receive, engine, device, rows, restored_from)

    @app.get("/v1/attachments/{event_id}")
    async def download_attachment(request: Request, event_id: str) -> Response:
        device = await _authenticate(request, engine)
        _check_protocol_header(request)
        attachments.check_event_id(event_id)
        data, digest = await run_in_threadpool(attachments.load_content, engine, device, event_id)
        # Clinical content: no cache on the way may keep a copy.
        headers = {"Cache-Control": "no-store", "X-EMR-SHA256": digest}
        return Response(data, media_type="application/octet-stream", headers=headers)

    return app


#: A JSON string literal (UTF-8 kept as is, as the rest of the answer).
_json_str = json.JSONEncoder(ensure_ascii=False).encode
#: gzip level of a pull answer: 9 takes 2.5 times as long as 6 for about 6 % fewer bytes.
PULL_GZIP_LEVEL = 6


def pull_answer(
    engine: Engine,
    device: ingest.DeviceIdentity,
    after: int,
    limit: int,
    gzipped: bool,
    *,
    own: bool = False,
) -> bytes:
    """The body of `/v1/pull` (see `core.wire`): `ingest.pull`'s page, written straight
    from the op log. `fields` and `base` are stored as JSON text and go out as stored,
    never decoded and encoded again; compressed here, in the worker thread, when the
    device accepts gzip. `own`: the device's own ops too (a restored PC catching up),
    said in the answer."""
    with read_transaction(engine) as conn:
        rows = conn.execute(
            select(
                op_log.c.seq,
                op_log.c.op_id,
                op_log.c.device_id,
                op_log.c.device_seq,
                op_log.c.kind,
                op_log.c.record_id,
                op_log.c.fields,
                op_log.c.hlc,
                op_log.c.base,
                op_log.c.user_id,
                op_log.c.created_at,
            )
            .where(op_log.c.facility_id == device.facility_id, op_log.c.seq > after)
            .order_by(op_log.c.seq)
            .limit(limit + 1)
        ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    ops = ",".join(
        f'{{"seq":{int(seq)},"op_id":{_json_str(op_id)},"device_id":{_json_str(device_id)},'
        f'"device_seq":{int(device_seq)},"kind":{_json_str(kind)},'
        f'"record_id":{_json_str(record_id)},"fields":{fields},"hlc":{_json_str(hlc)},'
        f'"base":{base},"user_id":{"null" if user_id is None else _json_str(user_id)},'
        f'"created_at":{_json_str(created_at)}}}'
        for (
            seq,
            op_id,
            device_id,
            device_seq,
            kind,
            record_id,
            fields,
            hlc,
            base,
            user_id,
            created_at,
        ) in rows
        if own or device_id != device.id
    )
    cursor = int(rows[-1].seq) if rows else after
    said_own = '"own":true,' if own else ""
    body = (
        f'{{"ops":[{ops}],"next":{cursor},"more":{"true" if more else "false"},'
        f'{said_own}"server_time_ms":{ingest.wall_ms()}}}'
    ).encode()
    return gzip.compress(body, compresslevel=PULL_GZIP_LEVEL, mtime=0) if gzipped else body


def _open_duplicates(engine: Engine, device: ingest.DeviceIdentity) -> list[dict[str, Any]]:
    with read_transaction(engine) as conn:
        return patients.open_duplicates(conn, device.facility_id)


def _chart_by_cccd(
    engine: Engine, device: ingest.DeviceIdentity, cccd: str
) -> list[dict[str, Any]]:
    with read_transaction(engine) as conn:
        found = patients.chart_by_cccd(conn, cccd, device.facility_id)
    # Which charts left the facility, and to whom: record ids only, never names or CCCD.
    log.info(
        "device %s (facility %s) fetched charts of other facilities by CCCD: %s",
        device.id,
        device.facility_id,
        ", ".join(str(entry["patient"].get("id")) for entry in found),
    )
    return found


async def read_json(request: Request, max_bytes: int) -> dict[str, Any]:
    """The request body as a JSON object, gunzipped if sent so; both sizes are limited.

    The limit is enforced while reading, so an oversized or gzip-bomb body is refused (413)
    before it is held in memory.
    """
    too_large = ApiError(
        413,
        "body_too_large",
        f"Yêu cầu vượt quá {max_bytes} byte",
        f"The request body is over {max_bytes} bytes",
    )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip"):
        raise ApiError(
            415,
            "unsupported_encoding",
            f"Không hỗ trợ mã hoá nội dung {encoding}",
            f"Content-Encoding {encoding} is not supported",
        )
    inflater = zlib.decompressobj(wbits=31) if encoding == "gzip" else None
    received = 0
    body = bytearray()
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_bytes:
                raise too_large
            if inflater is None:
                body += chunk
            else:
                body += inflater.decompress(chunk, max_bytes + 1 - len(body))
                if len(body) > max_bytes or inflater.unconsumed_tail:
                    raise too_large
        if inflater is not None:
            body += inflater.flush(max_bytes + 1 - len(body))
            if len(body) > max_bytes:
                raise too_large
            if not inflater.eof:
                raise zlib.error("truncated gzip stream")
    except zlib.error as exc:
        raise ApiError(
            400, "bad_gzip", "Dữ liệu gzip hỏng", "The gzip request body is corrupt"
        ) from exc
    try:
        data = json.loads(bytes(body))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(
            400, "bad_json", "Nội dung không phải JSON hợp lệ", "The body is not valid JSON"
        ) from exc
    if not isinstance(data, dict):
        raise ApiError(
            400, "bad_json", "Nội dung phải là một đối tượng JSON", "The body must be a JSON object"
        )
    return data


async def read_raw(request: Request, max_bytes: int) -> bytes:
    """The request body as sent (no content encoding), refused (413) past `max_bytes`.

    Apart from `read_json` and its `max_body_bytes`: an attachment may be far larger than
    any JSON request. The limit is enforced while reading, before the body is held.
    """
    too_large = ApiError(
        413,
        "attachment_too_large",
        f"Tệp đính kèm vượt quá {max_bytes // (1024 * 1024)} MB",
        f"The attachment is over {max_bytes // (1024 * 1024)} MB",
    )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding != "identity":
        raise ApiError(
            415,
            "unsupported_encoding",
            f"Không hỗ trợ mã hoá nội dung {encoding} cho tệp đính kèm",
            f"Content-Encoding {encoding} is not supported for attachments",
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise too_large
    return bytes(body)


async def _authenticate(request: Request, engine: Engine) -> ingest.DeviceIdentity:
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise ApiError(
            401,
            "unauthenticated",
            "Thiếu thông tin xác thực thiết bị",
            "The device credential is missing",
        )
    return await run_in_threadpool(admin.authenticate, engine, credential.strip())


def _check_protocol(value: Any) -> None:
    if value not in SUPPORTED_PROTOCOLS or isinstance(value, bool):
        supported = ", ".join(str(p) for p in sorted(SUPPORTED_PROTOCOLS))
        raise ApiError(
            426,
            "update_required",
            f"Cần cập nhật EMR Desktop: máy chủ chỉ nhận giao thức {supported}",
            f"Update required: the server accepts protocol {supported} only",
            field="protocol",
        )


def _check_protocol_header(request: Request) -> None:
    # Routes without a JSON body carry the protocol in the header every client sends.
    raw = request.headers.get("x-emr-protocol")
    if raw is not None:
        _check_protocol(int(raw) if raw.isdigit() else raw)


def _invalid(field: str, vi: str, en: str) -> ApiError:
    return ApiError(422, "validation", vi, en, field=field)


def _required_str(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _invalid(name, "Thiếu hoặc sai kiểu chuỗi", "Missing or not a string")
    return value.strip()


def _int_param(raw: str | None, name: str, low: int, high: int, default: int | None) -> int:
    if raw is None and default is not None:
        return default
    if raw is None or not raw.isdigit() or not low <= int(raw) <= high:
        raise _invalid(
            name,
            f"Phải là số nguyên từ {low} đến {high}",
            f"Must be an integer from {low} to {high}",
        )
    return int(raw)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body"))
        error = ApiError(
            422, "validation", "Yêu cầu không hợp lệ", "The request is not valid", field=field
        )
        return JSONResponse(error.to_dict(), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error = ApiError(
            exc.status_code,
            "http",
            "Không tìm thấy hoặc phương thức không hợp lệ",
            str(exc.detail),
        )
        return JSONResponse(error.to_dict(), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected server error")
        error = ApiError(
            500, "internal", "Lỗi máy chủ; đã ghi nhật ký", "Server error; it has been logged"
        )
        return JSONResponse(error.to_dict(), status_code=500)
