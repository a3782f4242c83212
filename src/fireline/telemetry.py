"""Fireline's own Prometheus series counted in each process (see docs/operations.md).

Counters and histograms live in ``prometheus_client``'s default registry: each process exposes
its own, and they add up across processes (``sum without (instance)``). What every process
must agree on (open incidents, pending jobs, the worker's last cycle) is read from the
database at scrape time instead (:mod:`fireline.web.metrics`).
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import REGISTRY, Counter, Histogram, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

if TYPE_CHECKING:
    from wsgiref.types import StartResponse

ALERTS_RECEIVED = Counter(
    "fireline_alerts_received",
    "Alerts received on the ingest endpoints: each alert of an accepted request, "
    "each refused request once.",
    ["format", "outcome"],
)
INGEST_DURATION = Histogram(
    "fireline_ingest_request_duration_seconds",
    "Time from an ingest request's arrival to its answer (the commit included).",
    ["format"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
JOB_LAG = Histogram(
    "fireline_job_lag_seconds",
    "How late a job was claimed by a worker, after the time it was due.",
    ["kind"],
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0),
)
DELIVERIES = Counter(
    "fireline_deliveries",
    "Notifications handed to a channel, by what came of it (sent, retry, failed).",
    ["channel", "outcome"],
)
PROVIDER_ERRORS = Counter(
    "fireline_provider_errors",
    "Errors a channel's provider (webhook, Slack, Teams, Mattermost, email, SMS) answered.",
    ["channel"],
)
LOGIN_FAILURES = Counter(
    "fireline_login_failures",
    "Refused credentials: a wrong password at the web login, or an invalid API token.",
    ["method"],
)


def serve(host: str, port: int, token: str = "") -> WSGIServer:
    """Expose this process's series on ``http://host:port/metrics`` from a thread (for
    ``fireline worker``, which serves no HTTP otherwise); with ``token``, only to
    ``Authorization: Bearer <token>``. Returns the server (``shutdown()`` stops it)."""
    inner = make_wsgi_app(REGISTRY)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        given = str(environ.get("HTTP_AUTHORIZATION", ""))
        if token and not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            start_response("401 Unauthorized", [("WWW-Authenticate", "Bearer")])
            return [b"/metrics needs Authorization: Bearer <FIRELINE_METRICS_TOKEN>\n"]
        body: Iterable[bytes] = inner(environ, start_response)
        return body

    server = make_server(host, port, app, ThreadingWSGIServer, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="fireline-metrics", daemon=True).start()
    return server


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass
