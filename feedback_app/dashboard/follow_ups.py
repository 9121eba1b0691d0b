"""Detractor follow-ups: the queue of unhappy responses awaiting a personal reply, with owner and age."""
import uuid

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from feedback_app.auth.access import role_required
from feedback_app.dashboard.forms import AssignForm, ConfirmForm, FollowUpReplyForm, choices
from feedback_app.dashboard.routes import bp
from feedback_app.models import FollowUp, NotificationStatus, Role, utcnow
from feedback_app.services.loop import follow_ups as follow_up_service
from feedback_app.services.insights import inbox, reports
from feedback_app.services.loop import replies
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.ownership import owned


@bp.get("/app/<workspace>/follow-ups")
def follow_ups():
    """List the open (or done) follow-ups, oldest first, so none is forgotten."""
    return follow_ups_page()


def follow_ups_page(*, failed_reply=None, failed_follow_up_id=None, status_code=200):
    """Render the follow-up queue; ``failed_reply`` is the reply form of ``failed_follow_up_id`` shown again."""
    status = "done" if request.args.get("status") == "done" else "open"
    after = request.args.get("after", type=int)
    rows = inbox.follow_up_queue(g.workspace, status=status, after_id=after, limit=inbox.PAGE_SIZE + 1)
    members = reports.members_of(g.workspace)
    assign_form = AssignForm()
    assign_form.assignee.choices = choices([("", "Nobody")] + members)
    next_after = rows[inbox.PAGE_SIZE - 1][0].id if len(rows) > inbox.PAGE_SIZE else None
    rows = rows[:inbox.PAGE_SIZE]
    # One form per row, each with its own key: a reply sent twice from one row is one email.
    reply_forms = {follow_up.id: FollowUpReplyForm(formdata=None, submission_key=uuid.uuid4().hex)
                   for follow_up, _ in rows}
    if failed_reply is not None and failed_follow_up_id in reply_forms:
        reply_forms[failed_follow_up_id] = failed_reply
    elif failed_reply is not None:  # done or on another page meanwhile: the error has no row to stand in
        flash(" ".join(failed_reply.body.errors) or "The reply was not sent.")
    return render_template("dashboard/follow_ups.html", rows=rows, status=status, now=utcnow(),
                           members=dict(members), assign_form=assign_form, resolve_form=ConfirmForm(),
                           next_after=next_after, reply_forms=reply_forms, failed_follow_up_id=failed_follow_up_id,
                           threads=replies.threads_of(g.workspace, [response.id for _, response in rows])), status_code


@bp.post("/app/<workspace>/follow-ups/<int:follow_up_id>/replies")
@role_required(Role.MEMBER)
def reply_to_follow_up(follow_up_id):
    """Email the customer of a follow-up from the logged-in member; the row's form shown again if refused."""
    form = FollowUpReplyForm()
    if not form.validate_on_submit():
        owned(FollowUp, g.workspace, follow_up_id, what="follow-up")  # 404 before showing a form for nothing
        return follow_ups_page(failed_reply=form, failed_follow_up_id=follow_up_id, status_code=422)
    try:
        reply = replies.reply_to_follow_up(g.workspace, follow_up_id, body=form.body.data,
                                           submission_key=form.submission_key.data, user=current_user,
                                           resolve=form.resolve.data)
    except InvalidInput as error:
        form.body.errors = [*form.body.errors, error.message]
        return follow_ups_page(failed_reply=form, failed_follow_up_id=follow_up_id, status_code=error.status)
    notification = replies.notification_of(reply)
    if notification is not None and notification.status == NotificationStatus.SKIPPED:
        flash(f"Reply kept, but not emailed: the customer cannot be emailed ({notification.skip_reason}).")
    else:
        flash("Reply queued: it is emailed to the customer from you.")
    return redirect(url_for("dashboard.follow_ups", status=request.args.get("status") or None,
                            after=request.args.get("after", type=int)))


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
    follow_up = owned(FollowUp, g.workspace, follow_up_id, what="follow-up")
    if ConfirmForm().validate_on_submit():
        follow_up_service.resolve_follow_up(g.workspace, follow_up, user=current_user)
        flash("Follow-up done.")
    return redirect(url_for("dashboard.follow_ups"))
