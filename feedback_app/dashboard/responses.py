"""Responses inbox: filters, keyset pages, a response's detail with tags, notes and assignee; export."""
import uuid
from datetime import timedelta

from flask import Response as HttpResponse
from flask import abort, flash, g, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user

from feedback_app.auth.access import role_required
from feedback_app.dashboard.forms import (
    AssignForm,
    InboxFilterForm,
    LinkActionForm,
    NoteForm,
    ReplyForm,
    TagForm,
    UntagForm,
    choices,
)
from feedback_app.dashboard.routes import bp
from feedback_app.models import Role
from feedback_app.services.collection import responses as response_records
from feedback_app.services.insights import inbox, reports
from feedback_app.services.loop import actions, replies


def read_inbox_filters(form):
    """Return :class:`inbox.InboxFilters` from a validated inbox filter form."""
    end = form.end.data or reports.utc_today()
    # The inbox shows everything by default; the overview's 30 days would hide older responses.
    start = form.start.data or end - timedelta(days=reports.MAX_DAYS - 1)
    report = reports.make_filters(
        start=start, end=end, survey_id=form.survey.data, channel=form.channel.data or None,
        segment_key=(form.segment_key.data or "").strip() or None,
        segment_value=(form.segment_value.data or "").strip() or None,
    )
    return inbox.make_inbox_filters(report, score_group=form.score_group.data, sentiment=form.sentiment.data,
                                    theme_id=form.theme.data, tag=form.tag.data, q=form.q.data,
                                    assignee_id=form.assignee.data)


def _filter_form():
    form = InboxFilterForm(request.args)
    form.set_surveys(reports.survey_choices(g.workspace))
    return form


@bp.get("/app/<workspace>/responses")
def responses():
    """List the responses matching the filters, newest first, a page at a time."""
    form = _filter_form()
    if not form.validate():
        return render_template("dashboard/responses.html", form=form, page=None), 422
    filters = read_inbox_filters(form)
    page = inbox.list_responses(g.workspace, filters, after=form.after.data or None)
    themes = inbox.themes_of(g.workspace, [response.id for response in page.items])
    return render_template("dashboard/responses.html", form=form, page=page, filters=filters, themes=themes,
                           members=dict(reports.members_of(g.workspace)), score_group_of=inbox.score_group_of,
                           segment_keys=reports.segment_keys(g.workspace))


@bp.get("/app/<workspace>/responses/export.csv")
def export_responses():
    """Download every response matching the filters as CSV (formula-safe)."""
    form = _filter_form()
    if not form.validate():
        abort(422, "; ".join(f"{name}: {', '.join(errors)}" for name, errors in form.errors.items()))
    chunks = inbox.export_csv(g.workspace, read_inbox_filters(form))
    first = next(chunks)  # raises NotFound before any byte is sent for another workspace's ids

    def generate():
        yield first
        yield from chunks

    filename = f"responses-{g.workspace.slug}.csv"
    return HttpResponse(stream_with_context(generate()), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/app/<workspace>/responses/<int:response_id>")
def response_detail(response_id):
    """Show one response with its tags, notes, themes and assignee."""
    return response_page(response_id)


def response_page(response_id, *, reply_form=None, status=200):
    """Render a response's page; ``reply_form`` is a reply form to show again with its errors."""
    response = response_records.get_response(g.workspace, response_id, with_notes=True)
    members = reports.members_of(g.workspace)
    assign_form = AssignForm(assignee=response.assignee_id)
    assign_form.assignee.choices = choices([("", "Nobody")] + members)
    response_actions = actions.list_actions(g.workspace, response_id=response.id)
    linked = {action.id for action in response_actions}
    link_action_form = LinkActionForm()
    link_action_form.action.choices = choices((action.id, action.title) for action in actions.list_actions(g.workspace)
                                              if action.id not in linked)
    return render_template("dashboard/response.html", response=response, tag_form=TagForm(),
                           untag_form=UntagForm(), note_form=NoteForm(), assign_form=assign_form,
                           members=dict(members),
                           themes=inbox.themes_of(g.workspace, [response.id]).get(response.id, []),
                           group=inbox.score_group_of(response.survey.kind, response.score),
                           response_actions=response_actions, link_action_form=link_action_form,
                           reply_form=reply_form or ReplyForm(submission_key=uuid.uuid4().hex),
                           replies=replies.replies_of(g.workspace, response)), status


def _back(response_id):
    return redirect(url_for("dashboard.response_detail", response_id=response_id))


def _form_errors(form):
    for name, errors in form.errors.items():
        for error in errors:
            flash(f"{getattr(form, name).label.text}: {error}" if hasattr(form, name) else error)


@bp.post("/app/<workspace>/responses/<int:response_id>/tags")
@role_required(Role.MEMBER)
def tag_response(response_id):
    """Add a tag to a response."""
    form = TagForm()
    if form.validate_on_submit():
        inbox.tag_response(g.workspace, response_id, form.name.data, user=current_user)
    else:
        response_records.get_response(g.workspace, response_id, with_notes=True)
        _form_errors(form)
    return _back(response_id)


@bp.post("/app/<workspace>/responses/<int:response_id>/tags/remove")
@role_required(Role.MEMBER)
def untag_response(response_id):
    """Remove a tag from a response."""
    form = UntagForm()
    if form.validate_on_submit():
        inbox.untag_response(g.workspace, response_id, form.name.data, user=current_user)
    else:
        response_records.get_response(g.workspace, response_id, with_notes=True)
        _form_errors(form)
    return _back(response_id)


@bp.post("/app/<workspace>/responses/<int:response_id>/notes")
@role_required(Role.MEMBER)
def add_note(response_id):
    """Add a team note to a response."""
    form = NoteForm()
    if form.validate_on_submit():
        inbox.add_note(g.workspace, response_id, form.text.data, user=current_user)
    else:
        response_records.get_response(g.workspace, response_id, with_notes=True)
        _form_errors(form)
    return _back(response_id)


@bp.post("/app/<workspace>/responses/<int:response_id>/assignee")
@role_required(Role.MEMBER)
def assign_response(response_id):
    """Make a team member responsible for a response."""
    form = AssignForm()
    if form.validate_on_submit():
        inbox.assign_response(g.workspace, response_id, form.assignee.data, user=current_user)
    else:
        response_records.get_response(g.workspace, response_id, with_notes=True)
        _form_errors(form)
    return _back(response_id)
