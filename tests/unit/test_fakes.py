"""The fake unit of work speaks the real repositories' language, so a service that runs against it
calls what exists, with the same parameters (the integration tests prove the behaviour)."""

from __future__ import annotations

import inspect

import pytest

from fireline.storage.alerts import AlertRepository, SilenceRepository
from fireline.storage.audit import AuditRepository
from fireline.storage.directory import DirectoryRepository, SettingsRepository
from fireline.storage.incidents import IncidentRepository
from fireline.storage.review import ReviewRepository
from fireline.storage.tokens import TokenRepository
from fireline.storage.uow import UnitOfWork
from tests.unit import fakes

PAIRS = [
    (fakes.FakeDirectory, DirectoryRepository),
    (fakes.FakeAlerts, AlertRepository),
    (fakes.FakeSilences, SilenceRepository),
    (fakes.FakeTokens, TokenRepository),
    (fakes.FakeReview, ReviewRepository),
    (fakes.FakeIncidents, IncidentRepository),
    (fakes.FakeSettings, SettingsRepository),
    (fakes.FakeAudit, AuditRepository),
]


def parameters(method: object) -> list[tuple[str, object]]:
    return [(p.name, p.kind) for p in inspect.signature(method).parameters.values()]  # type: ignore[arg-type]


def public_methods(kind: type) -> list[str]:
    return [n for n, v in vars(kind).items() if callable(v) and not n.startswith("_")]


@pytest.mark.parametrize(("fake", "real"), PAIRS, ids=lambda k: k.__name__)
def test_every_fake_method_is_a_real_one_with_the_same_parameters(fake: type, real: type) -> None:
    for name in public_methods(fake):
        assert parameters(getattr(fake, name)) == parameters(getattr(real, name)), name


def test_the_fake_unit_of_work_has_the_real_ones_repositories_and_verbs() -> None:
    real = UnitOfWork.__annotations__
    for name in fakes.FakeUnitOfWork.__annotations__:
        assert name in real
    for name in ("now", "read", "commit", "__enter__", "__exit__"):
        assert parameters(getattr(fakes.FakeUnitOfWork, name)) == parameters(
            getattr(UnitOfWork, name)
        )
