"""A real `fireline serve`: the admin it creates on first start logs in to the UI."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.e2e.servers import start_server
from tests.e2e.ui_support import CSRF


def test_the_first_admin_logs_in_with_the_printed_password(tmp_path: Path) -> None:
    with start_server(tmp_path) as server, httpx.Client(base_url=server.url) as browser:
        found = re.search(r"created admin user 'admin' with password (\S+)", server.output)
        assert found
        form = browser.get("/login")
        token = CSRF.search(form.text)
        assert token
        login = {"csrf_token": token.group(1), "login": "admin", "password": found.group(1)}

        answer = browser.post("/login", data=login)
        board = browser.get("/")

        assert answer.status_code == 303 and answer.headers["location"] == "/"
        assert board.status_code == 200 and "Open incidents" in board.text
        assert browser.get("/static/htmx.min.js").status_code == 200
        assert "All systems operational" in browser.get("/status").text
