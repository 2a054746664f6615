"""The minimum client version (`emr_sync.versions`): advertised in /v1/health, enforced with
426 on every other route, PEP 440 comparison, and its CLI/environment setting."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from tests.sync.conftest import SyncHarness, serve

from emr_desktop.core.ids import new_id
from emr_desktop.core.wire import PROTOCOL_VERSION
from emr_sync import cli, versions
from emr_sync.app import create_app
from emr_sync.settings import Settings

MINIMUM = "0.2.0"
HEADER = versions.CLIENT_VERSION_HEADER


@pytest.fixture
def gated(sync_app: SyncHarness) -> Iterator[httpx.Client]:
    """The harness's database served by an app whose minimum client version is 0.2.0."""
    settings = replace(sync_app.settings, min_client_version=MINIMUM)
    with (
        serve(create_app(settings, sync_app.engine)) as base_url,
        httpx.Client(base_url=base_url) as http,
    ):
        yield http


def _enroll(http: httpx.Client, code: str, version: str | None) -> httpx.Response:
    headers = {HEADER: version} if version is not None else {}
    body = {
        "protocol": PROTOCOL_VERSION,
        "code": code,
        "device_id": new_id(),
        "device_name": "PC",
    }
    return http.post("/v1/enroll", json=body, headers=headers)


def _error(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


def test_health_advertises_the_minimum_and_answers_every_version(
    gated: httpx.Client, live_server: Any
) -> None:
    answer = gated.get("/v1/health", headers={HEADER: "0.0.1"})
    assert answer.status_code == 200
    assert answer.json()["min_client_version"] == MINIMUM
    assert gated.get("/v1/health").status_code == 200  # no header: health is open
    # A server without a minimum says so.
    assert httpx.get(live_server.base_url + "/v1/health").json()["min_client_version"] is None


def test_an_older_pc_gets_426_with_both_versions(
    gated: httpx.Client, sync_app: SyncHarness
) -> None:
    code = sync_app.enroll_code()
    before = sync_app.counts()
    response = _enroll(gated, code, "0.1.0")
    assert response.status_code == 426
    error = _error(response)
    assert error["code"] == "client_too_old"
    assert (error["client_version"], error["min_client_version"]) == ("0.1.0", MINIMUM)
    assert "0.1.0" in error["message_vi"] and MINIMUM in error["message_vi"]
    assert "cần cập nhật" in error["message_vi"]
    assert "ngoại tuyến" in error["message_vi"]
    assert "0.1.0" in error["message_en"] and MINIMUM in error["message_en"]
    assert sync_app.counts() == before
    assert _enroll(gated, code, MINIMUM).status_code == 200  # the code was not spent


@pytest.mark.parametrize(
    ("version", "accepted"),
    [
        ("0.2.0", True),
        ("0.2", True),  # PEP 440: 0.2 == 0.2.0
        ("0.10.0", True),  # numbers, not text: 0.10 > 0.2
        ("0.2.0.post1", True),
        ("1.0.0+hospital.3", True),
        ("0.2.0rc1", False),  # a release candidate comes before its release
        ("0.1.9", False),
        ("0.1.10", False),
        ("not-a-version", False),
        ("", False),
        (None, False),  # every release before the rule sends no version
    ],
)
def test_versions_compare_as_pep_440(
    gated: httpx.Client, sync_app: SyncHarness, version: str | None, accepted: bool
) -> None:
    response = _enroll(gated, sync_app.enroll_code(), version)
    assert response.status_code == (200 if accepted else 426), response.text
    if not accepted:
        error = _error(response)
        shown = version if version and version[0].isdigit() else None
        assert error["client_version"] == shown
        assert ("(không rõ)" in error["message_vi"]) == (shown is None)


def test_every_route_but_health_is_gated_before_authentication(
    gated: httpx.Client, sync_app: SyncHarness
) -> None:
    device, credential = sync_app.enroll_device()
    old = {HEADER: "0.1.0", "Authorization": f"Bearer {credential}"}
    new = {**old, HEADER: MINIMUM}
    body = {"protocol": PROTOCOL_VERSION, "device_id": device.id, "ops": []}
    calls = [
        ("POST", "/v1/push", {"json": body}),
        ("GET", "/v1/pull?after=0", {}),
        ("GET", "/v1/duplicates", {}),
        ("GET", "/v1/patients/by-cccd/001099012345", {}),
        ("PUT", f"/v1/attachments/{new_id()}", {"content": b"x" * 1000}),
        ("GET", f"/v1/attachments/{new_id()}", {}),
    ]
    for method, path, extra in calls:
        refused = gated.request(method, path, headers=old, **extra)
        assert (refused.status_code, _error(refused)["code"]) == (426, "client_too_old"), path
        # Even without any credential: the version is checked first.
        anonymous = gated.request(method, path, headers={HEADER: "0.1.0"}, **extra)
        assert anonymous.status_code == 426, path
        # The same request from a current PC reaches the route (whatever it answers then).
        assert gated.request(method, path, headers=new, **extra).status_code != 426, path
    assert gated.post("/v1/push", json=body, headers=new).json()["acked"] == []


def test_without_a_minimum_nothing_is_refused(live_server: Any) -> None:
    harness: SyncHarness = live_server.harness
    with httpx.Client(base_url=live_server.base_url) as http:
        for version in ("0.0.1", "junk", None):
            assert _enroll(http, harness.enroll_code(), version).status_code == 200


def test_refusal_is_pure_and_cached_parsing_is_safe() -> None:
    minimum = versions.parse_version("1.2")
    assert versions.refusal(None, None) is None
    assert versions.refusal(minimum, "1.2.0") is None
    assert versions.refusal(minimum, "9" * 100) is not None  # too long to be ours: unknown
    assert versions.parse_version(" 1.3 ") == versions.parse_version("1.3")


def test_settings_refuse_a_minimum_that_is_not_a_version(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="PEP 440"):
        Settings(data_dir=tmp_path, min_client_version="latest")
    assert Settings(data_dir=tmp_path).minimum_client is None
    assert str(Settings(data_dir=tmp_path, min_client_version="0.3").minimum_client) == "0.3"


def test_cli_takes_the_minimum_from_the_option_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    base = ["serve", "--data-dir", str(tmp_path)]
    monkeypatch.delenv(cli.MIN_CLIENT_VERSION_ENV, raising=False)
    assert cli._settings(cli._parser().parse_args(base)).min_client_version == ""
    monkeypatch.setenv(cli.MIN_CLIENT_VERSION_ENV, "0.4.0")
    assert cli._settings(cli._parser().parse_args(base)).min_client_version == "0.4.0"
    args = cli._parser().parse_args([*base, "--min-client-version", "0.5.0"])
    assert cli._settings(args).min_client_version == "0.5.0"


def test_cli_refuses_a_bad_minimum_in_both_languages(
    capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    argv = ["serve", "--data-dir", str(tmp_path), "--min-client-version", "mới nhất", "--json"]
    assert cli.main(argv) == 1
    error = json.loads(capsys.readouterr().err)["error"]
    assert "PEP 440" in error["message_vi"] and "PEP 440" in error["message_en"]
    assert not (tmp_path / "emr-sync.db").exists()  # refused before anything was opened


def test_cli_migrate_reports_the_schema_revision(
    capsys: pytest.CaptureFixture[str], sync_db_url: str, tmp_path: Any
) -> None:
    assert cli.main(["migrate", "--database-url", sync_db_url, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["revision"]
    assert first["version"] == cli.__version__
    # Again: nothing left to do, same revision.
    assert cli.main(["migrate", "--database-url", sync_db_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == first
