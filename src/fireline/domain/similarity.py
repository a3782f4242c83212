"""Similar past incidents: same service, like words, shared alert labels.

Full-text search (SQLite FTS5, PostgreSQL tsvector) finds candidates; this
module ranks them, says why each matched, and decides when a match looks like
a recurrence (a close match whose follow-ups are still open).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

STOPWORDS = frozenset(
    "the and for with from this that are was were has have not but all any can its "
    "our out off too very into over under again than then them they you your".split()
)
IGNORED_LABELS = frozenset({"severity", "instance", "pod", "job", "prometheus", "replica"})
WORD = re.compile(r"[a-z0-9]+")
SIMILAR = 0.25  # the least score worth showing
RECURRENCE = 0.5  # the least score that, with open follow-ups, is called a recurrence


def words(*texts: str | None) -> frozenset[str]:
    """The words that carry meaning: lower case, three letters or more, no stopwords."""
    found = (w for text in texts if text for w in WORD.findall(text.lower()))
    return frozenset(w for w in found if len(w) >= 3 and w not in STOPWORDS)


def labels(alert_labels: Iterable[Mapping[str, str]]) -> frozenset[tuple[str, str]]:
    """The label pairs of an incident's alerts, without those that say little (severity, pod…)."""
    return frozenset(
        (k, str(v)) for lbl in alert_labels for k, v in lbl.items() if k not in IGNORED_LABELS
    )


@dataclass(frozen=True)
class Profile:
    """What an incident is about, for comparison."""

    id: int
    title: str
    services: frozenset[str]
    words: frozenset[str]
    labels: frozenset[tuple[str, str]] = frozenset()
    open_follow_ups: int = 0
    postmortem: str | None = None


@dataclass(frozen=True)
class Match:
    incident: Profile
    score: float
    reasons: list[str] = field(default_factory=list)

    @property
    def recurrence(self) -> bool:
        return self.score >= RECURRENCE and self.incident.open_follow_ups > 0


def rank(subject: Profile, candidates: Sequence[Profile], limit: int = 5) -> list[Match]:
    """Past incidents on a shared service, best first.

    Score = shared words / words of the smaller text (0 below two shared words)
    + ½ × shared alert label pairs / label pairs of the smaller set.
    """
    matches = []
    for other in candidates:
        shared_services = subject.services & other.services
        if other.id == subject.id or not shared_services:
            continue
        common_words = subject.words & other.words
        # Overlap, not Jaccard: a short new title against a long resolved summary still matches;
        # one shared word alone ("outage") is not enough.
        shorter = min(len(subject.words), len(other.words)) or 1
        text = len(common_words) / shorter if len(common_words) >= 2 else 0.0
        common_labels = subject.labels & other.labels
        smaller = min(len(subject.labels), len(other.labels)) or 1
        label_score = len(common_labels) / smaller
        score = round(text + 0.5 * label_score, 3)
        if score < SIMILAR:
            continue
        reasons = [f"same service: {', '.join(sorted(shared_services))}"]
        if common_words:
            reasons.append(f"shared words: {', '.join(sorted(common_words)[:8])}")
        if common_labels:
            reasons.append(
                "shared alert labels: "
                + ", ".join(f"{k}={v}" for k, v in sorted(common_labels)[:5])
            )
        matches.append(Match(other, score, reasons))
    matches.sort(key=lambda m: (-m.score, -m.incident.id))
    return matches[:limit]
