"""Alerting: ingest alerts, group them into incidents, integrations, silences."""
