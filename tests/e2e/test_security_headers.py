"""Headers and links every response carries: CSP, no framing, no sniffing, HSTS under TLS, no Host trust."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from fireline.services.incidents import commands as incidents
from tests.e2e.conftest import Api

# One path of each kind: UI page, public page, feed, API, problem, ingest, static file, API docs.
PATHS = [
    "/login",
    "/status",
    "/status/feed.atom",
    "/api/v1/incidents",
    "/api/v1/nothing-here",
    "/static/fireline.css",
    "/docs",
    "/openapi.json",
    "/healthz",
]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_security_headers(api: Api, path: str) -> None:
    response = TestClient(api.app).get(path)

    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # plain HTTP: no HSTS


def test_hsts_is_sent_when_serving_tls(api: Api) -> None:
    response = TestClient(api.app, base_url="https://fireline.test").get("/status")

    assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_ingest_answers_carry_them_too(api: Api) -> None:
    response = TestClient(api.app).post("/v2/enqueue", content=b"{}")

    assert response.status_code == 400
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_atom_feed_links_to_the_configured_base_url_never_the_host_header(api: Api) -> None:
    incidents.declare(uow=api.core.uow(), actor="bob", title="Checkout 502")
    client = TestClient(api.app)

    feed = client.get("/status/feed.atom", headers={"Host": "evil.example"})

    assert "evil.example" not in feed.text
    base = api.core.settings.base_url.rstrip("/")
    assert f'href="{base}/status/feed.atom"' in feed.text


def test_the_atom_feed_may_be_cached_like_the_status_page(api: Api) -> None:
    client = TestClient(api.app)
    page, feed = client.get("/status"), client.get("/status/feed.atom")

    assert feed.headers["cache-control"] == page.headers["cache-control"] == "public, max-age=30"


def test_the_api_docs_load_nothing_from_other_sites(api: Api) -> None:
    client = TestClient(api.app)
    docs = client.get("/docs")

    assert docs.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    assert "<script>" not in docs.text  # no inline script: the CSP would refuse it
    for source in sources:
        assert client.get(source).status_code == 200, source
