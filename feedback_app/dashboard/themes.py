"""Themes: problems by complaints under parent themes, praise apart, detail, and the team's edits."""
from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from feedback_app.auth.access import role_required
from feedback_app.dashboard import charts
from feedback_app.dashboard.forms import (
    ConfirmForm,
    MergeThemeForm,
    MoveResponseForm,
    RenameThemeForm,
    SplitThemeForm,
    choices,
)
from feedback_app.dashboard.routes import bp, flash_form_errors
from feedback_app.models import Role, Theme
from feedback_app.services.collection import responses
from feedback_app.services.insights import reports, theme_reports, themes
from feedback_app.services.loop import actions
from feedback_app.services.ownership import owned


@bp.get("/app/<workspace>/themes")
def themes_list():
    """List the problems, most complaints first, grouped under parent themes; then what customers love."""
    split = theme_reports.problems_and_praise(g.workspace)
    items = [item for group in split["problems"] for item in group["items"]] + split["praise"]
    theme_ids = [item["theme"].id for item in items]
    volumes = theme_reports.weekly_volumes(g.workspace, theme_ids)
    parent_volumes = theme_reports.weekly_volumes(g.workspace, theme_ids, by_parent=True)

    def figures(scores, weekly):
        return {"scores": scores, "why": theme_reports.explain(scores), "sparkline": charts.sparkline(weekly),
                "weekly": weekly}

    def row(item):
        theme = item["theme"]
        return {"theme": theme, "counts": item["counts"], **figures(theme.scores or {}, volumes.get(theme.id, []))}

    problems = [{"parent": group["parent"], "counts": group["counts"], "rows": [row(item) for item in group["items"]],
                 **(figures(group["parent"].scores or {}, parent_volumes.get(group["parent"].key, []))
                    if group["parent"] else {})}
                for group in split["problems"]]
    return render_template("dashboard/themes.html", problems=problems, praise=[row(item) for item in split["praise"]])


@bp.get("/app/<workspace>/themes/<int:theme_id>")
def theme_detail(theme_id):
    """Show a theme: quotes, score distribution, segment breakdown, linked actions and edit forms."""
    theme = owned(Theme, g.workspace, theme_id)
    segment_key = (request.args.get("segment_key") or "plan")[:64]
    others = [t for t in themes.list_themes(g.workspace) if t.id != theme.id]
    merge_form = MergeThemeForm()
    merge_form.absorbed.choices = choices((t.id, t.label) for t in others)
    move_form = MoveResponseForm()
    # "No theme" last, under the page's required "Move to…" placeholder: first, it made a click on Move take the
    # response out of the theme unasked.
    move_form.to_theme.choices = choices([(t.id, t.label) for t in others] + [("none", "No theme (take it out)")])
    return render_template(
        "dashboard/theme.html", detail=themes.theme_detail(g.workspace, theme), theme=theme,
        why=theme_reports.explain(theme.scores or {}), segment_key=segment_key,
        breakdown=theme_reports.theme_breakdown(g.workspace, theme, segment_key=segment_key),
        segment_keys=reports.segment_keys(g.workspace),
        linked_actions=actions.list_actions(g.workspace, theme_id=theme.id),
        responses=theme_reports.theme_responses(g.workspace, theme), rename_form=RenameThemeForm(label=theme.label),
        merge_form=merge_form, split_form=SplitThemeForm(), move_form=move_form, noise_form=ConfirmForm(),
    )


def _to_theme(theme_id):
    return redirect(url_for("dashboard.theme_detail", theme_id=theme_id))


@bp.post("/app/<workspace>/themes/<int:theme_id>/rename")
@role_required(Role.MEMBER)
def rename_theme(theme_id):
    """Rename a theme; later analysis runs keep the name."""
    theme = owned(Theme, g.workspace, theme_id)
    form = RenameThemeForm()
    if form.validate_on_submit():
        themes.rename_theme(g.workspace, theme, form.label.data, user=current_user)
    else:
        flash_form_errors(form)
    return _to_theme(theme_id)


@bp.post("/app/<workspace>/themes/<int:theme_id>/merge")
@role_required(Role.MEMBER)
def merge_theme(theme_id):
    """Merge another theme into this one."""
    keep = owned(Theme, g.workspace, theme_id)
    form = MergeThemeForm()
    if form.validate_on_submit():
        absorbed = owned(Theme, g.workspace, form.absorbed.data)
        if request.form.get("confirmed") != "1":
            return render_template("dashboard/theme_confirm.html", theme=keep, absorbed=absorbed, form=form,
                                   effect=themes.merge_effect(g.workspace, keep, absorbed))
        themes.merge_themes(g.workspace, keep, absorbed, user=current_user)
        flash(f"Merged “{absorbed.label}” into “{keep.label}”.")
    else:
        flash_form_errors(form)
    return _to_theme(theme_id)


@bp.post("/app/<workspace>/themes/<int:theme_id>/split")
@role_required(Role.MEMBER)
def split_theme(theme_id):
    """Split a theme into new themes pinned to groups of phrases."""
    theme = owned(Theme, g.workspace, theme_id)
    form = SplitThemeForm()
    if form.validate_on_submit():
        children = themes.split_theme(g.workspace, theme, form.phrase_groups(), user=current_user)
        flash(f"Split into {len(children)} new themes.")
    else:
        flash_form_errors(form)
    return _to_theme(theme_id)


@bp.post("/app/<workspace>/themes/<int:theme_id>/noise")
@role_required(Role.MEMBER)
def mark_theme_noise(theme_id):
    """Mark a theme as noise: its responses belong to no theme, now and later."""
    theme = owned(Theme, g.workspace, theme_id)
    form = ConfirmForm()
    if form.validate_on_submit() and request.form.get("confirmed") != "1":
        return render_template("dashboard/theme_confirm.html", theme=theme, absorbed=None, form=form,
                               effect=themes.noise_effect(g.workspace, theme))
    if form.validate_on_submit():
        themes.mark_theme_noise(g.workspace, theme, user=current_user)
        flash(f"“{theme.label}” is marked as noise.")
    return redirect(url_for("dashboard.themes_list"))


@bp.post("/app/<workspace>/themes/<int:theme_id>/move")
@role_required(Role.MEMBER)
def move_response(theme_id):
    """Take a response out of this theme, optionally into another one."""
    theme = owned(Theme, g.workspace, theme_id)
    form = MoveResponseForm()
    if form.validate_on_submit():
        response = responses.get_response(g.workspace, form.response_id.data, with_notes=True)
        to_theme = owned(Theme, g.workspace, form.to_theme.data) if form.to_theme.data else None
        themes.move_response(g.workspace, response, from_theme=theme, to_theme=to_theme, user=current_user)
        flash(f"Response moved to “{to_theme.label}”." if to_theme else f"Response taken out of “{theme.label}”.")
    else:
        flash_form_errors(form)
    return _to_theme(theme_id)
