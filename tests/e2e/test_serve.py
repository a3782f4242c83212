"""A real `fireline serve` process, driven by the CLI over HTTP, as a newcomer would."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import EXAMPLE
from tests.e2e.cli_runner import Cli

FIRELINE = str(Path(sys.executable).with_name("fireline"))


@dataclass
class Server:
    url: str
    token: str
    output: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIRELINE_")}
    with log.open("w") as out:
        process = subprocess.Popen(
            [FIRELINE, "serve", "--port", str(port)],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log)
        output = log.read_text()
        token = re.search(r"API token \(shown once\): (\S+)", output)
        assert token, output
        yield Server(url, token.group(1), output)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"fireline serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    pytest.fail(f"fireline serve did not answer in 30 s: {log.read_text()}")


def test_first_start_explains_how_to_get_in(server: Server, tmp_path: Path) -> None:
    assert f"Fireline is serving {server.url}" in server.output
    assert re.search(r"created admin user 'admin' with password \S{12,}", server.output)
    assert (tmp_path / "fireline.db").exists()


def test_the_cli_drives_an_incident_to_closed_over_http(
    server: Server, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = Cli(capsys, monkeypatch, "--url", server.url, "--token", server.token)
    assert cli("apply", str(EXAMPLE), "--json").json()["changed"] is True
    incident = cli(
        "incident", "declare", "--title", "Checkout 502s", "--service", "checkout-api", "--json"
    ).json()
    number = str(incident["id"])
    steps = [
        ("ack", number),
        ("transition", number, "assessment"),
        ("set", number, "--urgency", "high"),
        ("assign", number, "commander", "alice"),
        ("transition", number, "response"),
        ("resolve", number, "--summary", "Restarted the pods"),
        ("transition", number, "review"),
        ("close", number),
    ]
    for step in steps:
        result = cli("incident", *step)
        assert result.code == 0, (step, result.err)

    shown = cli("incident", "show", number, "--json").json()
    refused = cli("incident", "transition", number, "detection")
    unauthorised = Cli(capsys, monkeypatch, "--url", server.url, "--token", "fl_wrong")(
        "incident", "list"
    )

    assert shown["phase"] == "closed" and shown["priority"] == "P1"
    assert {e["actor"] for e in shown["timeline"]} == {"admin"}
    assert refused.code == 1
    assert (
        refused.err
        == "error: a reason is required to go back from closed to detection (HTTP 409)\n"
    )
    assert unauthorised.code == 1 and "(HTTP 401)" in unauthorised.err
