"""Per-comment polarity (complaint / praise / neutral) and the one rule for who is told when an action ships."""

import math

import numpy as np

from .sentiment import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD

COMPLAINT, PRAISE, NEUTRAL = "complaint", "praise", "neutral"
POLARITIES = (COMPLAINT, PRAISE, NEUTRAL)
# Reasons returned with each decision, worded for the app to show as they are.
REASON_COMPLAINED = "complained"
REASON_PRAISED = "praised this"
REASON_NEUTRAL = "neutral"
REASON_WEAK_MATCH = "weak match"
REASON_OTHER_THEME = "closer to another theme"
# Default minimum membership confidence for telling a customer: the comment is at least as typical
# of the theme as the theme's median member, and most of its nearest fitted comments are in the theme
# (analysis.theme_state.membership_confidence). Both are read on the theme's own members, so 0.5 means
# the same in a tight theme and a loose one. Chosen on that principle, not tuned: precision rises only
# slowly with it on both dev sets (bench/eval_analysis.py prints the curve).
MIN_CONFIDENCE = 0.5

# Low and high survey scores per scale, inclusive: NPS detractors 0-6 and promoters 9-10,
# CSAT 1-2 and 4-5, CES (1-7, higher is easier) below and above its neutral 4 (the zero of
# sentiment.score_to_polarity).
LOW_SCORES = {"nps": (0, 6), "csat": (1, 2), "ces": (1, 3)}
HIGH_SCORES = {"nps": (9, 10), "csat": (4, 5), "ces": (5, 7)}


def _band(score, scale):
    """Return "low", "high" or None for one survey score on ``scale``."""
    if score is None or scale is None or scale not in LOW_SCORES:
        return None
    try:
        value = float(score)
    except (TypeError, ValueError):
        return None
    if math.isnan(value):
        return None
    low, high = LOW_SCORES[scale], HIGH_SCORES[scale]
    if low[0] <= value <= low[1]:
        return "low"
    if high[0] <= value <= high[1]:
        return "high"
    return None


def polarity(sentiment_score, score=None, scale=None):
    """Return "complaint", "praise" or "neutral" for one response.

    A complaint has negative sentiment (compound score <= -0.05) or a low survey score
    (:data:`LOW_SCORES`); praise, otherwise, positive sentiment or a high score; anything
    else is neutral.

    Parameters
    ----------
    sentiment_score : float
        ``sentiment_score`` of :class:`analysis.SentimentScorer` (-1..1); NaN counts as 0.
    score : float, default=None
        Survey score, None or NaN when absent.
    scale : {None, "nps", "csat", "ces"}

    Examples
    --------
    >>> polarity(-0.4), polarity(0.3), polarity(0.3, score=2, scale="nps")
    ('complaint', 'praise', 'complaint')
    """
    value = 0.0 if sentiment_score is None or np.isnan(sentiment_score) else float(sentiment_score)
    band = _band(score, scale)
    if value <= NEGATIVE_THRESHOLD or band == "low":
        return COMPLAINT
    if value >= POSITIVE_THRESHOLD or band == "high":
        return PRAISE
    return NEUTRAL


def polarities(sentiment_scores, scores=None, scales=None):
    """Return :func:`polarity` for each response (``scales``: one str or one per row)."""
    values = list(sentiment_scores)
    n = len(values)
    scores = [None] * n if scores is None else list(scores)
    scales = [scales] * n if scales is None or isinstance(scales, str) else list(scales)
    return [polarity(v, s, c if isinstance(c, str) else None) for v, s, c in zip(values, scores, scales)]


def notify_decision(sentiment_score, confidence, score=None, scale=None, *,
                    min_confidence=MIN_CONFIDENCE, other_confidence=None):
    """Decide whether a response's customer is told when an action on its theme ships.

    Only a complaint (:func:`polarity`) is told, and only if the comment is about the theme:
    its membership confidence in the theme reaches ``min_confidence`` **and** is at least its
    confidence in any other theme it belongs to. A customer who praised the subject or only
    mentioned it, whose comment is a weak match for the theme, or whose comment is more typical
    of another theme (a comment belongs to every theme within 90% of its best similarity) would
    receive a message about a problem they never had.

    Parameters
    ----------
    sentiment_score : float
        The response's ``sentiment_score`` (-1..1).
    confidence : float or None
        Membership confidence (0-1) of the response in the theme (``AnalysisResult.confidences``
        or ``ThemeModel.assign(..., return_confidence=True)``); None for no membership.
    score : float, default=None
        Survey score, if any.
    scale : {None, "nps", "csat", "ces"}
    min_confidence : float, default=MIN_CONFIDENCE
    other_confidence : float or None, default=None
        The response's highest membership confidence in any *other* theme; None when it
        belongs to no other theme. A tie tells (a team's links are all certain, 1.0).

    Returns
    -------
    notify : bool
    reason : str
        "complained" (told), "praised this", "neutral", "weak match" or "closer to another
        theme" (not told), the first that applies in this order.

    Examples
    --------
    >>> notify_decision(-0.6, 0.9)
    (True, 'complained')
    >>> notify_decision(-0.6, 0.1)
    (False, 'weak match')
    >>> notify_decision(0.7, 0.9)
    (False, 'praised this')
    >>> notify_decision(-0.6, 0.6, other_confidence=0.8)
    (False, 'closer to another theme')
    """
    if not 0.0 <= min_confidence <= 1.0:
        raise ValueError(f"min_confidence must lie in [0, 1], got {min_confidence}")
    kind = polarity(sentiment_score, score, scale)
    if kind == PRAISE:
        return False, REASON_PRAISED
    if kind == NEUTRAL:
        return False, REASON_NEUTRAL
    if confidence is None or not confidence >= min_confidence:  # NaN is a weak match too
        return False, REASON_WEAK_MATCH
    if other_confidence is not None and other_confidence > confidence:  # NaN elsewhere says nothing
        return False, REASON_OTHER_THEME
    return True, REASON_COMPLAINED


def other_confidences(confidences):
    """Return, per comment, its highest confidence in a theme other than its primary one (None if none).

    Parameters
    ----------
    confidences : sequence of tuple of float
        ``AnalysisResult.confidences``: one tuple per comment, primary theme first.

    Examples
    --------
    >>> other_confidences([(0.7, 0.9, 0.2), (0.4,), ()])
    [0.9, None, None]
    """
    return [max(row[1:]) if len(row) > 1 else None for row in confidences]
