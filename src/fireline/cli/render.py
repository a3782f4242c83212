"""Plain-text renderings of API documents, for people at a terminal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]


def stamp(value: str | None) -> str:
    """An API time as people read it: ``2026-12-03 12:14:24Z`` (UTC, whole seconds);
    ``--json`` keeps the API's ISO 8601."""
    if not value:
        return "-"
    moment = datetime.fromisoformat(value)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def incident(d: Json) -> str:
    roles = ", ".join(f"{role}: {user}" for role, user in d["roles"].items()) or "none"
    lines = [
        f"#{d['id']} {d['title']}",
        f"  phase {d['phase']} ({d['workflow']} v{d['workflow_version']})"
        + ("  [DRILL]" if d["drill"] else "")
        + (f"  [EXCLUDED from metrics: {d['exclusion_reason']}]" if d.get("excluded") else ""),
        f"  priority {d['priority'] or '-'}  impact {d['impact'] or '-'}  urgency {d['urgency'] or '-'}"
        f"  severity {d['severity'] or '-'}",
        f"  services {', '.join(d['services']) or '-'}",
        f"  roles {roles}",
    ]
    stamps = [f"{k.removesuffix('_at')} {stamp(v)}" for k, v in d["timestamps"].items() if v]
    lines.append("  " + "\n  ".join(stamps))
    for clock in d["sla"]:
        lines.append(f"  SLA {clock['target']}: {clock['state']} (due {stamp(clock['due_at'])})")
    open_tasks = [t for t in d["tasks"] if not t["done"]]
    for task in open_tasks:
        owner = f" @{task['owner']}" if task["owner"] else ""
        lines.append(f"  [ ] {task['id']} {task['title']}{owner}")
    return "\n".join(lines)


def incident_detail(d: Json) -> str:
    lines = [incident(d), "", "Timeline:"]
    lines += [
        f"  {stamp(e['at'])}  {e['actor']:<12} {e['kind']:<22} {_words(e)}" for e in d["timeline"]
    ]
    return "\n".join(lines)


def _words(event: Json) -> str:
    """The event's sentence, and the start of the free text it carries."""
    detail = " ".join(event["detail"].split())
    if not detail:
        return str(event["sentence"])
    short = detail if len(detail) <= 80 else detail[:79] + "…"
    return f"{event['sentence']}: {short}"


def incident_table(page: Json) -> str:
    if not page["items"]:
        return "no incidents"
    rows = [f"{'ID':>5}  {'PHASE':<14} {'PRIO':<4} {'SEV':<6} TITLE"]
    for i in page["items"]:
        rows.append(
            f"{i['id']:>5}  {i['phase']:<14} {i['priority'] or '-':<4} {i['severity'] or '-':<6} {i['title']}"
        )
    shown = page["offset"] + len(page["items"])
    rows.append(f"({shown} of {page['total']})")
    return "\n".join(rows)


def secrets(listed: Json) -> str:
    return "\n".join(
        f"{s['purpose']:<15} {s['description']}  (made {s['created_at'] or 'on first use'})"
        for s in listed["items"]
    )


def throttles(listed: Json) -> str:
    rows = [
        f"{t['kind']:<14} {t['subject']:<32} {t['failures']:>4} failures  until {t['until']}"
        for t in listed["items"]
    ]
    return "\n".join(rows) or "nobody is throttled"


def audit_log(listed: Json) -> str:
    rows = [
        f"{e['id']:>5}  {e['at'][:19].replace('T', ' ')}Z  {e['actor']:<12} {e['action']:<22} "
        f"{e['subject']}"
        + (
            "  " + ", ".join(f"{k}={v}" for k, v in e["details"].items() if k != "changes")
            if e["details"]
            else ""
        )
        for e in listed["items"]
    ]
    return "\n".join(rows) or "the audit log is empty"


def webhook_secret(issued: Json) -> str:
    return (
        f"New signing secret for {issued['owner']}'s {issued['contact']} (shown once; the old "
        f"one no longer signs):\n{issued['secret']}"
    )


def contact_tested(tested: Json) -> str:
    target = f"Test page to {tested['owner']}/{tested['contact']} ({tested['channel']})"
    if tested["result"] == "delivered":
        ref = f", {tested['provider_ref']}" if tested["provider_ref"] else ""
        return f"{target}: delivered ({tested['provider_status'] or 'accepted'}{ref})"
    return f"{target}: {tested['result'].upper()}: {tested['reason']}"


def verification(checked: Json) -> str:
    target = f"{checked['owner']}/{checked['contact']} ({checked['number']})"
    if checked["verified"]:
        return f"{target}: verified; pages go to this number now"
    return f"{target}: {checked['detail']}"


def secret_rotated(rotated: Json) -> str:
    return f"{rotated['purpose']} rotated: every link signed with the old key stops working now"


