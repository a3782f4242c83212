"""Incidents: declare and work them, their clocks, reminders, views and the status page."""
