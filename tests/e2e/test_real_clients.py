"""Real clients, unchanged but for a URL: the official `pagerduty` package and a real Alertmanager."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pagerduty
import pytest

from tests.conftest import EXAMPLE
from tests.e2e.cli_runner import Cli
from tests.e2e.servers import Server, free_port, self_signed_certificate, start_server, trusting

EV_KEY = "ev0checkout0000000000000000000001"
AM_KEY = "am0checkout0000000000000000000001"
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


@contextmanager
def configured(
    server: Server,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    cert: Path | None = None,
) -> Iterator[httpx.Client]:
    """Apply the example config through the CLI, then yield an API client as the admin."""
    if cert is not None:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    cli = Cli(capsys, monkeypatch, "--url", server.url, "--token", server.token)
    assert cli("apply", str(EXAMPLE)).code == 0
    headers = {"Authorization": f"Bearer {server.token}"}
    verify = trusting(cert) if cert else True
    with httpx.Client(base_url=server.url + "/api/v1", headers=headers, verify=verify) as client:
        yield client


def eventually(check: Callable[[], Any], seconds: float = 45) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    cert, key = self_signed_certificate(tmp_path)
    with start_server(tmp_path, tls=(cert, key)) as server:
        yield server, cert


def test_the_official_pagerduty_client_works_unchanged(
    tls_server: tuple[Server, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, cert = tls_server
    with configured(server, capsys, monkeypatch, cert) as api:
        client = pagerduty.EventsApiV2Client(EV_KEY, base_url=server.url, verify=trusting(cert))
        dedup_key = client.trigger(
            "Payment gateway timeouts", "gw-1", severity="error", custom_details={"p99_ms": 4100}
        )
        same = client.trigger("Payment gateway timeouts", "gw-1", dedup_key=dedup_key)
        client.acknowledge(dedup_key)
        client.resolve(dedup_key)
        client.close()
        alerts = api.get("/alerts").json()["items"]
        incident = api.get(f"/incidents/{alerts[0]['incident_id']}").json()
        stranger = pagerduty.EventsApiV2Client(
            "not-a-key", base_url=server.url, verify=trusting(cert)
        )
        with pytest.raises(pagerduty.Error):
            stranger.trigger("x", "y")
        stranger.close()

    assert same == dedup_key and len(alerts) == 1
    assert (alerts[0]["dedup_key"], alerts[0]["status"], alerts[0]["occurrences"]) == (
        dedup_key,
        "resolved",
        2,
    )
    assert incident["timestamps"]["acknowledged_at"] is not None
    assert incident["phase"] == "resolution"  # checkout-api resolves itself when its alerts clear


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Start a real Alertmanager (clustering off) whose webhook receiver is the given URL."""
    if ALERTMANAGER is None:
        message = "real Alertmanager tests skipped: install prometheus-alertmanager"
        if os.environ.get("FIRELINE_REQUIRE_ALERTMANAGER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    processes: list[subprocess.Popen[bytes]] = []

    def start(webhook_url: str) -> str:
        port = free_port()
        config = tmp_path / "alertmanager.yml"
        config.write_text(
            "route:\n  receiver: fireline\n  group_by: [alertname, cluster]\n  group_wait: 1s\n"
            "  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: fireline\n"
            f"    webhook_configs:\n      - url: {webhook_url}\n        send_resolved: true\n"
        )
        args = [
            str(ALERTMANAGER),
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ]
        with (tmp_path / "alertmanager.log").open("w") as log:
            processes.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT))
        url = f"http://127.0.0.1:{port}"
        assert eventually(lambda: _ready(url), 30), (tmp_path / "alertmanager.log").read_text()
        return url

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_real_alertmanager_opens_and_resolves_an_incident(
    tmp_path: Path,
    alertmanager: Callable[[str], str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with start_server(tmp_path) as server, configured(server, capsys, monkeypatch) as api:
        am = alertmanager(f"{server.url}/api/v1/integrations/alertmanager/{AM_KEY}")
        now = datetime.now(UTC).isoformat()
        alert = {
            "labels": {"alertname": "HighErrorRate", "cluster": "eu1", "severity": "critical"},
            "annotations": {"summary": "5xx above 5% on checkout"},
            "startsAt": now,
            "generatorURL": "http://prometheus/graph",
        }
        second = {**alert, "labels": {**alert["labels"], "instance": "b"}}
        assert httpx.post(f"{am}/api/v2/alerts", json=[alert, second]).status_code == 200

        firing = eventually(lambda: len(api.get("/alerts").json()["items"]) == 2)
        alerts = api.get("/alerts").json()["items"]
        incident = api.get(f"/incidents/{alerts[0]['incident_id']}").json()
        ended = datetime.now(UTC).isoformat()
        resolved = [{**a, "endsAt": ended} for a in (alert, second)]
        assert httpx.post(f"{am}/api/v2/alerts", json=resolved).status_code == 200
        done = eventually(
            lambda: api.get(f"/incidents/{incident['id']}").json()["phase"] == "resolution"
        )
        final_alerts = api.get("/alerts").json()["items"]

    assert firing and len({a["incident_id"] for a in alerts}) == 1
    assert (incident["title"], incident["severity"], incident["phase"]) == (
        "5xx above 5% on checkout",
        "SEV1",
        "detection",
    )
    assert done, final_alerts
    assert {a["status"] for a in final_alerts} == {"resolved"}
