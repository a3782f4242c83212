"""Run the `fireline` entry point in-process, as a shell would, and capture what it prints."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fireline.cli import client, main


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    def __init__(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *common: str
    ) -> None:
        self.capsys, self.monkeypatch, self.common = capsys, monkeypatch, common

    def __call__(self, *args: str, stdin: str = "", connection: bool = True) -> Result:
        self.monkeypatch.setattr(
            sys, "argv", ["fireline", *args, *(self.common if connection else ())]
        )
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main()
        captured = self.capsys.readouterr()
        code = exited.value.code
        return Result(
            code if isinstance(code, int) else (0 if code is None else 1),
            captured.out,
            captured.err,
        )


def server_mode(
    app: FastAPI,
    token: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    """The `fireline` command in server mode (--url, --token), its HTTP client wired to ``app``."""

    def over_http(url: str, token: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"}
        return TestClient(app, base_url=url + "/api/v1", headers=headers)

    monkeypatch.setattr(client, "over_http", over_http)
    return Cli(capsys, monkeypatch, "--url", "http://testserver", "--token", token)
