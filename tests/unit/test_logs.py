"""Secrets never reach a log line: request paths, query strings, headers, exceptions, every level."""

from __future__ import annotations

import io
import logging

import pytest

from fireline.logs import REDACTED, Redact, redact

SECRETS = {
    "POST /api/v1/integrations/alertmanager/am0checkout0000000000000000000001 HTTP/1.1": "am0checkout",
    "POST /api/v1/integrations/generic/gn0billing0000000000000000000001": "gn0billing",
    "GET /api/v1/heartbeats/hb0ledger000000000000000000000001 HTTP/1.1": "hb0ledger",
    "GET /ack/1.carol.1764763200.0123456789abcdef HTTP/1.1": "0123456789abcdef",
    "GET /ical/carol.0123456789abcdef0123456789abcdef.ics HTTP/1.1": "0123456789abcdef",
    "GET /ical/carol.0123456789abcdef0123456789abcdef/primary.ics": "0123456789abcdef",
    "Authorization: Bearer fl_abcdefghijklmnop": "fl_abcdefghijklmnop",
    "GET /x?token=s3cr3t&page=2": "s3cr3t",
    '{"routing_key": "ev0checkout0000000000000000000001"}': "ev0checkout",
    "slack_sdk: token=None headers={'x': 'xoxb-1234-5678-abcdefABCDEF'}": "abcdefABCDEF",
    "FIRELINE_TWILIO_AUTH_TOKEN=f1e2d3c4b5a6978877665544332211aa": "f1e2d3c4b5a69788",
    "Twilio client auth_token=f1e2d3c4b5a6978877665544332211aa": "f1e2d3c4b5a69788",
    "Authorization: Basic QUMwMDAwOmYxZTJkM2M0YjVhNjk3ODg3NzY2NTU0NA==": "QUMwMDAwOmYxZTJk",
}


@pytest.mark.parametrize("line", SECRETS)
def test_each_kind_of_secret_is_redacted(line: str) -> None:
    cleaned = redact(line)
    assert SECRETS[line] not in cleaned and REDACTED in cleaned


def test_paths_without_secrets_are_left_readable() -> None:
    line = "POST /api/v1/integrations/checkout-alertmanager/rotate HTTP/1.1"
    assert redact(line) == line
    assert redact("GET /ical/[x]/primary.ics").endswith("/primary.ics")


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR])
def test_the_filter_redacts_at_every_level_arguments_and_tracebacks_included(level: int) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redact())
    logger = logging.getLogger(f"fireline.test.{level}")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    path = "/api/v1/heartbeats/hb0ledger000000000000000000000001"
    try:
        logger.log(level, "unexpected error on POST %s", path)
        try:
            raise ValueError(f"cannot store {path}")
        except ValueError:
            logger.log(level, "failed", exc_info=True)
    finally:
        logger.removeHandler(handler)

    written = stream.getvalue()
    assert "hb0ledger" not in written and written.count(REDACTED) == 2
