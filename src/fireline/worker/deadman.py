"""The dead man's switch: while its worker is healthy, Fireline calls a URL every interval, so
an outside system notices when Fireline itself is down (the calls stop)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import httpx

from fireline.logs import redact

log = logging.getLogger("fireline.deadman")
TIMEOUT_SECONDS = 10.0


def due(last: datetime | None, now: datetime, interval: timedelta) -> bool:
    """Whether the switch should be called now, given when it last was."""
    return last is None or now - last >= interval


def call(url: str, client: httpx.Client | None = None) -> bool:
    """Call the switch once; a failure is logged (the outside system will notice), not raised."""
    try:
        if client is None:
            response = httpx.get(url, timeout=TIMEOUT_SECONDS)
        else:
            response = client.get(url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
    except httpx.HTTPError as error:
        log.warning("dead man's switch call failed: %s", redact(f"{url}: {error}"))
        return False
    return True
