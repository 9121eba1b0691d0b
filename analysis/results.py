"""Frozen result dataclasses the app persists: Theme, ThemeEdits and AnalysisResult."""

from dataclasses import asdict, dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Theme:
    """One theme found in the comments.

    Parameters
    ----------
    key : str
        Stable identifier, kept across runs by :func:`analysis.match_themes`.
    label : str
        Readable name: the top key phrases, or the team's name after a rename.
    key_phrases : tuple of str
        Class-based TF-IDF top terms, phrases first.
    representative_quotes : tuple of str
        Comments closest to the theme's centroid.
    size : int
        Number of comments whose primary theme this is in the fitted data.
    term_weights : tuple of (str, float)
        Top terms with their c-TF-IDF weight, used to match themes across runs.
    parent_key : str
        Key of the :class:`ParentTheme` this theme is grouped under ("" for none).
    """

    key: str
    label: str
    key_phrases: tuple = ()
    representative_quotes: tuple = ()
    size: int = 0
    term_weights: tuple = ()
    parent_key: str = ""

    def to_dict(self):
        """Return the theme as a dict of JSON types."""
        data = asdict(self)
        data["key_phrases"] = list(self.key_phrases)
        data["representative_quotes"] = list(self.representative_quotes)
        data["term_weights"] = [[t, float(w)] for t, w in self.term_weights]
        return data

    @classmethod
    def from_dict(cls, data):
        """Build a theme from :meth:`to_dict` output."""
        return cls(key=data["key"], label=data["label"],
                   key_phrases=tuple(data.get("key_phrases", ())),
                   representative_quotes=tuple(data.get("representative_quotes", ())),
                   size=int(data.get("size", 0)),
                   term_weights=tuple((t, float(w)) for t, w in data.get("term_weights", ())),
                   parent_key=str(data.get("parent_key") or ""))


@dataclass(frozen=True)
class ParentTheme:
    """A group of fine themes (at most ``ThemeModel.max_parents`` of them per run).

    Parameters
    ----------
    key : str
        Identifier, kept across runs like theme keys.
    label : str
        Readable name (the label of its largest theme's shared phrase, see analysis/README.md).
    theme_keys : tuple of str
        Keys of its themes, largest first.
    size : int
        Comments whose primary theme is one of its themes.
    """

    key: str
    label: str
    theme_keys: tuple = ()
    size: int = 0

    def to_dict(self):
        """Return the parent theme as a dict of JSON types."""
        return {"key": self.key, "label": self.label, "theme_keys": list(self.theme_keys),
                "size": int(self.size)}

    @classmethod
    def from_dict(cls, data):
        """Build a parent theme from :meth:`to_dict` output."""
        return cls(key=data["key"], label=data["label"], theme_keys=tuple(data.get("theme_keys", ())),
                   size=int(data.get("size", 0)))


@dataclass(frozen=True)
class ThemeEdits:
    """Team edits that every later run respects.

    All references are theme keys (:attr:`Theme.key`), which survive re-clustering.

    Parameters
    ----------
    renames : dict of str to str
        ``{key: label}``; the theme keeps the team's label.
    merges : tuple of (str, str)
        ``(keep_key, absorbed_key)`` pairs; comments of the absorbed theme belong to the
        kept theme, now and in later runs. If only the absorbed theme is found in a run,
        it takes the kept key.
    splits : dict of str to int
        ``{key: n_parts}``; the theme is re-clustered into ``n_parts`` sub-themes with keys
        ``"<key>.1"``, ``"<key>.2"``... (largest first).
    pinned_phrases : dict of str to sequence of str
        ``{key: phrases}``; a comment containing one of the phrases (case-insensitive, whole
        words) belongs to the theme, as its primary theme. The phrases lead its key phrases.
    noise : frozenset of str
        Keys of themes that are noise; their comments go to no theme (unless pinned or
        moved elsewhere), and new comments close to them too.
    moves : dict
        ``{text index or response id: key or None}``; manual assignment of one comment
        (None: no theme). Ids are matched against the ``ids`` given to ``fit``/``assign``,
        or the position when no ids are given.
    """

    renames: dict = field(default_factory=dict)
    merges: tuple = ()
    splits: dict = field(default_factory=dict)
    pinned_phrases: dict = field(default_factory=dict)
    noise: frozenset = frozenset()
    moves: dict = field(default_factory=dict)

    def to_dict(self):
        """Return the edits as a dict of JSON types (move keys become strings)."""
        return {"renames": dict(self.renames), "merges": [list(m) for m in self.merges],
                "splits": dict(self.splits),
                "pinned_phrases": {k: list(v) for k, v in self.pinned_phrases.items()},
                "noise": sorted(self.noise), "moves": {str(k): v for k, v in self.moves.items()}}

    @classmethod
    def from_dict(cls, data):
        """Build edits from :meth:`to_dict` output (or any dict with those keys)."""
        data = data or {}
        return cls(renames=dict(data.get("renames", {})),
                   merges=tuple(tuple(m) for m in data.get("merges", ())),
                   splits={k: int(v) for k, v in data.get("splits", {}).items()},
                   pinned_phrases={k: tuple(v) for k, v in data.get("pinned_phrases", {}).items()},
                   noise=frozenset(data.get("noise", ())), moves=dict(data.get("moves", {})))


@dataclass(frozen=True)
class AnalysisResult:
    """Everything one full analysis run produces.

    Parameters
    ----------
    sentiment : pandas.DataFrame
        ``sentiment_score`` and ``sentiment`` per comment, index of the input frame.
    model_state : dict
        :meth:`ThemeModel.to_state` output: load it with ``ThemeModel.from_state`` to assign
        new comments, and pass it as ``previous_state`` to the next run.
    themes : tuple of Theme
        Themes with stable keys.
    memberships : tuple of tuple of str
        Theme keys per comment, primary first; ``()`` for no theme.
    scores : pandas.DataFrame
        :func:`analysis.theme_scores` output, one row per theme key.
    metrics : pandas.DataFrame
        :func:`analysis.metrics.metrics_over_time` output for the whole period.
    parents : tuple of ParentTheme
        Parent themes; each theme's ``parent_key`` names one.
    confidences : tuple of tuple of float
        Membership confidence (0-1) aligned with ``memberships``.
    recipients : pandas.DataFrame
        ``notify`` (bool) and ``reason`` per comment for its primary theme, from
        :func:`analysis.recipients.notify_decision`; index of the input frame.
    parent_scores : pandas.DataFrame
        :func:`analysis.theme_scores` of the parents, one row per parent key: a comment is in a
        parent when one of its themes is, counted once.
    """

    sentiment: pd.DataFrame
    model_state: dict
    themes: tuple
    memberships: tuple
    scores: pd.DataFrame
    metrics: pd.DataFrame
    parents: tuple = ()
    confidences: tuple = ()
    recipients: pd.DataFrame = None
    parent_scores: pd.DataFrame = None

    @property
    def primary_keys(self):
        """Primary theme key per comment, or None."""
        return [m[0] if m else None for m in self.memberships]
