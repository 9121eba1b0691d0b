"""Tests for analysis.recipients: polarity and the one rule for who is told when an action ships."""

import math

import pytest

from analysis import notify_decision, polarity


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
