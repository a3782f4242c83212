"""Durations as people write them in config files: "30s", "5m", "2h", "1d", "1w"."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
LONGEST = timedelta(days=3650)
_PATTERN = re.compile(r"^\s*([0-9]+)\s*([smhdw])\s*$")


def parse_duration(text: str) -> timedelta:
    """Parse "<number><unit>" (s, m, h, d, w) into a timedelta; raise ValueError otherwise."""
    match = _PATTERN.match(str(text))
    if not match:
        raise ValueError(
            f"{text!r} is not a duration; write a number and a unit, like 30s, 5m, 2h, 1d or 1w"
        )
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds > LONGEST.total_seconds():
        raise ValueError(
            f"{text!r} is longer than the longest duration Fireline takes ({LONGEST.days}d)"
        )
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest exact "<number><unit>" spelling of a whole number of seconds."""
    seconds = int(value.total_seconds())
    for unit in ("w", "d", "h", "m"):
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def span(seconds: float) -> str:
    """A duration in words a tired person reads at a glance: ``45 s``, ``12 min``, ``3 h 05 min``."""
    seconds = abs(int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"
