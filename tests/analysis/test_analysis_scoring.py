"""Tests for analysis.metrics and analysis.scoring."""

import math

import numpy as np
import pandas as pd
import pytest

from analysis import metrics, theme_scores
from analysis.scoring import two_proportion_test


def test_nps_known_list():
    assert metrics.nps([10, 9, 9, 8, 7, 6, 0, 3, 10, 10]) == pytest.approx(20.0)


def test_nps_ignores_nan_and_empty_is_nan():
    assert metrics.nps([10, np.nan]) == 100.0
    assert math.isnan(metrics.nps([]))


def test_nps_margin_of_error_formula():
    scores = [10] * 50 + [8] * 20 + [3] * 30
    p, d, n = 0.5, 0.3, 100
    expected = 1.96 * math.sqrt((p + d - (p - d) ** 2) / n) * 100
    assert metrics.nps_margin_of_error(scores) == pytest.approx(expected)


def test_csat_and_ces():
    assert metrics.csat([5, 4, 3, 2, 1]) == pytest.approx(40.0)
    assert metrics.ces([1, 7, 4]) == pytest.approx(4.0)


def test_metrics_reject_out_of_range():
    with pytest.raises(ValueError):
        metrics.csat([6])


def test_churn_reasons_counts_and_shares():
    table = metrics.churn_reasons(["price", "price", "bugs", None, ""])
    assert table["reason"].tolist() == ["price", "bugs"]
    assert table["count"].tolist() == [2, 1]
    assert table["share"].tolist() == pytest.approx([2 / 3, 1 / 3])


@pytest.mark.parametrize("freq, periods", [("D", 14), ("W", 2), ("M", 1)])
def test_metrics_over_time_periods(freq, periods):
    frame = pd.DataFrame({"created_at": pd.date_range("2024-01-01", periods=14, freq="D"),
                          "score": [10.0, 0.0] * 7, "scale": "nps"})
    table = metrics_table = metrics.metrics_over_time(frame, freq=freq)
    assert len(table) == periods
    assert metrics_table["n"].sum() == 14


def test_metrics_over_time_by_segment():
    frame = pd.DataFrame({"created_at": pd.Timestamp("2024-01-01"), "score": [10, 10, 0, 5, 4],
                          "scale": ["nps", "nps", "nps", "csat", "csat"],
                          "plan": ["pro", "pro", "free", "free", "pro"]})
    table = metrics.metrics_over_time(frame, freq="M", segment="plan").set_index("segment")
    assert table.loc["pro", "nps"] == 100.0
    assert table.loc["free", "nps"] == -100.0
    assert table.loc["pro", "csat"] == 100.0
    assert table.loc["pro", "nps_moe"] == 0.0


def test_two_proportion_test_detects_change():
    _, p_big = two_proportion_test(60, 100, 20, 100)
    _, p_same = two_proportion_test(20, 100, 21, 100)
    assert p_big < 0.001 and p_same > 0.5


@pytest.fixture(scope="module")
def scores_table(responses):
    memberships = [(t,) for t in responses["topic"]]
    frame = responses.assign(sentiment_score=np.where(responses["topic"] == "refund", -0.8, 0.3))
    return theme_scores(frame, memberships).set_index("theme")


def test_theme_scores_nps_impact_sign(scores_table):
    assert scores_table.loc["refund", "nps_impact"] < 0
    assert scores_table.loc["delivery", "nps_impact"] > 0
    assert scores_table.loc["refund", "nps_with"] == -100.0


def test_theme_scores_churn_and_priority(scores_table):
    assert scores_table.loc["refund", "churn_share"] == 1.0
    assert scores_table.index[0] == "refund"
    assert scores_table["priority"].between(0, 100).all()
    assert scores_table["explanation"].str.contains("Priority").all()


def test_theme_scores_trend_significance():
    n = 400
    created = pd.to_datetime(["2024-01-10"] * n + ["2024-02-20"] * n)
    topic = ["a"] * 40 + ["b"] * 360 + ["a"] * 200 + ["b"] * 200
    frame = pd.DataFrame({"created_at": created, "score": np.nan, "scale": None,
                          "sentiment_score": 0.0, "is_churn": False})
    table = theme_scores(frame, [(t,) for t in topic], window="30D").set_index("theme")
    assert table.loc["a", "trend"] == "up" and table.loc["a", "trend_p_value"] < 0.001
    assert table.loc["b", "trend"] == "down"


def test_theme_scores_rejects_misaligned(responses):
    frame = responses.assign(sentiment_score=0.0)
    with pytest.raises(ValueError, match="memberships"):
        theme_scores(frame, [()])
