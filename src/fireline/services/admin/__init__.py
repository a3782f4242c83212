"""Administration: users, tokens, sessions, the directory and config as code."""
