"""A local Slack Web API double that speaks Slack's protocol: methods at ``/api/<method>``,
a bot token as ``Authorization: Bearer``, arguments as JSON, a form or a query string, and
answers ``{"ok": true, …}`` or ``{"ok": false, "error": …}`` with HTTP 200, as Slack does.
It records every call so a test can read what Fireline asked of Slack."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CHANNEL_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float


@dataclass
class SlackState:
    token: str
    users: dict[str, str] = field(default_factory=dict)  # Slack user id → email
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → {name, members}
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        with self.lock:
            self.calls.append(Call(method, args, time.monotonic()))
            answer: dict[str, Any] = handler(args)
            return answer

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    def m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel") or not (args.get("text") or args.get("blocks")):
            return {"ok": False, "error": "no_text" if args.get("channel") else "channel_not_found"}
        ts = f"{1700000000 + len(self.calls)}.000100"
        return {"ok": True, "channel": args["channel"], "ts": ts, "message": {"ts": ts}}

    def m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel") or not args.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": args["channel"], "ts": args["ts"], "text": args.get("text")}

    def m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": "1700000000.000200"}

    def m_conversations_create(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args.get("name", ""))
        if not CHANNEL_NAME.match(name):
            return {"ok": False, "error": "invalid_name_specials"}
        if any(c["name"] == name for c in self.channels.values()):
            return {"ok": False, "error": "name_taken"}
        channel_id = f"C{len(self.channels) + 100:08d}"
        self.channels[channel_id] = {"name": name, "members": []}
        return {"ok": True, "channel": {"id": channel_id, "name": name}}

    def m_conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if not users or any(u not in self.users for u in users):
            return {"ok": False, "error": "user_not_found"}
        channel["members"] += users
        return {"ok": True, "channel": {"id": args["channel"], "name": channel["name"]}}

    def m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user", ""))
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": user, "profile": {"email": self.users[user]}}}


class SlackDouble:
    """The double on 127.0.0.1 (``url`` is the base URL to give slack_sdk)."""

    def __init__(self, token: str, users: dict[str, str]) -> None:
        self.state = SlackState(token=token, users=users)
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, args: dict[str, Any]) -> None:
                path = urlsplit(self.path).path
                if self.headers.get("Authorization") != f"Bearer {state.token}":
                    answer: dict[str, Any] = {"ok": False, "error": "invalid_auth"}
                else:
                    answer = state.answer(path.removeprefix("/api/"), args)
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                query = parse_qs(urlsplit(self.path).query)
                self._serve({k: v[0] for k, v in query.items()})

            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                kind = self.headers.get("Content-Type", "")
                if kind.startswith("application/json"):
                    args = json.loads(raw or b"{}")
                else:
                    args = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                    if isinstance(args.get("blocks"), str):
                        args["blocks"] = json.loads(args["blocks"])
                self._serve(args)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
