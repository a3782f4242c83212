"""Durations as written in config files: "30s", "5m", "2h", "1d", "1w"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from fireline.domain.durations import LONGEST, format_duration, parse_duration

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("5m", 300),
        ("2h", 7200),
        ("1d", 86400),
        ("1w", 604800),
        ("0s", 0),
        ("0w", 0),
        ("90m", 5400),
        ("36h", 129600),
        ("007m", 420),
        (" 5m ", 300),
        ("5 m", 300),
        ("\t2h\n", 7200),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "5",
        "m",
        "5x",
        "5ms",
        "5.5m",
        "-5m",
        "+5m",
        "1h30m",
        "5M",
        "5H",
        "five minutes",
        "PT5M",
        "m5",
        "5 minutes",
    ],
)
def test_parse_duration_rejects_other_spellings(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration; write a number and a unit"):
        parse_duration(text)


def test_parse_duration_error_quotes_the_input() -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration("soon")
    assert str(caught.value) == (
        "'soon' is not a duration; write a number and a unit, like 30s, 5m, 2h, 1d or 1w"
    )


@pytest.mark.parametrize("value", [5, 300, None, 1.5])
def test_parse_duration_rejects_non_strings_without_a_unit(value: object) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["99999999999999w", "1000000000d", "3651d", "522w"])
def test_parse_duration_too_large_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (1, "1s"),
        (30, "30s"),
        (59, "59s"),
        (60, "1m"),
        (90, "90s"),
        (300, "5m"),
        (3600, "1h"),
        (5400, "90m"),
        (7200, "2h"),
        (86400, "1d"),
        (90000, "25h"),
        (129600, "36h"),
        (604800, "1w"),
        (691200, "8d"),
        (1209600, "2w"),
        (3601, "3601s"),
    ],
)
def test_format_duration_is_the_shortest_exact_spelling(seconds: int, text: str) -> None:
    assert format_duration(timedelta(seconds=seconds)) == text


def test_format_duration_drops_fractions_of_a_second() -> None:
    assert format_duration(timedelta(seconds=61, milliseconds=500)) == "61s"


@given(
    number=st.integers(min_value=0, max_value=10_000_000), unit=st.sampled_from(list(UNIT_SECONDS))
)
def test_format_then_parse_round_trips(number: int, unit: str) -> None:
    assume(number * UNIT_SECONDS[unit] <= LONGEST.total_seconds())
    value = parse_duration(f"{number}{unit}")
    assert value == timedelta(seconds=number * UNIT_SECONDS[unit])
    text = format_duration(value)
    assert parse_duration(text) == value
    # The unit chosen is the largest one that divides the duration exactly.
    chosen = UNIT_SECONDS[text[-1]]
    larger = [s for s in UNIT_SECONDS.values() if s > chosen]
    seconds = int(value.total_seconds())
    assert seconds == 0 or all(seconds % s != 0 for s in larger)
