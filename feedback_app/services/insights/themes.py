"""Themes as the team sees them: ranked lists, detail, and edits that later runs respect.

Every edit changes the stored links at once (so the dashboard shows it immediately) and is
also recorded on the theme rows, from which :func:`analysis_data.load_edits` builds the
``ThemeEdits`` that the next full run honours.
"""
import re

from sqlalchemy import delete, func, select, update

from feedback_app.extensions import db
from feedback_app.models import Action, LinkSource, Response, ResponseTheme, Theme, ThemeStatus
from feedback_app.services.insights.analysis_data import response_polarity
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.pages import keyset_page
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.ownership import check_owned
from feedback_app.services.transaction import transactional

MAX_LABEL = 200


def list_themes(workspace, *, include_hidden=False):
    """Return the workspace's themes, highest priority first (noise and merged ones only if asked)."""
    query = select(Theme).where(Theme.workspace_id == workspace.id)
    if not include_hidden:
        query = query.where(Theme.status == ThemeStatus.ACTIVE)
    return db.session.scalars(query.order_by(Theme.priority.desc().nulls_last(), Theme.id)).all()


def theme_detail(workspace, theme):
    """Return a theme with its representative responses and the number of linked responses."""
    check_owned(workspace, theme)
    quotes = db.session.scalars(
        select(Response).where(Response.workspace_id == workspace.id,
                               Response.id.in_(theme.representative_response_ids or []))
    ).all()
    by_polarity = dict(db.session.execute(
        select(ResponseTheme.polarity, func.count()).where(ResponseTheme.theme_id == theme.id, ResponseTheme.in_theme)
        .group_by(ResponseTheme.polarity)
    ).all())
    counts = {polarity: by_polarity.get(polarity, 0) for polarity in ("complaint", "praise", "neutral")}
    return {"theme": theme, "quotes": quotes, "response_count": sum(by_polarity.values()), "counts": counts}


@transactional
def rename_theme(workspace, theme, label, *, user=None):
    """Give ``theme`` the team's ``label``; later runs keep it.

    :raises InvalidInput: for an empty or overlong label.
    """
    check_owned(workspace, theme, what="theme")
    label = (label or "").strip()
    if not label or len(label) > MAX_LABEL:
        raise InvalidInput(f"A theme name needs 1 to {MAX_LABEL} characters.", fields={"label": ["1-200 characters"]})
    record_event("theme.renamed", workspace_id=workspace.id, user_id=getattr(user, "id", None), target=theme,
                 data={"from": theme.label, "to": label})
    theme.label, theme.label_is_custom = label, True
    return theme


@transactional
def merge_themes(workspace, keep, absorbed, *, user=None):
    """Move every response of ``absorbed`` into ``keep``; later runs keep them merged.

    :raises InvalidInput: when merging a theme into itself.
    """
    check_owned(workspace, keep, absorbed, what="theme")
    if keep.id == absorbed.id:
        raise InvalidInput("A theme cannot be merged into itself.")
    already = select(ResponseTheme.response_id).where(ResponseTheme.theme_id == keep.id)
    db.session.execute(delete(ResponseTheme).where(ResponseTheme.theme_id == absorbed.id,
                                                   ResponseTheme.response_id.in_(already)))
    db.session.execute(update(ResponseTheme).where(ResponseTheme.theme_id == absorbed.id).values(theme_id=keep.id))
    db.session.execute(update(Theme).where(Theme.merged_into_id == absorbed.id).values(merged_into_id=keep.id))
    absorbed.status, absorbed.merged_into_id = ThemeStatus.MERGED, keep.id
    keep.pinned_phrases = list(dict.fromkeys([*keep.pinned_phrases, *absorbed.pinned_phrases]))
    record_event("theme.merged", workspace_id=workspace.id, user_id=getattr(user, "id", None), target=keep,
                 data={"absorbed_id": absorbed.id})
    return keep


def merge_effect(workspace, keep, absorbed):
    """Return what :func:`merge_themes` would do: ``{"moving", "already_in", "actions"}``.

    ``moving``: responses of ``absorbed`` that join ``keep``; ``already_in``: those already in
    ``keep`` (their second link is dropped); ``actions``: actions on ``absorbed``, which then
    follow ``keep``.
    """
    check_owned(workspace, keep, absorbed, what="theme")
    in_keep = select(ResponseTheme.response_id).where(ResponseTheme.theme_id == keep.id)
    links = select(func.count()).where(ResponseTheme.theme_id == absorbed.id, ResponseTheme.in_theme)
    already_in = db.session.scalar(links.where(ResponseTheme.response_id.in_(in_keep)))
    return {"moving": db.session.scalar(links) - already_in, "already_in": already_in,
            "actions": db.session.scalar(select(func.count(Action.id)).where(Action.theme_id == absorbed.id))}


def noise_effect(workspace, theme):
    """Return what :func:`mark_theme_noise` would do: ``{"hidden", "kept_by_hand"}`` response counts.

    ``hidden``: responses the analysis put in ``theme``, which leave it; ``kept_by_hand``: those
    the team linked by hand, whose links stay.
    """
    check_owned(workspace, theme, what="theme")
    links = select(func.count()).where(ResponseTheme.theme_id == theme.id)
    return {"hidden": db.session.scalar(links.where(ResponseTheme.source == LinkSource.AUTO)),
            "kept_by_hand": db.session.scalar(links.where(ResponseTheme.source == LinkSource.MANUAL))}


