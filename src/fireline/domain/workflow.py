"""Workflow definitions: phases in order, the moves allowed between them, gates and checklists.

A workflow is data (YAML). This module only describes and validates it and
classifies a move; what a move does to an incident lives in ``incident.py``.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
Mark = Literal["reported", "mitigated", "resolved", "closed"]
Move = Literal["forward", "back", "skip"]
Policy = Literal["allowed", "with_reason", "forbidden"]

# Facts a gate (`requires`) may name. `role:<id>` requires that role to be held.
FACTS: dict[str, str] = {
    "impact": "impact is set",
    "urgency": "urgency is set",
    "priority": "a priority is set (impact and urgency)",
    "severity": "severity is set",
    "commander": "an incident commander is assigned",
    "acknowledged": "the incident is acknowledged",
    "mitigated": "the incident is mitigated",
    "resolution_summary": "a resolution summary is written",
    "checklist_done": "every checklist task of the current phase is done",
    "postmortem_published": "the postmortem is published",
    "follow_ups_have_owners": "every follow-up is owned and dated",
}
ROLE_FACT = re.compile(r"^role:([a-z][a-z0-9_-]{0,39})$")
DEFAULT_ROLES = ("commander", "operations", "communications", "scribe")


def _policy(value: object) -> object:
    if value is True:
        return "allowed"
    if value is False:
        return "forbidden"
    return value


PolicyField = Annotated[Policy, BeforeValidator(_policy)]


class Phase(BaseModel):
    """One phase: what it is, what must hold to enter it, and what entering it does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    requires: tuple[str, ...] = ()
    checklist: tuple[Annotated[str, Field(min_length=1, max_length=200)], ...] = ()
    marks: tuple[Mark, ...] = ()
    on_enter: tuple[dict[str, Any], ...] = ()

    @model_validator(mode="after")
    def _known_facts(self) -> Phase:
        unknown = [f for f in self.requires if f not in FACTS and not ROLE_FACT.match(f)]
        if unknown:
            known = ", ".join([*FACTS, "role:<id>"])
            raise ValueError(f"unknown requirement {', '.join(unknown)}; known: {known}")
        return self


class Transitions(BaseModel):
    """Which kinds of move are allowed: true, false or with_reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    forward: PolicyField = "allowed"
    back: PolicyField = "with_reason"
    skip: PolicyField = "with_reason"


class Entry(BaseModel):
    """The phase a new incident starts in, by how it was opened."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    declared: Slug | None = None
    alert: Slug | None = None


class Workflow(BaseModel):
    """A validated workflow definition."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    phases: tuple[Phase, ...] = Field(min_length=2)
    transitions: Transitions = Transitions()
    entry: Entry = Entry()
    roles: tuple[Slug, ...] = DEFAULT_ROLES

    @model_validator(mode="after")
    def _consistent(self) -> Workflow:
        ids = [p.id for p in self.phases]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"phase ids must be unique; repeated: {', '.join(duplicates)}")
        for start in (self.entry.declared, self.entry.alert):
            if start is not None and start not in ids:
                raise ValueError(
                    f"entry phase {start!r} is not one of the phases: {', '.join(ids)}"
                )
        for mark in ("resolved", "closed"):
            if sum(mark in p.marks for p in self.phases) != 1:
                raise ValueError(f"exactly one phase must have `marks: [{mark}]`")
        resolved = self.index(self.marked("resolved"))
        if resolved > self.index(self.marked("closed")):
            raise ValueError("the phase marked resolved must come before the phase marked closed")
        for start in {self.entry_phase("declared"), self.entry_phase("alert")}:
            if self.index(start) >= resolved or self.phase(start).requires:
                raise ValueError(
                    f"entry phase {start!r} must come before the phase marked resolved and have "
                    "no `requires` (a new incident has nothing yet)"
                )
        unheld = sorted(
            {m.group(1) for p in self.phases for f in p.requires if (m := ROLE_FACT.match(f))}
            - set(self.roles)
        )
        if unheld:
            raise ValueError(
                f"gates name roles this workflow does not have: {', '.join(unheld)}; add them to `roles`"
            )
        return self

    @property
    def phase_ids(self) -> list[str]:
        return [p.id for p in self.phases]

    def phase(self, phase_id: str) -> Phase:
        """The phase with this id; KeyError if there is none."""
        for phase in self.phases:
            if phase.id == phase_id:
                return phase
        raise KeyError(phase_id)

    def index(self, phase_id: str) -> int:
        """Position of a phase in the workflow's order."""
        return self.phase_ids.index(phase_id)

    def entry_phase(self, origin: Literal["declared", "alert"]) -> str:
        """Where an incident opened this way starts (the first phase by default)."""
        chosen = self.entry.declared if origin == "declared" else self.entry.alert
        return chosen or self.phases[0].id

    def marked(self, mark: Mark) -> str:
        """The id of the phase whose entry sets this timestamp."""
        return next(p.id for p in self.phases if mark in p.marks)

    def classify(self, source: str, target: str) -> Move:
        """forward (the next phase), skip (further ahead) or back (any earlier phase)."""
        step = self.index(target) - self.index(source)
        if step == 1:
            return "forward"
        return "skip" if step > 1 else "back"

    def policy(self, move: Move) -> Policy:
        return getattr(self.transitions, move)  # type: ignore[no-any-return]

    def digest(self) -> str:
        """A stable fingerprint of the definition, to tell versions apart."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()
