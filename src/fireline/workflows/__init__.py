"""The workflow definitions that ship with Fireline, as YAML files beside this module."""

from __future__ import annotations

from importlib import resources

import yaml

from fireline.domain.workflow import Workflow

SHIPPED = ("standard", "security")


def shipped_workflow(workflow_id: str) -> Workflow:
    """Load and validate one shipped workflow definition."""
    text = resources.files(__name__).joinpath(f"{workflow_id}.yaml").read_text()
    return Workflow.model_validate(yaml.safe_load(text))