@transactional
def mark_theme_noise(workspace, theme, *, user=None):
    """Declare ``theme`` noise: its responses belong to no theme, now and in later runs."""
    check_owned(workspace, theme, what="theme")
    db.session.execute(delete(ResponseTheme).where(ResponseTheme.theme_id == theme.id,
                                                   ResponseTheme.source == LinkSource.AUTO))
    theme.status = ThemeStatus.NOISE
    record_event("theme.marked_noise", workspace_id=workspace.id, user_id=getattr(user, "id", None), target=theme)
    return theme


def _phrase_pattern(phrases):
    words = [re.escape(phrase.strip().lower()) for phrase in phrases if phrase.strip()]
    return re.compile(r"\b(" + "|".join(words) + r")\b") if words else None


@transactional
def split_theme(workspace, theme, phrase_groups, *, user=None):
    """Split ``theme``: each group of phrases becomes a new theme pinned to those phrases.

    Responses of ``theme`` whose comment contains a group's phrase move to that group's
    theme; later runs put matching comments there too.

    :param phrase_groups: e.g. ``[["android", "battery"], ["iphone"]]``.
    :raises InvalidInput: without at least one non-empty group.
    """
    check_owned(workspace, theme, what="theme")
    groups = [[p.strip() for p in group if p and p.strip()] for group in phrase_groups or []]
    groups = [group for group in groups if group]
    if not groups:
        raise InvalidInput("Give at least one phrase for each new theme.", fields={"phrases": ["required"]})
    linked = db.session.execute(
        select(ResponseTheme, Response.comment).join(Response, Response.id == ResponseTheme.response_id)
        .where(ResponseTheme.theme_id == theme.id, ResponseTheme.in_theme)
    ).all()
    children = []
    for number, group in enumerate(groups, start=1):
        child = Theme(workspace_id=workspace.id, key=_free_key(workspace, f"{theme.key}.{number}"),
                      label=", ".join(group)[:MAX_LABEL], label_is_custom=True, pinned_phrases=group,
                      key_phrases=group)
        db.session.add(child)
        db.session.flush()
        children.append(child)
        pattern = _phrase_pattern(group)
        for link, comment in linked:
            if link.theme_id == theme.id and comment and pattern.search(comment.lower()):
                link.theme_id = child.id
    record_event("theme.split", workspace_id=workspace.id, user_id=getattr(user, "id", None), target=theme,
                 data={"into": [child.id for child in children]})
    return children


def _free_key(workspace, key):
    taken = set(db.session.scalars(select(Theme.key).where(Theme.workspace_id == workspace.id)))
    candidate, suffix = key, 1
    while candidate in taken:
        suffix += 1
        candidate = f"{key}-{suffix}"
    return candidate


@transactional
def move_response(workspace, response, *, from_theme=None, to_theme=None, user=None):
    """Take ``response`` out of ``from_theme`` and/or put it into ``to_theme``, for good.

    :raises NotFound: if the response or a theme belongs to another workspace.
    """
    check_owned(workspace, response)
    check_owned(workspace, *(t for t in (from_theme, to_theme) if t is not None))
    for theme, source in ((from_theme, LinkSource.EXCLUDED), (to_theme, LinkSource.MANUAL)):
        if theme is None:
            continue
        link = db.session.get(ResponseTheme, (response.id, theme.id))
        if link is None:
            db.session.add(ResponseTheme(response_id=response.id, theme_id=theme.id, workspace_id=workspace.id,
                                         source=source, polarity=response_polarity(response)))
        else:
            link.source = source
    record_event("response.moved", workspace_id=workspace.id, user_id=getattr(user, "id", None), target=response,
                 data={"from": getattr(from_theme, "id", None), "to": getattr(to_theme, "id", None)})
    return response


@transactional
def pin_phrases(workspace, theme, phrases, *, user=None):
    """Pin key phrases to ``theme``: comments containing them always belong to it."""
    check_owned(workspace, theme, what="theme")
    theme.pinned_phrases = list(dict.fromkeys(p.strip() for p in phrases if p and p.strip()))
    record_event("theme.pinned", workspace_id=workspace.id, user_id=getattr(user, "id", None), target=theme,
                 data={"phrases": theme.pinned_phrases})
    return theme


def themes_page(workspace, *, per_page=20, cursor=None):
    """Return a :class:`Page` of ``workspace``'s active themes with their response counts."""
    page = keyset_page(select(Theme).where(Theme.workspace_id == workspace.id, Theme.status == ThemeStatus.ACTIVE),
                       time_column=Theme.created_at, id_column=Theme.id, per_page=per_page, cursor=cursor)
    counts = dict(db.session.execute(
        select(ResponseTheme.theme_id, func.count(ResponseTheme.response_id))
        .where(ResponseTheme.workspace_id == workspace.id,
               ResponseTheme.theme_id.in_([theme.id for theme in page.items]),
               ResponseTheme.in_theme)
        .group_by(ResponseTheme.theme_id)).all()) if page.items else {}
    return page, counts
