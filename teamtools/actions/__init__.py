"""The only code that changes team-tool state (same rules as ``conversations.actions``)."""
