"""A real `fireline serve` process, driven by the CLI over HTTP, as a newcomer would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import EXAMPLE
from tests.e2e.cli_runner import Cli
from tests.e2e.servers import Server, start_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with start_server(tmp_path) as running:
        yield running


def test_first_start_explains_how_to_get_in(server: Server, tmp_path: Path) -> None:
    assert f"Fireline is serving {server.url}" in server.output
    assert re.search(r"created admin user 'admin' with password \S{12,}", server.output)
    assert (tmp_path / "fireline.db").exists()


def write_sections_and_ask_a_reviewer(server: Server, number: str) -> None:
    with httpx.Client(
        base_url=f"{server.url}/api/v1", headers={"Authorization": f"Bearer {server.token}"}
    ) as admin:
        found = admin.get(f"/incidents/{number}/postmortem").json()
        sections = {s["id"]: f"{s['title']}: what we learned." for s in found["sections"]}
        sections["resolution"] = "Restarted the pods; the 502s stopped within a minute."
        body = {"version": found["version"], "sections": sections, "reviewers": ["alice"]}
        assert admin.patch(f"/incidents/{number}/postmortem", json=body).status_code == 200


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
    ]
    for step in steps:
        result = cli("incident", *step)
        assert result.code == 0, (step, result.err)
    write_sections_and_ask_a_reviewer(server, number)  # publishing needs both (#11)
    for step in [
        ("postmortem", "status", number, "in_review"),
        ("postmortem", "status", number, "published"),
        ("incident", "close", number),
    ]:
        result = cli(*step)
        assert result.code == 0, (step, result.err)
    exported = cli("postmortem", "export", number)
    assert exported.out.startswith(f"# Postmortem: #{number} Checkout 502s")
    assert "Restarted the pods" in exported.out

    shown = cli("incident", "show", number, "--json").json()
    refused = cli("incident", "transition", number, "detection")
    unauthorised = Cli(capsys, monkeypatch, "--url", server.url, "--token", "fl_wrong")(
        "incident", "list"
    )

    assert shown["phase"] == "closed" and shown["priority"] == "P1"
    people = {e["actor"] for e in shown["timeline"] if not e["actor"].startswith("fireline")}
    assert people == {"admin"}  # the worker may page (fireline:pager), tasks tick (fireline)
    assert refused.code == 1
    assert (
        refused.err
        == "error: a reason is required to go back from closed to detection (HTTP 409)\n"
    )
    assert unauthorised.code == 1 and "(HTTP 401)" in unauthorised.err
