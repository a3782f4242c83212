"""How the UI words durations, SLA clocks and status page states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fireline.domain.durations import span
from fireline.domain.sentences import label
from fireline.domain.sla import SlaClock
from fireline.services.incidents.status_page import worst
from fireline.web.ui.views import clock_text, worst_clock

DUE = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "0 s"),
        (59, "59 s"),
        (60, "1 min"),
        (3599, "59 min"),
        (3600, "1 h 00 min"),
        (7380, "2 h 03 min"),
        (-300, "5 min"),
        (3 * 86400 + 7200, "3 d 2 h"),
    ],
)
def test_durations_read_at_a_glance(seconds: float, words: str) -> None:
    assert span(seconds) == words


def test_labels_from_slugs() -> None:
    assert (label("partial_outage"), label(None), label("in-review")) == (
        "Partial outage",
        "—",
        "In review",
    )


def _clock(state: str, remaining: float, stopped: bool = False) -> SlaClock:
    stopped_at = DUE + timedelta(seconds=-remaining) if stopped else None
    return SlaClock("acknowledge", DUE, stopped_at, state, remaining)  # type: ignore[arg-type]


def test_clocks_say_how_late_or_how_long_is_left() -> None:
    assert clock_text(_clock("breached", -240)).text == "BREACHED — overdue by 4 min"
    assert clock_text(_clock("breached", -240, stopped=True)).text == "BREACHED — missed by 4 min"
    assert clock_text(_clock("met", 60, stopped=True)).text == "met"
    assert clock_text(_clock("running", 300)).tone == "urgent"
    assert clock_text(_clock("running", 3000)).tone == "running"


def test_a_card_shows_a_breached_clock_before_a_running_one() -> None:
    clocks = [_clock("running", 30), _clock("breached", -5)]
    found = worst_clock(clocks)
    assert found is not None and found.tone == "breached"
    assert worst_clock([]) is None


def test_the_worst_component_state_wins() -> None:
    assert worst([]) == "operational"
    assert worst(["recovering", "major_outage", "degraded"]) == "major_outage"
