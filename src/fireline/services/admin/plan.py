"""What `fireline apply` did, or would do with `--dry-run`: object by object, the fields that change.

Secrets never appear: integration keys show as ``(hidden)``, and every ``url`` (webhook URLs
carry their token in the path) only as its scheme and host.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from fireline.storage.directory import Fields, Outcome

Verb = Outcome  # created | updated | unchanged | deleted
ACTIONS: dict[str, str] = {"created": "create", "updated": "update", "deleted": "delete"}
HIDDEN = "(hidden)"
SECRET_FIELDS = frozenset({"key", "previous_key"})
NOT_SHOWN = frozenset({"created_at", "history"})  # set by the apply itself, not by the file


@dataclass
class ApplyReport:
    """What applying a file did (or, in a dry run, would do).

    ``changes`` has every object the file names (and every one deleted) with its outcome;
    ``plan`` only those that change, with the verb and each field's old and new value.
    """

    dry_run: bool = False
    prune: bool = False
    changes: list[dict[str, str]] = field(default_factory=list)
    plan: list[dict[str, Any]] = field(default_factory=list)

    def add(self, kind: str, object_id: str, outcome: Verb, fields: Fields | None = None) -> None:
        self.changes.append({"kind": kind, "id": object_id, "outcome": outcome})
        if outcome != "unchanged":
            self.plan.append(
                {
                    "kind": kind,
                    "id": object_id,
                    "action": ACTIONS[outcome],
                    "fields": shown(fields or {}),
                }
            )

    def count(self, outcome: str) -> int:
        return sum(c["outcome"] == outcome for c in self.changes)

    @property
    def changed(self) -> bool:
        return bool(self.plan)


def shown(fields: Fields) -> dict[str, dict[str, Any]]:
    """The changed fields as ``{name: {old, new}}``, secrets hidden."""
    return {
        name: {"old": _safe(name, old), "new": _safe(name, new)}
        for name, (old, new) in fields.items()
        if name not in NOT_SHOWN
    }


def _safe(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in SECRET_FIELDS:
        return HIDDEN
    return _without_secrets(value)


def _without_secrets(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            k: _url(v) if k == "url" and isinstance(v, str) else _without_secrets(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_without_secrets(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):  # an Apprise URL: tokens sit where hosts do
        return f"{parts.scheme}://{HIDDEN}"
    return f"{parts.scheme}://{parts.hostname}/{HIDDEN}"
