"""Reports over HTTP and from the CLI (both modes): the hand-computed numbers, and refusals.

The data set is tests/integration/report_data.py (the one of tests/unit/test_metrics.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from fireline.cli import direct
from fireline.config import Settings
from tests.conftest import FakeClock
from tests.e2e.cli_runner import Cli, server_mode
from tests.e2e.conftest import Api
from tests.integration.report_data import build

PROBLEM = "application/problem+json"
MARCH = {"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}
CLI_MARCH = ("--from", "2026-03-01", "--to", "2026-04-01T00:00:00+00:00")


@pytest.fixture
def reported(api: Api, clock: FakeClock) -> Api:
    build(api.core, clock)
    return api


@pytest.fixture
def cli(
    reported: Api,
    database_url: str,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    """The CLI on the same database, with the test's clock (so `now` is the API's)."""
    monkeypatch.delenv("FIRELINE_URL", raising=False)
    monkeypatch.setattr(direct, "build", lambda s: _build(s, clock))
    return Cli(capsys, monkeypatch, "--database-url", database_url)


def _build(settings: Settings, clock: FakeClock) -> Any:
    from fireline.bootstrap import build as real_build

    return real_build(settings, clock=clock)


@pytest.fixture
def server_cli(
    reported: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cli]:
    """The CLI in server mode, its HTTP client wired to the in-process app."""
    token = reported.viewer.headers["Authorization"].removeprefix("Bearer ")
    yield server_mode(reported.app, token, capsys, monkeypatch)


def _metrics(api: Api, **params: str) -> dict[str, Any]:
    response = api.viewer.get("/api/v1/reports/metrics", params={**MARCH, **params})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


# --- HTTP -------------------------------------------------------------------------------------


def test_the_api_serves_the_hand_computed_numbers(reported: Api) -> None:
    found = _metrics(reported)
    overall = found["overall"]
    assert found["left_out"] == {"drill": 1, "excluded": 1}
    assert (overall["incidents"], overall["resolved"], overall["reopen_rate"]) == (10, 7, 0.25)
    assert overall["durations"]["time_to_acknowledge"] == {
        "count": 9, "counted_out": 1, "mean": 4980 / 9, "median": 300.0, "p90": 1920.0,
    }  # fmt: skip
    assert overall["durations"]["time_to_resolve"] == {
        "count": 7, "counted_out": 3, "mean": 21300.0, "median": 12000.0, "p90": 60000.0,
    }  # fmt: skip
    assert overall["sla"]["mitigate"] == {
        "met": 5, "breached": 1, "running": 0, "breach_rate": 1 / 6,
    }  # fmt: skip
    assert found["period"] == {"start": "2026-03-01T00:00:00Z", "end": "2026-04-01T00:00:00Z"}
    assert found["not_computed"] == {}
    follow_ups = overall["follow_ups"]
    assert (follow_ups["total"], follow_ups["done"], follow_ups["overdue"]) == (3, 1, 1)
    assert follow_ups["open_for"]["mean"] == 2358300.0


def test_the_api_groups(reported: Api) -> None:
    by_team = _metrics(reported, by="team")
    assert by_team["group_by"] == "team"
    assert [(g["key"], g["incidents"]) for g in by_team["groups"]] == [
        ("data", 4), ("platform", 6), (None, 1),
    ]  # fmt: skip
    by_priority = {g["key"]: g for g in _metrics(reported, by="priority")["groups"]}
    assert by_priority["P1"]["durations"]["time_to_acknowledge"]["mean"] == 240.0


def test_the_api_serves_oncall_load(reported: Api) -> None:
    response = reported.viewer.get("/api/v1/reports/oncall-load", params=MARCH)
    assert response.status_code == 200
    assert [
        (x["user"], x["time_zone"], x["pages"], x["outside_working_hours"], x["incidents"])
        for x in response.json()["items"]
    ] == [
        ("bob", "America/New_York", 4, 3, 4),
        ("alice", "Europe/Berlin", 3, 1, 2),
        ("carol", "UTC", 3, 2, 3),
    ]


@pytest.mark.parametrize(
    ("path", "params", "field", "detail"),
    [
        ("metrics", {"from": "2026-04-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "from",
         "the period must end after it starts"),
        ("metrics", {**MARCH, "by": "phase"}, "by", "Input should be 'service'"),
        ("metrics", {"from": "2026-03-01T00:00:00"}, "from", "Input should have timezone info"),
        ("oncall-load", {"from": "2026-03-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "from",
         "the period must end after it starts"),
    ],
)  # fmt: skip
def test_the_api_refuses_bad_periods_and_groupings(
    reported: Api, path: str, params: dict[str, str], field: str, detail: str
) -> None:
    response = reported.viewer.get(f"/api/v1/reports/{path}", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["field"] == field
    assert detail in response.json()["detail"]


def test_excluding_an_incident_from_metrics_over_the_api(reported: Api) -> None:
    url = "/api/v1/incidents/1/metrics-exclusion"
    assert reported.viewer.post(url, json={"reason": "a test"}).status_code == 403
    reasonless = reported.responder.post(url, json={})
    assert (reasonless.status_code, reasonless.json()["field"]) == (422, "reason")

    excluded = reported.responder.post(url, json={"reason": "a load test"})
    assert excluded.status_code == 200
    assert (excluded.json()["excluded"], excluded.json()["exclusion_reason"]) == (
        True,
        "a load test",
    )
    assert _metrics(reported)["left_out"] == {"drill": 1, "excluded": 2}
    timeline = reported.viewer.get("/api/v1/incidents/1").json()["timeline"]
    assert timeline[-1]["kind"] == "metrics_exclusion_set"
    assert timeline[-1]["data"] == {"excluded": True, "reason": "a load test"}

    included = reported.responder.post(url, json={"excluded": False})
    assert included.json()["excluded"] is False
    assert _metrics(reported)["left_out"] == {"drill": 1, "excluded": 1}


# --- CLI --------------------------------------------------------------------------------------


def test_the_cli_prints_what_the_api_serves(cli: Cli, reported: Api) -> None:
    for by in ("", "service", "team"):
        grouping = ("--by", by) if by else ()
        result = cli("report", *CLI_MARCH, *grouping, "--json")
        assert result.code == 0, result.err
        assert result.json() == _metrics(reported, **({"by": by} if by else {}))
    load = cli("report", "oncall-load", *CLI_MARCH, "--format", "json")
    expected = reported.viewer.get("/api/v1/reports/oncall-load", params=MARCH).json()
    assert load.json() == expected


def test_the_cli_in_server_mode_prints_the_same(server_cli: Cli, reported: Api) -> None:
    result = server_cli("report", *CLI_MARCH, "--by", "priority", "--json")
    assert result.code == 0, result.err
    assert result.json() == _metrics(reported, by="priority")


def test_the_cli_table(cli: Cli) -> None:
    result = cli("report", *CLI_MARCH)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("Incidents detected from 2026-03-01 00:00:00Z")
    assert "(left out: 1 drill, 1 excluded)" in lines[0]
    assert lines[1] == "all incidents: 10 incidents, 7 resolved, 2 reopened (reopen rate 25%)"
    resolve = next(line for line in lines if "time to resolve" in line).split()
    assert resolve[-5:] == ["7", "3", "5h55m", "3h20m", "16h40m"]  # 21300, 12000, 60000 s
    assert "  SLA acknowledge: 4 met, 2 breached, 0 running (breach rate 33%)" in lines


def test_the_cli_csv(cli: Cli) -> None:
    result = cli("report", *CLI_MARCH, "--by", "service", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert [(r["group"], r["incidents"]) for r in rows] == [
        ("all", "10"), ("api", "4"), ("db", "4"), ("web", "2"), ("", "1"),
    ]  # fmt: skip
    assert rows[0]["time_to_resolve_mean"] == "21300.0"
    assert rows[2]["time_to_resolve_p90"] == "42000.0"
    assert rows[0]["sla_resolve_breached"] == "3"
    load = cli("report", "oncall-load", *CLI_MARCH, "--format", "csv")
    assert load.out.splitlines()[:2] == [
        "user,time_zone,pages,outside_working_hours,incidents",
        "bob,America/New_York,4,3,4",
    ]


def test_the_cli_oncall_table(cli: Cli) -> None:
    result = cli("report", "oncall-load", *CLI_MARCH)
    assert result.out.splitlines()[2].split() == ["bob", "America/New_York", "4", "3", "4"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--by", "phase"), 2, "'phase' is not one of service, team, priority"),
        (("--format", "xml"), 2, "'xml' is not one of table, json, csv"),
        (("oncall-load", "--by", "team"), 2, "only the metrics report is grouped"),
        (("--from", "2026-04-01", "--to", "2026-03-01"), 1,
         "error: the period must end after it starts"),
        (("--from", "last tuesday"), 2, "'last tuesday' is neither"),  # a usage error (#10)
    ],
)  # fmt: skip
def test_the_cli_refuses_bad_input(
    cli: Cli, args: tuple[str, ...], code: int, message: str
) -> None:
    result = cli("report", *args)
    assert result.code == code
    assert message in result.err
    assert result.out == ""


def test_the_cli_excludes_and_includes_an_incident(cli: Cli) -> None:
    excluded = cli("incident", "exclude", "3", "--reason", "a duplicate of #2", "--json")
    assert (excluded.json()["excluded"], excluded.json()["exclusion_reason"]) == (
        True,
        "a duplicate of #2",
    )
    assert "[EXCLUDED from metrics: a duplicate of #2]" in cli("incident", "show", "3").out
    assert cli("report", *CLI_MARCH, "--json").json()["left_out"]["excluded"] == 2
    assert cli("incident", "exclude", "3").code == 2  # neither --reason nor --include
    included = cli("incident", "exclude", "3", "--include", "--json")
    assert included.json()["excluded"] is False


def test_since_is_a_duration_back_from_now(cli: Cli) -> None:
    result = cli("report", "--since", "30d", "--to", "0s", "--json")  # the CLI's own clock
    assert result.code == 0, result.err
    period = {k: datetime.fromisoformat(v) for k, v in result.json()["period"].items()}
    assert abs(period["end"] - period["start"] - timedelta(days=30)) < timedelta(seconds=5)
