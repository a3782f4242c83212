"""The base URL links are built on, when FIRELINE_BASE_URL is not set."""

from __future__ import annotations

import pytest

from fireline.services.admin.base_url import derive


@pytest.mark.parametrize(
    ("host", "port", "tls", "expected"),
    [
        ("127.0.0.1", 18080, False, "http://127.0.0.1:18080"),
        ("0.0.0.0", 9000, False, "http://127.0.0.1:9000"),  # reachable from this machine
        ("::", 9000, False, "http://[::1]:9000"),
        ("::1", 8443, True, "https://[::1]:8443"),
        ("localhost", 443, True, "https://localhost"),
        ("fireline.internal", 80, False, "http://fireline.internal"),
        ("10.0.0.5", 443, False, "http://10.0.0.5:443"),
    ],
)
def test_links_follow_the_address_serve_listens_on(
    host: str, port: int, tls: bool, expected: str
) -> None:
    assert derive(host, port, tls=tls) == expected
