"""The alert storm, functionally (not timed): 20,000 alerts in bursts across five services from
concurrent clients end with exactly the expected incidents, alerts and timelines.

On SQLite one `fireline serve` (with its embedded worker) takes the storm; on PostgreSQL two
`fireline serve --no-worker` and a `fireline worker` do, each client sending to one of the two
serving processes. What must be stored is worked out from the generated input (storm_load.py);
the check reads the database.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from fireline.storage.db import normalise_url
from tests.e2e.storm_load import AlertId, Expected, Request, Storm, config, storm
from tests.e2e.storm_support import apply, own_postgres_schema, serving

CLIENTS = 8
PAUSE = 0.3  # seconds of quiet between bursts
# Besides `declared` and the alerts' events, a timeline may hold the tasks of the workflow's entry
# phase (`task_added`) and, when its alerts all cleared in an auto-resolving service, these two.
AUTO_RESOLVE_KINDS = {"resolution_summary_set", "phase_changed"}


def test_an_alert_storm_on_sqlite_leaves_exactly_the_expected_incidents(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'fireline.db'}"
    _run(tmp_path, database_url, nodes=1)


@pytest.mark.postgres
def test_an_alert_storm_on_two_postgresql_nodes_leaves_exactly_the_expected_incidents(
    tmp_path: Path,
) -> None:
    with own_postgres_schema("fireline_storm") as database_url:
        _run(tmp_path, database_url, nodes=2)


def _run(tmp_path: Path, database_url: str, nodes: int) -> None:
    seed = random.randrange(2**32)
    load = storm(seed)
    assert load.alerts == 20_000
    apply(tmp_path, database_url, config())
    started = time.monotonic()
    with serving(tmp_path, database_url, nodes=nodes, worker=True) as servers:
        statuses = _on_own_loop(load, [s.url for s in servers])
    took = time.monotonic() - started
    print(f"\nstorm (seed {seed}): {sum(statuses.values())} requests in {took:.1f} s: {statuses}")
    assert set(statuses) <= {200, 202}, f"seed {seed}: {statuses}"
    _check(database_url, load.expected, seed)


def _on_own_loop(load: Storm, urls: list[str]) -> Counter[int]:
    """Send the storm from an event loop on a thread of its own: in the whole suite the browser
    tests' Playwright keeps one running on the main thread, where asyncio.run refuses to start
    (and the coroutine it was handed would be left unawaited, failing a later test)."""
    sent: list[Counter[int]] = []
    runner = threading.Thread(target=lambda: sent.append(asyncio.run(_send(load, urls))))
    runner.start()
    runner.join()
    assert sent, "the storm's sender failed: see the thread's exception above"
    return sent[0]


async def _send(load: Storm, urls: list[str]) -> Counter[int]:
    """Each burst flat out from CLIENTS concurrent clients, then the resolves the same way."""
    statuses: Counter[int] = Counter()
    clients = [httpx.AsyncClient(base_url=urls[i % len(urls)], timeout=120) for i in range(CLIENTS)]
    try:
        for burst in [*load.bursts, load.resolves]:
            began = time.monotonic()
            await _flat_out(clients, burst, statuses)
            print(f"{len(burst)} requests in {time.monotonic() - began:.1f} s")
            await asyncio.sleep(PAUSE)
    finally:
        for client in clients:
            await client.aclose()
    return statuses


async def _flat_out(
    clients: list[httpx.AsyncClient], requests: list[Request], statuses: Counter[int]
) -> None:
    queue = iter(requests)

    async def client_loop(client: httpx.AsyncClient) -> None:
        for request in queue:
            response = await client.post(request.path, json=request.body)
            statuses[response.status_code] += 1

    await asyncio.gather(*(client_loop(c) for c in clients))


def _check(database_url: str, expected: Expected, seed: int) -> None:
    by_id, events, incidents = _stored(database_url)
    assert set(by_id) == set(expected.group), f"seed {seed}: alerts lost or extra"
    assert {a: r["occurrences"] for a, r in by_id.items()} == dict(expected.occurrences)
    assert {a for a, r in by_id.items() if r["status"] == "resolved"} == expected.resolved
    assert all(r["status"] == "firing" for a, r in by_id.items() if a not in expected.resolved)

    members: dict[int, set[AlertId]] = defaultdict(set)
    for alert_id, row in by_id.items():
        assert row["incident_id"] is not None, f"{alert_id} joined no incident"
        members[row["incident_id"]].add(alert_id)
    wanted = expected.incidents()
    incident_of = {frozenset(alerts): group for group, alerts in wanted.items()}
    found = {incident: incident_of.get(frozenset(a)) for incident, a in members.items()}
    assert sorted(map(frozenset, members.values()), key=sorted) == sorted(
        map(frozenset, wanted.values()), key=sorted
    ), f"seed {seed}: the alerts are not grouped as expected"
    assert set(incidents) == set(members), "an incident without alerts"

    auto_resolved = expected.auto_resolved()
    print(f"{len(members)} incidents, {len(auto_resolved)} resolved by themselves")
    for incident, group in found.items():
        assert group is not None
        _check_timeline(
            events[incident],
            {by_id[a]["id"] for a in members[incident]},
            {by_id[a]["id"] for a in members[incident] & expected.resolved},
            group in auto_resolved,
        )
        assert (incidents[incident] is not None) == (group in auto_resolved), group


def _check_timeline(
    timeline: list[tuple[str, dict[str, Any]]],
    alert_ids: set[int],
    resolved_ids: set[int],
    auto_resolved: bool,
) -> None:
    kinds = Counter(kind for kind, _ in timeline)
    attached = [data["alert_id"] for kind, data in timeline if kind == "alert_attached"]
    cleared = [data["alert_id"] for kind, data in timeline if kind == "alert_resolved"]
    assert timeline[0][0] == "declared"
    assert kinds["declared"] == 1
    assert sorted(attached) == sorted(alert_ids)  # each alert once
    assert sorted(cleared) == sorted(resolved_ids)
    if auto_resolved:
        assert (kinds["resolution_summary_set"], kinds["phase_changed"]) == (1, 1)
        assert timeline[-1][0] == "phase_changed"
    other = set(kinds) - {"declared", "alert_attached", "alert_resolved", "task_added"}
    assert other == (AUTO_RESOLVE_KINDS if auto_resolved else set()), kinds


def _stored(
    database_url: str,
) -> tuple[
    dict[AlertId, dict[str, Any]],
    dict[int, list[tuple[str, dict[str, Any]]]],
    dict[int, Any],
]:
    """The alerts by (integration, dedup key), each incident's timeline in order, and each
    incident's resolved_at."""
    engine = create_engine(normalise_url(database_url))
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, integration_id, dedup_key, status, occurrences, incident_id FROM alerts"
            )
        ).mappings()
        alerts = {(r["integration_id"], r["dedup_key"]): dict(r) for r in rows}
        assert len(alerts) == connection.execute(text("SELECT count(*) FROM alerts")).scalar()
        events: dict[int, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for incident, kind, data in connection.execute(
            text("SELECT incident_id, kind, data FROM incident_events ORDER BY incident_id, seq")
        ):
            events[incident].append((kind, _json(data)))
        incidents = dict(connection.execute(text("SELECT id, resolved_at FROM incidents")).all())
    engine.dispose()
    return alerts, events, incidents


def _json(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else dict(json.loads(data))
