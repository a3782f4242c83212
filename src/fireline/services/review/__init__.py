"""Review: postmortems, follow-ups, similar incidents and metrics reports."""
