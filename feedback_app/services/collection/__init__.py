"""Collecting answers: surveys, the widget, hosted pages, email invitations, Autopilot, people, imports."""
