"""Logging for Fireline's processes: every line, at every level, with secrets redacted.

Integration keys, heartbeat keys, acknowledge tokens and calendar tokens travel in URL paths,
so any line that names a request (uvicorn's access log, an error naming its path) would carry
them. One filter on every handler rewrites such lines before they are written anywhere.
"""

from __future__ import annotations

import copy
import json
import logging
import logging.config
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

import uvicorn.config

REDACTED = "[redacted]"
REQUEST_ID: ContextVar[str | None] = ContextVar("fireline_request_id", default=None)
"""The id of the request being served (set by :class:`fireline.web.access_log.AccessLog`)."""
LogFormat = Literal["text", "json"]
# What a JSON line carries besides time, level, logger and message, when the record has it.
_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "client")
_SECRETS = [
    # a secret path segment: the key or token after these prefixes
    (
        re.compile(
            r"(/api/v1/integrations/(?:alertmanager|generic)/|/api/v1/heartbeats/|/ack/|/ical/)"
            r"[^\s/?#\"'.]+(?:\.[^\s/?#\"'.]+)*?(?=\.ics\b|[\s/?#\"']|$)"
        ),
        rf"\1{REDACTED}",
    ),
    # credentials in a query string, a header or a setting (FIRELINE_TWILIO_AUTH_TOKEN=) echoed
    (
        re.compile(r"(?i)\b(\w*token|key|routing_key|password|secret)=[^&\s\"']+"),
        rf"\1={REDACTED}",
    ),
    (re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
    (re.compile(r"\bxox[abpers]-[A-Za-z0-9-]+"), REDACTED),  # Slack tokens
    (re.compile(r"\"routing_key\"\s*:\s*\"[^\"]*\""), f'"routing_key": "{REDACTED}"'),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class Redact(logging.Filter):
    """Rewrites each record's message (arguments merged in) with its secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RequestId(logging.Filter):
    """Stamps each record with the id of the request it was written for, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = REQUEST_ID.get()
            if request_id is not None:
                record.request_id = request_id
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; every string in it is redacted, extra fields included."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update((name, getattr(record, name)) for name in _FIELDS if hasattr(record, name))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        cleaned = {k: redact(v) if isinstance(v, str) else v for k, v in line.items()}
        return json.dumps(cleaned, default=str)


def config(level: str = "info", log_format: LogFormat = "text") -> dict[str, Any]:
    """uvicorn's logging set-up with the redacting filter on every handler, Fireline's own
    loggers (``fireline.*``) written through the same handler instead of Python's last resort,
    and one line per request (``fireline.access``, on stdout like uvicorn's access log)."""
    settings: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    settings["handlers"]["requests"] = {
        "formatter": "default",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
    }
    settings.setdefault("filters", {})["redact"] = {"()": Redact}
    settings["filters"]["request_id"] = {"()": RequestId}
    for handler in settings["handlers"].values():
        handler.setdefault("filters", []).extend(["redact", "request_id"])
    if log_format == "json":
        for formatter in settings["formatters"]:
            settings["formatters"][formatter] = {"()": JsonFormatter}
    settings["loggers"]["fireline"] = {
        "handlers": ["default"],
        "level": level.upper(),
        "propagate": False,
    }
    settings["loggers"]["fireline.access"] = {
        "handlers": ["requests"],
        "level": "INFO",
        "propagate": False,
    }
    return settings


def configure(level: str = "info", log_format: LogFormat = "text") -> None:
    """For processes that run no uvicorn (``fireline worker``)."""
    logging.config.dictConfig(config(level, log_format))
