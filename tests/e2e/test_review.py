"""Review end to end: postmortem drafts, templates, export, public sections, comments, and
follow-ups reminded to their owners through a real HTTP receiver."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fireline.bootstrap import Fireline
from fireline.errors import Conflict, InvalidInput
from fireline.services.admin.configuration import apply_config
from fireline.services.incidents import commands as incidents
from fireline.services.incidents import drills
from fireline.services.review import follow_ups, postmortems, similar
from tests.conftest import FakeClock
from tests.e2e.cli_runner import Cli
from tests.e2e.paging_support import Receiver, timeline, work

TEMPLATES = """
postmortems:
  templates:
    - id: short
      name: Short review
      sections:
        - {id: summary, title: What happened, public: true}
        - {id: timeline, title: Timeline}
        - {id: lessons, title: Lessons, guidance: "What we change."}
  by_team:
    payments: short
"""


def _to_review(core: Fireline, title: str = "Ledger drift", service: str = "ledger") -> int:
    incident = incidents.declare(
        uow=core.uow(), actor="bob", title=title, services=[service], summary="Totals disagree"
    ).incident
    incidents.acknowledge(uow=core.uow(), actor="bob", incident_id=incident.id)
    incidents.add_note(
        uow=core.uow(), actor="bob", incident_id=incident.id, text="Replica lag 40s", pinned=True
    )
    incidents.add_note(uow=core.uow(), actor="bob", incident_id=incident.id, text="coffee")
    incidents.resolve(uow=core.uow(), actor="bob", incident_id=incident.id, summary="Re-synced")
    incidents.transition(uow=core.uow(), actor="bob", incident_id=incident.id, phase="review")
    return incident.id


def test_entering_review_drafts_a_prefilled_postmortem(core: Fireline, paging: Receiver) -> None:
    incident_id = _to_review(core)
    view = postmortems.get_postmortem(uow=core.uow(), incident_id=incident_id)
    assert view.template == "default" and view.status == "draft"
    sections = {s.id: s.body for s in view.sections}
    assert list(sections)[:3] == ["summary", "impact", "root_causes"]
    assert "Totals disagree" in sections["summary"] and "Re-synced" in sections["resolution"]
    assert "Declared by Bob Okafor." in sections["detection"]
    assert "Note by Bob Okafor: Replica lag 40s" in sections["timeline"]
    assert "coffee" not in sections["timeline"]  # only pinned notes make the draft
    assert sections["root_causes"] == "_The conditions that made this possible (not people)._"
    assert timeline(core, incident_id, "postmortem_status_changed")[0]["after"] == "draft"


def test_a_team_template_wins(core: Fireline, paging: Receiver) -> None:
    apply_config(uow=core.uow(), text=TEMPLATES, source="postmortems.yaml")
    incident_id = _to_review(core)
    view = postmortems.get_postmortem(uow=core.uow(), incident_id=incident_id)
    assert view.template == "short"
    assert [(s.id, s.title, s.public) for s in view.sections] == [
        ("summary", "What happened", True),
        ("timeline", "Timeline", False),
        ("lessons", "Lessons", False),
    ]
    assert view.sections[2].body == "_What we change._"


def test_export_escapes_and_the_public_version_is_only_public_sections(
    core: Fireline, paging: Receiver
) -> None:
    incident_id = _to_review(core, title="<script>alert(1)</script>")
    html = postmortems.export(uow=core.uow(), incident_id=incident_id, fmt="html")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<table>" in html  # the timeline renders as a table
    markdown = postmortems.export(uow=core.uow(), incident_id=incident_id, fmt="markdown")
    assert "This review is blameless" in markdown

    assert postmortems.public_sections(uow=core.uow(), incident_id=incident_id) == []
    postmortems.edit_postmortem(
        uow=core.uow(), actor="bob", incident_id=incident_id, version=1, public=True
    )
    for status in ("in_review", "published"):
        postmortems.set_status(uow=core.uow(), actor="bob", incident_id=incident_id, status=status)
    public = postmortems.public_sections(uow=core.uow(), incident_id=incident_id)
    assert [s.id for s in public] == ["summary", "impact", "resolution"]
    public_text = postmortems.export(
        uow=core.uow(), incident_id=incident_id, fmt="markdown", public=True
    )
    assert "Replica lag" not in public_text  # the timeline (with notes) stays internal


def test_review_rules(core: Fireline, paging: Receiver) -> None:
    incident_id = _to_review(core)
    with pytest.raises(Conflict, match="a review comes first"):
        postmortems.set_status(
            uow=core.uow(), actor="bob", incident_id=incident_id, status="published"
        )
    with pytest.raises(InvalidInput, match="no section 'moral'"):
        postmortems.add_comment(
            uow=core.uow(), actor="alice", incident_id=incident_id, body="x", section="moral"
        )
    view = postmortems.add_comment(
        uow=core.uow(), actor="alice", incident_id=incident_id, body="Why 40s?", section="impact"
    )
    assert [(c.author, c.section, c.body) for c in view.comments] == [
        ("alice", "impact", "Why 40s?")
    ]
    postmortems.edit_postmortem(
        uow=core.uow(), actor="bob", incident_id=incident_id, version=1, reviewers=["alice"]
    )
    for status in ("in_review", "published"):
        postmortems.set_status(uow=core.uow(), actor="bob", incident_id=incident_id, status=status)
    with pytest.raises(Conflict, match="move it back to draft"):
        postmortems.edit_postmortem(
            uow=core.uow(), actor="bob", incident_id=incident_id, version=2, public=True
        )
    with pytest.raises(Conflict, match="has a postmortem already"):
        postmortems.start_postmortem(uow=core.uow(), actor="bob", incident_id=incident_id)


def test_an_overdue_follow_up_reminds_its_owner_daily_until_done(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    incident_id = _to_review(core)
    work(core)
    pages_before = len(paging.pages)
    due = clock.now + timedelta(days=3)
    follow_ups.add_follow_up(
        uow=core.uow(),
        actor="bob",
        incident_id=incident_id,
        title="Alert on replica lag",
        owner="carol",
        due_at=due,
        type="detect",
    )
    clock.advance(days=3, minutes=1)
    work(core)
    (reminder,) = paging.pages[pages_before:]
    assert reminder["path"].endswith("/carol") and reminder["body"]["type"] == "reminder"
    assert reminder["body"]["text"].startswith(f"Follow-up F1 of incident #{incident_id} was due")
    assert reminder["body"]["ack_url"] == ""
    (overdue,) = timeline(core, incident_id, "follow_up_overdue")
    assert (overdue["owner"], overdue["reminded"]) == ("carol", True)
    listed = follow_ups.list_follow_ups(uow=core.uow(), overdue=True)
    assert [(f.incident_id, f.id, f.overdue) for f in listed] == [(incident_id, "F1", True)]

    clock.advance(days=1)
    work(core)
    assert len(paging.pages) == pages_before + 2  # one day later, again
    follow_ups.update_follow_up(
        uow=core.uow(),
        actor="carol",
        incident_id=incident_id,
        follow_up_id="F1",
        changes={"done": True},
    )
    clock.advance(days=1)
    work(core)
    assert len(paging.pages) == pages_before + 2
    assert follow_ups.list_follow_ups(uow=core.uow(), overdue=True) == []
    (done,) = follow_ups.list_follow_ups(uow=core.uow(), owner="carol")
    assert done.done and not done.overdue


def test_a_drill_pages_for_real_is_marked_and_gets_its_report(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    drill = incidents.declare(
        uow=core.uow(), actor="dana", title="Game day: ledger", services=["ledger"], drill=True
    ).incident
    work(core)
    (page,) = paging.pages
    assert page["body"]["title"] == "[DRILL] Game day: ledger"
    clock.advance(minutes=2)
    incidents.acknowledge(uow=core.uow(), actor="carol", incident_id=drill.id)
    clock.advance(minutes=3)
    for minutes, (role, user) in enumerate(
        [("commander", "carol"), ("operations", "bob"), ("communications", "alice")]
    ):
        clock.advance(minutes=minutes)
        incidents.assign_role(
            uow=core.uow(), actor="carol", incident_id=drill.id, role=role, user=user
        )
    report = drills.drill_report(uow=core.uow(), incident_id=drill.id)
    assert (report.seconds_to_first_page, report.seconds_to_acknowledge) == (0.0, 120.0)
    assert report.seconds_to_role == {
        "commander": 300.0,
        "operations": 360.0,
        "communications": 480.0,
        "scribe": None,
    }
    assert report.seconds_to_full_team is None  # nobody is scribe yet
    incidents.assign_role(
        uow=core.uow(), actor="carol", incident_id=drill.id, role="scribe", user="carol"
    )
    assert drills.drill_report(uow=core.uow(), incident_id=drill.id).seconds_to_full_team == 480.0
    assert report.people_paged == ["carol"] and report.pages_sent == 1

    real = incidents.declare(uow=core.uow(), actor="dana", title="Real", services=["ledger"])
    with pytest.raises(Conflict, match="not a drill"):
        drills.drill_report(uow=core.uow(), incident_id=real.incident.id)


def test_similar_incidents_and_a_recurrence_warning(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    first = _to_review(core, title="Checkout latency high in EU cluster", service="checkout-api")
    follow_ups.add_follow_up(
        uow=core.uow(), actor="bob", incident_id=first, title="Autoscale the EU pool", owner="bob"
    )
    other = incidents.declare(
        uow=core.uow(), actor="bob", title="Ledger totals drift", services=["ledger"]
    ).incident
    clock.advance(days=7)
    again = incidents.declare(
        uow=core.uow(),
        actor="bob",
        title="EU checkout latency high again",
        services=["checkout-api"],
    ).incident
    work(core)

    (match,) = similar.similar_incidents(uow=core.uow(), incident_id=again.id)
    assert (match.incident_id, match.open_follow_ups, match.recurrence) == (first, 1, True)
    assert match.postmortem == "draft" and match.postmortem_url.endswith(f"/{first}/postmortem")
    assert match.reasons[0] == "same service: checkout-api"
    assert match.reasons[1] == "shared words: checkout, high, latency"
    (warning,) = timeline(core, again.id, "recurrence_suspected")
    assert [m["incident_id"] for m in warning["matches"]] == [first]
    assert timeline(core, other.id, "recurrence_suspected") == []
    assert similar.similar_incidents(uow=core.uow(), incident_id=first) == []  # only the past


def test_the_review_from_the_cli(
    core: Fireline,
    paging: Receiver,
    cli: Cli,
) -> None:
    number = str(_to_review(core))
    edited = cli(
        "postmortem",
        "edit",
        number,
        "--version",
        "1",
        "--section",
        "root_causes",
        "--text",
        "-",
        stdin="A schema change without a lock timeout.",
    )
    assert edited.code == 0, edited.err
    assert "Postmortem of #1 Ledger drift: draft (version 2" in edited.out
    stale = cli("postmortem", "edit", number, "--version", "1", "--public")
    assert stale.code == 1 and "saved by someone else" in stale.err
    assert cli("postmortem", "comment", number, "Good catch", "--section", "impact").code == 0
    shown = cli("postmortem", "show", number, "--json").json()
    assert shown["comments"][0]["body"] == "Good catch"
    assert "lock timeout" in {s["id"]: s["body"] for s in shown["sections"]}["root_causes"]
    html = cli("postmortem", "export", number, "--format", "html")
    assert html.out.startswith("<!doctype html>") and "<h2>Root causes</h2>" in html.out
    assert cli("postmortem", "status", number, "shipped").code != 0

    added = cli(
        "follow-up",
        "add",
        number,
        "Lock timeouts in migrations",
        "--owner",
        "bob",
        "--due",
        "2026-03-01T00:00:00",
        "--type",
        "prevent",
        "--link",
        "https://git.example/pr/7",
    )
    assert added.code == 0, added.err
    overdue = cli("follow-up", "list", "--overdue")
    assert "#1 F1 [OVERDUE] Lock timeouts in migrations — prevent, medium, owner bob" in overdue.out
    assert cli("follow-up", "update", number, "F1", "--done").code == 0
    assert cli("follow-up", "list", "--overdue").out.strip() == "no follow-ups"
    assert cli("follow-up", "update", number, "F1").code != 0  # nothing to change

    assert "no similar incidents" in cli("incident", "similar", number).out
    refused = cli("drill", "report", number)
    assert refused.code == 1 and "is not a drill" in refused.err


def test_a_due_date_alone_is_the_end_of_that_day_utc_everywhere(
    core: Fireline, paging: Receiver, cli: Cli
) -> None:
    number = str(_to_review(core))
    by_cli = cli("follow-up", "add", number, "From the CLI", "--due", "2026-12-15", "--json")
    timed = cli("follow-up", "add", number, "At a time", "--due", "2026-12-15T17:00", "--json")
    task = cli("incident", "task", number, "A task", "--due", "2026-12-15", "--json")
    bad = cli("follow-up", "add", number, "Bad", "--due", "mid-December")

    assert by_cli.code == 0, by_cli.err
    due = {f["title"]: f["due_at"] for f in by_cli.json()["items"]}
    assert due["From the CLI"] == "2026-12-15T23:59:00Z"
    assert {f["title"]: f["due_at"] for f in timed.json()["items"]}["At a time"] == (
        "2026-12-15T17:00:00Z"
    )
    assert [t["due_at"] for t in task.json()["tasks"] if t["title"] == "A task"] == [
        "2026-12-15T23:59:00Z"
    ]
    assert bad.code == 2 and "2026-12-15" in bad.err
