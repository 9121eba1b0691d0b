"""Actions: what the team does about a theme or chosen responses, its status, and telling the customers.

Shipping an action (or "notify now") writes its customers' emails in the same transaction; the
preview shows beforehand who will get what, who is not told and why (the recipient rule), who
cannot be reached, and lets the team exclude people; afterwards, the status of each email.
The list carries the close-the-loop figures of the chosen period.
"""
from datetime import timedelta

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from feedback_app.auth.access import role_required
from feedback_app.dashboard.forms import (
    ACTION_STATUS_LABELS,
    ActionForm,
    ActionStatusForm,
    ConfirmForm,
    LinkActionForm,
    choices,
)
from feedback_app.dashboard.labels import count_of
from feedback_app.dashboard.routes import bp, flash_form_errors
from feedback_app.dashboard.settings_forms import LOCALE_NAMES
from feedback_app.models import Action, ActionStatus, Role, Theme, utcnow
from feedback_app.services.collection import responses
from feedback_app.services.insights import reports, themes
from feedback_app.services.loop import action_emails, actions, outbox, recipients
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.loop.loop_metrics import loop_metrics
from feedback_app.services.ownership import owned

PERIODS = (30, 90, 365)
PREVIEW_ROWS = 50
NOTIFICATION_ROWS = 50


@bp.get("/app/<workspace>/actions")
def actions_list():
    """List the actions, newest first, with the share of feedback told of an outcome and how fast."""
    status = request.args.get("status") or None
    if status not in {item.value for item in ACTION_STATUS_LABELS}:
        status = None
    days = request.args.get("days", type=int)
    days = days if days in PERIODS else 90
    return render_template("dashboard/actions.html", actions=actions.list_actions(g.workspace, status=status),
                           status=status, statuses=ACTION_STATUS_LABELS, days=days, periods=PERIODS,
                           metrics=loop_metrics(g.workspace, since=utcnow() - timedelta(days=days)),
                           themes={theme.id: theme for theme in themes.list_themes(g.workspace, include_hidden=True)})


def _localised_action_form(action=None):
    """Return an :class:`ActionForm` with one more public message field per language besides the default one.

    The default locale's text is ``public_message``; customers of a language left empty get it.
    """
    default = action_emails.language_of(g.workspace, None)
    others = [language for language in action_emails.LANGUAGES if language != default]
    fields = {f"public_message_{language}": TextAreaField(
        f"Public message in {LOCALE_NAMES.get(language, language)} (empty: the one above)",
        validators=[Optional(), Length(max=10_000)]) for language in others}
    form_class = type("LocalisedActionForm", (ActionForm,), fields)
    if action is None:
        form = form_class()
    else:
        form = form_class(obj=action, theme=action.theme_id, owner=action.owner_id,
                          **{f"public_message_{language}": (action.public_messages or {}).get(language, "")
                             for language in others})
    form.other_languages = others
    form.default_language = LOCALE_NAMES.get(default, default)
    return _action_form(form)


def _action_form(form):
    form.owner.choices = choices([("", "Nobody")] + reports.members_of(g.workspace))
    form.theme.choices = choices([("", "No theme")] + [(t.id, t.label) for t in themes.list_themes(g.workspace)])
    return form


def _fields(form):
    return {"title": form.title.data, "description": form.description.data or "",
            "public_message": form.public_message.data or "", "owner": form.owner.data,
            "due_date": form.due_date.data, "theme": form.theme.data,
            "public_messages": {language: form[f"public_message_{language}"].data or ""
                                for language in form.other_languages}}


def _show_errors(form, error):
    """Put the service's field problems next to the fields of the form shown again, and its message on top."""
    for name, problems in error.fields.items():
        name = name.replace("public_messages.", "public_message_")  # the service names the language
        if hasattr(form, name):
            getattr(form, name).errors = [*getattr(form, name).errors, *problems]
    flash(error.message)


@bp.route("/app/<workspace>/actions/new", methods=["GET", "POST"])
@role_required(Role.MEMBER)
def new_action():
    """Plan an action on a theme (``?theme=``) or on chosen responses (``?response=``, repeatable)."""
    form = _localised_action_form()
    if request.method == "GET":
        form.theme.data = request.args.get("theme", type=int)
        form.response_ids.data = ",".join(str(i) for i in request.args.getlist("response", type=int))
    linked = form.linked_response_ids()
    if form.validate_on_submit():
        try:
            action = actions.create_action(g.workspace, response_ids=linked, user=current_user, **_fields(form))
        except InvalidInput as error:
            _show_errors(form, error)
        else:
            flash(f"Action “{action.title}” planned.")
            return redirect(url_for("dashboard.action_detail", action_id=action.id))
    status = 422 if request.method == "POST" else 200
    return render_template("dashboard/action_form.html", form=form, action=None, linked=linked), status


@bp.get("/app/<workspace>/actions/<int:action_id>")
def action_detail(action_id):
    """Show an action: its fields and status, who would be told what, and each email's status."""
    action = owned(Action, g.workspace, action_id)
    preview_counts = actions.preview_counts(g.workspace, action)
    form = _localised_action_form(action)
    return render_template(
        "dashboard/action.html", action=action, form=form, status_form=ActionStatusForm(status=action.status.value),
        notify_form=ConfirmForm(), exclude_form=ConfirmForm(), statuses=ACTION_STATUS_LABELS,
        preview=actions.preview_notifications(g.workspace, action, limit=PREVIEW_ROWS),
        preview_counts=preview_counts, preview_total=sum(preview_counts[key] for key in actions.OUTCOMES),
        counts=actions.notification_status(g.workspace, action),
        notifications=outbox.list_notifications(g.workspace, action_id=action.id, limit=NOTIFICATION_ROWS),
        theme=owned(Theme, g.workspace, action.theme_id) if action.theme_id else None,
        direct_responses=actions.linked_response_ids(g.workspace, action),
        members=dict(reports.members_of(g.workspace)))


