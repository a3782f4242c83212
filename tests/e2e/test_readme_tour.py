"""The README's tour, command by command, against a real `fireline serve` with nothing else
running: the first page arrives in the admin's inbox and is acknowledged."""

from __future__ import annotations

import re
import shlex
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.cli_runner import Cli
from tests.e2e.servers import Server, start_server

ROOT = Path(__file__).parents[2]


def tour_blocks() -> list[list[list[str]]]:
    """The `fireline …` lines of each shell block of the tour, split as a shell would."""
    readme = (ROOT / "README.md").read_text()
    tour = readme[readme.index("## A five-minute tour") : readme.index("Every command takes")]
    blocks = re.findall(r"```sh\n(.*?)```", tour, re.S)
    return [
        [
            shlex.split(line, comments=True)
            for line in b.splitlines()
            if line.startswith("fireline ")
        ]
        for b in blocks
    ]


def inbox_of_admin(server: Server) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {server.token}"}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = httpx.get(f"{server.url}/api/v1/me/inbox", headers=headers).json()
        if found["items"]:
            return dict(found)
        time.sleep(0.2)
    pytest.fail(f"no page reached the inbox: {server.output}")


def test_the_readme_tour_pages_the_inbox_and_acknowledges(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    start, declare, drive = tour_blocks()
    assert start == [] and declare[-2][:3] == ["fireline", "incident", "declare"]
    monkeypatch.chdir(ROOT)  # the tour runs from the clone: examples/… are relative paths
    with start_server(tmp_path) as server:
        cli = Cli(capsys, monkeypatch, "--url", server.url, "--token", server.token)
        for command in declare[:-1]:
            assert cli(*command[1:]).code == 0, command
        inbox = inbox_of_admin(server)
        deliveries = cli(*declare[-1][1:])
        acknowledged = cli("incident", "ack", "1")  # or the button on My work
        codes = [(" ".join(c[1:]), cli(*c[1:]).code) for c in drive]
        shown = cli("incident", "show", "1", "--json").json()

    assert inbox["unread"] == 1
    assert "admin/admin-inbox (inbox) sent" in deliveries.out
    assert acknowledged.code == 0
    refused = [c for c, code in codes if code != 0]
    assert refused == ["incident transition 1 response"]  # the gate the tour shows
    assert shown["phase"] == "closed" and shown["timestamps"]["acknowledged_at"]
    assert "page_sent" in [e["kind"] for e in shown["timeline"]]
