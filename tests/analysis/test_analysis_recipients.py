"""Tests for analysis.recipients: polarity and the one rule for who is told when an action ships."""

import math

import pandas as pd
import pytest

from analysis import analyze_feedback, notify_decision, polarity
from analysis.recipients import other_confidences


@pytest.mark.parametrize("args, expected", [
    ((-0.6, 0.9), (True, "complained")),
    ((-0.6, 0.1), (False, "weak match")),
    ((-0.6, None), (False, "weak match")),
    ((-0.6, math.nan), (False, "weak match")),
    ((0.7, 0.9), (False, "praised this")),
    ((0.0, 0.9), (False, "neutral")),
    ((0.7, 0.9, 3, "nps"), (True, "complained")),   # a detractor complains whatever the words
    ((0.0, 0.9, 2, "csat"), (True, "complained")),
    ((0.0, 0.9, 3, "ces"), (True, "complained")),
    ((0.0, 0.9, 10, "nps"), (False, "praised this")),
    ((0.0, 0.9, 8, "nps"), (False, "neutral")),      # a passive with neutral words
])
def test_notify_decision(args, expected):
    assert notify_decision(*args) == expected


def test_notify_decision_threshold_is_a_parameter():
    assert notify_decision(-0.6, 0.3, min_confidence=0.2) == (True, "complained")
    assert notify_decision(-0.6, 0.3, min_confidence=0.5) == (False, "weak match")
    with pytest.raises(ValueError):
        notify_decision(-0.6, 0.3, min_confidence=1.5)


def test_polarity_ignores_unknown_scales_and_missing_scores():
    assert polarity(0.3, score=math.nan, scale="nps") == "praise"
    assert polarity(0.0, score=1, scale="stars") == "neutral"


@pytest.mark.parametrize("confidence, other, expected", [
    (0.6, 0.8, (False, "closer to another theme")),  # more typical of another theme it belongs to
    (0.8, 0.6, (True, "complained")),
    (0.7, 0.7, (True, "complained")),                 # a tie tells: team links are all 1.0
    (0.6, None, (True, "complained")),                # in no other theme
    (0.6, math.nan, (True, "complained")),            # an unknown confidence elsewhere says nothing
    (0.3, 0.8, (False, "weak match")),                # a weak match says so first
])
def test_notify_decision_other_theme(confidence, other, expected):
    assert notify_decision(-0.6, confidence, other_confidence=other) == expected


def test_notify_decision_other_theme_never_tells_praise():
    assert notify_decision(0.7, 0.9, other_confidence=0.1) == (False, "praised this")


def test_other_confidences_is_the_best_non_primary_confidence():
    assert other_confidences([(0.7, 0.9, 0.2), (0.4,), (), (0.5, 0.1)]) == [0.9, None, None, 0.1]


@pytest.mark.slow
def test_analyze_feedback_recipients_apply_the_rule_with_the_other_themes(corpus):
    texts, _ = corpus
    result = analyze_feedback(pd.DataFrame({"text": texts}), n_themes=4, random_state=0)
    others = other_confidences(result.confidences)
    expected = [notify_decision(score, row[0] if row else None, other_confidence=other)
                for score, row, other in zip(result.sentiment["sentiment_score"], result.confidences, others)]
    assert list(zip(result.recipients["notify"], result.recipients["reason"])) == expected
    assert result.recipients["notify"].any()
