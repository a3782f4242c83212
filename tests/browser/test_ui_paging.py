"""In a real browser: the declare form asks whether to page the on-call, and held or
coalesced pages read as sentences on the incident's timeline, not as raw details."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fireline.domain import incident as rules
from fireline.domain.events import PageCoalesced, PageThrottled
from fireline.services.admin.configuration import apply_config
from fireline.services.incidents import commands as incidents
from tests.browser.conftest import LiveServer, log_in
from tests.conftest import EXAMPLE
from tests.e2e.paging_support import with_quiet_workflow

BOX = "Page who is on call"


def _declare(page: Any, title: str, *, untick: bool) -> None:
    page.get_by_role("link", name="Declare incident").click()
    page.get_by_label("What is broken?").fill(title)
    page.get_by_label("Service").select_option("checkout-api")
    box = page.get_by_label(BOX)
    assert box.is_checked()  # the standard workflow pages on declare
    if untick:
        box.uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Declare incident").click()


def test_the_declare_form_asks_whether_to_page(
    browser: Any, server: LiveServer, shots: Path
) -> None:
    page = browser.new_context().new_page()
    log_in(page, server.url, "bob")
    _declare(page, "Checkout slow, I am on it", untick=True)
    page.wait_for_url(re.compile(r"/incidents/1$"))
    timeline = page.locator("#live-timeline")
    assert "Declared in Reporting without paging the on-call" in timeline.inner_text()
    page.screenshot(path=str(shots / "declared-without-paging.png"), full_page=True)

    page.goto(f"{server.url}/")
    _declare(page, "Checkout down", untick=False)
    page.wait_for_url(re.compile(r"/incidents/2$"))
    assert page.get_by_text("Declared in Reporting", exact=True).is_visible()
    declared = [
        incidents.get(uow=server.core.uow(), incident_id=i, kinds=["declared"]).timeline[0]
        for i in (1, 2)
    ]
    assert [d.event.data["page"] for d in declared] == [False, True]


def test_held_and_coalesced_pages_read_as_sentences(
    browser: Any, server: LiveServer, shots: Path
) -> None:
    with server.api("bob") as bob:
        incident_id = bob.post("/api/v1/incidents", json={"title": "Alert storm"}).json()["id"]
    to_bob = {"actor": "fireline:pager", "user": "bob", "contact": "bob-hook", "channel": "webhook"}
    at = datetime(2026, 3, 2, 7, 8, 24, tzinfo=UTC)
    until = datetime(2026, 3, 2, 7, 23, 24, tzinfo=UTC)
    with server.core.uow() as uow:
        state = uow.incidents.get(incident_id, for_update=True)
        for news in (
            PageThrottled(at=at, idempotency_key="page:1:0:bob:bob-hook:0", until=until, **to_bob),
            PageCoalesced(
                at=at, idempotency_key="page:1:1:bob:bob-hook:0", digest_at=until, **to_bob
            ),
        ):
            state, events = rules.record_news(state, news)
            uow.incidents.save(state, events)
        uow.commit()

    page = browser.new_context().new_page()
    log_in(page, server.url, "dana")
    page.goto(f"{server.url}/incidents/{incident_id}?show=pages")
    timeline = page.locator("#live-timeline")
    text = timeline.inner_text()
    assert "Page to bob by webhook held by throttling until 07:23:24 UTC" in text
    assert (
        "Page to bob by webhook coalesced into a digest by throttling; "
        "the digest goes at 07:23:24 UTC"
    ) in text
    assert "user: bob" not in text and "contact:" not in text
    page.screenshot(path=str(shots / "coalesced-pages.png"), full_page=True)


def test_the_box_follows_the_services_workflow_until_ticked_by_hand(
    browser: Any, server: LiveServer
) -> None:
    config = with_quiet_workflow(EXAMPLE.read_text(), "payments")  # checkout-api: no paging
    apply_config(uow=server.core.uow(), text=config, source="fireline.yaml")
    page = browser.new_context().new_page()
    log_in(page, server.url, "bob")
    page.goto(f"{server.url}/incidents/new")
    box, service = page.get_by_label(BOX), page.get_by_label("Service", exact=True)
    assert box.is_checked()  # no service: the organisation's default workflow pages
    service.select_option("checkout-api")
    assert not box.is_checked()
    service.select_option("")
    assert box.is_checked()
    box.uncheck()  # by hand: the service no longer decides
    service.select_option("ledger")
    service.select_option("")
    assert not box.is_checked()
