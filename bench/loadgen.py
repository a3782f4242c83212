"""A small HTTP/1.1 load generator: N keep-alive connections, each sending requests back to back.

Raw asyncio streams rather than an HTTP client library, so that the generator
costs as little CPU as possible and the same one drives every system measured.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    requests: int = 0
    items: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def _read_response(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split()[1])
    length, chunked = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _connection(
    host: str,
    port: int,
    path: str,
    next_body: Callable[[], tuple[bytes, int]],
    result: Result,
    deadline: float,
    extra_headers: str,
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{extra_headers}"
    )
    try:
        while time.perf_counter() < deadline:
            body, items = next_body()
            request = f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body
            started = time.perf_counter()
            writer.write(request)
            status = await _read_response(reader)
            result.latencies.append(time.perf_counter() - started)
            result.requests += 1
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if 200 <= status < 300:
                result.items += items
            else:
                result.errors += 1
    finally:
        writer.close()


def run(
    host: str,
    port: int,
    path: str,
    next_body: Callable[[], tuple[bytes, int]],
    *,
    connections: int,
    seconds: float,
    extra_headers: str = "",
) -> Result:
    """Send requests for ``seconds`` over ``connections`` connections; ``next_body`` gives (body, items)."""
    result = Result()

    async def main() -> None:
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        await asyncio.gather(
            *(
                _connection(host, port, path, next_body, result, deadline, extra_headers)
                for _ in range(connections)
            )
        )
        result.seconds = time.perf_counter() - started

    asyncio.run(main())
    return result
