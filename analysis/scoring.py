"""Per-theme figures: volume, trend with a significance test, sentiment, NPS/CSAT impact, churn."""

import numpy as np
import pandas as pd
from scipy.stats import norm

from ._validation import check_frame
from .metrics import csat, nps

REQUIRED_COLUMNS = ("created_at", "score", "scale", "sentiment_score", "is_churn")
# Significance level of the trend test.
ALPHA = 0.05
# Weights of the priority score; each component is scaled to [0, 1] first.
PRIORITY_WEIGHTS = {"share": 0.35, "negativity": 0.25, "nps_cost": 0.2, "churn": 0.1,
                    "rising": 0.1}


def two_proportion_test(count_now, n_now, count_before, n_before):
    """Two-sided two-proportion z-test; returns (z, p_value). NaN when a period is empty."""
    if n_now == 0 or n_before == 0:
        return float("nan"), float("nan")
    pooled = (count_now + count_before) / (n_now + n_before)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_now + 1 / n_before))
    if se == 0:
        return 0.0, 1.0
    z = (count_now / n_now - count_before / n_before) / se
    return float(z), float(2 * norm.sf(abs(z)))


def _fmt(value, spec="{:+.1f}"):
    return "n/a" if value is None or pd.isna(value) else spec.format(value)


def _explain(row):
    parts = [f"{row['volume']} responses ({row['share']:.0%} of all)"]
    if not pd.isna(row["trend_p_value"]):
        sig = "significant" if row["trend_p_value"] < ALPHA else "not significant"
        parts.append(f"{row['count_current']} this period vs {row['count_previous']} before "
                     f"({row['trend']}, p={row['trend_p_value']:.3f}, {sig})")
    parts.append(f"mean sentiment {row['mean_sentiment']:+.2f}")
    if not pd.isna(row["nps_with"]):
        parts.append(f"NPS {row['nps_with']:.0f} among those mentioning it vs "
                     f"{_fmt(row['nps_without'], '{:.0f}')} for others; it moves overall NPS by "
                     f"{row['nps_impact']:+.1f} points")
    if not pd.isna(row["csat_with"]):
        parts.append(f"CSAT {row['csat_with']:.0f}% vs {_fmt(row['csat_without'], '{:.0f}')}%")
    if not pd.isna(row["churn_share"]):
        parts.append(f"mentioned in {row['churn_share']:.0%} of churn-exit responses")
    return f"{row['label']}: " + "; ".join(parts) + f". Priority {row['priority']:.0f}/100."


