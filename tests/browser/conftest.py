"""Browser tests: a real uvicorn server in a thread, and Debian's Chromium driven by Playwright.

Without /usr/bin/chromium (or without Playwright) the tests are skipped, and the summary
says why, unless FIRELINE_REQUIRE_BROWSER=1 (CI), which turns the skip into a failure.
Screenshots go to a temporary directory printed at the end of the session.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.services.admin import auth
from fireline.services.admin.configuration import apply_config
from fireline.web.app import create_app
from tests.conftest import EXAMPLE
from tests.e2e.servers import free_port
from tests.e2e.ui_support import PASSWORD, set_passwords

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE = os.environ.get("FIRELINE_REQUIRE_BROWSER") == "1"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TAKEN: list[Path] = []  # where this session's screenshots went, for the summary


def _unavailable(reason: str) -> None:
    message = f"browser tests skipped: {reason}"
    if REQUIRE:
        pytest.fail(message + " (FIRELINE_REQUIRE_BROWSER=1)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing; install Debian's package: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@dataclass
class LiveServer:
    url: str
    core: Fireline

    def api(self, user: str) -> httpx.Client:
        """An API client for a user, as a second person (or a script) would act."""
        token = auth.create_token(uow=self.core.uow(), user_id=user)
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """`create_app` served by uvicorn on a free port, on a fresh SQLite file with the example."""
    core = build(Settings(database_url=f"sqlite:///{tmp_path / 'fireline.db'}"))
    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    set_passwords(core, "alice", "bob", "dana")
    port = free_port()
    config = uvicorn.Config(create_app(fireline=core), port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", core)
    finally:
        running.should_exit = True
        thread.join(timeout=10)
        core.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    """A directory for screenshots: FIRELINE_SCREENSHOTS, else a new temporary one."""
    chosen = os.environ.get("FIRELINE_SCREENSHOTS")
    directory = Path(chosen) if chosen else Path(tempfile.mkdtemp(prefix="fireline-shots-"))
    directory.mkdir(parents=True, exist_ok=True)
    TAKEN.append(directory)
    return directory


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for directory in TAKEN:
        terminalreporter.write_line(f"browser screenshots: {directory}")


def log_in(page: Any, url: str, user: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("User id or email").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/")
