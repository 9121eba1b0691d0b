"""Survey metrics: NPS with its margin of error, CSAT, CES, churn reasons, and their trends."""

import numpy as np
import pandas as pd

from ._validation import check_frame
from .scales import SCALES

# z for a 95% confidence interval, used in the NPS margin of error.
Z_95 = 1.96
_FREQS = {"D": "D", "W": "W", "M": "M"}


def _valid(scores, low, high):
    if isinstance(scores, np.ndarray) and scores.dtype.kind == "f":
        # Already floats (theme_scores' per-theme slices): the object round trip below cost
        # 10 ms per 60,000 scores, four times per theme.
        arr = scores.astype(float, copy=False)
    else:
        arr = pd.to_numeric(pd.Series(scores, dtype=object), errors="coerce").to_numpy(dtype=float)
    arr = arr[~np.isnan(arr)]
    if ((arr < low) | (arr > high)).any():
        raise ValueError(f"scores must lie in [{low}, {high}], got {arr[(arr < low) | (arr > high)][0]}")
    return arr


def nps_counts(scores):
    """Return (promoters, passives, detractors, n) for NPS scores 0-10 (NaN ignored)."""
    scale = SCALES["nps"]
    arr = _valid(scores, scale.low, scale.high)
    promoters = int((arr >= scale.good[0]).sum())
    detractors = int((arr <= scale.bad[1]).sum())
    return promoters, len(arr) - promoters - detractors, detractors, len(arr)


def nps(scores):
    """Net Promoter Score: % promoters (9-10) minus % detractors (0-6), in [-100, 100].

    Parameters
    ----------
    scores : sequence of float
        Scores 0-10; NaN is ignored.

    Returns
    -------
    float
        NaN when there is no score.

    Examples
    --------
    >>> nps([10, 9, 8, 7, 0])
    20.0
    """
    p, _, d, n = nps_counts(scores)
    return float("nan") if n == 0 else 100.0 * (p - d) / n


def nps_margin_of_error(scores, z=Z_95):
    """Margin of error of the NPS, in NPS points.

    ``MoE = z * sqrt((p + d - (p - d) ** 2) / n) * 100`` with ``p``, ``d`` the promoter and
    detractor proportions and ``z = 1.96`` for 95% confidence.

    Examples
    --------
    >>> round(nps_margin_of_error([10, 0]), 2)
    138.59
    """
    p, _, d, n = nps_counts(scores)
    if n == 0:
        return float("nan")
    p, d = p / n, d / n
    return float(z * np.sqrt((p + d - (p - d) ** 2) / n) * 100.0)


def csat(scores):
    """Customer satisfaction: % of scores 4-5 on a 1-5 scale (NaN when no score).

    Examples
    --------
    >>> csat([5, 4, 3, 1])
    50.0
    """
    scale = SCALES["csat"]
    arr = _valid(scores, scale.low, scale.high)
    return float("nan") if len(arr) == 0 else 100.0 * float((arr >= scale.good[0]).mean())


def ces(scores):
    """Customer effort score: mean of 1-7 scores (NaN when no score).

    Examples
    --------
    >>> ces([7, 5, 3])
    5.0
    """
    arr = _valid(scores, SCALES["ces"].low, SCALES["ces"].high)
    return float("nan") if len(arr) == 0 else float(arr.mean())


def churn_reasons(reasons):
    """Count and share of each churn reason (empty values ignored).

    Returns
    -------
    pandas.DataFrame
        Columns ``reason``, ``count``, ``share`` (0-1), most frequent first.
    """
    series = pd.Series(reasons, dtype=object).dropna().astype(str).str.strip()
    series = series[series != ""]
    counts = series.value_counts()
    total = counts.sum()
    return pd.DataFrame({"reason": counts.index.astype(object), "count": counts.to_numpy(),
                         "share": (counts / total).to_numpy() if total else counts.to_numpy(float)})


def _summary(group):
    out = {"n": len(group)}
    nps_scores = group.loc[group["scale"] == "nps", "score"]
    p, pas, d, n = nps_counts(nps_scores)
    out.update(n_nps=n, promoters=p, passives=pas, detractors=d,
               nps=nps(nps_scores), nps_moe=nps_margin_of_error(nps_scores),
               csat=csat(group.loc[group["scale"] == "csat", "score"]),
               ces=ces(group.loc[group["scale"] == "ces", "score"]))
    return out


def metrics_over_time(frame, freq="W", segment=None):
    """NPS (with margin of error), CSAT and CES per period and segment.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``created_at`` (datetime-like), ``score`` (float, NaN allowed) and
        ``scale`` ("nps", "csat", "ces" or missing).
    freq : {"D", "W", "M"}, default="W"
        Day, week (starting Monday) or calendar month.
    segment : str, default=None
        Column to break the figures down by.

    Returns
    -------
    pandas.DataFrame
        Columns ``period`` (start timestamp), ``segment``, ``n``, ``n_nps``, ``promoters``,
        ``passives``, ``detractors``, ``nps``, ``nps_moe``, ``csat``, ``ces``.
    """
    if freq not in _FREQS:
        raise ValueError(f"freq must be one of {sorted(_FREQS)}, got {freq!r}")
    required = ["created_at", "score", "scale"] + ([segment] if segment else [])
    check_frame(frame, required)
    data = frame[required].copy()
    data["created_at"] = pd.to_datetime(data["created_at"], errors="raise")
    data["period"] = data["created_at"].dt.to_period(freq).dt.start_time
    data["segment"] = data[segment].astype(object) if segment else "all"
    rows = []
    for (period, seg), group in data.groupby(["period", "segment"], sort=True, dropna=False):
        rows.append({"period": period, "segment": seg, **_summary(group)})
    columns = ["period", "segment", "n", "n_nps", "promoters", "passives", "detractors", "nps",
               "nps_moe", "csat", "ces"]
    return pd.DataFrame(rows, columns=columns)
