"""Fireline: self-hosted incident management, from the first alert to the lessons learned."""

__version__ = "0.2.0"
