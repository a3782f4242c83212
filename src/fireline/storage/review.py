"""Postmortems with their comments, and follow-up actions listed across incidents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fireline.domain.postmortem import Section
from fireline.errors import StaleState
from fireline.storage.models import (
    AlertRow,
    FollowUpRow,
    IncidentRow,
    PostmortemComment,
    PostmortemRow,
)


@dataclass(frozen=True)
class PostmortemRecord:
    """A postmortem's text and review data as stored; ``version`` counts its saves."""

    incident_id: int
    template: str
    status: str
    sections: tuple[Section, ...]
    reviewers: tuple[str, ...]
    public: bool
    version: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class ReviewRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def postmortem(self, incident_id: int) -> PostmortemRecord | None:
        row = self.session.get(PostmortemRow, incident_id)
        return _postmortem(row) if row else None

    def add_postmortem(self, record: PostmortemRecord) -> None:
        self.session.add(
            PostmortemRow(
                incident_id=record.incident_id,
                template=record.template,
                version=record.version,
                created_at=record.created_at,
                **_edits(record),
            )
        )
        self.session.flush()

    def save_postmortem(self, record: PostmortemRecord, expected_version: int) -> None:
        """Write the edited postmortem unless someone saved another version meanwhile."""
        values = {**_edits(record), "version": expected_version + 1}
        result = self.session.execute(
            update(PostmortemRow)
            .where(
                PostmortemRow.incident_id == record.incident_id,
                PostmortemRow.version == expected_version,
            )
            .values(**values)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleState(
                f"the postmortem of incident {record.incident_id} was saved by someone else "
                f"(you edited version {expected_version}); reload it and try again"
            )

    def alerts_of(self, incident_id: int) -> list[AlertRow]:
        query = select(AlertRow).where(AlertRow.incident_id == incident_id).order_by(AlertRow.id)
        return list(self.session.execute(query).scalars())

    def add_comment(self, comment: PostmortemComment) -> None:
        self.session.add(comment)
        self.session.flush()

    def comments(self, incident_id: int) -> list[PostmortemComment]:
        query = (
            select(PostmortemComment)
            .where(PostmortemComment.incident_id == incident_id)
            .order_by(PostmortemComment.id)
        )
        return list(self.session.execute(query).scalars())

    def follow_ups(
        self,
        *,
        owner: str | None = None,
        open_only: bool = False,
        due_before: datetime | None = None,
        incident_ids: Sequence[int] = (),
        limit: int = 100,
    ) -> list[tuple[FollowUpRow, str]]:
        """Follow-ups with their incident's title, soonest due first (undated last)."""
        query = select(FollowUpRow, IncidentRow.title).join(
            IncidentRow, IncidentRow.id == FollowUpRow.incident_id
        )
        if owner is not None:
            query = query.where(FollowUpRow.owner == owner)
        if open_only or due_before is not None:
            query = query.where(FollowUpRow.done_at.is_(None))
        if due_before is not None:
            query = query.where(FollowUpRow.due_at < due_before)
        if incident_ids:
            query = query.where(FollowUpRow.incident_id.in_(list(incident_ids)))
        query = query.order_by(
            FollowUpRow.due_at.is_(None), FollowUpRow.due_at, FollowUpRow.incident_id
        ).limit(limit)
        return [(row, title) for row, title in self.session.execute(query).all()]


def _postmortem(row: PostmortemRow) -> PostmortemRecord:
    return PostmortemRecord(
        incident_id=row.incident_id,
        template=row.template,
        status=row.status,
        sections=tuple(Section(s["id"], s["title"], s["body"], s["public"]) for s in row.sections),
        reviewers=tuple(row.reviewers),
        public=row.public,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
    )


def _edits(record: PostmortemRecord) -> dict[str, Any]:
    """The stored form of what a save may change."""
    return {
        "status": record.status,
        "sections": [asdict(s) for s in record.sections],
        "reviewers": list(record.reviewers),
        "public": record.public,
        "updated_at": record.updated_at,
        "published_at": record.published_at,
    }
