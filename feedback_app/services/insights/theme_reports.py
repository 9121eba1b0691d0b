"""Read models of the themes pages: complaints apart from praise, parent groups, sparklines, figures, breakdowns."""
from collections import Counter, defaultdict
from datetime import timedelta

from sqlalchemy import func, literal, select

from analysis.scales import SCALES as SCORE_SCALES
from feedback_app.extensions import db
from feedback_app.models import ParentTheme, Polarity, Response, ResponseTheme, Survey, SurveyKind, Theme
from feedback_app.services.insights import reports, themes
from feedback_app.services.ownership import check_owned

SPARKLINE_WEEKS = 12
SCALES = {SurveyKind(kind): range(scale.low, scale.high + 1) for kind, scale in SCORE_SCALES.items()}
NPS = SCORE_SCALES["nps"]


def _linked(theme_ids):
    return (ResponseTheme.theme_id.in_(theme_ids), ResponseTheme.in_theme)


def polarity_counts(workspace, theme_ids):
    """Return ``{theme id: {"complaint": n, "praise": n, "neutral": n}}`` of the responses in each theme.

    Links the analysis has not classified yet (made before migration 0008) count in none of them.
    """
    counts = {theme_id: dict.fromkeys(Polarity, 0) for theme_id in theme_ids}
    if not theme_ids:
        return counts
    rows = db.session.execute(
        select(ResponseTheme.theme_id, ResponseTheme.polarity, func.count())
        .where(*_linked(theme_ids), ResponseTheme.workspace_id == workspace.id, ResponseTheme.polarity.is_not(None))
        .group_by(ResponseTheme.theme_id, ResponseTheme.polarity)
    ).all()
    for theme_id, polarity, count in rows:
        if polarity in counts[theme_id]:
            counts[theme_id][polarity] += count
    return {theme_id: {str(key): value for key, value in found.items()} for theme_id, found in counts.items()}


def parent_counts(workspace, theme_ids):
    """Return ``{parent key: {"complaint", "praise", "neutral", "responses"}}`` over ``theme_ids``' responses.

    Each response counts once per parent, even when it belongs to several of its themes (the
    analysis puts a comment in every theme close enough to it).
    """
    counts = {}
    if not theme_ids:
        return counts
    rows = db.session.execute(
        select(Theme.parent_key, ResponseTheme.polarity, func.count(ResponseTheme.response_id.distinct()))
        .join(Theme, Theme.id == ResponseTheme.theme_id)
        .where(*_linked(theme_ids), ResponseTheme.workspace_id == workspace.id, Theme.parent_key.is_not(None))
        .group_by(Theme.parent_key, ResponseTheme.polarity)
    ).all()
    for parent_key, polarity, count in rows:
        found = counts.setdefault(parent_key, {**dict.fromkeys(map(str, Polarity), 0), "responses": 0})
        if polarity in found:
            found[polarity] += count
    distinct = db.session.execute(
        select(Theme.parent_key, func.count(ResponseTheme.response_id.distinct()))
        .join(Theme, Theme.id == ResponseTheme.theme_id)
        .where(*_linked(theme_ids), ResponseTheme.workspace_id == workspace.id, Theme.parent_key.is_not(None))
        .group_by(Theme.parent_key)
    ).all()
    for parent_key, count in distinct:
        counts.setdefault(parent_key, {**dict.fromkeys(map(str, Polarity), 0), "responses": 0})["responses"] = count
    return counts


def is_praise(counts):
    """Return whether a theme with ``counts`` (see :func:`polarity_counts`) is mostly praise."""
    return counts["praise"] > counts["complaint"]


def problems_and_praise(workspace):
    """Return the active themes split in two: problems grouped under their parents, and praise.

    :return: ``{"problems": [group], "praise": [item]}``. An item is ``{"theme", "counts"}``; a
        group is ``{"parent"`` (a :class:`ParentTheme`, or ``None`` for a theme without one),
        ``"counts"`` (of its distinct responses, see :func:`parent_counts`), ``"items"}``. A theme is a
        problem unless it has more praise than complaints. Problems and groups are ranked by
        complaints, then priority; praise by praise.
    """
    ranked = themes.list_themes(workspace)  # by priority: ties keep that order below
    counts = polarity_counts(workspace, [theme.id for theme in ranked])
    parents = {parent.key: parent for parent in db.session.scalars(
        select(ParentTheme).where(ParentTheme.workspace_id == workspace.id))}
    items = [{"theme": theme, "counts": counts[theme.id]} for theme in ranked]
    praise = sorted((item for item in items if is_praise(item["counts"])), key=lambda item: -item["counts"]["praise"])
    problem_items = sorted((item for item in items if not is_praise(item["counts"])),
                           key=lambda item: -item["counts"]["complaint"])
    by_parent = parent_counts(workspace, [item["theme"].id for item in problem_items
                                          if item["theme"].parent_key in parents])
    groups = {}
    for item in problem_items:
        parent = parents.get(item["theme"].parent_key)
        group = groups.setdefault(parent.key if parent else f"theme-{item['theme'].id}", {
            "parent": parent, "items": [],
            "counts": by_parent.get(parent.key) if parent else {**item["counts"], "responses": None}})
        group["items"].append(item)
    problems = sorted(groups.values(), key=lambda group: -group["counts"]["complaint"])
    return {"problems": problems, "praise": praise}


