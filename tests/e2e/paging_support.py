"""Paging tests' shared parts: a real HTTP receiver, the example config pointed at it, and
helpers to run the worker and read the timeline."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from fireline.bootstrap import Fireline
from fireline.services.admin.configuration import apply_config
from fireline.services.incidents import commands as incidents
from fireline.worker.jobs import run_due_jobs
from tests.conftest import EXAMPLE


class Receiver:
    """A real HTTP server that records every page it gets."""

    def __init__(self) -> None:
        self.pages: list[dict[str, Any]] = []
        received = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(
                    {
                        "path": self.path,
                        "body": json.loads(body),
                        "raw": body,
                        "key": self.headers.get("Idempotency-Key"),
                        "headers": dict(self.headers),
                    }
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def who(self) -> list[str]:
        return [p["path"].rsplit("/", 1)[-1] for p in self.pages]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Switch:
    """A real HTTP server standing for the outside system: it counts the calls it gets."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        calls = self.calls

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                calls.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ping/fireline"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@contextmanager
def receiving(core: Fireline, config: str = "") -> Iterator[Receiver]:
    """A receiver, and the example config (or ``config``) with every webhook pointed at it."""
    receiver = Receiver()
    text = (config or EXAMPLE.read_text()).replace("PORT", str(receiver.port))
    apply_config(
        uow=core.uow(),
        text=text.replace("127.0.0.1:9199", f"127.0.0.1:{receiver.port}"),
        source="fireline.yaml",
    )
    try:
        yield receiver
    finally:
        receiver.close()
        if core.notifier is not None:
            core.notifier.adapters["webhook"].client.close()  # type: ignore[attr-defined]


def work(core: Fireline, worker: str = "test-worker") -> None:
    """Run the worker until nothing is due."""
    while run_due_jobs(core, worker):
        pass


def timeline(core: Fireline, incident_id: int, kind: str) -> list[dict[str, Any]]:
    """The data of the incident's events of one kind."""
    return [
        e.event.data
        for e in incidents.get(uow=core.uow(), incident_id=incident_id, kinds=[kind]).timeline
    ]


STANDARD = Path(__file__).parents[2] / "src/fireline/workflows/standard.yaml"


def with_quiet_workflow(config: str, *teams: str) -> str:
    """The config plus `quiet`, the standard workflow with `page_on_declare: false`, run by
    these teams."""
    text = STANDARD.read_text().replace("id: standard\n", "id: quiet\npage_on_declare: false\n", 1)
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    definition = ["    - " + lines[0], *("      " + line for line in lines[1:])]
    by_team = [f"    {team}: quiet" for team in teams]
    section = "\n".join(["workflows:", "  definitions:", *definition]) + "\n"
    config = config.replace("workflows:\n", section, 1)
    return config.replace("  by_team:\n", "  by_team:\n" + "".join(f"{b}\n" for b in by_team), 1)
