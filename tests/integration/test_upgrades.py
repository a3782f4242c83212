"""A database made by each earlier release (tests/data/releases) upgrades to head with its data
in it, on SQLite and PostgreSQL, and the application reads everything back."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from fireline.bootstrap import build
from fireline.config import Settings
from fireline.storage.db import INCREMENTAL
from tests.e2e.cli_runner import Cli
from tests.integration.sample_data import MADE_AT, read_back

RELEASES = sorted((Path(__file__).parent.parent / "data" / "releases").glob("*.*.*"))


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("FIRELINE_DATABASE_URL", raising=False)
    return Cli(capsys, monkeypatch)


def test_there_is_a_database_from_every_release() -> None:
    assert [r.name for r in RELEASES] == ["0.1.0"] or len(RELEASES) > 1
    for release in RELEASES:
        assert (release / "fireline.db").is_file() and (release / "fireline.pgdump").is_file()


@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.name)
def test_a_release_database_upgrades_to_head_and_reads_back(
    release: Path, database_url: str, empty_url: str, cli: Cli, tmp_path: Path
) -> None:
    if empty_url.startswith("sqlite"):
        shutil.copy(release / "fireline.db", empty_url.removeprefix("sqlite:///"))
    else:  # the release's dump is of the public schema, as an installation has it
        empty_url = empty_url.split("?")[0]
        restored = cli(
            "db", "restore", str(release / "fireline.pgdump"), "--database-url", empty_url
        )
        assert restored.code == 0, restored.err

    upgraded = cli("db", "upgrade", "--database-url", empty_url)
    assert upgraded.code == 0, upgraded.err
    if empty_url.startswith("sqlite"):  # made without auto-vacuum: rewritten once, with it
        assert "SQLite file rewritten once (VACUUM)" in upgraded.out
        assert _auto_vacuum(empty_url) == INCREMENTAL
    assert (
        cli("db", "upgrade", "--dry-run", "--database-url", empty_url).out
        == "database is up to date\n"
    )
    checked = cli("db", "check", "--json", "--database-url", empty_url)
    assert checked.code == 0, checked.out

    core = build(Settings(database_url=empty_url), clock=lambda: MADE_AT, migrate=False)
    shown = read_back(core)
    core.close()
    _assert_everything_is_there(shown)


def _auto_vacuum(url: str) -> int:
    raw = sqlite3.connect(url.removeprefix("sqlite:///"))
    mode = int(raw.execute("PRAGMA auto_vacuum").fetchone()[0])
    raw.close()
    return mode


def _assert_everything_is_there(shown: dict[str, Any]) -> None:
    incidents = {i["title"]: i for i in shown["incidents"].values()}
    ledger = incidents["Ledger drift"]
    assert ledger["phase"] == "review"
    kinds = [e["kind"] for e in ledger["timeline"]]
    assert kinds[0] == "declared" and "acknowledged" in kinds and "note_added" in kinds
    [postmortem] = shown["postmortems"].values()
    sections = {s["id"]: s["body"] for s in postmortem["sections"]}
    assert sections["impact"] == "Totals were off for two hours."
    assert "Re-synced the replica" in sections["resolution"]
    alerted = [i for title, i in incidents.items() if title != "Ledger drift"]
    assert len(alerted) == 1 and alerted[0]["services"] == ["checkout-api"]
    assert sorted(a["status"] for a in shown["alerts"]) == ["firing", "resolved"]
    assert {a["incident_id"] for a in shown["alerts"]} == {alerted[0]["id"]}
    assert {s["id"] for s in shown["schedules"]} >= {"payments-primary"}
    assert shown["shifts"]["payments-primary"]["shifts"]
    assert [o["user"] for o in shown["overrides"]] == ["carol"]
