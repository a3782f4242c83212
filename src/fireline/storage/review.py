"""Postmortems with their comments, and follow-up actions listed across incidents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fireline.errors import StaleState
from fireline.storage.models import (
    AlertRow,
    FollowUpRow,
    IncidentRow,
    PostmortemComment,
    PostmortemRow,
)


class ReviewRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def postmortem(self, incident_id: int) -> PostmortemRow | None:
        return self.session.get(PostmortemRow, incident_id)

    def add_postmortem(self, row: PostmortemRow) -> None:
        self.session.add(row)
        self.session.flush()

    def save_postmortem(self, row: PostmortemRow, expected_version: int) -> None:
        """Write the edited postmortem unless someone saved another version meanwhile."""
        values = {
            "sections": row.sections,
            "reviewers": row.reviewers,
            "public": row.public,
            "status": row.status,
            "updated_at": row.updated_at,
            "published_at": row.published_at,
            "version": expected_version + 1,
        }
        self.session.expunge(row)
        result = self.session.execute(
            update(PostmortemRow)
            .where(
                PostmortemRow.incident_id == row.incident_id,
                PostmortemRow.version == expected_version,
            )
            .values(**values),
            execution_options={"synchronize_session": False},
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleState(
                f"the postmortem of incident {row.incident_id} was saved by someone else "
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
