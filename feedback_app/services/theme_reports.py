"""Read models of the themes pages: weekly volume sparklines, explained figures, breakdowns."""
from collections import Counter, defaultdict
from datetime import timedelta

from sqlalchemy import func, literal, select

from feedback_app.extensions import db
from feedback_app.models import Response, ResponseTheme, Survey, SurveyKind
from feedback_app.services import reports
from feedback_app.services.exceptions import NotFound

SPARKLINE_WEEKS = 12
SCALES = {SurveyKind.NPS: range(0, 11), SurveyKind.CSAT: range(1, 6), SurveyKind.CES: range(1, 8)}


def _linked(theme_ids):
    return (ResponseTheme.theme_id.in_(theme_ids), ResponseTheme.in_theme)


def weekly_volumes(workspace, theme_ids, *, weeks=SPARKLINE_WEEKS, today=None):
    """Return ``{theme id: [responses per week]}`` over the last ``weeks`` weeks, oldest first."""
    if not theme_ids:
        return {}
    today = today or reports.utc_today()
    first_week = reports.period_start(today, "week") - timedelta(weeks=weeks - 1)
    day = reports.day_bucket(ResponseTheme.created_at).label("day")
    rows = db.session.execute(
        select(ResponseTheme.theme_id, day, func.count())
        .where(*_linked(theme_ids), ResponseTheme.workspace_id == workspace.id,
               ResponseTheme.created_at >= reports.day_start(first_week))
        .group_by(ResponseTheme.theme_id, day)
    ).all()
    volumes = {theme_id: [0] * weeks for theme_id in theme_ids}
    for theme_id, day_value, count in rows:
        index = (reports.period_start(reports.as_date(day_value), "week") - first_week).days // 7
        if 0 <= index < weeks:
            volumes[theme_id][index] += count
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
    if theme.workspace_id != workspace.id:
        raise NotFound("No such theme.")
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
            segment["promoters"] += count if score >= 9 else 0
            segment["detractors"] += count if score <= 6 else 0
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
