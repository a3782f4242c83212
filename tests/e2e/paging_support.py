"""Paging tests' shared parts: a real HTTP receiver, the example config pointed at it, and
helpers to run the worker and read the timeline."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
                        "signature": self.headers.get("X-Fireline-Signature"),
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
