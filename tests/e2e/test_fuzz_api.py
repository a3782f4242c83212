"""Fuzz every /api/v1 operation from the OpenAPI schema: no 5xx, every response as documented."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fireline.bootstrap import Fireline
from fireline.services.admin import auth
from fireline.services.admin.configuration import apply_config
from fireline.services.incidents import commands as incidents
from fireline.web.app import create_app
from tests.conftest import EXAMPLE

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 25
# Random ids mostly miss; each case also runs once against things that exist.
KNOWN = {
    "incident_id": 1,
    "role": "commander",
    "task_id": "T1",
    "user_id": "alice",
    "service_id": "checkout-api",
    "workflow_id": "standard",
}


def test_every_operation_survives_fuzzing(core: Fireline) -> None:
    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    for title in ("First", "Second"):
        incidents.declare(uow=core.uow(), actor="alice", title=title, services=["checkout-api"])
    headers = {"Authorization": f"Bearer {auth.create_token(uow=core.uow(), user_id='alice')}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(fireline=core))
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: list[str] = []

    for operation in operations:
        try:
            _fuzz(operation, headers)
        except Exception as error:  # collect them all, then report
            failures.append(f"{operation.label}: {error}")

    assert len(operations) >= 25
    assert failures == []


def _fuzz(operation: Any, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)
        known = {k: KNOWN[k] for k in (case.path_parameters or {}) if k in KNOWN}
        if known:
            case.path_parameters = {**case.path_parameters, **known}
            case.call_and_validate(headers=headers, checks=CHECKS)

    run()
