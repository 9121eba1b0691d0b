"""Time the full analysis on synthetic comments built from the airline tweets.

Comments are made by recombining halves of two dev.csv tweets (so most are distinct), with
random NPS/CSAT scores, dates over 90 days and churn flags. Prints wall time, peak RSS and
per-comment assignment latency.

Run: .venv/bin/python bench/analysis_scale.py [--sizes 100000 1000000] [--data PATH]
"""

import argparse
import os
import pathlib
import resource
import sys
import time

import numpy as np
import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import ThemeModel, analyze_feedback, default_embedder  # noqa: E402

DEFAULT_DATA = ROOT / ".." / "shared" / "data" / "airline-tweets" / "dev.csv"


def synthesize(texts, n, seed=0):
    """Return a response frame of ``n`` synthetic comments."""
    rng = np.random.RandomState(seed)
    words = [t.split() for t in texts]
    a, b = rng.randint(0, len(words), n), rng.randint(0, len(words), n)
    comments = []
    for i, j in zip(a, b):
        wa, wb = words[i], words[j]
        comments.append(" ".join(wa[:max(1, len(wa) // 2)] + wb[len(wb) // 2:]))
    scale = rng.choice(["nps", "csat", None], n, p=[0.6, 0.2, 0.2])
    score = np.where(scale == "nps", rng.randint(0, 11, n),
                     np.where(scale == "csat", rng.randint(1, 6, n), np.nan)).astype(float)
    return pd.DataFrame({
        "text": comments,
        "created_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.randint(0, 90 * 24, n), unit="h"),
        "score": score, "scale": scale.astype(object), "is_churn": rng.rand(n) < 0.05,
    })


def peak_rss_mb():
    """Peak resident set size of this process in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds():
    """User + system CPU time of this process and its finished children (joblib workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--latency-samples", type=int, default=1000)
    args = parser.parse_args(argv)
    texts = pd.read_csv(args.data)["text"].fillna("").tolist()
    print(f"theme embedder: {type(default_embedder()).__name__ if default_embedder() else 'none (TF-IDF only)'}",
          flush=True)
    for n in args.sizes:
        frame = synthesize(texts, n)
        print(f"n={n:,}  distinct texts={frame['text'].nunique():,}  RSS before={peak_rss_mb():.0f} MB",
              flush=True)
        t0, c0 = time.perf_counter(), cpu_seconds()
        result = analyze_feedback(frame, n_jobs=args.n_jobs, random_state=0)
        wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        print(f"  full analysis: {wall:.1f} s wall, {cpu:.1f} s CPU  ({n / wall:,.0f} comments/s)"
              f"  themes={len(result.themes)}  peak RSS={peak_rss_mb():.0f} MB"
              f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)", flush=True)
        # The floor if every comment were embedded: the model's rate on 1,000 of them, scaled up.
        embedder = default_embedder()
        if embedder is not None:
            sample = frame["text"].head(1000).tolist()
            embedder.transform(sample[:10])
            s = time.perf_counter()
            embedder.transform(sample)
            rate = len(sample) / (time.perf_counter() - s)
            print(f"  embedding floor: {rate:,.0f} comments/s -> embedding all {n:,} would take "
                  f"{n / rate / 60:.1f} min (the run embeds at most {ThemeModel().max_embed_samples:,})", flush=True)
        model = ThemeModel.from_state(result.model_state)
        new = synthesize(texts, args.latency_samples, seed=1)["text"].tolist()
        model.assign(new[:5])  # warm-up
        latencies = []
        for text in new:
            s = time.perf_counter()
            model.assign([text])
            latencies.append((time.perf_counter() - s) * 1000)
        print(f"  assign one comment (embedding included): median {np.median(latencies):.2f} ms  "
              f"p99 {np.percentile(latencies, 99):.2f} ms  (state {len(result.model_state['model']) / 1e6:.1f} MB)",
              flush=True)
        for row in result.scores.head(5).itertuples():
            print(f"    priority {row.priority:5.1f}  {row.volume:7d}  {row.label}")
        del result, frame


if __name__ == "__main__":
    main()
