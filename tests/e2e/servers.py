"""Real processes for end-to-end tests: `fireline serve`, and self-signed TLS certificates."""

from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

FIRELINE = str(Path(sys.executable).with_name("fireline"))


@dataclass
class Server:
    url: str
    token: str
    output: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, nothing."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def start_server(
    workdir: Path,
    *,
    database_url: str | None = None,
    tls: tuple[Path, Path] | None = None,
    env: dict[str, str] | None = None,
    token: str | None = None,
    port: int | None = None,
    no_worker: bool = False,
) -> Iterator[Server]:
    """Run `fireline serve` (on a free port unless given) until the block ends; wait until it answers."""
    port = port or free_port()
    args = [FIRELINE, "serve", "--port", str(port)] + (["--no-worker"] if no_worker else [])
    if database_url:
        args += ["--database-url", database_url]
    if tls:
        args += ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FIRELINE_")}
    log = workdir / f"serve-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            args,
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**clean, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log, verify=trusting(tls[0]) if tls else True)
        output = log.read_text()
        found = re.search(r"API token \(shown once\): (\S+)", output)
        yield Server(url, token or (found.group(1) if found else ""), output, process)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=15)


def trusting(cert: Path) -> ssl.SSLContext:
    """A TLS context that trusts this one self-signed certificate."""
    return ssl.create_default_context(cafile=str(cert))


def _wait_until_healthy(
    url: str, process: subprocess.Popen[bytes], log: Path, verify: ssl.SSLContext | bool
) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"fireline serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1, verify=verify).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    pytest.fail(f"fireline serve did not answer in 30 s: {log.read_text()}")


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, made with the openssl command."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def haproxy_config(front: int, ports: tuple[int, int]) -> str:
    """deploy/haproxy.cfg as shipped, on this machine's ports and logging to stderr."""
    config = (Path(__file__).parents[2] / "deploy" / "haproxy.cfg").read_text()
    replaced = {
        "    log /dev/log local0\n": "    log stderr format short local0\n",
        "bind :80\n": f"bind 127.0.0.1:{front}\n",
        "127.0.0.1:8081": f"127.0.0.1:{ports[0]}",
        "127.0.0.1:8082": f"127.0.0.1:{ports[1]}",
    }
    for old, new in replaced.items():
        assert old in config, f"deploy/haproxy.cfg no longer has {old!r}"
        config = config.replace(old, new)
    return config
