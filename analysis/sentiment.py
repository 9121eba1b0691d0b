"""Sentiment per comment: VADER compound plus a customer-feedback lexicon, rules and scores."""

import re

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from ._validation import check_positive_int, check_scale, check_scores, check_texts
from .embeddings import resolve_embedder
from .lexicon import FEEDBACK_LEXICON, FEEDBACK_PHRASES, SENTIMENT_PROTOTYPES
from .preprocessing import normalize_text

# VADER's documented "typical threshold values" for the compound score
# (Hutto & Gilbert 2014; vaderSentiment README, "About the Scoring").
POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05

# Contrast markers that VADER does not know; rewritten to "but" so that VADER's own
# contrast rule (clause before x0.5, clause after x1.5) applies to them too.
_CONTRAST = re.compile(r"\b(?:however|although|though|except that|unfortunately)\b")
# A negated action ("could not connect", "haven't received", "unable to log in") reports a
# failure even though no sentiment word is present; VADER only negates sentiment words, so a
# negation followed by a neutral word becomes the token below (valence FAILURE_VALENCE).
_FAILURE = re.compile(r"\b(?:can ?not|can'?t|couldn'?t|won'?t|wouldn'?t|didn'?t|doesn'?t|"
                      r"haven'?t|hasn'?t|hadn'?t|isn'?t|aren'?t|wasn'?t|weren'?t|never|not|"
                      r"no longer|unable to|failed to)\s+(?:even\s+|get\s+|be\s+)?([a-z']+)")
_FAILURE_TOKEN = "xxfailurexx"
FAILURE_VALENCE = -1.5
# Joblib is only worth its start-up cost for large batches.
_PARALLEL_MIN_TEXTS = 20_000
# Rows whose embedding opinion is computed at once (memory: this many float64 embeddings).
_OPINION_CHUNK = 65_536


def score_to_polarity(scores, scale):
    """Map survey scores to a polarity in [-1, 1].

    NPS 0-10: 9-10 (promoters) are positive, 7-8 (passives) near zero, 0-6 (detractors)
    negative: ``(s - 7.5) / 2.5`` clipped. CSAT 1-5: ``(s - 3) / 2``. CES 1-7 ("it was easy",
    higher is better): ``(s - 4) / 3``.

    Parameters
    ----------
    scores : array-like of float
        Scores, NaN when missing.
    scale : {"nps", "csat", "ces"}

    Returns
    -------
    numpy.ndarray of float, NaN where the score is missing.

    Examples
    --------
    >>> score_to_polarity([10, 0], "nps").tolist()
    [1.0, -1.0]
    """
    scores = np.asarray(scores, dtype=float)
    if scale == "nps":
        polarity = (scores - 7.5) / 2.5
    elif scale == "csat":
        polarity = (scores - 3.0) / 2.0
    elif scale == "ces":
        polarity = (scores - 4.0) / 3.0
    else:
        raise ValueError(f"scale must be one of 'nps', 'csat', 'ces', got {scale!r}")
    return np.clip(polarity, -1.0, 1.0)


def label_scores(values, positive_threshold=POSITIVE_THRESHOLD,
                 negative_threshold=NEGATIVE_THRESHOLD):
    """Return "positive", "neutral" or "negative" for each compound score.

    A score >= ``positive_threshold`` is positive, <= ``negative_threshold`` negative,
    anything between is neutral.
    """
    values = np.asarray(values, dtype=float)
    return np.where(values >= positive_threshold, "positive",
                    np.where(values <= negative_threshold, "negative", "neutral")).astype(object)


_CLASSES = np.array(["negative", "neutral", "positive"], dtype=object)


def _lexicon_probabilities(values):
    """Read a compound score in [-1, 1] as (negative, neutral, positive) probabilities."""
    values = np.clip(np.asarray(values, dtype=float), -1.0, 1.0)
    return np.stack([np.clip(-values, 0, 1), 1 - np.abs(values), np.clip(values, 0, 1)], axis=1)


def _softmax(a):
    a = a - a.max(axis=1, keepdims=True)
    e = np.exp(a)
    return e / e.sum(axis=1, keepdims=True)


def _scores_of(probabilities, positive_threshold, negative_threshold):
    """Return (score, label): score = p(positive) - p(negative), kept in the band of the likeliest class."""
    label = _CLASSES[probabilities.argmax(axis=1)]
    score = probabilities[:, 2] - probabilities[:, 0]
    band = 0.5 * min(positive_threshold, -negative_threshold)
    score = np.where(label == "positive", np.maximum(score, positive_threshold),
                     np.where(label == "negative", np.minimum(score, negative_threshold),
                              np.clip(score, -band, band)))
    return score, label


