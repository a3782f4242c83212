"""A real `fireline serve` process: requests that carry keys and tokens in their paths are logged,
and not one line of the log holds a key or a token."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.conftest import EXAMPLE
from tests.e2e.ingest_support import AM_KEY, AM_URL, HB_KEY, am_alert, am_webhook
from tests.e2e.servers import start_server

ACK_TOKEN = "1.carol.1764763200.0123456789abcdef0123456789abcdef01234567"
ICAL_TOKEN = "carol.0123456789abcdef0123456789abcdef"


def test_no_key_or_token_reaches_the_log(tmp_path: Path) -> None:
    with start_server(tmp_path) as server:
        admin = {"Authorization": f"Bearer {server.token}"}
        applied = httpx.post(
            f"{server.url}/api/v1/config/apply",
            content=EXAMPLE.read_text(),
            headers={**admin, "Content-Type": "application/yaml"},
        )
        assert applied.status_code == 200, applied.text
        alert = am_webhook(am_alert("HighErrorRate", "fp-1", datetime.now(UTC)))
        assert httpx.post(f"{server.url}{AM_URL}", json=alert).status_code == 200
        assert httpx.post(f"{server.url}/api/v1/heartbeats/{HB_KEY}").status_code == 200
        assert httpx.get(f"{server.url}/ack/{ACK_TOKEN}").status_code == 401
        assert httpx.get(f"{server.url}/ical/{ICAL_TOKEN}.ics").status_code == 404
        unknown = (
            f"{server.url}/api/v1/integrations/alertmanager/am0nope000000000000000000000000001"
        )
        assert httpx.post(unknown, json=alert).status_code == 404
        server.process.terminate()
        server.process.wait(timeout=15)
        log = next(tmp_path.glob("serve-*.log")).read_text()

    assert "POST /api/v1/integrations/alertmanager/[redacted]" in log  # requests are logged
    assert "Logging error" not in log  # a redacted line is still written, not a traceback
    for secret in (AM_KEY, HB_KEY, ACK_TOKEN, ICAL_TOKEN, "am0nope", server.token):
        assert secret not in log.replace(server.output, ""), secret
