"""Workflow definitions: phases in order, the moves allowed between them, gates and checklists.

A workflow is data (YAML). This module only describes and validates it and
classifies a move; what a move does to an incident lives in ``incident.py``.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
Slug = Annotated[str, Field(pattern=SLUG.pattern)]
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


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PageAction(_Action):
    """``page: service_escalation_policy``: page the first affected service's escalation policy."""

    page: Literal["service_escalation_policy"]


def _default_template(value: object) -> object:
    return "default" if value is None else value


class PostmortemAction(_Action):
    """``postmortem: TEMPLATE``: draft the postmortem from that template (empty: ``default``)."""

    postmortem: Annotated[Slug, BeforeValidator(_default_template)] = "default"


# What `on_enter` may hold: one key per entry, naming one of these.
ACTIONS: dict[str, type[_Action]] = {"page": PageAction, "postmortem": PostmortemAction}


def _action_key(value: object) -> str | None:
    """Which action an entry is: its one key, or the key of an action already built."""
    if isinstance(value, dict):
        return next(iter(value), None)
    return next((key for key, kind in ACTIONS.items() if isinstance(value, kind)), None)


def _one_known_action(value: object) -> object:
    """Refuse what the union would report badly: not a mapping, several keys, an unknown key."""
    if isinstance(value, _Action):
        return value
    if not isinstance(value, dict) or not value:
        raise ValueError(
            "an action is a mapping with one key, like `page: service_escalation_policy`"
        )
    if len(value) > 1:
        keys = ", ".join(map(str, value))
        raise ValueError(
            f"an action has exactly one key; this one has {len(value)}: {keys} "
            "(write one entry per action)"
        )
    (key,) = value
    if key not in ACTIONS:
        raise ValueError(f"unknown action {key!r} (known: {', '.join(ACTIONS)})")
    return value


Action = Annotated[
    Annotated[PageAction, Tag("page")] | Annotated[PostmortemAction, Tag("postmortem")],
    Discriminator(_action_key),
    BeforeValidator(_one_known_action),
]


class Phase(BaseModel):
    """One phase: what it is, what must hold to enter it, and what entering it does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    requires: tuple[str, ...] = ()
    checklist: tuple[Annotated[str, Field(min_length=1, max_length=200)], ...] = ()
    marks: tuple[Mark, ...] = ()
    on_enter: tuple[Action, ...] = ()

    @model_validator(mode="after")
    def _known_facts(self) -> Phase:
        unknown = [f for f in self.requires if f not in FACTS and not ROLE_FACT.match(f)]
        if unknown:
            known = ", ".join([*FACTS, "role:<id>"])
            raise ValueError(f"unknown requirement {', '.join(unknown)}; known: {known}")
        return self

    @model_validator(mode="after")
    def _each_action_once(self) -> Phase:
        # A second `postmortem:` would be ignored, the kind of silence typed actions end.
        keys = [_action_key(action) for action in self.on_enter]
        repeated = sorted({str(k) for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(
                f"each action may appear once in on_enter; repeated: {', '.join(repeated)}"
            )
        return self

    @property
    def pages(self) -> bool:
        """Whether entering this phase starts paging the service's escalation policy."""
        return any(isinstance(action, PageAction) for action in self.on_enter)

    @property
    def postmortem_template(self) -> str | None:
        """The template entering this phase drafts the postmortem from; None: it drafts none."""
        drafts = (a.postmortem for a in self.on_enter if isinstance(a, PostmortemAction))
        return next(drafts, None)


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
    # Whether declaring pages the services' on-call unless the declarer says; none: as the
    # declared entry phase's on_enter says.
    page_on_declare: bool | None = None

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

    def pages_on_declare(self) -> bool:
        """Whether declaring an incident pages the services' on-call when the declarer does
        not say: ``page_on_declare``, else whether the declared entry phase pages on entry."""
        if self.page_on_declare is not None:
            return self.page_on_declare
        return self.phase(self.entry_phase("declared")).pages

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

    @classmethod
    def from_stored(cls, definition: dict[str, Any]) -> Workflow:
        """A stored version, read as it meant when it was stored.

        Before actions were typed (#10), ``on_enter`` took any mappings, and only
        the keys ``page`` (whatever its value) and ``postmortem`` (the first one;
        an id that names no template drafts from the default) were acted on;
        everything else, like ``notify: subscribers`` in the shipped standard
        workflow, was stored and ignored, as the docs said. A version is history
        that incidents keep, so refusing it would make them unreadable: its
        actions are rewritten to the typed ones that do what it did, and the
        rest is dropped. Files and ``apply`` get the strict rules.
        """
        phases = [
            {**phase, "on_enter": _as_typed_actions(phase.get("on_enter") or [])}
            for phase in definition.get("phases") or []
        ]
        return cls.model_validate({**definition, "phases": phases})

    def digest(self) -> str:
        """A stable fingerprint of the definition, to tell versions apart."""
        # Unset, page_on_declare is left out: versions stored before it existed keep their digest.
        dump = self.model_dump(
            mode="json", exclude={"page_on_declare"} if self.page_on_declare is None else set()
        )
        canonical = json.dumps(dump, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _as_typed_actions(entries: list[Any]) -> list[dict[str, str]]:
    """What a stored ``on_enter`` did, as typed actions (see Workflow.from_stored)."""
    done: dict[str, str] = {}
    for entry in entries:
        for key, value in entry.items() if isinstance(entry, dict) else ():
            if key == "page":
                done.setdefault(key, "service_escalation_policy")
            elif key == "postmortem":
                template = value if isinstance(value, str) and SLUG.match(value) else "default"
                done.setdefault(key, template)
    return [{key: value} for key, value in done.items()]
