"""Command-line tool: add themes or sentiment to any CSV file (the only module doing I/O)."""

import argparse
import sys

import pandas as pd

from .pipeline import analyze_feedback
from .sentiment import SentimentScorer


class CliError(Exception):
    """Bad input reported to the user as one line on stderr."""


def _load_csv(path):
    try:
        return pd.read_csv(path, encoding="utf-8", dtype=object, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise CliError(f"input file not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise CliError(f"{path} is not valid UTF-8 (byte {exc.start}); re-save it as UTF-8") from None
    except pd.errors.EmptyDataError:
        raise CliError(f"{path} is empty") from None
    except pd.errors.ParserError as exc:
        raise CliError(f"{path} is not a readable CSV file: {str(exc).splitlines()[0]}") from None
    except IsADirectoryError:
        raise CliError(f"{path} is a directory, not a CSV file") from None


def _read_csv(path, text_column, *, extra_columns=()):
    frame = _load_csv(path)
    if frame.empty:
        raise CliError(f"{path} has a header but no rows")
    for column in (text_column,) + tuple(c for c in extra_columns if c):
        if column not in frame.columns:
            raise CliError(f"column {column!r} not found in {path}; columns are "
                           f"{', '.join(map(str, frame.columns))}")
    texts = frame[text_column].fillna("")
    numeric = pd.to_numeric(texts[texts != ""], errors="coerce")
    if len(numeric) and numeric.notna().all():
        raise CliError(f"column {text_column!r} holds numbers, not text; choose the comment column")
    return frame, texts.tolist()


def _write_csv(frame, path):
    try:
        frame.to_csv(path, index=False, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None


def run_themes(args):
    """Add theme_id, theme_label, parent_theme_id, parent_theme_label, theme_confidence and notify.

    Computed by :func:`analysis.analyze_feedback`, the code the app runs; ``notify`` is
    :func:`analysis.recipients.notify_decision` for the row's primary theme.
    """
    frame, texts = _read_csv(args.input, args.text_column, extra_columns=(args.score_column,))
    if sum(1 for t in texts if t.strip()) < 2:
        raise CliError(f"column {args.text_column!r} needs at least 2 non-empty comments")
    data = pd.DataFrame({"text": texts})
    if args.score_column:
        data["score"] = _scores(frame, args.score_column).to_numpy()
        data["scale"] = args.scale
    try:
        result = analyze_feedback(data, n_themes=args.n_themes, random_state=args.random_state)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    themes = {t.key: t for t in result.themes}
    parents = {p.key: p for p in result.parents}
    primary = [m[0] if m else None for m in result.memberships]
    parent = [themes[k].parent_key if k else "" for k in primary]
    frame["theme_id"] = [k or "" for k in primary]
    frame["theme_label"] = [themes[k].label if k else "" for k in primary]
    frame["parent_theme_id"] = parent
    frame["parent_theme_label"] = [parents[p].label if p in parents else "" for p in parent]
    frame["theme_confidence"] = [round(c[0], 4) if c else 0.0 for c in result.confidences]
    frame["notify"] = ["true" if n else "false" for n in result.recipients["notify"]]
    _write_csv(frame, args.output)
    print(f"{len(frame)} rows, {len(result.themes)} themes under {len(result.parents)} parents, "
          f"{sum(k is None for k in primary)} without theme, {int(result.recipients['notify'].sum())} to notify "
          f"-> {args.output}")


def _scores(frame, column):
    scores = pd.to_numeric(frame[column], errors="coerce")
    bad = scores.isna() & frame[column].notna()
    if bad.any():
        raise CliError(f"column {column!r} has non-numeric value {frame[column][bad].iloc[0]!r}")
    return scores


def run_sentiment(args):
    """Add ``sentiment_score`` (-1..1) and ``sentiment``."""
    frame, texts = _read_csv(args.input, args.text_column, extra_columns=(args.score_column,))
    scorer = SentimentScorer().fit()
    if args.score_column:
        scores = _scores(frame, args.score_column)
        try:
            result = scorer.transform(texts, scores=scores, scale=args.scale)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    else:
        result = scorer.transform(texts)
    frame["sentiment_score"] = result["sentiment_score"].round(4).to_numpy()
    frame["sentiment"] = result["sentiment"].to_numpy()
    _write_csv(frame, args.output)
    counts = result["sentiment"].value_counts().to_dict()
    print(f"{len(frame)} rows ({', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))})"
          f" -> {args.output}")


def _positive_int(value):
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {number}")
    return number


def build_parser():
    """Return the argument parser of ``python -m analysis``."""
    parser = argparse.ArgumentParser(prog="python -m analysis",
                                     description="Analyse customer feedback in a CSV file.")
    sub = parser.add_subparsers(dest="command", required=True)
    themes = sub.add_parser("themes", help="add theme_id, theme_label, parent_theme_id, parent_theme_label, "
                                           "theme_confidence and notify columns")
    sentiment = sub.add_parser("sentiment", help="add sentiment_score and sentiment columns")
    for p in (themes, sentiment):
        p.add_argument("input", help="input CSV file (UTF-8, with a header row)")
        p.add_argument("--text-column", default="text", help="column holding the comments")
        p.add_argument("--output", required=True, help="output CSV file")
    themes.add_argument("--n-themes", type=_positive_int, default=None,
                        help="number of themes (default: chosen automatically)")
    themes.add_argument("--random-state", type=int, default=0)
    for p in (themes, sentiment):
        p.add_argument("--score-column", default=None, help="optional survey score column")
        p.add_argument("--scale", choices=("nps", "csat", "ces"), default="nps",
                       help="scale of --score-column (default: nps)")
    themes.set_defaults(handler=run_themes)
    sentiment.set_defaults(handler=run_sentiment)
    return parser


def main(argv=None):
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
