"""A real `fireline serve` in production trim: JSON logs with request ids, /readyz once its
embedded worker cycles, /metrics behind its token, and the dead man's switch called."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from tests.e2e.paging_support import Switch
from tests.e2e.servers import start_server


def _until(check: object, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("not within the time allowed")


def test_a_production_server_logs_json_is_ready_and_calls_its_switch(tmp_path: Path) -> None:
    switch = Switch()
    env = {
        "FIRELINE_LOG_FORMAT": "json",
        "FIRELINE_METRICS_TOKEN": "m3tr1cs",
        "FIRELINE_DEADMAN_URL": switch.url,
    }
    try:
        with start_server(tmp_path, env=env) as server:
            _until(lambda: httpx.get(f"{server.url}/readyz").status_code == 200)
            _until(lambda: len(switch.calls) >= 1)
            traced = httpx.get(f"{server.url}/healthz", headers={"X-Request-ID": "trace-42"})
            refused = httpx.get(f"{server.url}/metrics")
            scraped = httpx.get(
                f"{server.url}/metrics", headers={"Authorization": "Bearer m3tr1cs"}
            )
            server.process.terminate()
            server.process.wait(timeout=15)
            log = next(tmp_path.glob("serve-*.log")).read_text()
    finally:
        switch.server.shutdown()
        switch.server.server_close()

    assert traced.headers["x-request-id"] == "trace-42"
    assert refused.status_code == 401 and scraped.status_code == 200
    assert "fireline_worker_last_cycle_timestamp_seconds" in scraped.text
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    (access,) = [line for line in lines if line.get("request_id") == "trace-42"]
    assert access["path"] == "/healthz" and access["status"] == 200
    assert "m3tr1cs" not in log
