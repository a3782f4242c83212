"""In a real browser, under the Content-Security-Policy: the pages and the API docs work, nothing
is refused, and nothing is fetched from another site."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import LiveServer, log_in

PAGES = ["/", "/incidents/new", "/alerts", "/oncall", "/reports", "/follow-ups", "/status"]


def _watch(page: Any, server: LiveServer) -> tuple[list[str], list[str]]:
    """Console errors (a CSP refusal is one) and every request that left Fireline's origin."""
    errors: list[str] = []
    elsewhere: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(server.url) else elsewhere.append(r.url))
    return errors, elsewhere


def test_the_pages_run_under_the_policy_without_a_refusal(browser: Any, server: LiveServer) -> None:
    page = browser.new_context().new_page()
    errors, elsewhere = _watch(page, server)
    log_in(page, server.url, "bob")

    for path in PAGES:
        page.goto(f"{server.url}{path}")
        page.wait_for_load_state("networkidle")

    assert errors == [] and elsewhere == []


def test_the_api_docs_render_from_fireline_alone(browser: Any, server: LiveServer) -> None:
    page = browser.new_context().new_page()
    errors, elsewhere = _watch(page, server)

    page.goto(f"{server.url}/docs")
    page.locator(".opblock").first.wait_for(timeout=15_000)

    assert page.locator(".opblock").count() > 20  # every operation of the API is listed
    assert errors == [] and elsewhere == []
