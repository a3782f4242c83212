"""Paging: escalation, deliveries, announcements and acknowledge links."""
