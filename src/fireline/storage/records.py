"""Frozen values the repositories hand out instead of ORM rows.

A service reads a record, decides what changes, and calls the repository's
write method with the new values: no row is changed behind the session's back.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Record = TypeVar("Record", bound="DataclassInstance")


def record_of(kind: type[Record], row: Any) -> Record:
    """The record of a row: each of the record's fields read from the attribute of that name."""
    return kind(**{f.name: getattr(row, f.name) for f in fields(kind)})
