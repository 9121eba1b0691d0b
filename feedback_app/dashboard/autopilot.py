"""A survey's Autopilot: its recurring schedules by channel, their frequency and their members."""
from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user

from feedback_app.auth.access import role_required
from feedback_app.dashboard.autopilot_forms import AutopilotMembersForm, AutopilotScheduleForm
from feedback_app.dashboard.routes import bp
from feedback_app.models import Role, Survey
from feedback_app.services.collection import autopilot_schedules
from feedback_app.services.exceptions import InvalidInput, NotFound
from feedback_app.services.ownership import owned

MEMBERS_SHOWN = 100


def _channel(survey, channel):
    if channel not in [str(choice) for choice in autopilot_schedules.CHANNELS] or channel not in survey.channels:
        raise NotFound("This survey has no such Autopilot channel.")
    return channel


@bp.get("/app/<workspace>/surveys/<int:survey_id>/autopilot")
def survey_autopilot(survey_id):
    """Show the survey's schedules on email and the widget, with the people next to be asked."""
    survey = owned(Survey, g.workspace, survey_id)
    channels = []
    for channel in autopilot_schedules.CHANNELS:
        if channel not in (survey.channels or ()):
            continue
        schedule = autopilot_schedules.find_schedule(g.workspace, survey, channel)
        count, members = (autopilot_schedules.schedule_members(g.workspace, schedule, limit=MEMBERS_SHOWN)
                          if schedule is not None else (0, []))
        form = AutopilotScheduleForm(obj=schedule, prefix=str(channel)) if schedule is not None else \
            AutopilotScheduleForm(prefix=str(channel), frequency_days=90)
        channels.append({"channel": str(channel), "schedule": schedule, "form": form, "count": count,
                         "members": members, "members_form": AutopilotMembersForm(prefix=f"{channel}-members")})
    return render_template("dashboard/autopilot.html", survey=survey, channels=channels)


@bp.post("/app/<workspace>/surveys/<int:survey_id>/autopilot/<channel>")
@role_required(Role.MEMBER)
def set_autopilot_schedule(survey_id, channel):
    """Create or change the survey's schedule on one channel."""
    survey = owned(Survey, g.workspace, survey_id)
    form = AutopilotScheduleForm(prefix=_channel(survey, channel))
    if form.validate_on_submit():
        autopilot_schedules.set_schedule(g.workspace, survey, channel=channel, frequency_days=form.frequency_days.data,
                                         is_active=form.is_active.data, user=current_user)
        flash(f"Autopilot on {channel}: every {form.frequency_days.data} days"
              + ("." if form.is_active.data else ", paused."))
    return redirect(url_for("dashboard.survey_autopilot", survey_id=survey.id))


@bp.post("/app/<workspace>/surveys/<int:survey_id>/autopilot/<channel>/members")
@role_required(Role.MEMBER)
def add_autopilot_members(survey_id, channel):
    """Put the listed people on the survey's schedule of one channel."""
    survey = owned(Survey, g.workspace, survey_id)
    schedule = autopilot_schedules.find_schedule(g.workspace, survey, _channel(survey, channel))
    if schedule is None:
        raise NotFound("Set this channel's schedule first.")
    form = AutopilotMembersForm(prefix=f"{channel}-members")
    if form.validate_on_submit():
        try:
            added = autopilot_schedules.enrol_emails(g.workspace, schedule, form.emails.data)
            flash(f"{added} people added to Autopilot on {channel}.")
        except InvalidInput as error:  # shown on the page, where the list can be corrected
            flash(error.message)
    return redirect(url_for("dashboard.survey_autopilot", survey_id=survey.id))
