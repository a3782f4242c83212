"""Impact × urgency → priority, and the SLA targets each priority carries."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from fireline.domain.durations import format_duration, parse_duration

Level = Literal["high", "medium", "low"]
LEVELS: tuple[Level, ...] = ("high", "medium", "low")
SlaTarget = Literal["acknowledge", "mitigate", "resolve"]
SLA_TARGETS: tuple[SlaTarget, ...] = ("acknowledge", "mitigate", "resolve")

PriorityName = Annotated[str, Field(pattern=r"^P[1-9]$")]


def _duration(value: object) -> object:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f'{value!r} is not a duration; write a number and a unit, like "5m"')
    return parse_duration(value)


Duration = Annotated[
    timedelta, BeforeValidator(_duration), PlainSerializer(format_duration, when_used="json")
]


class SlaTargets(BaseModel):
    """How long, from detection, an incident of one priority may take to reach each milestone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    acknowledge: Duration | None = None
    mitigate: Duration | None = None
    resolve: Duration | None = None

    def target(self, name: SlaTarget) -> timedelta | None:
        """The allowed duration for one milestone, or None when it has no target."""
        value: timedelta | None = getattr(self, name)
        return value


_ITIL: dict[Level, dict[Level, str]] = {
    "high": {"high": "P1", "medium": "P2", "low": "P3"},
    "medium": {"high": "P2", "medium": "P3", "low": "P4"},
    "low": {"high": "P3", "medium": "P4", "low": "P5"},
}


class PriorityPolicy(BaseModel):
    """The `priorities` section of the config: the matrix, SLA targets and update cadence."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    matrix: dict[Level, dict[Level, PriorityName]] = Field(default_factory=lambda: _ITIL)
    sla: dict[PriorityName, SlaTargets] = Field(default_factory=dict)
    status_updates: dict[PriorityName, Duration] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _complete_matrix(self) -> PriorityPolicy:
        for impact in LEVELS:
            row = self.matrix.get(impact)
            missing = [u for u in LEVELS if row is None or u not in row]
            if missing:
                raise ValueError(
                    f"matrix.{impact} must give a priority for every urgency; missing: "
                    + ", ".join(missing)
                )
        return self

    def priority_for(self, impact: Level | None, urgency: Level | None) -> str | None:
        """The priority for an impact and urgency; None until both are known."""
        if impact is None or urgency is None:
            return None
        return self.matrix[impact][urgency]

    def targets_for(self, priority: str | None) -> SlaTargets:
        """The SLA targets of a priority (none when the priority is unknown or has none)."""
        if priority is None:
            return SlaTargets()
        return self.sla.get(priority, SlaTargets())
