"""Limits on what one ingest request may carry, the error they raise, and the one repair made.

The rule: a body that cannot be read as its format (not JSON, nested beyond MAX_DEPTH, wrong
fields) is refused whole with a 400 — the sender must fix it, and retrying will not help. Text the
format allows but a database cannot store, the NUL character, is repaired (U+FFFD in its place) so
one odd alert never refuses the others of its webhook; both engines store the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

MAX_BODY_BYTES = 512 * 1024
MAX_ALERTS_PER_REQUEST = 1000
MAX_LABELS = 64
MAX_LABEL_NAME = 256
MAX_LABEL_VALUE = 4096
MAX_DEPTH = 64  # arrays and objects inside each other; real alerts use a handful
TOO_DEEP = f"JSON nested more than {MAX_DEPTH} levels deep"
# A JSON escape for NUL, not preceded by an odd number of backslashes (that would be a literal \\u).
_NUL_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\u0000")
T = TypeVar("T")


class PayloadInvalid(ValueError):
    """The body is not what the format requires; ``errors`` says each way it is not."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def check_labels(labels: dict[str, str], where: str) -> None:
    """Refuse oversized label sets: they cost memory and index space for nothing."""
    if len(labels) > MAX_LABELS:
        raise PayloadInvalid([f"{where}: {len(labels)} labels; at most {MAX_LABELS}"])
    for name, value in labels.items():
        if len(name) > MAX_LABEL_NAME or len(value) > MAX_LABEL_VALUE:
            raise PayloadInvalid(
                [
                    f"{where}.{name[:40]}: label names may have {MAX_LABEL_NAME} characters, values {MAX_LABEL_VALUE}"
                ]
            )


def decode(body: bytes, decoder: Callable[[bytes], T]) -> T:
    """``decoder(body)`` with NUL repaired and runaway nesting refused as PayloadInvalid.

    msgspec's own errors (not JSON, wrong fields) are left to the caller, which words them
    in its format's terms.
    """
    if b"\\u0000" in body:
        body = _NUL_ESCAPE.sub(rb"\1\\ufffd", body)
    try:
        return decoder(body)
    except RecursionError:
        raise PayloadInvalid([TOO_DEEP]) from None


def check_depth(value: Any, where: str) -> None:
    """Refuse free-form JSON (details, generic documents) nested deeper than MAX_DEPTH."""
    level: list[Any] = [value]
    for _ in range(MAX_DEPTH + 1):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return
    raise PayloadInvalid([f"{where}: {TOO_DEEP}"])
