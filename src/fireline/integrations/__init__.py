"""Adapters to the outside world's formats. Inbound: alert payloads, parsed fast with msgspec."""
