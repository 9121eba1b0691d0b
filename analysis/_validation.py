"""Shared input checks for the analysis package; they raise ValueError or TypeError."""

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .scales import SCALES as _SCALES

SCALES = tuple(_SCALES)
SCALE_RANGES = {kind: (scale.low, scale.high) for kind, scale in _SCALES.items()}


def check_texts(texts, *, allow_empty=False):
    """Return ``texts`` as a list of str, turning missing values into "".

    Parameters
    ----------
    texts : sequence of str or pandas.Series
        The comments. ``None`` and NaN become the empty string.
    allow_empty : bool, default=False
        Whether a sequence of length zero is accepted.

    Returns
    -------
    list of str

    Raises
    ------
    TypeError
        If ``texts`` is a single string, not iterable, or holds non-string values.
    ValueError
        If ``texts`` is empty and ``allow_empty`` is False.
    """
    if isinstance(texts, (str, bytes)):
        raise TypeError("texts must be a sequence of strings, got a single str; wrap it in a list")
    if isinstance(texts, pd.DataFrame):
        raise TypeError("texts must be a sequence of strings, got a DataFrame; pass one column")
    if not isinstance(texts, Iterable):
        raise TypeError(f"texts must be a sequence of strings, got {type(texts).__name__}")
    out = []
    for i, text in enumerate(texts):
        if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
            out.append("")
        elif isinstance(text, str):
            out.append(text)
        else:
            raise TypeError(f"texts[{i}] must be str, got {type(text).__name__}: {text!r:.40}")
    if not out and not allow_empty:
        raise ValueError("texts is empty: expected at least 1 text, got shape (0,)")
    return out


def check_scale(scale):
    """Return ``scale`` if it is None or one of "nps", "csat", "ces".

    Raises
    ------
    ValueError
        If ``scale`` is not a known survey scale.
    """
    if scale is not None and scale not in SCALES:
        raise ValueError(f"scale must be None or one of {SCALES}, got {scale!r}")
    return scale


def check_scores(scores, n, *, scale=None):
    """Return ``scores`` as a float array of length ``n`` (NaN for missing).

    Parameters
    ----------
    scores : sequence of number or None
        Survey scores aligned with the texts.
    n : int
        Expected length.
    scale : {None, "nps", "csat", "ces"}
        When given, scores outside the scale's range raise ValueError.

    Raises
    ------
    TypeError
        If the scores are not numeric.
    ValueError
        If the length differs from ``n`` or a score is out of range.
    """
    try:
        arr = pd.to_numeric(pd.Series(list(scores), dtype=object), errors="raise")
    except (TypeError, ValueError) as exc:
        raise TypeError(f"scores must be numeric, got {exc}") from None
    arr = np.asarray(arr, dtype=float)
    if arr.shape != (n,):
        raise ValueError(f"scores must have shape ({n},) to match texts, got {arr.shape}")
    if scale is not None:
        low, high = SCALE_RANGES[scale]
        bad = ~np.isnan(arr) & ((arr < low) | (arr > high))
        if bad.any():
            raise ValueError(f"{scale} scores must lie in [{low}, {high}], got {arr[bad][0]!r}")
    return arr


def check_frame(frame, required):
    """Check that ``frame`` is a DataFrame holding the ``required`` columns.

    Raises
    ------
    TypeError
        If ``frame`` is not a pandas DataFrame.
    ValueError
        If a required column is missing.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [col for col in required if col not in frame.columns]
    if missing:
        raise ValueError(f"frame is missing column(s) {missing}; it has {list(frame.columns)}")
    return frame


def check_positive_int(value, name, *, minimum=1, allow_none=True):
    """Check that ``value`` is an int >= ``minimum`` (or None when allowed)."""
    if value is None and allow_none:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)