def _phrase_token(phrase):
    return "xx" + re.sub(r"\W+", "", phrase) + "xx"


def _polarity_batch(analyzer, texts):
    return [analyzer.polarity_scores(t)["compound"] if t else 0.0 for t in texts]


class SentimentScorer(BaseEstimator):
    """Score the sentiment of customer comments.

    VADER's compound score computed on normalised text (URLs, @mentions and numbers
    masked), with a customer-feedback lexicon (:data:`analysis.lexicon.FEEDBACK_LEXICON`)
    and multi-word expressions ("on hold", "never arrived", "charged twice") merged into
    VADER's lexicon for this instance only. VADER's negation ("not resolved") and contrast
    ("great app but sync is broken") rules apply to these entries; "however", "although"
    and "though" act as "but". When a survey score is supplied it is blended in.

    Parameters
    ----------
    lexicon : dict of str to float, default=None
        Extra word valences (VADER scale -4..4) applied on top of the feedback lexicon.
    use_feedback_lexicon : bool, default=True
        Apply the built-in feedback lexicon and phrases; False gives plain VADER.
    positive_threshold : float, default=0.05
        Compound score from which a comment is positive (VADER's documented value).
    negative_threshold : float, default=-0.05
        Compound score up to which a comment is negative (VADER's documented value).
    score_weight : float, default=0.5
        Weight of the survey score's polarity in the blend
        ``(1 - score_weight) * text + score_weight * score``. A comment with no text uses
        the score's polarity alone; a comment with no score uses the text alone.
    n_jobs : int, default=None
        Processes for batches of more than 20,000 distinct texts (joblib semantics).
    embedder : "auto", object or None, default="auto"
        Sentence embedder for the second opinion (see below); "auto" uses the bundled
        MiniLM when installed, None gives the lexicon alone.
    prototype_weight : float, default=0.5
        Weight of the embedding opinion against the lexicon's.
    temperature : float, default=0.05
        Softmax temperature over the cosine similarities to the prototypes.

    Notes
    -----
    With an embedder, the lexicon's compound score ``c`` is read as probabilities
    ``(max(-c, 0), 1 - |c|, max(c, 0))`` for negative / neutral / positive and averaged with
    a second opinion: the softmax of the comment's cosine similarity to the mean embedding
    of generic example sentences of each class (:data:`analysis.lexicon.SENTIMENT_PROTOTYPES`,
    written without looking at any evaluation data). The label is the likeliest class and
    ``sentiment_score`` is ``p(positive) - p(negative)``, kept on the label's side of the
    thresholds. A survey score is blended into the probabilities with ``score_weight``.
    ``positive_threshold``/``negative_threshold`` then only bound the score; without an
    embedder they decide the label as before.

    Attributes
    ----------
    analyzer_ : vaderSentiment.vaderSentiment.SentimentIntensityAnalyzer
        The analyzer with the merged lexicon.

    Examples
    --------
    >>> scorer = SentimentScorer().fit()
    >>> scorer.transform(["my order was cancelled again"])["sentiment"].tolist()
    ['negative']
    """

    def __init__(self, lexicon=None, use_feedback_lexicon=True,
                 positive_threshold=POSITIVE_THRESHOLD, negative_threshold=NEGATIVE_THRESHOLD,
                 score_weight=0.5, n_jobs=None, embedder="auto", prototype_weight=0.5,
                 temperature=0.05):
        self.embedder = embedder
        self.prototype_weight = prototype_weight
        self.temperature = temperature
        self.lexicon = lexicon
        self.use_feedback_lexicon = use_feedback_lexicon
        self.positive_threshold = positive_threshold
        self.negative_threshold = negative_threshold
        self.score_weight = score_weight
        self.n_jobs = n_jobs

    def fit(self, X=None, y=None):
        """Build the analyzer; nothing is learned from ``X``, which may be None.

        Returns
        -------
        self : SentimentScorer
        """
        if X is not None:
            check_texts(X, allow_empty=True)
        self._check_params()
        analyzer = SentimentIntensityAnalyzer()
        phrases = {}
        if self.use_feedback_lexicon:
            analyzer.lexicon.update(FEEDBACK_LEXICON)
            phrases = dict(FEEDBACK_PHRASES)
        if self.lexicon:
            for word, valence in self.lexicon.items():
                if not isinstance(word, str) or not isinstance(valence, (int, float)):
                    raise TypeError(f"lexicon must map str to float, got {word!r}: {valence!r}")
                (phrases if " " in word else analyzer.lexicon)[word.lower()] = float(valence)
        if self.use_feedback_lexicon:
            analyzer.lexicon[_FAILURE_TOKEN] = FAILURE_VALENCE
        for phrase, valence in phrases.items():
            analyzer.lexicon[_phrase_token(phrase)] = valence
        self.analyzer_ = analyzer
        self._fit_prototypes()
        self.phrases_ = tuple(sorted(phrases, key=len, reverse=True))
        self._phrase_re = (re.compile(r"\b(?:" + "|".join(map(re.escape, self.phrases_)) + r")\b")
                           if self.phrases_ else None)
        return self

    def _check_params(self):
        if not -1.0 <= self.negative_threshold < self.positive_threshold <= 1.0:
            raise ValueError("thresholds must satisfy -1 <= negative_threshold < "
                             f"positive_threshold <= 1, got {self.negative_threshold}, "
                             f"{self.positive_threshold}")
        if not 0.0 <= self.score_weight <= 1.0:
            raise ValueError(f"score_weight must lie in [0, 1], got {self.score_weight}")
        if self.n_jobs is not None:
            check_positive_int(abs(self.n_jobs), "n_jobs")

    def _fit_prototypes(self):
        if not 0.0 <= self.prototype_weight <= 1.0:
            raise ValueError(f"prototype_weight must lie in [0, 1], got {self.prototype_weight}")
        if not self.temperature > 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        self.embedder_ = resolve_embedder(self.embedder) if self.prototype_weight > 0 else None
        self.prototypes_ = None
        if self.embedder_ is not None:
            rows = []
            for name in _CLASSES:
                E = np.asarray(self.embedder_.transform(SENTIMENT_PROTOTYPES[name]), dtype=float)
                centre = E.mean(axis=0)
                rows.append(centre / np.linalg.norm(centre))
            self.prototypes_ = np.vstack(rows)

    def text_probabilities(self, texts, embeddings=None):
        """Return (n, 3) negative / neutral / positive probabilities from the text alone, or None without an embedder.

        ``embeddings``: unit sentence embeddings of ``texts`` by the same embedder, when already computed.
        """
        check_is_fitted(self, "analyzer_")
        texts = check_texts(texts, allow_empty=True)
        if getattr(self, "prototypes_", None) is None:
            return None
        lexicon = _lexicon_probabilities(self.text_polarity(texts))
        if embeddings is None:
            codes, uniques = pd.factorize(pd.Series(texts, dtype=object))
            E = (np.asarray(self.embedder_.transform(list(uniques)), dtype=float)[codes] if len(uniques)
                 else np.zeros((0, self.prototypes_.shape[1])))
        else:
            E = np.asarray(embeddings)
            if E.shape != (len(texts), self.prototypes_.shape[1]):
                raise ValueError(f"embeddings must have shape ({len(texts)}, {self.prototypes_.shape[1]}), "
                                 f"got {E.shape}")
        # A block of rows at a time: all of them in float64 are 3 GB at 1,000,000 comments.
        opinion = np.zeros((len(E), len(_CLASSES)))
        for start in range(0, len(E), _OPINION_CHUNK):
            block = np.asarray(E[start:start + _OPINION_CHUNK], dtype=float)
            norms = np.linalg.norm(block, axis=1, keepdims=True)
            block = np.divide(block, norms, out=np.zeros_like(block), where=norms > 0)
            opinion[start:start + _OPINION_CHUNK] = _softmax(block @ self.prototypes_.T / self.temperature)
        probs = (1 - self.prototype_weight) * lexicon + self.prototype_weight * opinion
        empty = np.array([not t.strip() for t in texts], dtype=bool)
        probs[empty] = (0.0, 1.0, 0.0)
        return probs

    def _failure(self, match):
        # Negated sentiment words are left to VADER's own negation rule.
        word = match.group(1)
        if word in self.analyzer_.lexicon or word.startswith("xx"):
            return match.group(0)
        return _FAILURE_TOKEN

    def _prepare(self, text):
        text = normalize_text(text, lowercase=False, mask_numbers=False)
        if not self.use_feedback_lexicon:
            return text
        # VADER reads ALL-CAPS as emphasis, so case is kept; matching is case-insensitive.
        lowered = text.lower()
        lowered = _CONTRAST.sub("but", lowered)
        if self._phrase_re is not None:
            lowered = self._phrase_re.sub(lambda m: _phrase_token(m.group(0)), lowered)
        lowered = _FAILURE.sub(self._failure, lowered)
        # Restore VADER's ALL-CAPS emphasis for the words written in capitals.
        caps = {w.lower() for w in text.split() if len(w) > 1 and w.isupper()}
        if caps:
            lowered = " ".join(w.upper() if w in caps else w for w in lowered.split(" "))
        return lowered

    def text_polarity(self, texts):
        """Return the text-only compound score for each text as a float array.

        Identical texts (after normalisation) are scored once.
        """
        check_is_fitted(self, "analyzer_")
        texts = check_texts(texts, allow_empty=True)
        prepared = pd.Series([self._prepare(t) for t in texts], dtype=object)
        codes, uniques = pd.factorize(prepared)
        uniques = list(uniques)
        if self.n_jobs not in (None, 1) and len(uniques) > _PARALLEL_MIN_TEXTS:
            chunks = np.array_split(np.arange(len(uniques)), 8)
            parts = Parallel(n_jobs=self.n_jobs)(
                delayed(_polarity_batch)(self.analyzer_, [uniques[i] for i in chunk])
                for chunk in chunks)
            values = np.concatenate([np.asarray(p, dtype=float) for p in parts])
        else:
            values = np.asarray(_polarity_batch(self.analyzer_, uniques), dtype=float)
        if len(codes) == 0:
            return np.zeros(0)
        return values[codes]

    def transform(self, X, scores=None, scale=None, embeddings=None):
        """Score comments.

        Parameters
        ----------
        X : sequence of str or pandas.Series
            The comments; a Series keeps its index in the result.
        scores : sequence of float, default=None
            Survey scores aligned with ``X`` (NaN when missing).
        scale : {None, "nps", "csat", "ces"} or sequence of those
            Scale of ``scores`` (one for all rows, or one per row; rows whose scale is
            missing use the text alone); required when ``scores`` is given.
        embeddings : array (n, n_dims), default=None
            Sentence embeddings of ``X`` by the scorer's embedder, when already computed.

        Returns
        -------
        pandas.DataFrame
            Columns ``sentiment_score`` (float in [-1, 1]) and ``sentiment`` (str), in the
            order and with the index of ``X``.
        """
        index = X.index if isinstance(X, pd.Series) else None
        texts = check_texts(X, allow_empty=True)
        probs = self.text_probabilities(texts, embeddings)
        values = self.text_polarity(texts) if probs is None else None
        if scores is not None:
            if scale is None:
                raise ValueError("scale is required when scores are given: 'nps', 'csat' or 'ces'")
            polarity = self._score_polarity(texts, scores, scale)
            has_score = ~np.isnan(polarity)
            empty = np.array([not t.strip() for t in texts], dtype=bool)
            if probs is None:
                blended = (1 - self.score_weight) * values + self.score_weight * polarity
                values = np.where(has_score, np.where(empty, polarity, blended), values)
            else:
                from_score = _lexicon_probabilities(np.nan_to_num(polarity))
                blended = (1 - self.score_weight) * probs + self.score_weight * from_score
                probs = np.where(has_score[:, None], np.where(empty[:, None], from_score, blended), probs)
        else:
            check_scale(scale)
        if probs is None:
            values = np.clip(values, -1.0, 1.0)
            labels = label_scores(values, self.positive_threshold, self.negative_threshold)
        else:
            values, labels = _scores_of(probs, self.positive_threshold, self.negative_threshold)
        frame = pd.DataFrame({"sentiment_score": np.asarray(values, dtype=float),
                              "sentiment": pd.array(np.asarray(labels, dtype=object), dtype=object)})
        if index is not None:
            frame.index = index
        return frame

    def _score_polarity(self, texts, scores, scale):
        scales = [scale] * len(texts) if isinstance(scale, str) else list(scale)
        if len(scales) != len(texts):
            raise ValueError(f"scale must be a str or have length {len(texts)}, got {len(scales)}")
        raw = check_scores(scores, len(texts))
        polarity = np.full(len(texts), np.nan)
        for name in {s for s in scales if isinstance(s, str)}:
            rows = np.array([s == name for s in scales], dtype=bool)
            check_scale(name)
            polarity[rows] = score_to_polarity(check_scores(raw[rows], int(rows.sum()), scale=name), name)
        return polarity

    def predict(self, X, scores=None, scale=None):
        """Return the sentiment label of each comment as a numpy array of str."""
        return self.transform(X, scores=scores, scale=scale)["sentiment"].to_numpy()


def score_sentiment(texts, scores=None, scale=None, **params):
    """Score the sentiment of comments with a default :class:`SentimentScorer`.

    Parameters
    ----------
    texts : sequence of str or pandas.Series
        The comments.
    scores : sequence of float, default=None
        Optional survey scores aligned with ``texts``.
    scale : {None, "nps", "csat", "ces"}
        Scale of ``scores``.
    **params
        Passed to :class:`SentimentScorer`.

    Returns
    -------
    pandas.DataFrame
        ``sentiment_score`` (float, -1..1) and ``sentiment`` ("negative", "neutral",
        "positive"), same index and order as ``texts``.

    Examples
    --------
    >>> score_sentiment(["great app but sync is broken"])["sentiment"].tolist()
    ['negative']
    """
    return SentimentScorer(**params).fit().transform(texts, scores=scores, scale=scale)
