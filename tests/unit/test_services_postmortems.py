"""Postmortem edits and status changes, decided against the in-memory unit of work."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from fireline.domain.incident import Act, declare
from fireline.domain.postmortem import DEFAULT_TEMPLATE, Section, publication_missing, unwritten
from fireline.domain.priority import PriorityPolicy
from fireline.domain.review import start_postmortem
from fireline.errors import Conflict, InvalidInput, StaleState, TransitionRefused
from fireline.services.review.postmortems import edit_postmortem, edited_postmortem, set_status
from fireline.storage.models import User
from fireline.storage.review import PostmortemRecord
from fireline.workflows import shipped_workflow
from tests.unit.fakes import NOW, FakeUnitOfWork

LATER = NOW + timedelta(hours=2)
SECTIONS = (
    Section("summary", "Summary", "What happened.", True),
    Section("impact", "Impact", "Who noticed.", False),
)
DRAFT = PostmortemRecord(
    incident_id=7,
    template="default",
    status="draft",
    sections=SECTIONS,
    reviewers=("bob",),
    public=False,
    version=1,
    created_at=NOW,
    updated_at=NOW,
    published_at=None,
)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(now=LATER)
    act = Act("alice", NOW)
    state, declared = declare(
        act,
        incident_id=7,
        workflow=shipped_workflow("standard"),
        workflow_version=1,
        policy=PriorityPolicy(),
        title="Checkout is down",
    )
    state, opened = start_postmortem(act, state, "default")
    uow.data.incidents[7] = state
    uow.data.timelines[7] = [*declared, *opened]
    uow.data.postmortems[7] = DRAFT
    for user_id in ("bob", "carol"):
        uow.add_row(User, User(id=user_id, name=user_id.title(), role="responder"))
    return uow


def test_editing_a_section_saves_the_next_version(uow: FakeUnitOfWork) -> None:
    view = edit_postmortem(
        uow=uow, actor="alice", incident_id=7, version=1, sections={"impact": "Every buyer."}
    )
    stored = uow.data.postmortems[7]
    assert [s.body for s in stored.sections] == ["What happened.", "Every buyer."]
    assert (stored.version, stored.updated_at) == (2, LATER)
    assert (view.version, [s.body for s in view.sections]) == (
        2,
        ["What happened.", "Every buyer."],
    )
    assert uow.commits == 1


def test_reviewers_are_checked_and_kept_once_each_and_the_public_flag_is_set(
    uow: FakeUnitOfWork,
) -> None:
    edit_postmortem(
        uow=uow, actor="alice", incident_id=7, version=1, reviewers=["bob", "carol", "bob"]
    )
    edit_postmortem(uow=uow, actor="alice", incident_id=7, version=2, public=True)
    stored = uow.data.postmortems[7]
    assert (stored.reviewers, stored.public, stored.sections) == (("bob", "carol"), True, SECTIONS)
    with pytest.raises(InvalidInput, match="there is no user 'dave'"):
        edit_postmortem(uow=uow, actor="alice", incident_id=7, version=3, reviewers=["dave"])
    assert uow.data.postmortems[7] == stored


def test_a_stale_version_is_refused_and_nothing_is_written(uow: FakeUnitOfWork) -> None:
    edit_postmortem(uow=uow, actor="bob", incident_id=7, version=1, sections={"summary": "Bob's"})
    with pytest.raises(StaleState, match=r"you edited version 1\); reload it") as refused:
        edit_postmortem(
            uow=uow, actor="carol", incident_id=7, version=1, sections={"summary": "Carol's"}
        )
    assert refused.value.status == 409
    assert uow.data.postmortems[7].sections[0].body == "Bob's"
    assert uow.commits == 1


def test_an_unknown_section_is_refused_naming_the_known_ones(uow: FakeUnitOfWork) -> None:
    with pytest.raises(InvalidInput, match="no section 'lessons'; sections: summary, impact"):
        edit_postmortem(
            uow=uow, actor="alice", incident_id=7, version=1, sections={"lessons": "Test more."}
        )
    assert uow.data.postmortems[7] == DRAFT


def test_a_published_postmortem_is_not_edited(uow: FakeUnitOfWork) -> None:
    set_status(uow=uow, actor="alice", incident_id=7, status="in_review")
    set_status(uow=uow, actor="alice", incident_id=7, status="published")
    with pytest.raises(Conflict, match="move it back to draft to edit it"):
        edit_postmortem(uow=uow, actor="alice", incident_id=7, version=3, public=True)
    assert uow.data.postmortems[7].public is False


def test_publishing_records_the_status_and_when_on_the_next_version(uow: FakeUnitOfWork) -> None:
    set_status(uow=uow, actor="alice", incident_id=7, status="in_review")
    assert (uow.data.postmortems[7].status, uow.data.postmortems[7].published_at) == (
        "in_review",
        None,
    )
    uow.clock += timedelta(hours=1)
    view = set_status(uow=uow, actor="alice", incident_id=7, status="published")
    stored = uow.data.postmortems[7]
    assert (stored.status, stored.version) == ("published", 3)
    assert stored.published_at == stored.updated_at == LATER + timedelta(hours=1)
    assert (view.status, view.published_at) == ("published", LATER + timedelta(hours=1))
    assert uow.data.incidents[7].postmortem == "published"


def test_back_to_draft_keeps_the_first_publication_time(uow: FakeUnitOfWork) -> None:
    for status in ("in_review", "published"):
        set_status(uow=uow, actor="alice", incident_id=7, status=status)
    uow.clock += timedelta(days=1)
    set_status(uow=uow, actor="alice", incident_id=7, status="draft")
    assert uow.data.postmortems[7].published_at == LATER


def test_the_same_status_again_writes_nothing(uow: FakeUnitOfWork) -> None:
    set_status(uow=uow, actor="alice", incident_id=7, status="draft")
    assert uow.data.postmortems[7] == DRAFT
    assert len(uow.data.timelines[7]) == 2


def test_a_status_change_the_workflow_refuses_writes_nothing(uow: FakeUnitOfWork) -> None:
    with pytest.raises(Conflict, match="a review comes first"):
        set_status(uow=uow, actor="alice", incident_id=7, status="published")
    assert uow.data.postmortems[7] == DRAFT
    assert uow.commits == 0


def test_an_edit_is_a_new_record_the_old_one_unchanged() -> None:
    edited = edited_postmortem(
        DRAFT, bodies={"summary": "New."}, reviewers=None, public=None, now=LATER
    )
    assert edited.sections == (Section("summary", "Summary", "New.", True), SECTIONS[1])
    assert (edited.reviewers, edited.public, edited.version, edited.updated_at) == (
        ("bob",),
        False,
        1,  # the repository numbers the saved version
        LATER,
    )
    assert DRAFT.sections[0].body == "What happened."


# --- publishing needs a reviewer who is not the author and the required sections written (#11)


def _in_review(uow: FakeUnitOfWork, **changes: object) -> None:
    uow.data.postmortems[7] = replace(DRAFT, **changes)  # type: ignore[arg-type]
    set_status(uow=uow, actor="alice", incident_id=7, status="in_review")


@pytest.mark.parametrize("reviewers", [(), ("alice",)])
def test_publishing_needs_a_reviewer_who_is_not_the_author(
    uow: FakeUnitOfWork, reviewers: tuple[str, ...]
) -> None:
    _in_review(uow, reviewers=reviewers)
    with pytest.raises(TransitionRefused) as caught:
        set_status(uow=uow, actor="bob", incident_id=7, status="published")
    assert caught.value.missing == ["a reviewer who is not the author (alice)"]
    assert caught.value.status == 409
    assert uow.data.incidents[7].postmortem == "in_review"


def test_publishing_names_the_required_sections_still_holding_the_template_text(
    uow: FakeUnitOfWork,
) -> None:
    drafted = (
        Section(
            "summary",
            "Summary",
            "**Checkout is down**\n\n_What happened, in two or three sentences._",
            True,
        ),
        Section("impact", "Impact", "  ", True),
        Section("trigger", "Trigger", "A bad config push.", False),
        Section("lucky", "Where we got lucky", "_What could have made it much worse._", False),
    )
    _in_review(uow, sections=drafted)
    with pytest.raises(TransitionRefused) as caught:
        set_status(uow=uow, actor="alice", incident_id=7, status="published")
    assert caught.value.missing == ["write the Summary section", "write the Impact section"]
    assert "write the Summary section; write the Impact section" in caught.value.message


def test_the_default_template_requires_the_analysis_sections() -> None:
    required = [s.id for s in DEFAULT_TEMPLATE.sections if s.required]
    assert required == ["summary", "impact", "root_causes", "trigger", "resolution", "went_wrong"]
    blank = [Section(s.id, s.title, s.prompt, s.public) for s in DEFAULT_TEMPLATE.sections]
    assert unwritten(DEFAULT_TEMPLATE, blank) == [
        s.title for s in DEFAULT_TEMPLATE.sections if s.required
    ]
    assert publication_missing(DEFAULT_TEMPLATE, blank[:1], ["bob", "alice"], "alice") == [
        "write the Summary section"
    ]
