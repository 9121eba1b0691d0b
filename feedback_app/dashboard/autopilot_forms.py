"""Forms of a survey's Autopilot page: a schedule's frequency and state, and people to put on it."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from feedback_app.dashboard.forms import choices
from feedback_app.services.collection.autopilot_schedules import FREQUENCY_DAYS


class AutopilotScheduleForm(FlaskForm):
    """How often one channel's schedule re-asks its members, and whether it runs."""

    frequency_days = SelectField("Survey each member every", coerce=int,
                                 choices=choices((days, f"{days} days") for days in FREQUENCY_DAYS))
    is_active = BooleanField("Running", default=True)


class AutopilotMembersForm(FlaskForm):
    """Email addresses to put on a schedule, one per line."""

    emails = TextAreaField("Email addresses (one per line)", validators=[DataRequired(), Length(max=100_000)])
