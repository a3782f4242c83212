"""The worker knows how to run every job class, and nothing else."""

from __future__ import annotations

from fireline.domain.jobs import JOB_KINDS, JOB_TYPES, kind_of
from fireline.worker.jobs import HANDLERS


def test_every_job_class_has_a_handler_and_every_handler_a_job_class() -> None:
    assert sorted(HANDLERS) == sorted(JOB_KINDS)
    by_class = {getattr(handler, "job_type", None): kind for kind, handler in HANDLERS.items()}
    assert by_class == {job_type: kind_of(job_type) for job_type in JOB_TYPES}
