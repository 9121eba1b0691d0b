"""Tests for analysis.sentiment."""

import numpy as np
import pandas as pd
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from analysis import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD, SentimentScorer, score_sentiment
from analysis.sentiment import label_scores, score_to_polarity


@pytest.fixture(scope="module")
def scorer():
    """The lexicon and rules alone: these tests pin down what the rules do."""
    return SentimentScorer(embedder=None).fit()


@pytest.fixture(scope="module")
def blended():
    """The default scorer: lexicon probabilities averaged with the embedding prototypes' opinion."""
    return SentimentScorer().fit()


def test_blend_tells_questions_from_complaints_and_praise(blended):
    texts = ["How do I change the email address on my account?", "This is useless, it broke after a day",
             "Thank you, the team was wonderful", ""]
    result = blended.transform(texts)
    assert result["sentiment"].tolist() == ["neutral", "negative", "positive", "neutral"]
    # The score stays on the label's side of the thresholds, so polarity() agrees with the label.
    assert result["sentiment_score"].iloc[1] <= -0.05 and result["sentiment_score"].iloc[2] >= 0.05
    assert abs(result["sentiment_score"].iloc[0]) < 0.05


@pytest.mark.slow
def test_blend_reuses_given_embeddings(blended):
    texts = ["This is useless, it broke after a day", "Thank you, the team was wonderful"]
    E = blended.embedder_.transform(texts)
    assert blended.transform(texts, embeddings=E).equals(blended.transform(texts))
    with pytest.raises(ValueError, match="shape"):
        blended.transform(texts, embeddings=E[:1])


@pytest.mark.parametrize("text", ["my order never arrived", "still waiting for a reply"])
def test_sentiment_vader_neutral_complaint_is_negative(scorer, text):
    assert abs(SentimentIntensityAnalyzer().polarity_scores(text)["compound"]) < 0.05
    assert scorer.predict([text])[0] == "negative"


def test_sentiment_cancelled_again_is_negative(scorer):
    assert scorer.predict(["my flight was cancelled again"])[0] == "negative"


@pytest.mark.parametrize("text", ["been on hold for an hour", "my parcel never arrived",
                                  "I was charged twice", "could not connect me to an agent"])
def test_sentiment_feedback_phrases_negative(scorer, text):
    assert scorer.predict([text])[0] == "negative"


def test_sentiment_negation_flips(scorer):
    pos, neg = scorer.transform(["the support was helpful", "the support was not helpful"])[
        "sentiment_score"]
    assert pos > 0 > neg


def test_sentiment_contrast_weights_second_clause(scorer):
    result = scorer.transform(["great app but sync is broken", "sync is broken but great app"])
    assert result["sentiment"].tolist() == ["negative", "positive"]


def test_sentiment_however_acts_as_but(scorer):
    assert scorer.predict(["lovely staff, however the room was dirty"])[0] == "negative"


def test_sentiment_score_informs_result(scorer):
    text = ["the order arrived"]
    plain = scorer.transform(text)["sentiment_score"][0]
    low = scorer.transform(text, scores=[0], scale="nps")["sentiment_score"][0]
    high = scorer.transform(text, scores=[10], scale="nps")["sentiment_score"][0]
    assert low < plain < high


def test_sentiment_empty_text_uses_score(scorer):
    result = scorer.transform(["", ""], scores=[1, 5], scale="csat")
    assert result["sentiment"].tolist() == ["negative", "positive"]


def test_sentiment_per_row_scales(scorer):
    result = scorer.transform(["", "", ""], scores=[0, 5, np.nan], scale=["nps", "csat", None])
    assert result["sentiment"].tolist() == ["negative", "positive", "neutral"]


def test_sentiment_thresholds_documented_values():
    assert (POSITIVE_THRESHOLD, NEGATIVE_THRESHOLD) == (0.05, -0.05)
    labels = label_scores([0.05, 0.049, -0.049, -0.05])
    assert labels.tolist() == ["positive", "neutral", "neutral", "negative"]


def test_sentiment_custom_thresholds(scorer):
    wide = SentimentScorer(positive_threshold=0.9, negative_threshold=-0.9, embedder=None).fit()
    assert wide.predict(["good"])[0] == "neutral"


def test_score_to_polarity_ranges():
    assert score_to_polarity([0, 10], "nps").tolist() == [-1.0, 1.0]
    assert score_to_polarity([1, 3, 5], "csat").tolist() == [-1.0, 0.0, 1.0]
    assert score_to_polarity([1, 7], "ces").tolist() == [-1.0, 1.0]


@pytest.mark.slow
def test_score_sentiment_keeps_index_and_order():
    texts = pd.Series(["awful", "", "wonderful"], index=[10, 20, 30])
    result = score_sentiment(texts)
    assert list(result.index) == [10, 20, 30]
    assert result["sentiment"].tolist() == ["negative", "neutral", "positive"]
    assert result["sentiment_score"].between(-1, 1).all()


@pytest.mark.parametrize("bad, error", [("one string", TypeError), ([1, 2], TypeError)])
def test_sentiment_rejects_bad_texts(scorer, bad, error):
    with pytest.raises(error):
        scorer.transform(bad)


def test_sentiment_rejects_out_of_range_score(scorer):
    with pytest.raises(ValueError, match="nps"):
        scorer.transform(["ok"], scores=[11], scale="nps")


def test_sentiment_requires_scale_with_scores(scorer):
    with pytest.raises(ValueError, match="scale"):
        scorer.transform(["ok"], scores=[3])


@pytest.mark.slow
def test_sentiment_plain_vader_mode():
    plain = SentimentScorer(use_feedback_lexicon=False).fit()
    assert plain.predict(["thanks"])[0] == "positive"
