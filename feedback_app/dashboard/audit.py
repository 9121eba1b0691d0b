"""The audit log page (admins): who changed what and when, filterable, newest first."""
from flask import g, render_template, request, url_for
from wtforms import DateField, Form, HiddenField, SelectField
from wtforms.validators import Optional

from feedback_app.auth.access import role_required
from feedback_app.dashboard.forms import choices
from feedback_app.dashboard.routes import bp
from feedback_app.models import Role
from feedback_app.services.accounts import audit_log, workspace_settings

AUDIT_PAGE = 50


class AuditFilterForm(Form):
    """Filters read from the query string (a GET changes nothing: no CSRF)."""

    verb = SelectField("What", validators=[Optional()], validate_choice=False)
    actor = SelectField("Who", coerce=lambda v: int(v) if v not in (None, "") else None, validators=[Optional()],
                        validate_choice=False)
    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])
    cursor = HiddenField()


@bp.get("/app/<workspace>/audit")
@role_required(Role.ADMIN)
def audit():
    """Show the workspace's audit log, newest first, a page at a time."""
    form = AuditFilterForm(request.args)
    form.verb.choices = choices([("", "Everything")] + [(verb, verb) for verb in audit_log.verbs_in_use(g.workspace)])
    members = workspace_settings.list_members(g.workspace)
    form.actor.choices = choices([("", "Anybody")] + [(user.id, user.email) for user, _role in members])
    events, next_cursor, valid = [], None, form.validate()
    if valid:
        since, until = audit_log.day_bounds(form.start.data, form.end.data)
        page = audit_log.list_audit_events(g.workspace, per_page=AUDIT_PAGE, cursor=form.cursor.data or None,
                                           verb=form.verb.data or None, actor_user_id=form.actor.data,
                                           since=since, until=until)
        events, next_cursor = page.items, page.next_cursor
    older_url = url_for("dashboard.audit", **{**request.args.to_dict(), "cursor": next_cursor}) if next_cursor else None
    return render_template("dashboard/audit.html", form=form, events=events, older_url=older_url,
                           emails=audit_log.emails_of(events)), 200 if valid else 422
