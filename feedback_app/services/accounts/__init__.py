"""Workspaces and their team: members, settings, API keys, password resets, invitations, the audit log."""
