"""Impact × urgency → priority, and each priority's SLA targets."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from fireline.domain.priority import LEVELS, SLA_TARGETS, PriorityPolicy, SlaTargets

EXAMPLE = Path(__file__).parents[2] / "examples" / "fireline.yaml"

ITIL = {
    ("high", "high"): "P1",
    ("high", "medium"): "P2",
    ("high", "low"): "P3",
    ("medium", "high"): "P2",
    ("medium", "medium"): "P3",
    ("medium", "low"): "P4",
    ("low", "high"): "P3",
    ("low", "medium"): "P4",
    ("low", "low"): "P5",
}


def example_priorities() -> dict[str, Any]:
    section: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())["priorities"]
    return section


def full_matrix(value: str = "P3") -> dict[str, dict[str, str]]:
    return {impact: dict.fromkeys(LEVELS, value) for impact in LEVELS}


@pytest.mark.parametrize(("impact", "urgency"), list(ITIL))
def test_default_matrix_is_itil(impact: str, urgency: str) -> None:
    assert PriorityPolicy().priority_for(impact, urgency) == ITIL[impact, urgency]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("impact", "urgency"), [(None, None), ("high", None), (None, "high"), (None, "low")]
)
def test_no_priority_until_impact_and_urgency_are_known(
    impact: str | None, urgency: str | None
) -> None:
    assert PriorityPolicy().priority_for(impact, urgency) is None  # type: ignore[arg-type]


def test_default_policy_has_no_sla_and_no_status_update_cadence() -> None:
    policy = PriorityPolicy()
    assert policy.sla == {}
    assert policy.status_updates == {}
    assert policy.targets_for("P1") == SlaTargets()


def test_example_config_priorities() -> None:
    policy = PriorityPolicy.model_validate(example_priorities())
    for (impact, urgency), expected in ITIL.items():
        assert policy.priority_for(impact, urgency) == expected  # type: ignore[arg-type]
    assert policy.targets_for("P1") == SlaTargets(
        acknowledge=timedelta(minutes=5), mitigate=timedelta(hours=1), resolve=timedelta(hours=4)
    )
    assert policy.targets_for("P2") == SlaTargets(
        acknowledge=timedelta(minutes=15), mitigate=timedelta(hours=4), resolve=timedelta(hours=8)
    )
    assert policy.targets_for("P3") == SlaTargets(
        acknowledge=timedelta(hours=1), resolve=timedelta(days=1)
    )
    assert policy.targets_for("P4") == SlaTargets(
        acknowledge=timedelta(hours=4), resolve=timedelta(days=3)
    )
    assert policy.targets_for("P5") == SlaTargets(resolve=timedelta(weeks=1))
    assert policy.status_updates == {"P1": timedelta(minutes=30), "P2": timedelta(hours=1)}


def test_custom_matrix_replaces_itil() -> None:
    section = example_priorities()
    section["matrix"]["high"] = {"high": "P1", "medium": "P1", "low": "P2"}
    section["matrix"]["low"]["low"] = "P9"
    policy = PriorityPolicy.model_validate(section)
    assert policy.priority_for("high", "medium") == "P1"
    assert policy.priority_for("high", "low") == "P2"
    assert policy.priority_for("low", "low") == "P9"
    assert policy.priority_for("medium", "medium") == "P3"


def test_custom_matrix_needs_no_itil_names() -> None:
    policy = PriorityPolicy(matrix=full_matrix("P7"))  # type: ignore[arg-type]
    assert {policy.priority_for(i, u) for i in LEVELS for u in LEVELS} == {"P7"}


@pytest.mark.parametrize(
    ("impact", "urgency"), [("high", "high"), ("medium", "low"), ("low", "medium")]
)
def test_incomplete_matrix_names_the_missing_cell(impact: str, urgency: str) -> None:
    matrix = full_matrix()
    del matrix[impact][urgency]
    with pytest.raises(ValidationError) as caught:
        PriorityPolicy(matrix=matrix)  # type: ignore[arg-type]
    assert f"matrix.{impact} must give a priority for every urgency; missing: {urgency}" in str(
        caught.value
    )


def test_matrix_missing_a_whole_row_lists_every_urgency() -> None:
    matrix = full_matrix()
    del matrix["medium"]
    with pytest.raises(ValidationError) as caught:
        PriorityPolicy(matrix=matrix)  # type: ignore[arg-type]
    assert "matrix.medium must give a priority for every urgency; missing: high, medium, low" in (
        str(caught.value)
    )


def test_matrix_row_missing_two_cells_lists_both() -> None:
    matrix = full_matrix()
    matrix["low"] = {"medium": "P4"}
    with pytest.raises(ValidationError, match=r"matrix\.low .*missing: high, low"):
        PriorityPolicy(matrix=matrix)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "matrix",
    [
        {**full_matrix(), "critical": {"high": "P1"}},
        {**full_matrix(), "high": {**full_matrix()["high"], "urgent": "P1"}},
        {**full_matrix(), "high": {**full_matrix()["high"], "high": "P0"}},
        {**full_matrix(), "high": {**full_matrix()["high"], "high": "SEV1"}},
        {**full_matrix(), "high": {**full_matrix()["high"], "high": "P10"}},
    ],
)
def test_matrix_rejects_unknown_levels_and_bad_priority_names(matrix: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PriorityPolicy(matrix=matrix)


@pytest.mark.parametrize(
    "section",
    [
        {"sla": {"P0": {"resolve": "1h"}}},
        {"sla": {"P1": {"respond": "1h"}}},
        {"sla": {"P1": {"resolve": "soon"}}},
        {"status_updates": {"P1": "half an hour"}},
        {"status_updates": {"urgent": "30m"}},
        {"escalate": True},
    ],
)
def test_policy_rejects_bad_sections(section: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PriorityPolicy.model_validate(section)


@pytest.mark.parametrize("value", [300, 1.5, True, ["5m"]])
def test_durations_must_be_written_with_a_unit(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        SlaTargets.model_validate({"acknowledge": value})
    assert f"{value!r} is not a duration; write a number and a unit" in str(caught.value)


def test_durations_may_be_given_as_timedeltas() -> None:
    targets = SlaTargets(acknowledge=timedelta(minutes=5), resolve="2h")  # type: ignore[arg-type]
    assert targets.acknowledge == timedelta(minutes=5)
    assert targets.resolve == timedelta(hours=2)


def test_sla_target_by_name() -> None:
    targets = SlaTargets.model_validate({"acknowledge": "5m", "resolve": "4h"})
    assert targets.target("acknowledge") == timedelta(minutes=5)
    assert targets.target("mitigate") is None
    assert targets.target("resolve") == timedelta(hours=4)
    assert SLA_TARGETS == ("acknowledge", "mitigate", "resolve")


def test_targets_for_unknown_or_missing_priority_is_empty() -> None:
    policy = PriorityPolicy.model_validate(example_priorities())
    assert policy.targets_for(None) == SlaTargets()
    assert policy.targets_for("P9") == SlaTargets()
    assert all(SlaTargets().target(name) is None for name in SLA_TARGETS)


def test_durations_serialise_back_as_written_in_json_mode() -> None:
    policy = PriorityPolicy.model_validate(example_priorities())
    dumped = policy.model_dump(mode="json")
    assert dumped["sla"]["P1"] == {"acknowledge": "5m", "mitigate": "1h", "resolve": "4h"}
    assert dumped["sla"]["P3"] == {"acknowledge": "1h", "mitigate": None, "resolve": "1d"}
    assert dumped["sla"]["P5"] == {"acknowledge": None, "mitigate": None, "resolve": "1w"}
    assert dumped["status_updates"] == {"P1": "30m", "P2": "1h"}
    assert dumped["matrix"]["medium"] == {"high": "P2", "medium": "P3", "low": "P4"}
    assert '"acknowledge":"15m"' in policy.model_dump_json()


def test_python_mode_keeps_timedeltas() -> None:
    policy = PriorityPolicy.model_validate(example_priorities())
    assert policy.model_dump()["sla"]["P2"]["mitigate"] == timedelta(hours=4)


def test_json_dump_validates_back_to_the_same_policy() -> None:
    policy = PriorityPolicy.model_validate(example_priorities())
    assert PriorityPolicy.model_validate(policy.model_dump(mode="json")) == policy
    assert PriorityPolicy.model_validate_json(policy.model_dump_json()) == policy


def test_policy_is_frozen() -> None:
    policy = PriorityPolicy()
    with pytest.raises(ValidationError):
        policy.sla = {}  # type: ignore[misc]


def test_absurdly_long_target_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        SlaTargets.model_validate({"acknowledge": "99999999999w"})
