"""The HTTP API as a PC sees it: enrollment, push, pull and every refusal."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from tests.sync.conftest import (
    FACILITY_CODE,
    FACILITY_ID,
    LiveServer,
    OpMaker,
    SyncHarness,
    serve,
)

from emr_desktop.core.ids import new_id
from emr_desktop.core.wire import PROTOCOL_VERSION, Op
from emr_sync.app import create_app
from emr_sync.db import enroll_code
from emr_sync.settings import Settings


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url) as http:
        yield http


def _enroll(
    client: httpx.Client, code: str, device_id: str | None = None, *, replace: object = False
) -> httpx.Response:
    return client.post(
        "/v1/enroll",
        json={
            "protocol": PROTOCOL_VERSION,
            "code": code,
            "device_id": device_id or new_id(),
            "device_name": "Phòng khám 1",
            "replace": replace,
        },
    )


def _auth(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def _push_body(device_id: str, ops: list[Op]) -> dict[str, Any]:
    return {
        "protocol": PROTOCOL_VERSION,
        "device_id": device_id,
        "ops": [op.to_wire() for op in ops],
    }


def _device(client: httpx.Client, sync_app: SyncHarness) -> tuple[str, str]:
    answer = _enroll(client, sync_app.enroll_code()).json()
    return answer["device_id"], answer["credential"]


def test_health_names_the_protocols(client: httpx.Client) -> None:
    answer = client.get("/v1/health").json()
    assert answer["status"] == "ok"
    assert answer["protocols"] == [PROTOCOL_VERSION]
    assert isinstance(answer["server_time_ms"], int)


def test_openapi_is_served(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/health", "/v1/enroll", "/v1/push", "/v1/pull"} <= set(paths)


def test_enroll_with_a_good_code_gives_a_working_credential(
    client: httpx.Client, sync_app: SyncHarness
) -> None:
    device_id = new_id()
    response = _enroll(client, sync_app.enroll_code().lower(), device_id)
    assert response.status_code == 200
    answer = response.json()
    assert answer["device_id"] == device_id
    assert answer["device_number"] == 1
    assert (answer["facility_id"], answer["facility_code"]) == (FACILITY_ID, FACILITY_CODE)
    assert answer["facility_name"] == "Trung tâm Y tế huyện Thử"
    assert answer["credential"].startswith(f"{device_id}.")
    pulled = client.get("/v1/pull", headers=_auth(answer["credential"]))
    assert pulled.status_code == 200
    second = _enroll(client, sync_app.enroll_code()).json()
    assert second["device_number"] == 2


def test_enroll_refuses_a_used_an_expired_and_an_unknown_code(
    client: httpx.Client, sync_app: SyncHarness
) -> None:
    used = sync_app.enroll_code()
    assert _enroll(client, used).status_code == 200
    expired = sync_app.enroll_code(ttl=timedelta(seconds=-1))
    before = sync_app.counts()
    for code, error in (
        (used, "enroll_code_used"),
        (expired, "enroll_code_expired"),
        ("AAAA-BBBB-CCCC", "enroll_code_unknown"),
    ):
        response = _enroll(client, code)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == error
        assert response.json()["error"]["message_vi"]
    assert sync_app.counts() == before
    with sync_app.engine.connect() as conn:
        unused = conn.execute(sa.select(enroll_code).where(enroll_code.c.used_at.is_(None))).all()
    assert len(unused) == 1  # the expired code stays unused


def test_re_enrolling_a_device_replaces_its_credential(
    client: httpx.Client, sync_app: SyncHarness
) -> None:
    device_id = new_id()
    old = _enroll(client, sync_app.enroll_code(), device_id).json()
    _enroll(client, sync_app.enroll_code(), new_id())  # another PC takes number 2
    sync_app.revoke(device_id)  # IT retired the broken PC before replacing it
    new = _enroll(client, sync_app.enroll_code(), device_id, replace=True).json()
    assert new["device_number"] == old["device_number"] == 1
    assert client.get("/v1/pull", headers=_auth(old["credential"])).status_code == 401
    assert client.get("/v1/pull", headers=_auth(new["credential"])).status_code == 200


def test_enrolling_a_known_device_needs_replace_and_keeps_the_code(
    client: httpx.Client, sync_app: SyncHarness
) -> None:
    """A cloned disk must not silently take over the PC it was copied from."""
    device_id = new_id()
    first = _enroll(client, sync_app.enroll_code(), device_id).json()
    code = sync_app.enroll_code()
    refused = _enroll(client, code, device_id)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("device_already_enrolled", "device_id")
    assert "--replace" in error["message_vi"]
    assert "--replace" in error["message_en"]
    assert client.get("/v1/pull", headers=_auth(first["credential"])).status_code == 200
    # The refused code is still good, for the right use.
    assert _enroll(client, code, device_id, replace=True).status_code == 200


def test_replace_needs_a_device_to_replace(client: httpx.Client, sync_app: SyncHarness) -> None:
    code = sync_app.enroll_code()
    refused = _enroll(client, code, replace=True)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "device_not_enrolled"
    assert _enroll(client, code).status_code == 200


def test_replace_must_be_a_boolean(client: httpx.Client, sync_app: SyncHarness) -> None:
    response = _enroll(client, sync_app.enroll_code(), replace="yes")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "replace"


def test_push_and_pull_round_trip_with_gzip(client: httpx.Client, sync_app: SyncHarness) -> None:
    a_id, a_cred = _device(client, sync_app)
    _, b_cred = _device(client, sync_app)
    ops = [sync_app.maker(a_id).new(note="x" * 2000) for _ in range(3)]
    raw = gzip.compress(json.dumps(_push_body(a_id, ops)).encode())
    response = client.post(
        "/v1/push",
        content=raw,
        headers={**_auth(a_cred), "Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["acked"] == [op.op_id for op in ops]
    assert answer["clamped"] == []
    assert set(answer) == {"acked", "server_time_ms", "skew_ms", "clamped", "clamped_hlcs"}

    pulled = client.get(
        "/v1/pull?after=0&limit=2", headers={**_auth(b_cred), "Accept-Encoding": "gzip"}
    )
    assert pulled.headers["content-encoding"] == "gzip"
    page = pulled.json()
    assert [op["op_id"] for op in page["ops"]] == [ops[0].op_id, ops[1].op_id]
    assert (page["next"], page["more"]) == (2, True)
    assert Op.from_wire({k: v for k, v in page["ops"][0].items() if k != "seq"}) == ops[0]
    rest = client.get(f"/v1/pull?after={page['next']}", headers=_auth(b_cred)).json()
    assert [op["seq"] for op in rest["ops"]] == [3]
    assert rest["more"] is False
    assert client.get("/v1/pull", headers=_auth(a_cred)).json()["ops"] == []


def test_no_credential_or_a_wrong_one_is_401(client: httpx.Client, sync_app: SyncHarness) -> None:
    device_id, credential = _device(client, sync_app)
    body = _push_body(device_id, [sync_app.maker(device_id).new()])
    before = sync_app.counts()
    for headers in (
        {},
        _auth(credential + "x"),
        _auth(f"{new_id()}.secret"),
        {"Authorization": "Basic abc"},
    ):
        response = client.post("/v1/push", json=body, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
    assert client.get("/v1/pull").status_code == 401
    assert sync_app.counts() == before


def test_a_revoked_device_is_403(client: httpx.Client, sync_app: SyncHarness) -> None:
    device_id, credential = _device(client, sync_app)
    sync_app.revoke(device_id)
    pc = sync_app.maker(device_id)
    before = sync_app.counts()
    response = client.post(
        "/v1/push",
        json=_push_body(device_id, [pc.new()]),
        headers=_auth(credential),
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "device_revoked"
    assert client.get("/v1/pull", headers=_auth(credential)).status_code == 403
    assert sync_app.counts() == before


def test_refusals_write_nothing(client: httpx.Client, sync_app: SyncHarness) -> None:
    device_id, credential = _device(client, sync_app)
    pc = sync_app.maker(device_id)
    nurse = pc.user("nurse", by=sync_app.staff("admin"))
    assert (
        client.post(
            "/v1/push", json=_push_body(device_id, [nurse]), headers=_auth(credential)
        ).status_code
        == 200
    )
    sync_app.add_facility("70002")
    before = sync_app.counts()
    good = pc.new()
    cases: list[tuple[dict[str, Any], int, str]] = [
        (
            _push_body(device_id, [good, OpMaker(device_id, facility_id=new_id()).new()]),
            403,
            "other_facility",
        ),
        (
            _push_body(device_id, [good, pc.event("prescription", signed_by=nurse.record_id)]),
            403,
            "role_cannot_sign",
        ),
        ({**_push_body(device_id, [good]), "protocol": 0}, 426, "update_required"),
        ({**_push_body(device_id, [good]), "device_id": new_id()}, 403, "wrong_device"),
        ({**_push_body(device_id, [good]), "ops": {"a": 1}}, 422, "validation"),
        (
            {**_push_body(device_id, [good]), "ops": [{**good.to_wire(), "hlc": "soon"}]},
            422,
            "validation",
        ),
        (
            {**_push_body(device_id, [good]), "ops": [{**good.to_wire(), "device_seq": "1"}]},
            422,
            "validation",
        ),
    ]
    for body, status, code in cases:
        response = client.post("/v1/push", json=body, headers=_auth(credential))
        assert response.status_code == status, response.text
        error = response.json()["error"]
        assert error["code"] == code
        assert error["message_vi"]
        assert error["message_en"]
    assert sync_app.counts() == before


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[1, 2]", b"\xff\xfe", b"", b'"text"'],
)
def test_malformed_json_is_400(client: httpx.Client, sync_app: SyncHarness, raw: bytes) -> None:
    _, credential = _device(client, sync_app)
    before = sync_app.counts()
    response = client.post("/v1/push", content=raw, headers=_auth(credential))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_json"
    assert sync_app.counts() == before


def test_corrupt_gzip_is_400(client: httpx.Client, sync_app: SyncHarness) -> None:
    _, credential = _device(client, sync_app)
    response = client.post(
        "/v1/push",
        content=gzip.compress(b'{"a": 1}')[:-6],
        headers={**_auth(credential), "Content-Encoding": "gzip"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_gzip"


def test_unsupported_protocol_on_enroll_is_426(client: httpx.Client, sync_app: SyncHarness) -> None:
    body = {
        "protocol": 99,
        "code": sync_app.enroll_code(),
        "device_id": new_id(),
        "device_name": "x",
    }
    response = client.post("/v1/enroll", json=body)
    assert response.status_code == 426
    assert "update" in response.json()["error"]["message_en"].lower()
    assert client.get("/v1/health").status_code == 200


def test_bad_pull_parameters_are_422(client: httpx.Client, sync_app: SyncHarness) -> None:
    _, credential = _device(client, sync_app)
    for query in ("after=-1", "after=x", "limit=0", "limit=100000"):
        response = client.get(f"/v1/pull?{query}", headers=_auth(credential))
        assert response.status_code == 422
        assert response.json()["error"]["field"] in ("after", "limit")
    assert client.get("/v1/pull?protocol=0", headers=_auth(credential)).status_code == 426


@pytest.fixture
def small_client(sync_app: SyncHarness) -> Iterator[httpx.Client]:
    settings = Settings(
        data_dir=sync_app.settings.data_dir,
        database_url=sync_app.settings.database_url,
        max_body_bytes=4096,
    )
    with (
        serve(create_app(settings, sync_app.engine)) as base_url,
        httpx.Client(base_url=base_url) as http,
    ):
        yield http


def test_a_body_over_the_limit_is_413_compressed_or_not(
    small_client: httpx.Client, sync_app: SyncHarness
) -> None:
    device_id, credential = _device(small_client, sync_app)
    body = json.dumps(_push_body(device_id, [sync_app.maker(device_id).new(note="x" * 10_000)]))
    before = sync_app.counts()
    plain = small_client.post("/v1/push", content=body.encode(), headers=_auth(credential))
    assert plain.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while reading
        yield body.encode()[:3000]
        yield body.encode()[3000:]

    streamed = small_client.post("/v1/push", content=chunks(), headers=_auth(credential))
    assert streamed.status_code == 413
    bomb = gzip.compress(body.encode())
    assert len(bomb) < 4096
    inflated = small_client.post(
        "/v1/push", content=bomb, headers={**_auth(credential), "Content-Encoding": "gzip"}
    )
    assert inflated.status_code == 413
    assert inflated.json()["error"]["code"] == "body_too_large"
    assert sync_app.counts() == before


def test_unknown_paths_answer_in_the_error_shape(client: httpx.Client) -> None:
    response = client.get("/v1/nothing")
    assert response.status_code == 404
    assert set(response.json()["error"]) >= {"code", "message_vi", "message_en"}


def test_live_server_serves_enroll_push_and_pull(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.base_url) as http:
        answers = [
            http.post(
                "/v1/enroll",
                json={
                    "protocol": PROTOCOL_VERSION,
                    "code": live_server.enroll_code(),
                    "device_id": new_id(),
                    "device_name": name,
                },
            ).json()
            for name in ("A", "B")
        ]
        a, b = answers
        op = live_server.harness.maker(a["device_id"]).new(full_name="Lê Thị C")
        pushed = http.post(
            "/v1/push", json=_push_body(a["device_id"], [op]), headers=_auth(a["credential"])
        )
        assert pushed.json()["acked"] == [op.op_id]
        pulled = http.get("/v1/pull", headers=_auth(b["credential"])).json()
        assert [o["op_id"] for o in pulled["ops"]] == [op.op_id]
        live_server.revoke(b["device_id"])
        assert http.get("/v1/pull", headers=_auth(b["credential"])).status_code == 403
