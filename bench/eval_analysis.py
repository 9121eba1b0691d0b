"""Measure theme and sentiment quality against the human labels of the airline tweets.

The labels are used for measuring only. Run: .venv/bin/python bench/eval_analysis.py [--data PATH]
"""

import argparse
import pathlib
import sys
import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score, normalized_mutual_info_score

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import SentimentScorer, ThemeModel  # noqa: E402
from analysis.embeddings import default_embedder  # noqa: E402

DEFAULT_DATA = ROOT / ".." / "shared" / "data" / "airline-tweets" / "dev.csv"


def vader_baseline(texts):
    """Plain VADER compound with its documented +-0.05 thresholds, on raw text."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    c = np.array([sia.polarity_scores(t)["compound"] for t in texts])
    return np.where(c >= 0.05, "positive", np.where(c <= -0.05, "negative", "neutral"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--random-state", type=int, nargs="+", default=[0],
                        help="one theme run per seed")
    parser.add_argument("--no-embeddings", action="store_true",
                        help="TF-IDF only, as on a machine without the embedding model")
    parser.add_argument("--no-concepts", action="store_true",
                        help="without the hand-written problem concepts of analysis.lexicon")
    parser.add_argument("--max-embed-samples", type=int, default=None)
    args = parser.parse_args(argv)
    df = pd.read_csv(args.data)
    texts = df["text"].fillna("").tolist()

    t0 = time.perf_counter()
    pred = SentimentScorer().fit().predict(texts)
    secs = time.perf_counter() - t0
    base = vader_baseline(texts)
    f1 = f1_score(df["airline_sentiment"], pred, average="macro")
    f1_base = f1_score(df["airline_sentiment"], base, average="macro")
    print(f"sentiment  rows={len(df)}  macro-F1={f1:.3f}  (VADER alone +-0.05: {f1_base:.3f}; "
          f"target >= 0.60)  {secs:.1f}s")

    neg = df[(df["airline_sentiment"] == "negative") & df["negativereason"].notna()
             & (df["negativereason"] != "Can't Tell")]
    y = neg["negativereason"].to_numpy()
    neg_texts = neg["text"].tolist()
    baseline = KMeans(9, random_state=args.random_state[0]).fit(
        TfidfVectorizer().fit_transform(neg_texts)).labels_
    print(f"themes     rows={len(neg)}  baseline TF-IDF+KMeans(9) NMI="
          f"{normalized_mutual_info_score(y, baseline):.3f}")
    # One embedder for all runs, so that the model is loaded once.
    embedder = None if args.no_embeddings else default_embedder()
    params = {"embedder": embedder}
    if args.no_concepts:
        params["concepts"] = {}
    if args.max_embed_samples:
        params["max_embed_samples"] = args.max_embed_samples
    print(f"themes     embedder={type(embedder).__name__ if embedder else None}  "
          f"concepts={'none' if args.no_concepts else 'built-in'}")
    for n_themes, target in ((9, 0.30), (None, 0.25)):
        scores = []
        for seed in args.random_state:
            t0 = time.perf_counter()
            model = ThemeModel(n_themes=n_themes, random_state=seed, **params).fit(neg_texts)
            secs = time.perf_counter() - t0
            scores.append(normalized_mutual_info_score(y, model.labels_))
            print(f"themes     n_themes={n_themes or 'auto'} seed={seed} -> {model.n_themes_} themes  "
                  f"NMI={scores[-1]:.3f}  (target >= {target:.2f})  "
                  f"no-theme={np.mean(model.labels_ < 0):.1%}  "
                  f"multi={np.mean([len(m) > 1 for m in model.memberships_]):.1%}  {secs:.1f}s")
        if len(scores) > 1:
            print(f"themes     n_themes={n_themes or 'auto'} mean NMI={np.mean(scores):.3f} "
                  f"min={np.min(scores):.3f}")
        for theme in model.themes_:
            print(f"    {theme.size:5d}  {theme.label}")


if __name__ == "__main__":
    main()