def theme_scores(frame, memberships, *, themes=None, current_start=None, window="30D"):
    """Score each theme: volume, share, trend, sentiment, NPS/CSAT impact, churn, priority.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per response with ``created_at``, ``score`` (NaN allowed), ``scale``
        ("nps", "csat", "ces" or missing), ``sentiment_score`` and ``is_churn`` (bool).
    memberships : sequence of sequence
        Theme keys (or indices) per row, aligned with ``frame``.
    themes : sequence of Theme or dict, default=None
        Labels for the output (``Theme`` objects or ``{key: label}``).
    current_start : datetime-like, default=None
        Start of the current period for the trend; None means ``window`` before the latest
        response. The previous period is the ``window`` before ``current_start``.
    window : str or pandas.Timedelta, default="30D"

    Returns
    -------
    pandas.DataFrame
        One row per theme, by decreasing priority: ``theme``, ``label``, ``volume``,
        ``share``, ``count_current``, ``count_previous``, ``share_current``,
        ``share_previous``, ``trend`` ("up", "down", "flat"), ``trend_p_value``,
        ``mean_sentiment``, ``nps_with``, ``nps_without``, ``nps_impact`` (overall NPS minus
        NPS without the theme's responses: negative when the theme costs points),
        ``csat_with``, ``csat_without``, ``churn_share``, ``complaints``, ``praise``,
        ``neutral`` (members of each polarity, when ``frame`` has a ``polarity`` column of
        :func:`analysis.recipients.polarity` values; else 0), ``priority`` (0-100),
        ``explanation``.
    """
    check_frame(frame, REQUIRED_COLUMNS)
    memberships = [tuple(m) for m in memberships]
    if len(memberships) != len(frame):
        raise ValueError(f"memberships must have length {len(frame)} to match frame, "
                         f"got {len(memberships)}")
    labels = {}
    if isinstance(themes, dict):
        labels = dict(themes)
    elif themes is not None:
        labels = {t.key: t.label for t in themes}
    created = pd.to_datetime(frame["created_at"]).to_numpy()
    score = pd.to_numeric(frame["score"], errors="coerce").to_numpy(dtype=float)
    scale = frame["scale"].astype(object).to_numpy()
    sentiment = frame["sentiment_score"].to_numpy(dtype=float)
    churn = frame["is_churn"].fillna(False).astype(bool).to_numpy()
    kind = frame["polarity"].astype(object).to_numpy() if "polarity" in frame else np.full(len(frame), None)
    window = pd.Timedelta(window)
    end = pd.Timestamp(created.max()) if len(created) else pd.Timestamp(0)
    start = pd.Timestamp(current_start) if current_start is not None else end - window
    now = created > np.datetime64(start) if current_start is None else created >= np.datetime64(start)
    before = (created >= np.datetime64(start - window)) & ~now & (created < np.datetime64(start))
    is_nps, is_csat = scale == "nps", scale == "csat"
    nps_all = nps(score[is_nps])
    keys = list(dict.fromkeys(k for m in memberships for k in m))
    keys += [k for k in labels if k not in keys]
    member_rows = _member_rows(memberships, keys)
    rows = []
    for key, at in zip(keys, member_rows):
        member = np.zeros(len(memberships), dtype=bool)
        member[at] = True
        c1, n1, c0, n0 = int((member & now).sum()), int(now.sum()), int((member & before).sum()), int(before.sum())
        _, p_value = two_proportion_test(c1, n1, c0, n0)
        share1, share0 = (c1 / n1 if n1 else np.nan), (c0 / n0 if n0 else np.nan)
        trend = "flat"
        if not np.isnan(p_value) and p_value < ALPHA:
            trend = "up" if share1 > share0 else "down"
        nps_without = nps(score[is_nps & ~member])
        rows.append({
            "theme": key, "label": labels.get(key, str(key)), "volume": int(member.sum()),
            "share": float(member.mean()) if len(member) else 0.0,
            "count_current": c1, "count_previous": c0, "share_current": share1,
            "share_previous": share0, "trend": trend, "trend_p_value": p_value,
            "mean_sentiment": float(sentiment[member].mean()) if member.any() else np.nan,
            "nps_with": nps(score[is_nps & member]), "nps_without": nps_without,
            "nps_impact": nps_all - nps_without if not np.isnan(nps_without) else np.nan,
            "csat_with": csat(score[is_csat & member]), "csat_without": csat(score[is_csat & ~member]),
            "churn_share": float((member & churn).sum() / churn.sum()) if churn.any() else np.nan,
            "complaints": int((member & (kind == "complaint")).sum()),
            "praise": int((member & (kind == "praise")).sum()),
            "neutral": int((member & (kind == "neutral")).sum()),
        })
    table = pd.DataFrame(rows, columns=["theme", "label", "volume", "share", "count_current",
                                        "count_previous", "share_current", "share_previous",
                                        "trend", "trend_p_value", "mean_sentiment", "nps_with",
                                        "nps_without", "nps_impact", "csat_with", "csat_without",
                                        "churn_share", "complaints", "praise", "neutral"])
    table["priority"] = _priority(table)
    table["explanation"] = [_explain(r) for r in table.to_dict("records")]
    return table.sort_values("priority", ascending=False, kind="stable").reset_index(drop=True)


def _member_rows(memberships, keys):
    """Return, per key, the rows whose memberships hold it (one pass over the rows, not one per key)."""
    position = {key: i for i, key in enumerate(keys)}
    pairs = [(position[k], i) for i, m in enumerate(memberships) for k in dict.fromkeys(m)]
    if not pairs:
        return [np.zeros(0, dtype=np.intp) for _ in keys]
    key_of, row = np.array(pairs, dtype=np.intp).T
    order = np.argsort(key_of, kind="stable")
    return np.split(row[order], np.searchsorted(key_of[order], np.arange(1, len(keys))))


def _priority(table):
    """Weighted sum (0-100) of share, negativity, NPS cost, churn share and a rising trend."""
    if table.empty:
        return pd.Series(dtype=float)

    def scaled(values):
        values = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0).clip(min=0)
        top = values.max()
        return values / top if top > 0 else values

    parts = {"share": scaled(table["share"]),
             "negativity": np.nan_to_num(-table["mean_sentiment"].to_numpy(float), nan=0.0).clip(0, 1),
             "nps_cost": scaled(-table["nps_impact"].to_numpy(float)),
             "churn": np.nan_to_num(table["churn_share"].to_numpy(float), nan=0.0),
             "rising": (table["trend"] == "up").to_numpy(float)}
    return 100 * sum(PRIORITY_WEIGHTS[name] * value for name, value in parts.items())
