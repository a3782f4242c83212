"""A local Twilio: the REST API's Messages.json and Calls.json as Twilio serves them (Basic auth
with the account SID and auth token, form bodies, 201 with the resource's JSON, Twilio's error
documents), and Twilio's side of the webhooks: requests to Fireline signed the way Twilio signs
them (RequestValidator's algorithm over the URL Twilio was given, and the form)."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 31 + "7"
AUTH_TOKEN = "f1e2d3c4b5a6978877665544332211aa"
FROM = "+15550009999"


class Poster(Protocol):
    def post(self, url: str, *, data: dict[str, str], headers: dict[str, str]) -> Any: ...


class TwilioDouble:
    """Records every message and call Fireline asks for; answers like Twilio's API."""

    def __init__(self, sid: str = ACCOUNT_SID, token: str = AUTH_TOKEN) -> None:
        self.sid, self.token = sid, token
        self.messages: list[dict[str, str]] = []
        self.calls: list[dict[str, str]] = []
        self.message_times: list[float] = []  # when each message arrived (time.time())
        self.refusals: list[tuple[int, int, str]] = []  # (status, Twilio code, message), next first
        self.unauthorised = 0
        self.arrived = threading.Condition()
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                double.handle(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0)).decode()
        path = urlsplit(request.path).path
        base = f"/2010-04-01/Accounts/{self.sid}/"
        if not self._authorised(request.headers.get("Authorization", "")):
            self.unauthorised += 1
            return _json(request, 401, _error(20003, "Authenticate", 401))
        if not path.startswith(base) or path[len(base) :] not in ("Messages.json", "Calls.json"):
            return _json(request, 404, _error(20404, "The requested resource was not found", 404))
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        if self.refusals:
            status, code, message = self.refusals.pop(0)
            return _json(request, status, _error(code, message, status))
        kind = path[len(base) :]
        resource = self._message(form) if kind == "Messages.json" else self._call(form)
        with self.arrived:
            if kind == "Messages.json":
                self.message_times.append(time.time())
            (self.messages if kind == "Messages.json" else self.calls).append(
                {**form, "Sid": resource["sid"]}
            )
            self.arrived.notify_all()
        _json(request, 201, resource)

    def _authorised(self, header: str) -> bool:
        expected = base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
        return header == f"Basic {expected}"

    def _message(self, form: dict[str, str]) -> dict[str, Any]:
        sid = "SM" + secrets.token_hex(16)
        return {
            "account_sid": self.sid,
            "api_version": "2010-04-01",
            "body": form.get("Body", ""),
            "date_created": "Thu, 03 Dec 2026 15:00:00 +0000",
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "sid": sid,
            "status": "queued",
            "to": form.get("To"),
            "uri": f"/2010-04-01/Accounts/{self.sid}/Messages/{sid}.json",
        }

    def _call(self, form: dict[str, str]) -> dict[str, Any]:
        sid = "CA" + secrets.token_hex(16)
        return {
            "account_sid": self.sid,
            "answered_by": None,
            "api_version": "2010-04-01",
            "direction": "outbound-api",
            "from": form.get("From"),
            "sid": sid,
            "status": "queued",
            "to": form.get("To"),
            "uri": f"/2010-04-01/Accounts/{self.sid}/Calls/{sid}.json",
        }

    def wait_for_message(self, count: int, timeout: float = 10) -> dict[str, str]:
        """The ``count``-th message, once it has arrived."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"no message {count} within {timeout} s")
            return self.messages[count - 1]

    def sign(self, url: str, params: dict[str, str], token: str | None = None) -> str:
        """The X-Twilio-Signature Twilio sends with a request to ``url`` (the full public URL)."""
        return str(RequestValidator(token or self.token).compute_signature(url, params))

    def webhook(
        self,
        client: Poster,
        public_url: str,
        params: dict[str, str],
        *,
        signed_url: str | None = None,
        token: str | None = None,
        signature: str | None = None,
    ) -> Any:
        """POST a webhook to Fireline as Twilio does: to ``public_url``'s path (and query) on
        ``client``, signed over ``signed_url`` (the public URL unless told otherwise)."""
        parts = urlsplit(public_url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if signature is None:
            signature = self.sign(signed_url or public_url, params, token)
        headers = {"X-Twilio-Signature": signature} if signature else {}
        return client.post(path, data=params, headers=headers)


def _error(code: int, message: str, status: int) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _json(request: BaseHTTPRequestHandler, status: int, document: dict[str, Any]) -> None:
    body = json.dumps(document).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)
