"""Translate between the database and the ``analysis`` package: frames in, edits in, results out."""
import math

import pandas as pd
from sqlalchemy import select

from analysis import ThemeEdits
from analysis.recipients import polarity
from feedback_app.extensions import db
from feedback_app.models import LinkSource, Response, ResponseTheme, Survey, SurveyKind, Theme, ThemeStatus

SCALE_OF_KIND = {SurveyKind.NPS: "nps", SurveyKind.CSAT: "csat", SurveyKind.CES: "ces"}


def load_response_frame(workspace_id):
    """Return one row per response: id, text, score, scale, is_churn, created_at."""
    query = (
        select(Response.id, Response.comment, Response.score, Survey.kind, Response.created_at)
        .join(Survey, Survey.id == Response.survey_id)
        .where(Response.workspace_id == workspace_id)
        .order_by(Response.id)
    )
    rows = db.session.execute(query).all()
    frame = pd.DataFrame(rows, columns=["id", "text", "score", "kind", "created_at"])
    frame["text"] = frame["text"].fillna("").astype(str)
    frame["scale"] = frame["kind"].map(lambda kind: SCALE_OF_KIND.get(SurveyKind(kind))).astype(object)
    frame["is_churn"] = frame["kind"] == SurveyKind.CHURN_EXIT.value
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    # ``analysis`` compares against numpy datetimes, which have no time zone: naive UTC.
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).dt.tz_localize(None)
    return frame.drop(columns=["kind"])


def response_polarity(response):
    """Return "complaint", "praise" or "neutral" for a stored response (its sentiment and survey score)."""
    return polarity(response.sentiment_score, response.score, SCALE_OF_KIND.get(SurveyKind(response.survey.kind)))


def load_edits(workspace_id):
    """Return the team's edits on ``workspace_id``'s themes as :class:`analysis.ThemeEdits`."""
    themes = db.session.scalars(select(Theme).where(Theme.workspace_id == workspace_id)).all()
    by_id = {theme.id: theme for theme in themes}
    moves = {}
    links = db.session.execute(
        select(ResponseTheme.response_id, ResponseTheme.theme_id, ResponseTheme.source).where(
            ResponseTheme.workspace_id == workspace_id, ResponseTheme.source != LinkSource.AUTO
        )
    ).all()
    for response_id, theme_id, source in links:
        if source == LinkSource.MANUAL:
            moves[response_id] = by_id[theme_id].key
        else:
            moves.setdefault(response_id, None)
    return ThemeEdits(
        renames={theme.key: theme.label for theme in themes if theme.label_is_custom},
        merges=tuple(
            (by_id[theme.merged_into_id].key, theme.key)
            for theme in themes
            if theme.status == ThemeStatus.MERGED and theme.merged_into_id in by_id
        ),
        pinned_phrases={theme.key: tuple(theme.pinned_phrases) for theme in themes if theme.pinned_phrases},
        noise=frozenset(theme.key for theme in themes if theme.status == ThemeStatus.NOISE),
        moves=moves,
    )


def resolve_theme(theme, by_id):
    """Follow merges to the theme that holds ``theme``'s comments now; ``None`` for noise."""
    seen = set()
    while theme is not None and theme.status == ThemeStatus.MERGED and theme.id not in seen:
        seen.add(theme.id)
        theme = by_id.get(theme.merged_into_id)
    if theme is None or theme.status == ThemeStatus.NOISE:
        return None
    return theme


def json_safe(record):
    """Return ``record`` with NaN turned into ``None`` and numpy scalars into Python ones."""
    clean = {}
    for key, value in record.items():
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float) and math.isnan(value):
            value = None
        clean[key] = value
    return clean
