"""Jinja2 for the UI: autoescaped HTML, and the few filters that turn times into words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader

from fireline.bootstrap import Fireline
from fireline.domain.durations import span
from fireline.domain.sentences import label
from fireline.domain.workflow import TASK_FACTS

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
RECENT = timedelta(hours=1)  # timeline events this recent show their seconds


def environment() -> Environment:
    """Every template is autoescaped: user text is always shown as text."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["span"] = span
    env.filters["utc"] = utc
    env.filters["utc_seconds"] = utc_seconds
    env.globals["event_time"] = event_time
    env.filters["label"] = label
    env.globals["task_facts"] = TASK_FACTS  # what ticks a task, in words
    return env


def utc(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def utc_seconds(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def event_time(moment: datetime, now: datetime) -> str:
    """A timeline time: to the second for the last hour (events close together must be
    told apart), to the minute before; the full time is in the element's title."""
    return utc_seconds(moment) if now - moment <= RECENT else utc(moment)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page or fragment, with the signed-in user and their CSRF token when there is one."""
    env: Environment = request.app.state.ui_templates
    core: Fireline = request.app.state.fireline
    login = getattr(request.state, "login", None)
    html = env.get_template(template).render(
        login=login,
        csrf=login.csrf_token if login else "",
        now=core.clock(),
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    if login is not None:
        response.headers["Cache-Control"] = "no-store"  # incident data stays off shared caches
    return response
