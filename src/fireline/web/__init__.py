"""HTTP entry points: the JSON API, ingestion routes and the UI."""
