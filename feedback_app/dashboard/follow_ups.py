"""Detractor follow-ups: the queue of unhappy responses awaiting a personal reply, with owner and age."""
from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from feedback_app.auth.access import role_required
from feedback_app.dashboard.forms import AssignForm, ConfirmForm, choices
from feedback_app.dashboard.routes import bp
from feedback_app.models import Role, utcnow
from feedback_app.services import follow_ups as follow_up_service
from feedback_app.services import inbox, reports


@bp.get("/app/<workspace>/follow-ups")
def follow_ups():
    """List the open (or done) follow-ups, oldest first, so none is forgotten."""
    status = "done" if request.args.get("status") == "done" else "open"
    after = request.args.get("after", type=int)
    rows = inbox.follow_up_queue(g.workspace, status=status, after_id=after, limit=inbox.PAGE_SIZE + 1)
    members = reports.members_of(g.workspace)
    assign_form = AssignForm()
    assign_form.assignee.choices = choices([("", "Nobody")] + members)
    next_after = rows[inbox.PAGE_SIZE - 1][0].id if len(rows) > inbox.PAGE_SIZE else None
    return render_template("dashboard/follow_ups.html", rows=rows[:inbox.PAGE_SIZE], status=status, now=utcnow(),
                           members=dict(members), assign_form=assign_form, resolve_form=ConfirmForm(),
                           next_after=next_after)


@bp.post("/app/<workspace>/follow-ups/<int:follow_up_id>/assignee")
@role_required(Role.MEMBER)
def assign_follow_up(follow_up_id):
    """Make a team member the owner of a follow-up."""
    form = AssignForm()
    if form.validate_on_submit():
        inbox.assign_follow_up(g.workspace, follow_up_id, form.assignee.data, user=current_user)
    return redirect(url_for("dashboard.follow_ups"))


@bp.post("/app/<workspace>/follow-ups/<int:follow_up_id>/resolve")
@role_required(Role.MEMBER)
def resolve_follow_up(follow_up_id):
    """Mark a follow-up done: the customer got their personal reply."""
    follow_up = follow_up_service.get_follow_up(g.workspace, follow_up_id)
    if ConfirmForm().validate_on_submit():
        follow_up_service.resolve_follow_up(g.workspace, follow_up, user=current_user)
        flash("Follow-up done.")
    return redirect(url_for("dashboard.follow_ups"))