def apply_report(report: Json) -> str:
    """What apply did; for a dry run, the plan with each field that would change."""
    plan = report.get("plan", [])
    if report.get("dry_run"):
        lines = ["plan (dry run: nothing was changed):"]
        for item in plan:
            lines.append(f"  {item['action']:>6}  {item['kind']} {item['id']}")
            lines += [f"          {name}: {_field(f)}" for name, f in item["fields"].items()]
    else:
        done = [c for c in report["changes"] if c["outcome"] != "unchanged"]
        lines = [f"{c['outcome']:>9}  {c['kind']} {c['id']}" for c in done]
    if not plan:
        return "\n".join([*lines, "nothing to change"])
    counts: dict[str, int] = {}
    for item in plan:
        counts[item["action"]] = counts.get(item["action"], 0) + 1
    verbs = {"create": "created", "update": "updated", "delete": "deleted"}
    if report.get("dry_run"):
        verbs = {"create": "to create", "update": "to update", "delete": "to delete"}
    summary = ", ".join(f"{n} {verbs[action]}" for action, n in sorted(counts.items()))
    return "\n".join([*lines, summary])


def _field(change: Json) -> str:
    old, new = change["old"], change["new"]
    if old is None:
        return json.dumps(new, default=str)
    if new is None:
        return f"{json.dumps(old, default=str)} → (none)"
    return f"{json.dumps(old, default=str)} → {json.dumps(new, default=str)}"


def alert_table(page: Json) -> str:
    if not page["items"]:
        return "no alerts"
    rows = [f"{'ID':>6}  {'STATUS':<12} {'SEV':<8} {'SERVICE':<16} {'INCIDENT':>8}  SUMMARY"]
    for a in page["items"]:
        flags = " [silenced]" if a["silence_id"] else " [flapping]" if a["flapping"] else ""
        rows.append(
            f"{a['id']:>6}  {a['status']:<12} {a['severity']:<8} {a['service']:<16} "
            f"{a['incident_id'] or '-':>8}  {a['summary']}{flags}"
        )
    rows.append(f"({page['offset'] + len(page['items'])} of {page['total']})")
    return "\n".join(rows)


def alert(a: Json) -> str:
    """One alert: what, where, when, its labels and the payload its source sent last."""
    import json

    flags = " [flapping]" if a["flapping"] else ""
    flags += f" [silenced by #{a['silence_id']}]" if a["silence_id"] else ""
    incident = f"incident #{a['incident_id']}" if a["incident_id"] else "no incident"
    seen = f"seen {a['occurrences']} time(s), first {stamp(a['first_seen_at'])}, last {stamp(a['last_seen_at'])}"
    lines = [
        f"Alert #{a['id']} {a['status']}: {a['summary']}{flags}",
        f"  service {a['service']} via {a['integration']} ({a['source']}); {incident}",
        f"  severity {a['severity']}  dedup key {a['dedup_key']}",
        f"  started {stamp(a['starts_at'])}; {seen}"
        + (f"; resolved {stamp(a['resolved_at'])}" if a["resolved_at"] else ""),
        "  labels:",
        *(f"    {name}: {value}" for name, value in sorted(a["labels"].items())),
        "  payload:",
        *("    " + line for line in json.dumps(a["payload"], indent=2).splitlines()),
    ]
    return "\n".join(lines)


def _items(data: Json) -> list[Json]:
    """The rows of a list document, or the one document a change answered with."""
    return list(data["items"]) if "items" in data else [data]


def silence_table(data: Json) -> str:
    items = _items(data)
    if not items:
        return "no silences"
    rows = []
    for s in items:
        matchers = (
            ", ".join(f"{m['name']}{m['op']}{m['value']}" for m in s["matchers"]) or "everything"
        )
        scope = f" on {s['service']}" if s["service"] else ""
        state = "active" if s["active"] else "not active"
        rows.append(
            f"#{s['id']} {s['kind']}{scope}: {matchers} until {stamp(s['ends_at'])} ({state}) {s['comment']}"
        )
    return "\n".join(rows)


_HEARTBEAT = {
    "waiting_first_beat": " (waiting for its first beat: not checked until then)",
    "late": " (LATE: no beat within its interval)",
}


def integration_table(data: Json) -> str:
    rows = []
    for i in _items(data):
        state = " REVOKED" if i["revoked_at"] else ""
        grace = (
            f" (old key works until {stamp(i['previous_key_expires_at'])})"
            if i["previous_key_expires_at"]
            else ""
        )
        where = i["url"] + (
            f" routing_key={i['key']}" if i["type"] == "events_v2" and i["key"] else ""
        )
        beat = _HEARTBEAT.get(i.get("heartbeat") or "", "")
        rows.append(f"{i['id']:<24} {i['type']:<12} {i['service']:<16} {where}{state}{grace}{beat}")
    return "\n".join(rows) or "no integrations"
