"""On call through the API and the CLI: who, shifts and gaps, overrides, history."""

from __future__ import annotations

import pytest

from fireline.services.admin.configuration import apply_config
from tests.conftest import EXAMPLE, FakeClock
from tests.e2e.cli_runner import Cli
from tests.e2e.conftest import Api

GAPPY = """
schedules:
  - id: office-hours
    name: Office hours
    time_zone: America/New_York
    layers:
      - name: days
        rotation: {every: "1d", handoff: "2026-03-02T09:00"}
        users: [alice, bob]
        restrictions:
          - {days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}
"""


def test_who_is_on_call_now_and_then(api: Api) -> None:
    now = api.viewer.get("/api/v1/oncall").json()  # Monday 10:00 in Paris: carol's daytime cover
    then = api.viewer.get(
        "/api/v1/oncall", params={"schedule": "payments-primary", "at": "2026-03-07T12:00:00+01:00"}
    ).json()
    assert [(r["schedule"], r["users"]) for r in now] == [("payments-primary", ["carol"])]
    assert then[0]["users"] == ["alice"]  # a Saturday of alice's week
    assert api.viewer.get("/api/v1/oncall", params={"schedule": "nope"}).status_code == 404


def test_shifts_show_gaps(api: Api) -> None:
    apply_config(uow=api.core.uow(), text=GAPPY, source="gappy.yaml")
    week = api.viewer.get(
        "/api/v1/schedules/office-hours/shifts",
        params={"start": "2026-03-06T00:00:00-05:00", "end": "2026-03-09T00:00:00-04:00"},
    ).json()
    assert week["gaps"] == 2
    assert [(s["start"], s["end"], s["users"]) for s in week["shifts"]] == [
        ("2026-03-06T05:00:00Z", "2026-03-06T14:00:00Z", []),
        ("2026-03-06T14:00:00Z", "2026-03-06T22:00:00Z", ["alice"]),
        ("2026-03-06T22:00:00Z", "2026-03-09T04:00:00Z", []),
    ]
    too_long = api.viewer.get(
        "/api/v1/schedules/office-hours/shifts",
        params={"start": "2026-01-01T00:00:00Z", "end": "2026-06-01T00:00:00Z"},
    )
    assert too_long.status_code == 422 and "at most 92 days" in too_long.json()["detail"]


def test_overrides_take_effect_and_can_be_removed(api: Api, clock: FakeClock) -> None:
    body = {
        "start": "2026-03-02T09:30:00Z",
        "end": "2026-03-02T12:00:00Z",
        "user": "bob",
        "replaces": "carol",
        "reason": "carol at the dentist",
    }
    made = api.responder.post("/api/v1/schedules/payments-primary/overrides", json=body)
    assert made.status_code == 201, made.text
    clock.advance(hours=1)
    assert api.viewer.get("/api/v1/oncall").json()[0]["users"] == ["bob"]
    listed = api.viewer.get("/api/v1/schedules/payments-primary/overrides").json()
    assert [(o["user"], o["replaces"], o["created_by"]) for o in listed] == [
        ("bob", "carol", "bob")
    ]

    deleted = api.responder.delete(
        f"/api/v1/schedules/payments-primary/overrides/{made.json()['id']}"
    )
    assert deleted.status_code == 204
    assert api.viewer.get("/api/v1/oncall").json()[0]["users"] == ["carol"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"user": "dana"}, "user", "dana is a viewer"),
        ({"user": "zoe"}, "user", "there is no user 'zoe'"),
        ({}, "user", "name who takes over"),
        ({"user": "bob", "end": "2026-03-02T08:00:00Z"}, "end", "must end after it starts"),
    ],
)
def test_bad_overrides_are_refused(
    api: Api, body: dict[str, str], field: str, message: str
) -> None:
    request = {"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T10:00:00Z", **body}
    response = api.responder.post("/api/v1/schedules/payments-primary/overrides", json=request)
    assert response.status_code == 422
    assert response.json()["field"] == field and message in response.json()["detail"]
    assert (
        api.viewer.post("/api/v1/schedules/payments-primary/overrides", json=request).status_code
        == 403
    )


