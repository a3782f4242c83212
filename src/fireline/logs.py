"""Logging for Fireline's processes: every line, at every level, with secrets redacted.

Integration keys, heartbeat keys, acknowledge tokens and calendar tokens travel in URL paths,
so any line that names a request (uvicorn's access log, an error naming its path) would carry
them. One filter on every handler rewrites such lines before they are written anywhere.
"""

from __future__ import annotations

import copy
import logging
import logging.config
import re
from typing import Any

import uvicorn.config

REDACTED = "[redacted]"
_SECRETS = [
    # a secret path segment: the key or token after these prefixes
    (
        re.compile(
            r"(/api/v1/integrations/(?:alertmanager|generic)/|/api/v1/heartbeats/|/ack/|/ical/)"
            r"[^\s/?#\"'.]+(?:\.[^\s/?#\"'.]+)*?(?=\.ics\b|[\s/?#\"']|$)"
        ),
        rf"\1{REDACTED}",
    ),
    # credentials in a query string or a header echoed into a message
    (re.compile(r"(?i)\b(token|key|routing_key|password|secret)=[^&\s\"']+"), rf"\1={REDACTED}"),
    (re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
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


def config(level: str = "info") -> dict[str, Any]:
    """uvicorn's logging set-up with the redacting filter on every handler, and Fireline's own
    loggers (``fireline.*``) written through the same handler instead of Python's last resort."""
    settings: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    settings.setdefault("filters", {})["redact"] = {"()": Redact}
    for handler in settings["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    settings["loggers"]["fireline"] = {
        "handlers": ["default"],
        "level": level.upper(),
        "propagate": False,
    }
    return settings


def configure(level: str = "info") -> None:
    """For processes that run no uvicorn (``fireline worker``)."""
    logging.config.dictConfig(config(level))
