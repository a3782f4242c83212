"""An alert storm and what it must leave behind, both worked out from the generated input alone.

Five services, each with an Alertmanager and an Events v2 integration, each grouping its alerts
its own way. 20,000 distinct alerts: 3,600 per service through Alertmanager (12 groups of 300,
sent in webhooks of 60, and some webhooks sent twice) and 400 per service through Events v2
(one event a request, some triggers sent twice). Then resolves: whole groups, parts of groups,
some sent twice, and one for a key never seen. :class:`Expected` says, for each alert, its group,
status and occurrences, and so the incidents, their alerts and their timelines.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

SERVICES = {  # id → alert_grouping (None: the default) and auto_resolve
    "storm-a": (None, False),
    "storm-b": ({"by": ["cluster"]}, False),
    "storm-c": ({"window": "1h"}, False),
    "storm-d": (None, True),
    "storm-e": ({"by": ["alertname"], "window": "1h"}, False),
}
AM_GROUPS, AM_GROUP_SIZE, AM_CHUNK = 12, 300, 60
EV_KEYS = 400
CLUSTERS, ALERTNAMES = 4, 3
SEVERITIES = ["critical", "error", "warning", "info"]

AlertId = tuple[str, str]  # (integration id, dedup key)


def am_key(service: str) -> str:
    return f"am0{service}".ljust(32, "0")


def ev_key(service: str) -> str:
    return f"ev0{service}".ljust(32, "0")


def config() -> str:
    """The five services, as `fireline apply` takes them."""
    lines = ["services:"]
    for service, (grouping, auto_resolve) in SERVICES.items():
        lines += [f"  - id: {service}", f"    name: {service.title()}"]
        if grouping:
            lines.append(f"    alert_grouping: {_flow(grouping)}")
        if auto_resolve:
            lines.append("    auto_resolve: true")
        lines += [
            "    integrations:",
            f"      - {{id: {service}-am, type: alertmanager, key: {am_key(service)}}}",
            f"      - {{id: {service}-ev, type: events_v2, key: {ev_key(service)}}}",
        ]
    return "\n".join(lines) + "\n"


def _flow(grouping: dict[str, Any]) -> str:
    parts = [f"by: [{', '.join(grouping['by'])}]"] if "by" in grouping else []
    parts += [f'window: "{grouping["window"]}"'] if "window" in grouping else []
    return "{" + ", ".join(parts) + "}"


@dataclass(frozen=True)
class Request:
    path: str
    body: dict[str, Any]


@dataclass
class Expected:
    """What the storm must leave: per alert its group, whether it resolved, its occurrences."""

    group: dict[AlertId, tuple[str, str]] = field(default_factory=dict)
    resolved: set[AlertId] = field(default_factory=set)
    occurrences: dict[AlertId, int] = field(default_factory=lambda: defaultdict(int))

    def incidents(self) -> dict[tuple[str, str], set[AlertId]]:
        """The alerts of each incident, by (service, group)."""
        found: dict[tuple[str, str], set[AlertId]] = defaultdict(set)
        for alert, group in self.group.items():
            found[group].add(alert)
        return found

    def auto_resolved(self) -> set[tuple[str, str]]:
        """The groups of an auto-resolving service whose alerts all cleared."""
        return {
            group
            for group, alerts in self.incidents().items()
            if SERVICES[group[0]][1] and alerts <= self.resolved
        }


@dataclass
class Storm:
    bursts: list[list[Request]]  # triggers, re-sent triggers among them
    resolves: list[Request]  # after every trigger is stored
    expected: Expected

    @property
    def alerts(self) -> int:
        return len(self.expected.group)


def storm(seed: int, bursts: int = 4) -> Storm:
    """The storm's requests in a shuffled order, and what they must leave behind."""
    rng = random.Random(seed)
    expected = Expected()
    triggers: list[Request] = []
    resolves: list[Request] = []
    # Alertmanager alerts started a little before the storm: within the windows of grouping
    # (an hour), whichever alert, of either integration, opens the group's incident.
    now = datetime.now(UTC).replace(microsecond=0)
    times = (_z(now - timedelta(minutes=2)), _z(now - timedelta(minutes=1)))
    for service in SERVICES:
        triggers += _alertmanager(service, expected, resolves, times)
        triggers += _events(service, expected, resolves)
    rng.shuffle(triggers)
    rng.shuffle(resolves)
    size = -(-len(triggers) // bursts)
    return Storm(
        [triggers[i : i + size] for i in range(0, len(triggers), size)], resolves, expected
    )


def _group(service: str, integration: str, dedup_key: str, labels: dict[str, str]) -> str:
    """The group an alert belongs to, by the rules of docs/ingestion.md#grouping."""
    grouping = SERVICES[service][0]
    if grouping and "by" in grouping:
        return "labels " + " ".join(labels.get(name, "") for name in grouping["by"])
    if grouping:
        return "the service"
    if integration.endswith("-am"):
        return f"webhook group {labels['_group']}"
    return f"key {integration} {dedup_key}"


def _z(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _alertmanager(
    service: str, expected: Expected, resolves: list[Request], times: tuple[str, str]
) -> list[Request]:
    integration, requests = f"{service}-am", []
    path = f"/api/v1/integrations/alertmanager/{am_key(service)}"
    for g in range(AM_GROUPS):
        group_key = f'{{}}/{{service="{service}"}}:{{storm="{g}"}}'
        alerts = []
        for n in range(AM_GROUP_SIZE):
            labels = {
                "alertname": f"Storm{(g + n) % ALERTNAMES}",
                "cluster": f"c{n % CLUSTERS}",
                "severity": SEVERITIES[n % 4],
                "instance": f"10.0.{g}.{n}:9100",
            }
            alert = _am_alert(f"{service}-{g}-{n}", labels, times[0])
            alerts.append(alert)
            group = _group(service, integration, alert["fingerprint"], {**labels, "_group": str(g)})
            expected.group[(integration, alert["fingerprint"])] = (service, group)
        chunks = [alerts[i : i + AM_CHUNK] for i in range(0, AM_GROUP_SIZE, AM_CHUNK)]
        resent = chunks[: 1 + g % 2]  # every group re-sends its first webhook, odd ones two
        for chunk in chunks + resent:
            requests.append(Request(path, _webhook(group_key, chunk)))
            for alert in chunk:
                expected.occurrences[(integration, alert["fingerprint"])] += 1
        cleared = _am_cleared(service, g)
        for i in range(0, cleared, AM_CHUNK):
            gone = [_resolved(a, times[1]) for a in alerts[i : min(cleared, i + AM_CHUNK)]]
            resolves.append(Request(path, _webhook(group_key, gone)))
            expected.resolved |= {(integration, a["fingerprint"]) for a in gone}
    return requests


def _am_cleared(service: str, g: int) -> int:
    """How many alerts of the group (its first ones) clear: in the auto-resolving service all of
    half the groups and a third of the others; elsewhere a tenth of every other group."""
    if SERVICES[service][1]:
        return AM_GROUP_SIZE if g < AM_GROUPS // 2 else AM_GROUP_SIZE // 3
    return AM_GROUP_SIZE // 10 if g % 2 == 0 else 0


def _events(service: str, expected: Expected, resolves: list[Request]) -> list[Request]:
    integration, requests, key = f"{service}-ev", [], ev_key(service)
    for n in range(EV_KEYS):
        dedup_key = f"{service}-ev-{n}"
        details = {"cluster": f"c{n % CLUSTERS}", "alertname": f"Storm{n % ALERTNAMES}"}
        labels = {**details, "source": f"host-{n}", "severity": SEVERITIES[n % 4]}
        expected.group[(integration, dedup_key)] = (
            service,
            _group(service, integration, dedup_key, labels),
        )
        trigger = {
            "routing_key": key,
            "event_action": "trigger",
            "dedup_key": dedup_key,
            "payload": {
                "summary": f"storm {dedup_key}",
                "source": f"host-{n}",
                "severity": SEVERITIES[n % 4],
                "custom_details": details,
            },
        }
        sent = 2 if n % 10 == 3 else 1  # a tenth of the triggers are sent twice
        requests += [Request("/v2/enqueue", trigger)] * sent
        expected.occurrences[(integration, dedup_key)] += sent
        if n % 5 == 0:  # a fifth resolve; half of those resolves are sent twice (then dropped)
            resolve = {"routing_key": key, "event_action": "resolve", "dedup_key": dedup_key}
            resolves += [Request("/v2/enqueue", resolve)] * (2 if n % 10 == 0 else 1)
            expected.resolved.add((integration, dedup_key))
    never = {"routing_key": key, "event_action": "resolve", "dedup_key": f"{service}-never"}
    resolves.append(Request("/v2/enqueue", never))  # nothing open: dropped
    return requests


def _am_alert(fingerprint: str, labels: dict[str, str], starts: str) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": labels,
        "annotations": {"summary": f"{labels['alertname']} on {labels['instance']}"},
        "startsAt": starts,
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": fingerprint,
    }


def _resolved(alert: dict[str, Any], ends: str) -> dict[str, Any]:
    return {**alert, "status": "resolved", "endsAt": ends}


def _webhook(group_key: str, alerts: list[dict[str, Any]]) -> dict[str, Any]:
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "fireline",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    }
