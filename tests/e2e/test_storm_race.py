"""Two real `fireline serve --no-worker` processes on one PostgreSQL receive alerts of the same new
group at the same instant: one incident per group, and no alert lost or refused.

Each round has a fresh Alertmanager `groupKey` and a fresh Events v2 dedup key. Four senders,
two on each process, wait at a barrier on open keep-alive connections and then each post at
once: a webhook of the group with four alerts of its own and (every other round) one alert
that all four share, and a trigger of the shared Events v2 key; then all four resolve that key at once.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from fireline.storage.db import normalise_url
from tests.e2e.storm_support import apply, own_postgres_schema, serving

pytestmark = pytest.mark.postgres

AM_KEY = "am0race000000000000000000000000001"
EV_KEY = "ev0race000000000000000000000000001"
CONFIG = f"""
services:
  - id: race
    name: Race
    integrations:
      - {{id: race-am, type: alertmanager, key: {AM_KEY}}}
      - {{id: race-events, type: events_v2, key: {EV_KEY}}}
"""
ROUNDS = 12
SENDERS_PER_NODE = 2
OWN = 4  # alerts of its own in each sender's webhook, besides the shared one


def webhook(group: str, fingerprints: list[str]) -> dict[str, Any]:
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": "Race", "fp": fp, "severity": "critical"},
            "annotations": {"summary": f"race {fp}"},
            "startsAt": "2026-03-02T08:58:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": fp,
        }
        for fp in fingerprints
    ]
    return {
        "version": "4",
        "groupKey": group,
        "status": "firing",
        "receiver": "fireline",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    }


def trigger(key: str) -> dict[str, Any]:
    return {
        "routing_key": EV_KEY,
        "event_action": "trigger",
        "dedup_key": key,
        "payload": {"summary": f"race {key}", "source": "race", "severity": "critical"},
    }


def test_two_processes_receiving_one_new_group_at_once_open_one_incident(tmp_path: Path) -> None:
    with own_postgres_schema("fireline_race") as database_url:
        apply(tmp_path, database_url, CONFIG)
        with serving(tmp_path, database_url, nodes=2, worker=False) as nodes:
            urls = [n.url for n in nodes for _ in range(SENDERS_PER_NODE)]
            answers, expected = _race(urls)
        found = _stored(database_url)
    refused = Counter(a for a in answers if a not in (200, 202))
    duplicated = {g: f for g, f in found.items() if f != expected.get(g)}
    assert (refused, duplicated) == (Counter(), {})
    assert found == expected


def _race(urls: list[str]) -> tuple[list[int], dict[str, Any]]:
    """Run the rounds; the statuses answered, and what must be stored, by group."""
    clients = [httpx.Client(base_url=url, timeout=30) for url in urls]
    for client in clients:
        client.get("/healthz")  # the connection is open before the barrier
    barrier = threading.Barrier(len(clients))
    answers: list[int] = []
    expected: dict[str, Any] = {}

    def send(client: httpx.Client, group: str, own: list[str], shared: str, key: str) -> None:
        barrier.wait()
        path = f"/api/v1/integrations/alertmanager/{AM_KEY}"
        answers.append(client.post(path, json=webhook(group, [*own, shared])).status_code)
        answers.append(client.post("/v2/enqueue", json=trigger(key)).status_code)
        barrier.wait()  # then all resolve the Events v2 alert at once
        resolve = {"routing_key": EV_KEY, "event_action": "resolve", "dedup_key": key}
        answers.append(client.post("/v2/enqueue", json=resolve).status_code)

    try:
        for round_ in range(ROUNDS):
            tag = f"{round_}-{uuid.uuid4().hex[:8]}"
            group, shared, key = f'{{}}:{{race="{tag}"}}', f"shared-{tag}", f"ev-{tag}"
            own = [[f"own-{tag}-{s}-{n}" for n in range(OWN)] for s in range(len(clients))]
            if round_ % 2:  # no alert in common: only the group is shared
                shared = ""
            threads = [
                threading.Thread(target=send, args=(c, group, own[s], shared or f"{tag}-{s}", key))
                for s, c in enumerate(clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            senders = len(clients)
            alerts, repeats = (senders * OWN + 1, senders) if shared else (senders * (OWN + 1), 1)
            expected[group] = {"incidents": 1, "alerts": alerts, "repeats": repeats}
            expected[key] = {"incidents": 1, "alerts": 1, "repeats": senders, "cleared": 1}
    finally:
        for client in clients:
            client.close()
    return answers, expected


def _stored(database_url: str) -> dict[str, Any]:
    """By group: how many incidents its alerts joined, how many alerts, the most occurrences."""
    engine = create_engine(normalise_url(database_url))
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT group_key, incident_id, occurrences, id FROM alerts")
        ).all()
        cleared = Counter(
            data["alert_id"] if isinstance(data, dict) else json.loads(data)["alert_id"]
            for (data,) in connection.execute(
                text("SELECT data FROM incident_events WHERE kind = 'alert_resolved'")
            )
        )
    engine.dispose()
    incidents: dict[str, set[int | None]] = defaultdict(set)
    alerts: Counter[str] = Counter()
    repeats: dict[str, int] = defaultdict(int)
    resolutions: dict[str, int] = {}  # how often the timeline says the group's alert cleared
    for group, incident, occurrences, alert_id in rows:
        if alert_id in cleared:
            resolutions[group] = resolutions.get(group, 0) + cleared[alert_id]
        incidents[group].add(incident)
        alerts[group] += 1
        repeats[group] = max(repeats[group], occurrences)
    return {
        group.removeprefix("am:").removeprefix("alert:race-events:"): {
            "incidents": len(incidents[group]),
            "alerts": alerts[group],
            "repeats": repeats[group],
            **({"cleared": resolutions[group]} if group in resolutions else {}),
        }
        for group in incidents
    }
