"""Ranking similar incidents: words, labels, services, and what counts as a recurrence."""

from __future__ import annotations

from fireline.domain.similarity import Profile, labels, rank, words


def profile(id_: int, text: str, services: str = "api", **kw: object) -> Profile:
    return Profile(id_, text, frozenset(services.split()), words(text), **kw)  # type: ignore[arg-type]


def test_words_drop_case_short_words_and_stopwords() -> None:
    assert words("The API is DOWN for EU users", None) == {"api", "down", "users"}


def test_labels_leave_out_the_ones_that_say_little() -> None:
    found = labels([{"alertname": "HighLatency", "severity": "critical", "pod": "web-1"}])
    assert found == {("alertname", "HighLatency")}


def test_rank_needs_a_shared_service_and_two_shared_words() -> None:
    subject = profile(9, "checkout latency high")
    past = [
        profile(1, "checkout latency high in the EU cluster"),  # 3 of 3 words: 1.0
        profile(2, "checkout errors"),  # one shared word: 0
        profile(3, "checkout latency high", services="ledger"),  # other service
        profile(4, "latency high on checkout page", services="api web"),
    ]
    found = rank(subject, past)
    assert [(m.incident.id, m.score) for m in found] == [(4, 1.0), (1, 1.0)]
    assert found[1].reasons == ["same service: api", "shared words: checkout, high, latency"]


def test_labels_alone_can_match_and_a_recurrence_needs_open_follow_ups() -> None:
    alert = labels([{"alertname": "DiskFull", "cluster": "eu1"}])
    subject = profile(9, "disk alarm", labels=alert)
    done = profile(1, "storage trouble", labels=alert, open_follow_ups=0)
    still_open = profile(2, "storage trouble", labels=alert, open_follow_ups=2)
    half = profile(3, "storage", labels=labels([{"alertname": "DiskFull"}]), open_follow_ups=1)
    found = {m.incident.id: m for m in rank(subject, [done, still_open, half])}
    assert {i: m.score for i, m in found.items()} == {1: 0.5, 2: 0.5, 3: 0.5}
    assert found[2].recurrence and not found[1].recurrence
    assert found[2].reasons[-1] == "shared alert labels: alertname=DiskFull, cluster=eu1"


def test_weak_matches_are_left_out() -> None:
    subject = profile(
        9, "alpha beta gamma delta epsilon zeta", labels=labels([{"a": "1", "b": "2", "e": "5"}])
    )
    weak = profile(1, "other words", labels=labels([{"a": "1", "c": "3", "d": "4"}]))
    assert rank(subject, [weak]) == []  # ½ × 1/3 ≈ 0.17, under the 0.25 threshold
