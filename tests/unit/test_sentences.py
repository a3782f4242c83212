"""Every timeline event reads as a sentence, the same in the web UI and the CLI."""

from __future__ import annotations

import re

import pytest

from fireline.cli.render import incident_detail
from fireline.domain.events import EVENT_KINDS, parse_event
from fireline.domain.sentences import describe
from tests.unit.test_events import AT, STORED

RAW = re.compile(r"[{}\[\]]|\w+: \w+, \w+: |None|'")  # a dict or a list printed as it is


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_every_kind_reads_as_a_sentence(kind: str) -> None:
    words = describe(parse_event(kind, AT, "alice", STORED[kind]))
    assert words.text and (words.text[0].isupper() or words.text[0].isdigit())
    assert not RAW.search(words.text), words.text


@pytest.mark.parametrize(
    ("kind", "data", "sentence"),
    [
        (
            "page_throttled",
            {**STORED["page_throttled"], "user": "bob", "until": "2026-03-02T07:23:24+00:00"},
            "Page to bob by webhook held by throttling until 07:23:24 UTC",
        ),
        (
            "page_coalesced",
            STORED["page_coalesced"],
            "Page to bob by webhook coalesced into a digest by throttling; "
            "the digest goes at 09:05:00 UTC",
        ),
        (
            "digest_sent",
            STORED["digest_sent"],
            "3 more pages for #7, #9, #12 in the last 15 min coalesced into a digest to bob "
            "by webhook",
        ),
        (
            "escalation_step_fired",
            STORED["escalation_step_fired"],
            "Escalation step 1 (round 1) of payments-default paged carol",
        ),
        ("page_sent", STORED["page_sent"], "Page sent to carol by webhook"),
        ("declared", {**STORED["declared"], "page": False},
         "Declared in Reporting without paging the on-call"),
        ("escalation_step_fired", {**STORED["escalation_step_fired"], "declarer": "dana"},
         "Escalation step 1 (round 1) of payments-default paged carol; not dana, who declared it"),
        ("postmortem_status_changed", STORED["postmortem_status_changed"],
         "Postmortem drafted from the default template"),
        ("acknowledged", {"role": "commander"},
         "Acknowledged by taking the commander role; paging stopped"),
        ("acknowledgement_expired", STORED["acknowledgement_expired"],
         "Acknowledgement expired after 30 min unresolved; paging again"),
    ],
)  # fmt: skip
def test_paging_news_in_words(kind: str, data: dict[str, object], sentence: str) -> None:
    assert describe(parse_event(kind, AT, "fireline:pager", data)).text == sentence


def test_the_cli_timeline_prints_the_sentence_and_the_start_of_the_detail() -> None:
    document = {
        "id": 7, "title": "Checkout 502", "phase": "response", "workflow": "standard",
        "workflow_version": 1, "drill": False, "priority": "P1", "impact": "high",
        "urgency": "high", "severity": None, "services": [], "roles": {}, "timestamps": {},
        "sla": [], "tasks": [],
        "timeline": [
            {"at": "2026-03-02T09:00:00+00:00", "actor": "fireline:pager",
             "kind": "page_sent", "sentence": "Page sent to carol by webhook", "detail": ""},
            {"at": "2026-03-02T09:01:00+00:00", "actor": "bob", "kind": "note_added",
             "sentence": "Note", "detail": "line one\nline two " + "x" * 100},
        ],
    }  # fmt: skip
    lines = incident_detail(document).splitlines()
    assert lines[-2].endswith("page_sent              Page sent to carol by webhook")
    assert lines[-1].endswith("Note: line one line two " + "x" * 61 + "…")
