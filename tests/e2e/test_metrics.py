"""Fireline's own Prometheus metrics: a real scrape after real activity, valid for
``promtool check metrics``; shared gauges read from the database agree across processes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from fireline import telemetry
from fireline.bootstrap import Fireline
from fireline.config import Settings
from fireline.services.incidents import commands as incidents
from fireline.storage.health import HealthStore
from fireline.web.app import create_app
from fireline.web.health import DatabaseCollector
from fireline.worker import Watch, cycle
from tests.conftest import FakeClock
from tests.e2e.conftest import Api
from tests.e2e.ingest_support import AM_URL, am_alert, am_webhook
from tests.e2e.paging_support import Receiver
from tests.e2e.ui_support import WebUser, set_passwords

DEPLOY = Path(__file__).parents[2] / "deploy"
PROMTOOL = shutil.which("promtool")


def promtool() -> str:
    """The promtool binary (Debian's `prometheus` package), or skip/fail like Alertmanager's."""
    if PROMTOOL is None:
        message = "promtool checks skipped: install Debian's prometheus package"
        if os.environ.get("FIRELINE_REQUIRE_ALERTMANAGER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return PROMTOOL


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(
    client: TestClient, **headers: str
) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            found.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return found


def _activity(core: Fireline, clock: FakeClock, client: TestClient) -> None:
    """Alerts in (accepted, refused), a failed login, pages delivered by the worker."""
    alert = am_webhook(am_alert("HighErrorRate", "fp-1", clock.now))
    assert client.post(AM_URL, json=alert).status_code == 200
    assert client.post(AM_URL, content=b"{not json").status_code == 400
    unknown = "/api/v1/integrations/alertmanager/am0nope000000000000000000000000001"
    assert client.post(unknown, json=alert).status_code == 404
    set_passwords(core, "bob")
    assert WebUser(client.app).log_in("bob", "wrong password").status_code == 401  # type: ignore[arg-type]
    incidents.declare(
        uow=core.uow(), actor="dana", title="Checkout down", services=["checkout-api"]
    )
    watch = Watch(name="test-worker")
    for minutes in (0, 5, 3):  # step 1 pages carol; step 2 her team, and alice's email
        clock.advance(minutes=minutes)
        for _ in range(3):  # the escalation step, then the pages it queued
            assert cycle(core, watch)


def test_a_scrape_after_activity_counts_it_and_passes_promtool(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    before = {
        "accepted": sample(
            "fireline_alerts_received_total", format="alertmanager", outcome="accepted"
        ),
        "invalid": sample(
            "fireline_alerts_received_total", format="alertmanager", outcome="invalid"
        ),
        "rejected": sample(
            "fireline_alerts_received_total", format="alertmanager", outcome="rejected"
        ),
        "sent": sample("fireline_deliveries_total", channel="webhook", outcome="sent"),
        "logins": sample("fireline_login_failures_total", method="password"),
        "email": sample("fireline_provider_errors_total", channel="email"),
        "timed": sample("fireline_ingest_request_duration_seconds_count", format="alertmanager"),
    }
    with TestClient(create_app(fireline=core)) as client:
        _activity(core, clock, client)
        metrics = scrape(client)
        text = client.get("/metrics").text

    def grew(name: str, key: str, **labels: str) -> float:
        return sample(name, **labels) - before[key]

    assert (
        grew(
            "fireline_alerts_received_total", "accepted", format="alertmanager", outcome="accepted"
        )
        == 1
    )
    assert (
        grew("fireline_alerts_received_total", "invalid", format="alertmanager", outcome="invalid")
        == 1
    )
    assert (
        grew(
            "fireline_alerts_received_total", "rejected", format="alertmanager", outcome="rejected"
        )
        == 1
    )
    assert (
        grew("fireline_ingest_request_duration_seconds_count", "timed", format="alertmanager") == 3
    )
    assert grew("fireline_login_failures_total", "logins", method="password") == 1
    assert (
        grew("fireline_deliveries_total", "sent", channel="webhook", outcome="sent")
        == len(paging.pages)
        > 0
    )
    assert grew("fireline_provider_errors_total", "email", channel="email") >= 1
    # the alert's incident (P1), the declared one (not assessed)
    assert metrics["fireline_incidents_open"] == {
        (("priority", "P1"),): 1,
        (("priority", "none"),): 1,
    }
    assert metrics["fireline_worker_last_cycle_timestamp_seconds"][()] == clock.now.timestamp()
    assert metrics["fireline_database_up"][()] == 1.0
    assert "fireline_job_lag_seconds_bucket" in metrics
    assert "fireline_jobs_pending" in metrics

    checked = subprocess.run(
        [promtool(), "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_database_gauges_agree_across_processes_and_follow_the_database(
    api: Api, clock: FakeClock
) -> None:
    other = TestClient(create_app(Settings(database_url=api.core.settings.database_url)))
    incidents.declare(uow=api.core.uow(), actor="bob", title="Ledger drift", services=["ledger"])
    first, second = scrape(api.anonymous), scrape(other)

    for name in ("fireline_incidents_open", "fireline_jobs_pending"):
        assert first[name] == second[name] and first[name]
    pending = sum(first["fireline_jobs_pending"].values())
    clock.advance(minutes=10)
    assert scrape(api.anonymous)["fireline_jobs_oldest_due_age_seconds"][()] >= 600
    assert pending >= 1


def test_the_metrics_token_guards_the_scrape(core: Fireline) -> None:
    core.settings = core.settings.model_copy(update={"metrics_token": "m3tr1cs"})
    client = TestClient(create_app(fireline=core))

    refused = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})

    assert refused.status_code == wrong.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.headers["content-type"] == "application/problem+json"
    assert "fireline_database_up" in scrape(client, Authorization="Bearer m3tr1cs")


def test_the_rules_pass_promtool_and_their_own_unit_tests() -> None:
    rules = DEPLOY / "prometheus" / "fireline-rules.yml"
    checked = subprocess.run(
        [promtool(), "check", "rules", str(rules)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(
        [promtool(), "test", "rules", "fireline-rules.test.yml"],
        cwd=rules.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_rules_and_the_dashboard_use_only_series_fireline_exposes(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    with TestClient(create_app(fireline=core)) as client:
        _activity(core, clock, client)
        exposed = set(scrape(client))
    used = set()
    for path in (
        DEPLOY / "prometheus" / "fireline-rules.yml",
        DEPLOY / "grafana" / "fireline.json",
    ):
        used |= set(re.findall(r"\b(?:fireline|process)_[a-z_]+\b", path.read_text()))

    assert used and used <= exposed, used - exposed


def test_the_job_lag_histogram_sees_how_late_a_job_was_claimed(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    incidents.declare(
        uow=core.uow(), actor="dana", title="Checkout down", services=["checkout-api"]
    )
    late = sample("fireline_job_lag_seconds_bucket", kind="escalate", le="60.0")
    under = sample("fireline_job_lag_seconds_bucket", kind="escalate", le="30.0")
    clock.advance(seconds=45)
    assert cycle(core, Watch(name="test-worker"))
    assert sample("fireline_job_lag_seconds_bucket", kind="escalate", le="60.0") > late
    assert sample("fireline_job_lag_seconds_bucket", kind="escalate", le="30.0") == under


def test_a_separate_worker_serves_its_own_series_behind_the_token() -> None:
    server = telemetry.serve("127.0.0.1", 0, token="m3tr1cs")
    url = f"http://127.0.0.1:{server.server_port}/metrics"
    try:
        telemetry.DELIVERIES.labels("webhook", "sent").inc(0)
        refused = httpx.get(url)
        answered = httpx.get(url, headers={"Authorization": "Bearer m3tr1cs"})
    finally:
        server.shutdown()
        server.server_close()

    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert answered.status_code == 200
    assert 'fireline_deliveries_total{channel="webhook",outcome="sent"}' in answered.text
    checked = subprocess.run(
        [promtool(), "check", "metrics"], input=answered.text, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_database_that_does_not_answer_is_reported_not_raised(clock: FakeClock) -> None:
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(HealthStore(engine), clock))

    text = generate_latest(registry).decode()

    assert "fireline_database_up 0.0" in text
    assert "fireline_incidents_open" not in text
