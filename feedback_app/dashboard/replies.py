"""Replying to a customer from a response's page: the email goes through the outbox, the reply stays in its thread."""
from flask import flash, g, redirect, url_for
from flask_login import current_user

from feedback_app.auth.access import role_required
from feedback_app.dashboard.forms import ReplyForm
from feedback_app.dashboard.responses import response_page
from feedback_app.dashboard.routes import bp
from feedback_app.models import NotificationStatus, Role
from feedback_app.services.collection import responses
from feedback_app.services.loop import replies
from feedback_app.services.exceptions import InvalidInput


@bp.post("/app/<workspace>/responses/<int:response_id>/replies")
@role_required(Role.MEMBER)
def reply_to_customer(response_id):
    """Email the customer of a response from the logged-in member; the form shown again with its error if refused."""
    response = responses.get_response(g.workspace, response_id, with_notes=True)
    form = ReplyForm()
    if not form.validate_on_submit():
        return response_page(response.id, reply_form=form, status=422)
    try:
        reply = replies.send_reply(g.workspace, response, body=form.body.data,
                                   submission_key=form.submission_key.data, user=current_user)
    except InvalidInput as error:
        form.body.errors = [*form.body.errors, error.message]
        return response_page(response.id, reply_form=form, status=error.status)
    notification = replies.notification_of(reply)
    if notification is not None and notification.status == NotificationStatus.SKIPPED:
        flash(f"Reply kept, but not emailed: the customer cannot be emailed ({notification.skip_reason}).")
    else:
        flash("Reply queued: it is emailed to the customer from you.")
    return redirect(url_for("dashboard.response_detail", response_id=response.id))