@bp.post("/app/<workspace>/actions/<int:action_id>")
@role_required(Role.MEMBER)
def edit_action(action_id):
    """Change an action's fields (the status changes on its own form)."""
    action = owned(Action, g.workspace, action_id)
    form = _localised_action_form()
    if form.validate_on_submit():
        try:
            actions.update_action(g.workspace, action, user=current_user, **_fields(form))
        except InvalidInput as error:
            flash(error.message)
        else:
            flash("Action saved.")
    else:
        flash_form_errors(form)
    return redirect(url_for("dashboard.action_detail", action_id=action.id))


@bp.post("/app/<workspace>/actions/<int:action_id>/status")
@role_required(Role.MEMBER)
def set_action_status(action_id):
    """Move an action to another status; shipping it writes its customers' emails."""
    action = owned(Action, g.workspace, action_id)
    form = ActionStatusForm()
    ships = form.status.data == ActionStatus.SHIPPED.value and action.status != ActionStatus.SHIPPED
    if form.validate_on_submit() and ships and request.form.get("confirmed") != "1":
        return _confirm_page(action, form, "dashboard.set_action_status")
    if form.validate_on_submit():
        before = _emails_written(action)
        try:
            actions.set_action_status(g.workspace, action, form.status.data, user=current_user)
        except InvalidInput as error:
            flash(error.message)
        else:
            flash(f"Now {ACTION_STATUS_LABELS[action.status].lower()}{_written_since(action, before)}.")
    return redirect(url_for("dashboard.action_detail", action_id=action.id))


@bp.post("/app/<workspace>/actions/<int:action_id>/notify")
@role_required(Role.MEMBER)
def notify_action(action_id):
    """Tell every customer of the action not told yet, whatever its status."""
    action = owned(Action, g.workspace, action_id)
    form = ConfirmForm()
    if form.validate_on_submit() and request.form.get("confirmed") != "1":
        return _confirm_page(action, form, "dashboard.notify_action")
    if form.validate_on_submit():
        try:
            written = actions.notify_now(g.workspace, action, user=current_user)
        except InvalidInput as error:
            flash(error.message)
        else:
            flash(f"{count_of(len(written), 'new email')} queued." if written
                  else "Everyone reachable was already notified.")
    return redirect(url_for("dashboard.action_detail", action_id=action.id))


def _confirm_page(action, form, endpoint):
    """Show who will be emailed and each language's email as the customer gets it, before anything is sent."""
    try:
        actions.require_public_message(action)
    except InvalidInput as error:
        flash(error.message)
        return redirect(url_for("dashboard.action_detail", action_id=action.id))
    preview = actions.preview_notifications(g.workspace, action, limit=PREVIEW_ROWS)
    languages = actions.emails_by_language(preview)
    emails = [(entry, actions.email_for(g.workspace, action, entry["person_id"])) for entry in languages]
    return render_template("dashboard/action_confirm.html", action=action, form=form, endpoint=endpoint,
                           counts=actions.preview_counts(g.workspace, action), emails=emails,
                           preview_size=len(preview), locale_names=LOCALE_NAMES)


@bp.get("/app/<workspace>/actions/<int:action_id>/emails/<int:person_id>")
def action_email(action_id, person_id):
    """Show the email ``person_id`` gets when the action ships, exactly as the outbox writes it."""
    action = owned(Action, g.workspace, action_id)
    return render_template("dashboard/action_email.html", action=action, person_id=person_id,
                           email=actions.email_for(g.workspace, action, person_id))


@bp.post("/app/<workspace>/actions/<int:action_id>/exclusions")
@role_required(Role.MEMBER)
def exclude_recipients(action_id):
    """Keep the ticked people out of the action's emails (``include=1``: let them back in)."""
    action = owned(Action, g.workspace, action_id)
    if ConfirmForm().validate_on_submit():
        excluded = request.form.get("include") != "1"
        try:
            recipients.set_excluded(g.workspace, action, request.form.getlist("person_id"), excluded=excluded,
                                    user=current_user)
        except InvalidInput as error:
            flash(error.message)
        else:
            flash("Excluded: they will not be emailed about this action." if excluded else "Included again.")
    return redirect(url_for("dashboard.action_detail", action_id=action.id))


@bp.post("/app/<workspace>/responses/<int:response_id>/actions")
@role_required(Role.MEMBER)
def link_response_to_action(response_id):
    """Link a response to an existing action: its customer is told when the action ships."""
    response = responses.get_response(g.workspace, response_id, with_notes=True)
    form = LinkActionForm()
    if form.validate_on_submit():
        action = owned(Action, g.workspace, form.action.data)
        actions.link_response(g.workspace, action, response, user=current_user)
        flash(f"Linked to “{action.title}”.")
    return redirect(url_for("dashboard.response_detail", response_id=response.id))


def _emails_written(action):
    """Return ``(emails to send or sent, customers skipped)`` of the action so far."""
    counts = actions.notification_status(g.workspace, action)
    return sum(counts[status] for status in ("queued", "sending", "sent", "failed")), counts["skipped"]


def _written_since(action, before):
    # Skipped customers (no address, unsubscribed...) get no email: counting them as "written" promised emails
    # to people who cannot be reached.
    (emails, skipped), (emails_before, skipped_before) = _emails_written(action), before
    words = f"; {count_of(emails - emails_before, 'customer email')} queued" if emails > emails_before else ""
    if skipped > skipped_before:
        words += f"{',' if words else ';'} {count_of(skipped - skipped_before, 'customer')} not reachable"
    return words
