"""The apply plan shows what changes and never a secret (#11)."""

from __future__ import annotations

from datetime import UTC, datetime

from fireline.services.admin.plan import ApplyReport, shown


def test_keys_and_webhook_urls_are_hidden_in_every_change() -> None:
    contacts = [{"id": "chat", "type": "slack", "url": "https://hooks.slack.com/T0/B0/s3cr3t"}]

    fields = shown(
        {
            "key": ("am0old0000000000000001", "am0new0000000000000001"),
            "contact_methods": ([], contacts),
            "created_at": (None, datetime(2026, 3, 2, tzinfo=UTC)),
            "name": ("Carol Ng", "Carol Ng-Lim"),
        }
    )

    assert fields == {
        "key": {"old": "(hidden)", "new": "(hidden)"},
        "contact_methods": {
            "old": [],
            "new": [{"id": "chat", "type": "slack", "url": "https://hooks.slack.com/(hidden)"}],
        },
        "name": {"old": "Carol Ng", "new": "Carol Ng-Lim"},
    }
    assert "s3cr3t" not in repr(fields)


def test_only_what_changes_is_in_the_plan() -> None:
    report = ApplyReport(dry_run=True)
    report.add("team", "payments", "unchanged")
    assert (report.changed, report.plan) == (False, [])

    report.add("integration", "old-hook", "deleted", {"managed_by": ("api", None)})

    assert report.changed
    assert report.plan == [
        {
            "kind": "integration",
            "id": "old-hook",
            "action": "delete",
            "fields": {"managed_by": {"old": "api", "new": None}},
        }
    ]
    assert [c["outcome"] for c in report.changes] == ["unchanged", "deleted"]


def test_an_apprise_url_is_hidden_whole_since_its_tokens_sit_where_hosts_do() -> None:
    contacts = [{"id": "tg", "type": "apprise", "url": "tgram://123456:ABCs3cr3t/-100777"}]

    fields = shown({"contact_methods": ([], contacts)})

    assert fields["contact_methods"]["new"] == [
        {"id": "tg", "type": "apprise", "url": "tgram://(hidden)"}
    ]
    assert "s3cr3t" not in repr(fields)
