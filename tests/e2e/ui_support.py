"""A browser-like HTTP client for the UI: logs in through the form and sends CSRF tokens."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fireline.bootstrap import Fireline
from fireline.services.admin import auth

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def set_passwords(core: Fireline, *users: str) -> None:
    for user in users:
        auth.set_password(uow=core.uow(), user_id=user, password=PASSWORD)


def write_every_section(api: Any, incident_id: int = 1) -> None:
    """Replace every section's template text (publishing needs the required ones written)."""
    found = api.responder.get(f"/api/v1/incidents/{incident_id}/postmortem").json()
    sections = {s["id"]: f"{s['title']}: what we learned." for s in found["sections"]}
    body = {"version": found["version"], "sections": sections}
    edited = api.responder.patch(f"/api/v1/incidents/{incident_id}/postmortem", json=body)
    assert edited.status_code == 200, edited.text


class WebUser:
    """One browser: its cookies, and the CSRF token of its session."""

    def __init__(self, app: FastAPI) -> None:
        self.client = TestClient(app, follow_redirects=False)
        self.csrf = ""

    def log_in(self, login: str, password: str = PASSWORD) -> Any:
        form = self.client.get("/login")
        token = CSRF.search(form.text)
        assert token, form.text
        response = self.client.post(
            "/login",
            data={"csrf_token": token.group(1), "login": login, "password": password},
        )
        if response.status_code == 303:
            self.refresh_csrf()
        return response

    def refresh_csrf(self) -> None:
        page = self.client.get("/account")
        found = CSRF.search(page.text)
        assert found, page.text
        self.csrf = found.group(1)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)
