"""analyze_feedback: the full run (sentiment, themes with stable keys, theme scores, metrics)."""

import numpy as np
import pandas as pd
from sklearn.base import clone

from ._validation import check_frame
from .metrics import metrics_over_time
from .recipients import MIN_CONFIDENCE, notify_decision, other_confidences, polarities
from .results import AnalysisResult, ThemeEdits
from .scoring import theme_scores
from .sentiment import SentimentScorer
from .themes import ThemeClusterer


def _scoring_frame(frame, sentiment):
    n = len(frame)
    out = pd.DataFrame(index=frame.index)
    out["created_at"] = (pd.to_datetime(frame["created_at"]) if "created_at" in frame
                         else pd.Timestamp("1970-01-01"))
    out["score"] = (pd.to_numeric(frame["score"], errors="coerce") if "score" in frame
                    else np.full(n, np.nan))
    out["scale"] = frame["scale"].astype(object) if "scale" in frame else None
    out["sentiment_score"] = sentiment["sentiment_score"].to_numpy()
    out["is_churn"] = (frame["is_churn"].fillna(False).astype(bool) if "is_churn" in frame
                       else False)
    return out


def analyze_feedback(frame, *, n_themes=None, edits=None, previous_state=None, random_state=0,
                     text_column="text", id_column=None, freq="W", theme_model=None,
                     sentiment_scorer=None, n_jobs=None, min_confidence=MIN_CONFIDENCE):
    """Run the whole analysis on a frame of responses.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per response. Required: ``text_column``. Optional: ``created_at``,
        ``score`` and ``scale`` ("nps"/"csat"/"ces"), ``is_churn`` (bool).
    n_themes : int, default=None
        Number of themes; None chooses it automatically.
    edits : ThemeEdits, default=None
        Team edits to respect.
    previous_state : dict, default=None
        ``model_state`` of the previous run; matched themes keep their key and label.
    random_state : int, default=0
    text_column : str, default="text"
    id_column : str, default=None
        Column of response ids used by ``edits.moves``; the frame index when None.
    freq : {"D", "W", "M"}, default="W"
        Period of the metrics table.
    theme_model : ThemeClusterer, default=None
        Configured (unfitted) model to use instead of the default; ``n_themes``, ``edits``,
        ``previous_state`` and ``random_state`` are set on a clone of it.
    sentiment_scorer : SentimentScorer, default=None
    n_jobs : int, default=None
        Processes for the steps of large runs that read each comment in Python (lemmatising
        for themes, sentiment scoring); results do not depend on it.
    min_confidence : float, default=analysis.recipients.MIN_CONFIDENCE
        Membership confidence from which a complaint's customer is told (``recipients``).

    Returns
    -------
    AnalysisResult
        ``sentiment`` also holds ``polarity`` (complaint / praise / neutral) and
        ``recipients`` the :func:`analysis.recipients.notify_decision` of each row for its
        primary theme.
    """
    check_frame(frame, [text_column] + ([id_column] if id_column else []))
    if edits is not None and not isinstance(edits, ThemeEdits):
        raise TypeError(f"edits must be a ThemeEdits, got {type(edits).__name__}")
    texts = frame[text_column]
    model = clone(theme_model) if theme_model is not None else ThemeClusterer()
    model.set_params(n_themes=n_themes, edits=edits, reference=previous_state,
                     random_state=random_state, **({} if n_jobs is None else {"n_jobs": n_jobs}))
    ids = frame[id_column].tolist() if id_column else frame.index.tolist()
    model.fit(texts, ids=ids)
    scorer = sentiment_scorer if sentiment_scorer is not None else SentimentScorer(n_jobs=n_jobs)
    scorer = scorer.fit()
    # The theme step embedded every comment already; the scorer reuses them when it uses the same model.
    vectors = model.__dict__.pop("fit_vectors_", None)
    same = (getattr(model.encoder_, "embedder", None) is not None and getattr(scorer, "embedder_", None) is not None
            and type(model.encoder_.embedder) is type(scorer.embedder_))
    embeddings = vectors if same else None
    if "score" in frame and "scale" in frame:
        scales = [s if isinstance(s, str) else None for s in frame["scale"]]
        sentiment = scorer.transform(texts, scores=frame["score"], scale=scales, embeddings=embeddings)
    else:
        sentiment = scorer.transform(texts, embeddings=embeddings)
    del vectors, embeddings
    themes = tuple(model.themes_)
    memberships = tuple(tuple(themes[t].key for t in m) for m in model.memberships_)
    confidences = tuple(tuple(round(float(c), 4) for c in row) for row in model.confidences_)
    scoring_frame = _scoring_frame(frame, sentiment)
    sentiment = sentiment.copy()
    sentiment["polarity"] = polarities(scoring_frame["sentiment_score"], scoring_frame["score"],
                                       scoring_frame["scale"])
    scoring_frame["polarity"] = sentiment["polarity"].to_numpy()
    scores = theme_scores(scoring_frame, memberships, themes=themes)
    parents = tuple(model.parents_)
    parent_scores = theme_scores(scoring_frame, _parent_memberships(themes, memberships),
                                 themes={parent.key: parent.label for parent in parents})
    metrics = metrics_over_time(scoring_frame, freq=freq)
    decisions = [notify_decision(v, row[0] if row else None, s, c if isinstance(c, str) else None,
                                 min_confidence=min_confidence, other_confidence=other)
                 for v, row, other, s, c in zip(scoring_frame["sentiment_score"], confidences,
                                                other_confidences(confidences),
                                                scoring_frame["score"], scoring_frame["scale"])]
    recipients = pd.DataFrame({"notify": [d[0] for d in decisions], "reason": [d[1] for d in decisions]},
                              index=frame.index)
    return AnalysisResult(sentiment=sentiment, model_state=model.to_state(), themes=themes,
                          memberships=memberships, scores=scores, metrics=metrics,
                          parents=parents, confidences=confidences, recipients=recipients,
                          parent_scores=parent_scores)


def _parent_memberships(themes, memberships):
    """Return the parent keys of each comment's themes, each once, in the order of its themes."""
    parent_of = {theme.key: getattr(theme, "parent_key", "") for theme in themes}
    return tuple(tuple(dict.fromkeys(parent_of[key] for key in row if parent_of.get(key))) for row in memberships)
