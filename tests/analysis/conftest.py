"""Session-scoped tiny corpora and fitted models for the analysis tests (random_state=0)."""

import numpy as np
import pandas as pd
import pytest

from analysis import ThemeModel

TOPICS = {
    "refund": ["I still have not received my refund", "refund request ignored for weeks",
               "where is my refund, charged twice", "please process my refund request",
               "the refund never arrived on my card", "waiting on a refund for my cancelled order"],
    "delivery": ["my package delivery is late again", "delivery was delayed by three days",
                 "late delivery and no tracking update", "the courier delivery never showed up",
                 "delivery delayed again this week", "package delivery late, very annoying"],
    "crash": ["the app keeps crashing on login", "app crash every time I open the camera",
              "mobile app crashes after the update", "the app crashed and lost my data",
              "constant app crashes on android", "app crashing when I upload photos"],
    "staff": ["the store staff were rude to me", "rude staff member at the checkout desk",
              "staff attitude was rude and unprofessional", "very rude staff at the front desk",
              "the manager and staff were rude", "rude staff ignored my question"],
}


def _corpus(repeat=3, seed=0):
    rng = np.random.RandomState(seed)
    rows = []
    for topic, texts in TOPICS.items():
        for r in range(repeat):
            for text in texts:
                rows.append((f"{text} {['today', 'again', 'honestly'][r]}", topic))
    order = rng.permutation(len(rows))
    return [rows[i][0] for i in order], [rows[i][1] for i in order]


@pytest.fixture(scope="session")
def corpus():
    """Texts and their true topic: 4 topics x 18 comments, shuffled."""
    return _corpus()


@pytest.fixture(scope="session")
def noisy_texts(corpus):
    """The corpus plus empty and off-topic comments at the end."""
    texts, _ = corpus
    return texts + ["", "   ", "zebra quantum xylophone", None]


@pytest.fixture(scope="session")
def fitted_model(corpus):
    """ThemeModel with 4 themes fitted on the corpus."""
    texts, _ = corpus
    return ThemeModel(n_themes=4, random_state=0).fit(texts)


@pytest.fixture(scope="session")
def responses(corpus):
    """A response frame: the corpus with dates over 60 days, NPS scores and churn flags."""
    texts, topics = corpus
    n = len(texts)
    rng = np.random.RandomState(0)
    return pd.DataFrame({
        "text": texts,
        "topic": topics,
        "created_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.randint(0, 60, n), unit="D"),
        "score": [2.0 if t == "refund" else 9.0 for t in topics],
        "scale": "nps",
        "is_churn": [t == "refund" and i % 2 == 0 for i, t in enumerate(topics)],
    })