def worst_problems(workspace, *, limit=5):
    """Return the ``limit`` themes with the most complaints (none that are mostly praise), as items."""
    split = problems_and_praise(workspace)
    items = [item for group in split["problems"] for item in group["items"] if item["counts"]["complaint"] > 0]
    return sorted(items, key=lambda item: -item["counts"]["complaint"])[:limit]


def most_loved(workspace, *, limit=5):
    """Return the ``limit`` themes customers praise most (more praise than complaints), as items."""
    return problems_and_praise(workspace)["praise"][:limit]


def weekly_volumes(workspace, theme_ids, *, by_parent=False, weeks=SPARKLINE_WEEKS, today=None):
    """Return ``{theme id: [responses per week]}`` over the last ``weeks`` weeks, oldest first.

    :param by_parent: ``{parent key: [...]}`` instead, each response counted once per parent.
    """
    if not theme_ids:
        return {}
    today = today or reports.utc_today()
    first_week = reports.period_start(today, "week") - timedelta(weeks=weeks - 1)
    day = reports.day_bucket(ResponseTheme.created_at).label("day")
    key = Theme.parent_key if by_parent else ResponseTheme.theme_id
    query = (select(key, day, func.count(ResponseTheme.response_id.distinct()))
             .where(*_linked(theme_ids), ResponseTheme.workspace_id == workspace.id,
                    ResponseTheme.created_at >= reports.day_start(first_week))
             .group_by(key, day))
    if by_parent:
        query = query.join(Theme, Theme.id == ResponseTheme.theme_id).where(Theme.parent_key.is_not(None))
    volumes = {} if by_parent else {theme_id: [0] * weeks for theme_id in theme_ids}
    for found, day_value, count in db.session.execute(query).all():
        index = (reports.period_start(reports.as_date(day_value), "week") - first_week).days // 7
        if 0 <= index < weeks:
            volumes.setdefault(found, [0] * weeks)[index] += count
    return volumes


def explain(scores):
    """Return ``{figure: sentence}`` saying what each of a theme's figures means, for hover text."""
    def pct(value):
        return "–" if value is None else f"{value:.0%}"

    explained = {
        "volume": f"{scores.get('volume', 0)} responses mention it, {pct(scores.get('share'))} of all comments.",
        "trend": "Trend: share of comments this period vs the one before "
                 f"({pct(scores.get('share_previous'))} → {pct(scores.get('share'))})"
                 + (f", p={scores['trend_p_value']:.3f}" if scores.get("trend_p_value") is not None else "") + ".",
        "sentiment": "Mean sentiment of its comments, from -1 (very negative) to +1 (very positive).",
        "nps_impact": "NPS points the workspace would gain without these responses "
                      "(NPS of everyone minus NPS of everyone else); negative means it drags the score down.",
        "churn_share": "Share of churn-exit answers that mention it.",
        "priority": scores.get("explanation") or "Priority 0-100 from share, negativity, NPS cost, churn and trend.",
    }
    return explained


def theme_breakdown(workspace, theme, *, segment_key=None):
    """Return the score distribution of a theme's responses and its breakdown by one person property.

    :param segment_key: the property to break down by (e.g. ``plan``); ``None`` skips it.
    :raises NotFound: if ``theme`` is not in ``workspace``.
    """
    check_owned(workspace, theme)
    kinds = dict(db.session.execute(select(Survey.id, Survey.kind).where(Survey.workspace_id == workspace.id)).all())
    linked = (Response.workspace_id == workspace.id, Response.id == ResponseTheme.response_id, *_linked([theme.id]))
    # One scan for both figures: grouped by survey, score and segment value, then summed here.
    value = Response.properties[segment_key].as_string() if segment_key else literal(None)
    rows = db.session.execute(
        select(Response.survey_id, Response.score, value.label("value"), func.count()).where(*linked)
        .group_by(Response.survey_id, Response.score, value)
    ).all()
    distribution = defaultdict(Counter)
    by_segment = defaultdict(lambda: {"count": 0, "promoters": 0, "detractors": 0, "n_nps": 0})
    for survey_id, score, seg_value, count in rows:
        kind = kinds.get(survey_id)
        if score is not None and kind in SCALES:
            distribution[kind][score] += count
        segment = by_segment[seg_value]
        segment["count"] += count
        if kind == SurveyKind.NPS and score is not None:
            segment["n_nps"] += count
            segment["promoters"] += count if score >= NPS.good[0] else 0
            segment["detractors"] += count if score <= NPS.bad[1] else 0
    histograms = [{"kind": kind.value, "bars": [{"score": s, "count": distribution[kind][s]} for s in SCALES[kind]],
                   "max": max(distribution[kind].values())} for kind in SCALES if distribution.get(kind)]
    segments = []
    if segment_key:
        ranked = sorted(by_segment.items(), key=lambda item: -item[1]["count"])[:20]
        segments = [{"value": seg_value, "count": seg["count"],
                     "nps": reports.nps_from_counts(seg["promoters"], seg["detractors"], seg["n_nps"])}
                    for seg_value, seg in ranked]
    return {"histograms": histograms, "segments": segments}


def theme_responses(workspace, theme, *, limit=20):
    """Return the latest responses linked to ``theme`` (for moving them between themes)."""
    return db.session.scalars(
        select(Response).join(ResponseTheme, ResponseTheme.response_id == Response.id)
        .where(Response.workspace_id == workspace.id, *_linked([theme.id]))
        .order_by(Response.created_at.desc(), Response.id.desc()).limit(limit)
    ).all()
