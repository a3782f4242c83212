"""Full-text search over incidents: SQLite FTS5 or a PostgreSQL tsvector with a GIN index.

The ``incident_search`` table is engine-specific (made by migration 0009, kept
outside the ORM): one row per incident with its title, summary and resolution
summary, rewritten whenever those change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from fireline.domain.similarity import Profile, labels, words
from fireline.domain.state import Incident
from fireline.storage.models import AlertRow, IncidentRow, IncidentService

RECENT = 50  # recent incidents of the same services are candidates too (labels may match)


def index(session: Session, incident: Incident) -> None:
    """(Re)write the incident's search row."""
    body = " ".join(t for t in (incident.summary, incident.resolution_summary) if t)
    params = {"id": incident.id, "title": incident.title, "body": body}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "INSERT INTO incident_search (incident_id, document) VALUES "
                "(:id, to_tsvector('simple', :title || ' ' || :body)) "
                "ON CONFLICT (incident_id) DO UPDATE SET document = EXCLUDED.document"
            ),
            params,
        )
    else:
        session.execute(text("DELETE FROM incident_search WHERE rowid = :id"), params)
        session.execute(
            text("INSERT INTO incident_search (rowid, title, body) VALUES (:id, :title, :body)"),
            params,
        )


class SearchRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def candidates(self, subject: Incident, terms: Iterable[str]) -> list[int]:
        """Incidents on the subject's services that share words with it, or are recent."""
        if not subject.services:
            return []
        services = list(subject.services)
        found = self._matching(sorted(terms)[:32], services, subject.id) if terms else []
        recent = (
            select(IncidentService.incident_id)
            .where(
                IncidentService.service_id.in_(services),
                IncidentService.incident_id != subject.id,
            )
            .order_by(IncidentService.incident_id.desc())
            .limit(RECENT)
        )
        return list(dict.fromkeys([*found, *self.session.execute(recent).scalars()]))

    def _matching(self, terms: Sequence[str], services: list[str], exclude: int) -> list[int]:
        params = {"exclude": exclude, **{f"s{i}": s for i, s in enumerate(services)}}
        in_services = ", ".join(f":s{i}" for i in range(len(services)))
        if self.session.get_bind().dialect.name == "postgresql":
            query = (
                "SELECT s.incident_id FROM incident_search s "
                "JOIN incident_services i ON i.incident_id = s.incident_id "
                f"WHERE s.document @@ to_tsquery('simple', :q) AND i.service_id IN ({in_services}) "
                "AND s.incident_id != :exclude "
                "ORDER BY ts_rank(s.document, to_tsquery('simple', :q)) DESC LIMIT 50"
            )
            params["q"] = " | ".join(terms)
        else:
            query = (
                "SELECT s.rowid FROM incident_search s "
                "JOIN incident_services i ON i.incident_id = s.rowid "
                f"WHERE incident_search MATCH :q AND i.service_id IN ({in_services}) "
                "AND s.rowid != :exclude ORDER BY bm25(incident_search) LIMIT 50"
            )
            params["q"] = " OR ".join(f'"{t}"' for t in terms)
        return [row[0] for row in self.session.execute(text(query), params)]

    def profiles(self, incident_ids: Sequence[int]) -> list[Profile]:
        """What each incident is about: words, services, alert labels, open follow-ups."""
        if not incident_ids:
            return []
        rows = self.session.execute(
            select(IncidentRow.state).where(IncidentRow.id.in_(list(incident_ids)))
        ).scalars()
        alert_labels: dict[int, list[dict[str, str]]] = {}
        for incident_id, lbl in self.session.execute(
            select(AlertRow.incident_id, AlertRow.labels).where(
                AlertRow.incident_id.in_(list(incident_ids))
            )
        ):
            alert_labels.setdefault(incident_id, []).append(lbl)
        return [
            self.profile(Incident.model_validate(s), alert_labels.get(s["id"], [])) for s in rows
        ]

    @staticmethod
    def profile(incident: Incident, alert_labels: Iterable[dict[str, str]]) -> Profile:
        return Profile(
            id=incident.id,
            title=incident.title,
            services=frozenset(incident.services),
            words=words(incident.title, incident.summary, incident.resolution_summary),
            labels=labels(alert_labels),
            open_follow_ups=sum(not f.done for f in incident.follow_ups),
            postmortem=incident.postmortem,
        )

    def alert_labels(self, incident_id: int) -> list[dict[str, str]]:
        query = select(AlertRow.labels).where(AlertRow.incident_id == incident_id)
        return list(self.session.execute(query).scalars())
