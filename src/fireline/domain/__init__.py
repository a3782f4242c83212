"""Pure rules: no I/O, no frameworks, only the standard library and pydantic value types."""
