"""Review rules: the postmortem's status and the follow-up actions, as timeline events.

The postmortem's text lives beside the incident (it is edited often); its
status and the follow-ups are incident state, so a workflow gate can require
``postmortem_published`` and ``follow_ups_have_owners``.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from fireline.domain.events import FollowUpAdded, FollowUpUpdated, PostmortemStatusChanged
from fireline.domain.incident import Act, Outcome, changed_fields, record
from fireline.domain.state import Incident
from fireline.errors import Conflict, InvalidInput, NotFound

PostmortemStatus = Literal["draft", "in_review", "published"]
FollowUpType = Literal["mitigate", "prevent", "detect", "process"]
FollowUpPriority = Literal["high", "medium", "low"]
FOLLOW_UP_FIELDS = ("title", "owner", "due_at", "priority", "type", "url", "done")
# Which status may follow which: a draft goes to review, a review back to draft or to
# publication; a published postmortem can be taken back to draft to be corrected.
MOVES: dict[str, tuple[str, ...]] = {
    "draft": ("in_review",),
    "in_review": ("draft", "published"),
    "published": ("draft",),
}


def start_postmortem(act: Act, state: Incident, template: str) -> Outcome:
    """Open the postmortem as a draft from a template; a second call changes nothing."""
    if state.postmortem is not None:
        return state, []
    event = PostmortemStatusChanged(
        at=act.now, actor=act.actor, before=None, after="draft", template=template
    )
    return record(state, [event])


def change_postmortem_status(act: Act, state: Incident, status: str) -> Outcome:
    """Move the postmortem along draft → in review → published (or back to draft)."""
    if status not in get_args(PostmortemStatus):
        raise InvalidInput(
            f"{status!r} is not a postmortem status; choose draft, in_review or published",
            field="status",
        )
    if state.postmortem is None:
        raise NotFound(f"incident {state.id} has no postmortem yet")
    if status == state.postmortem:
        return state, []
    if status not in MOVES[state.postmortem]:
        allowed = " or ".join(MOVES[state.postmortem])
        raise Conflict(
            f"a postmortem in {state.postmortem} can go to {allowed}, not {status}"
            + (" (a review comes first)" if status == "published" else "")
        )
    event = PostmortemStatusChanged(
        at=act.now, actor=act.actor, before=state.postmortem, after=status
    )
    return record(state, [event])


def add_follow_up(act: Act, state: Incident, **fields: Any) -> Outcome:
    """Add a follow-up action (F1, F2, …)."""
    if not str(fields.get("title", "")).strip():
        raise InvalidInput("a follow-up needs a title", field="title")
    unknown = [f for f in fields if f not in FOLLOW_UP_FIELDS or f == "done"]
    if unknown:
        raise InvalidInput(f"unknown follow-up field {unknown[0]}", field=unknown[0])
    event = FollowUpAdded(
        at=act.now, actor=act.actor, follow_up_id=f"F{len(state.follow_ups) + 1}", **fields
    )
    return record(state, [event])


def update_follow_up(
    act: Act, state: Incident, follow_up_id: str, changes: dict[str, Any]
) -> Outcome:
    """Change a follow-up: title, owner, due date, priority, type, link, done."""
    follow_up = state.follow_up(follow_up_id)
    if follow_up is None:
        raise NotFound(f"incident {state.id} has no follow-up {follow_up_id}")
    unknown = [f for f in changes if f not in FOLLOW_UP_FIELDS]
    if unknown:
        raise InvalidInput(f"a follow-up's {unknown[0]} cannot be changed", field=unknown[0])
    if "title" in changes and not str(changes["title"] or "").strip():
        raise InvalidInput("a follow-up needs a title", field="title")
    diff = changed_fields(follow_up.model_dump(), changes)
    if not diff:
        return state, []
    event = FollowUpUpdated(at=act.now, actor=act.actor, follow_up_id=follow_up_id, changes=diff)
    return record(state, [event])
