"""Chat-ops: Slack and Mattermost drive incidents through one core of commands (``/incident``),
buttons on pages, and Slack incident channels."""