def test_editing_a_rotation_keeps_the_past(api: Api, clock: FakeClock) -> None:
    def who(at: str) -> list[str]:
        found = api.viewer.get(
            "/api/v1/oncall", params={"schedule": "payments-primary", "at": at}
        ).json()
        return list(found[0]["users"])

    past, future = "2026-02-28T12:00:00Z", "2026-03-07T12:00:00Z"
    assert (who(past), who(future)) == (["bob"], ["alice"])
    apply_config(
        uow=api.core.uow(),
        source="fireline.yaml",
        text=EXAMPLE.read_text().replace("users: [alice, bob]", "users: [bob, alice]"),
    )

    assert (who(past), who(future)) == (
        ["bob"],
        ["bob"],
    )  # the past as it was; the future reordered


def test_the_cli_answers_who_and_shows_shifts(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = Cli(capsys, monkeypatch, "--database-url", database_url)
    assert cli("apply", str(EXAMPLE)).code == 0
    who = cli("oncall", "who", "--at", "2026-01-06T10:00:00+01:00", "--json").json()
    table = cli(
        "oncall",
        "shifts",
        "--schedule",
        "payments-primary",
        "--from",
        "2026-01-09T00:00",
        "--to",
        "2026-01-10T00:00",
    )
    override = cli(
        "oncall",
        "override",
        "payments-primary",
        "--from",
        "2026-01-09T20:00",
        "--to",
        "2026-01-09T22:00",
        "--user",
        "bob",
        "--replaces",
        "alice",
        "--as",
        "carol",
    )
    after = cli("oncall", "who", "--schedule", "payments-primary", "--at", "2026-01-09T21:00")

    assert who["items"] == [
        {
            "schedule": "payments-primary",
            "name": "Payments primary",
            "at": "2026-01-06T09:00:00Z",
            "users": ["carol"],
        }
    ]
    assert "Fri 2026-01-09 09:00 → Fri 2026-01-09 17:00  carol" in table.out
    assert override.code == 0 and "bob instead of alice" in override.out
    assert after.out.split() == ["payments-primary", "bob"]


def test_the_ical_feeds_match_who_is_on_call(api: Api) -> None:
    from icalendar import Calendar

    urls = api.responder.get("/api/v1/me/calendar").json()  # bob
    mine = api.anonymous.get(urls["mine"].removeprefix("http://127.0.0.1:8080"))
    schedule = api.anonymous.get(urls["payments-primary"].removeprefix("http://127.0.0.1:8080"))
    forged = api.anonymous.get("/ical/bob.0000.ics")

    assert mine.status_code == 200 and mine.headers["content-type"].startswith("text/calendar")
    assert forged.status_code == 404
    events = list(Calendar.from_ical(schedule.content).walk("VEVENT"))
    assert events
    for event in events[:20]:
        start = event.decoded("dtstart")
        at = (start + (event.decoded("dtend") - start) / 2).isoformat()
        users = api.viewer.get(
            "/api/v1/oncall", params={"schedule": "payments-primary", "at": at}
        ).json()[0]["users"]
        assert str(event.get("summary")).endswith(", ".join(users))
    own = [str(e.get("summary")) for e in Calendar.from_ical(mine.content).walk("VEVENT")]
    assert own and all(s.endswith("bob") for s in own)


def test_schedules_are_flagged_when_they_have_gaps(api: Api) -> None:
    apply_config(uow=api.core.uow(), text=GAPPY, source="gappy.yaml")
    listed = {s["id"]: s for s in api.viewer.get("/api/v1/schedules").json()}
    assert listed["payments-primary"]["gaps_next_14_days"] == 0
    assert listed["office-hours"]["gaps_next_14_days"] > 0
    assert listed["office-hours"]["first_gap"] is not None
