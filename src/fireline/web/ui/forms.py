"""Form fields go through the API's own request schemas: the same limits, the same words."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from fireline.errors import InvalidInput

Schema = TypeVar("Schema", bound=BaseModel)


def validated(schema: type[Schema], **values: Any) -> Schema:
    """The schema built from form values; InvalidInput naming the first wrong field."""
    try:
        return schema.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "form"
        message = first["msg"].removeprefix("Value error, ")
        raise InvalidInput(f"{field}: {message}", field=field) from None
