"""On call: schedules, overrides, shifts and calendar feeds."""
