"""In a real browser: the review pages (postmortem, follow-ups), the incident page's panels, a
drill, and the metrics dashboard drawing its charts with the vendored Chart.js."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.browser.conftest import LiveServer, log_in


def _seed(server: LiveServer) -> None:
    """Two like incidents on checkout (the first resolved, with a late follow-up) and a drill."""
    with server.api("bob") as bob:
        for title in ("Checkout returns 502 errors", "Checkout returns 502 errors again"):
            body = {"title": title, "services": ["checkout-api"], "urgency": "high"}
            assert bob.post("/api/v1/incidents", json=body).status_code == 201
        bob.post("/api/v1/incidents/1/acknowledge")
        bob.post("/api/v1/incidents/1/resolve", json={"summary": "Rolled back release 42"})
        late = {"title": "Add a canary stage", "owner": "bob", "due_at": "2020-01-01T00:00:00Z"}
        assert bob.post("/api/v1/incidents/1/follow-ups", json=late).status_code == 201
        drill = {"title": "Practice: the ledger is down", "urgency": "low", "drill": True}
        assert bob.post("/api/v1/incidents", json=drill).status_code == 201


def test_review_pages_panels_and_drills(browser: Any, server: LiveServer, shots: Path) -> None:
    _seed(server)
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    log_in(page, server.url, "bob")
    assert page.locator(".incident-card.drill .badge.drill").inner_text() == "DRILL"
    page.screenshot(path=str(shots / "board-drill.png"), full_page=True)

    page.goto(f"{server.url}/incidents/2")
    page.locator("#page summary").click()
    page.get_by_label("Who to page").select_option("alice")
    with page.expect_navigation():
        page.get_by_role("button", name="Page now").click()
    similar = page.locator("#similar")
    assert "Checkout returns 502 errors" in similar.inner_text()
    assert similar.locator(".badge.recurrence").count() == 1
    assert "alice" in page.locator("#deliveries").inner_text()
    page.locator("#review").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "incident-panels.png"), full_page=True)

    page.goto(f"{server.url}/incidents/1/postmortem")
    with page.expect_navigation():
        page.get_by_role("button", name="Draft the postmortem").click()
    page.locator("#section-summary summary").click()
    page.screenshot(path=str(shots / "postmortem-draft.png"), full_page=True)

    page.goto(f"{server.url}/follow-ups")
    assert page.locator("tr.overdue").count() == 1
    page.screenshot(path=str(shots / "follow-ups.png"), full_page=True)

    page.goto(f"{server.url}/incidents/3")
    assert page.locator(".drill-banner").is_visible()
    page.get_by_role("link", name="Drill report").first.click()
    page.wait_for_url(f"{server.url}/incidents/3/drill-report")
    page.screenshot(path=str(shots / "drill-report.png"), full_page=True)
    context.close()

    phone = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    page = phone.new_page()
    log_in(page, server.url, "bob")
    for path in ("/incidents/1/postmortem", "/follow-ups", "/reports"):
        page.goto(f"{server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert overflow is False, path
    page.goto(f"{server.url}/incidents/1/postmortem")
    page.screenshot(path=str(shots / "phone-postmortem.png"), full_page=True)
    page.locator("#section-impact").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "phone-postmortem-impact.png"))
    phone.close()


def _past_incidents(server: LiveServer) -> None:
    """Incidents detected over the last weeks, answered now: the charts have something to show."""
    now = datetime.now(UTC)
    with server.api("bob") as bob:
        for days in (3, 8, 8, 15, 22, 27):
            detected = now - timedelta(days=days)
            body = {
                "title": f"Ledger slow {days} days ago",
                "services": ["ledger" if days % 2 else "checkout-api"],
                "urgency": "high" if days < 10 else "low",
                "impact_started_at": (detected - timedelta(minutes=days)).isoformat(),
                "detected_at": detected.isoformat(),
            }
            created = bob.post("/api/v1/incidents", json=body)
            assert created.status_code == 201, created.text
            number = created.json()["id"]
            bob.post(f"/api/v1/incidents/{number}/acknowledge")
            bob.post(f"/api/v1/incidents/{number}/resolve", json={"summary": "fixed"})


def test_the_dashboard_draws_its_charts(browser: Any, server: LiveServer, shots: Path) -> None:
    _seed(server)
    _past_incidents(server)
    errors: list[str] = []
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, color_scheme=scheme)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, server.url, "dana")
        page.get_by_role("link", name="Metrics").click()
        page.wait_for_url(f"{server.url}/reports")
        page.get_by_label("Group by").select_option("service")
        with page.expect_navigation():
            page.get_by_role("button", name="Show").click()
        for chart in ("incidents", "mttx", "phases", "sla"):
            canvas = page.locator(f"#chart-{chart}")
            assert canvas.is_visible()
            drawn = page.evaluate(f"!!Chart.getChart(document.getElementById('chart-{chart}'))")
            assert drawn is True, chart
        assert errors == []
        assert "MTTR" in page.locator("table.numbers").first.inner_text()
        page.screenshot(path=str(shots / f"dashboard-{scheme}.png"), full_page=True)
        context.close()
