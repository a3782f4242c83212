"""`fireline workflow validate` and `fireline apply` refuse workflow actions no code reads (#10)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli_runner import Cli

WORKFLOW = """\
id: lean
name: Lean
phases:
  - id: triage
    name: Triage
    on_enter:
      - page: service_escalation_policy
      - pgae: service_escalation_policy
  - id: fixed
    name: Fixed
    marks: [resolved]
    on_enter:
      - postmortem: Lessons Learned
  - {id: review, name: Review}
  - {id: done, name: Done, marks: [closed]}
"""
UNKNOWN = "phases[0].on_enter[1]: unknown action 'pgae' (known: page, postmortem)"
BAD_TEMPLATE = "phases[1].on_enter[0].postmortem: String should match pattern"


def test_validate_names_each_bad_action_with_its_line(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "lean.yaml"
    path.write_text(WORKFLOW)

    result = cli("workflow", "validate", str(path), connection=False)

    assert (result.code, result.out) == (1, "")
    first, second = result.err.splitlines()
    assert first == f"error: lean.yaml:8: {UNKNOWN}"
    assert second.startswith(f"error: lean.yaml:13: {BAD_TEMPLATE}")


def test_apply_refuses_a_workflow_with_a_bad_action(cli: Cli, tmp_path: Path) -> None:
    indented = "".join(f"    {line}\n" for line in WORKFLOW.splitlines())
    path = tmp_path / "fireline.yaml"
    path.write_text(f"workflows:\n  definitions:\n  -\n{indented}")

    result = cli("apply", str(path))

    assert (result.code, result.out) == (1, "")
    assert (
        result.err.splitlines()[0] == f"error: fireline.yaml:11: workflows.definitions[0].{UNKNOWN}"
    )
    listed = cli("workflow", "list", "--json").json()["items"]
    assert [w["id"] for w in listed] == ["security", "standard"]
