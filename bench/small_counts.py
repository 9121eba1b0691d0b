"""Measure the automatic theme count on random subsamples of every labelled set, small workspaces first.

A new team has 100-600 comments: the count chosen there must neither be two buckets nor a theme
per five comments. For each set (airline negatives, all airline rows, Banking77), each size and
each subsample seed this prints the number of themes the automatic count picks through the
public path (``ThemeModel(embedder=...).fit``, as ``analyze_feedback`` runs it), its NMI against
the human labels, and beside it, on the same rows in the same run, plain MiniLM + KMeans at the
number of labels present in the subsample (mean of seeds 0-2), the protocol of
``bench/eval_analysis.py``, whose cached embeddings it reuses. The labels are used for measuring
only. ``--full`` also fits every set whole once (the counts the dev sets must keep).

Run: nice -n 5 .venv/bin/python bench/small_counts.py [--sizes 60 120 ...] [--seeds 0 1 2]
     [--sets airline-negatives airline-all banking77] [--full] [--cache-dir DIR]
"""

import argparse
import os
import pathlib
import sys
import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_analysis import CACHE_DIR, DATA_DIR, KNOWN, CachedEmbedder  # noqa: E402

from analysis import ThemeModel  # noqa: E402

SIZES = (60, 120, 250, 400, 600, 1000, 2000)


def labelled_sets(data_dir):
    """Return {name: (texts, labels)}: airline negatives as eval_analysis measures them, all airline rows, Banking77.

    On all airline rows a tweet's label is its negative reason, or its sentiment when it has none
    (praise and neutral tweets are subjects of their own).
    """
    airline = KNOWN["airline-tweets"]
    frame = pd.read_csv(pathlib.Path(data_dir) / "airline-tweets" / airline["file"])
    reason = frame[airline["theme"]]
    negative = ((frame[airline["sentiment"]] == airline["theme_rows"]) & reason.notna()
                & ~reason.isin(airline["exclude"])).to_numpy()
    everything = reason.fillna(frame[airline["sentiment"]]).to_numpy(dtype=object)
    texts = frame["text"].fillna("").astype(str).to_numpy(dtype=object)
    banking = pd.read_csv(pathlib.Path(data_dir) / "banking77" / KNOWN["banking77"]["file"])
    return {
        "airline-negatives": (texts[negative], everything[negative]),
        "airline-all": (texts, everything),
        "banking77": (banking["text"].fillna("").astype(str).to_numpy(dtype=object),
                      banking[KNOWN["banking77"]["theme"]].to_numpy(dtype=object)),
    }


def measure(texts, labels, embedder):
    """Return (themes chosen, NMI, KMeans baseline NMI at the labels present, true count, seconds)."""
    texts = list(texts)
    k = len(set(labels))
    E = embedder.transform(texts)
    base = np.mean([normalized_mutual_info_score(labels, KMeans(k, n_init=10, random_state=s).fit(E).labels_)
                    for s in range(3)])
    t0 = time.process_time()
    model = ThemeModel(embedder=embedder, random_state=0).fit(texts)
    seconds = time.process_time() - t0
    return model.n_themes_, normalized_mutual_info_score(labels, model.labels_), base, k, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", default=str(DATA_DIR))
    parser.add_argument("--cache-dir", default=str(CACHE_DIR))
    parser.add_argument("--sizes", nargs="*", type=int, default=SIZES)
    parser.add_argument("--seeds", nargs="*", type=int, default=(0, 1, 2), help="subsample seeds")
    parser.add_argument("--sets", nargs="*", default=None)
    parser.add_argument("--full", action="store_true", help="also fit every set whole")
    args = parser.parse_args(argv)
    embedder = CachedEmbedder(pathlib.Path(args.cache_dir) / "minilm_eval.npz")
    print(f"load average {' / '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs", flush=True)
    print(f"{'set':18s} {'rows':>5s} {'seed':>4s} {'labels':>6s} {'themes':>6s} {'NMI':>6s} {'KMeans':>6s} "
          f"{'CPU s':>6s}", flush=True)
    try:
        for name, (texts, labels) in labelled_sets(args.data_dir).items():
            if args.sets and name not in args.sets:
                continue
            for size in [s for s in args.sizes if s < len(texts)]:
                rows = []
                for seed in args.seeds:
                    pick = np.sort(np.random.RandomState(seed).choice(len(texts), size, replace=False))
                    rows.append(measure(texts[pick], labels[pick], embedder))
                    n, nmi, base, k, secs = rows[-1]
                    print(f"{name:18s} {size:5d} {seed:4d} {k:6d} {n:6d} {nmi:6.3f} {base:6.3f} {secs:6.1f}",
                          flush=True)
                n, nmi, base, k, _ = np.mean(rows, axis=0)
                print(f"{name:18s} {size:5d} mean {k:6.1f} {n:6.1f} {nmi:6.3f} {base:6.3f}", flush=True)
            if args.full:
                n, nmi, base, k, secs = measure(texts, labels, embedder)
                print(f"{name:18s} {len(texts):5d} full {k:6d} {n:6d} {nmi:6.3f} {base:6.3f} {secs:6.1f}",
                      flush=True)
            embedder.save()
    finally:
        embedder.save()


if __name__ == "__main__":
    main()
