"""The triage dashboard blueprint; importing the page modules registers their views on ``bp``."""
from feedback_app.dashboard import (  # noqa: F401
    actions,
    alerts,
    analysis_settings,
    audit,
    autopilot,
    follow_ups,
    labels,
    overview,
    people,
    replies,
    responses,
    settings,
    surveys,
    themes,
    trends,
    widget_settings,
)
