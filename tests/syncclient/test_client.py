"""SyncClient against the in-memory server: gzip JSON, errors in both languages, 426."""

from __future__ import annotations

import gzip
import json

import pytest
import requests
from tests.syncclient.support import FAKE_URL, FakeServer, FaultyAdapter

from emr_desktop.core.errors import SyncError
from emr_desktop.core.wire import PROTOCOL_VERSION
from emr_desktop.syncclient.client import ServerRefused, SyncClient, UpdateRequired


def _client(server: FakeServer) -> SyncClient:
    return SyncClient(FAKE_URL, session=server.session())


def test_health() -> None:
    health = _client(FakeServer()).health()
    assert PROTOCOL_VERSION in health.protocols
    assert health.server_time_ms > 0


def test_request_bodies_are_gzipped_json_with_the_protocol() -> None:
    server = FakeServer()
    code = server.new_code()
    enrollment = _client(server).enroll(code=code, device_id="dev-1", device_name="PC Khoa Nội")
    assert enrollment.device_id == "dev-1"
    request = server.requests_seen[-1]
    assert request.headers["Content-Encoding"] == "gzip"
    assert request.headers["Content-Type"] == "application/json"
    assert isinstance(request.body, bytes)
    body = json.loads(gzip.decompress(request.body))
    assert body == {
        "protocol": PROTOCOL_VERSION,
        "code": code,
        "device_id": "dev-1",
        "device_name": "PC Khoa Nội",
        "replace": False,
    }


def test_credential_is_sent_as_bearer() -> None:
    server = FakeServer()
    enrollment = _client(server).enroll(code=server.new_code(), device_id="d", device_name="x")
    client = SyncClient(FAKE_URL, session=server.session(), credential=enrollment.credential)
    assert client.push(device_id="d", ops=[]).acked == []
    assert server.requests_seen[-1].headers["Authorization"] == f"Bearer {enrollment.credential}"


def test_no_credential_is_a_clear_error() -> None:
    with pytest.raises(SyncError, match="enroll"):
        _client(FakeServer()).pull(after="0")


def test_old_protocol_is_update_required_in_both_languages() -> None:
    server = FakeServer(protocols=frozenset({PROTOCOL_VERSION + 1}))
    with pytest.raises(UpdateRequired) as info:
        _client(server).enroll(code=server.new_code(), device_id="d", device_name="x")
    assert "cập nhật" in info.value.message_vi
    assert "updated" in info.value.message_en
    assert "offline" in info.value.message_en
    assert isinstance(info.value, SyncError)


def test_server_error_carries_its_messages() -> None:
    with pytest.raises(ServerRefused) as info:
        _client(FakeServer()).enroll(code="wrong", device_id="d", device_name="x")
    assert info.value.status == 403
    assert info.value.error_code == "bad_code"
    assert info.value.message_vi == "Lỗi bad_code"


def test_network_failure_is_a_sync_error() -> None:
    session = requests.Session()
    session.mount(FAKE_URL, FaultyAdapter(FakeServer(), ["drop_before"]))
    with pytest.raises(SyncError) as info:
        SyncClient(FAKE_URL, session=session).health()
    assert "Không kết nối được" in info.value.message_vi
    assert "Cannot reach" in info.value.message_en


def test_unreachable_host_is_a_sync_error() -> None:
    client = SyncClient("http://127.0.0.1:9", timeout=2)
    with pytest.raises(SyncError):
        client.health()


def test_malformed_answer_is_a_sync_error() -> None:
    class Garbage(FakeServer):
        def send(
            self, request: requests.PreparedRequest, *a: object, **k: object
        ) -> requests.Response:
            response = super().send(request)
            response._content = b"<html>proxy login</html>"
            return response

    with pytest.raises(SyncError, match="malformed"):
        SyncClient(FAKE_URL, session=Garbage().session()).health()
