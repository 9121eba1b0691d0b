"""Text normalisation shared by sentiment and themes: unescape, mask URLs/@mentions/numbers."""

import html
import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from ._validation import check_texts

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"(?<!\w)@\w+")
_NUMBER = re.compile(r"(?<![a-z])\d+(?:[.,:]\d+)*(?:st|nd|rd|th|am|pm|h|hrs?|min|k)?\b")
_SPACE = re.compile(r"\s+")
# Plural "s" is stripped so that "bags"/"bag" and "seats"/"seat" count as one term;
# words ending in "ss"/"us"/"is" ("less", "status", "this") are left alone.
_PLURAL = re.compile(r"\b([a-z]{2,}[^sui\W])s\b")
_NOT_PLURAL = frozenset({"does", "goes", "always", "perhaps", "sometimes", "whereas", "towards",
                         "afterwards", "anyways", "besides", "news"})


def _singular(match):
    word = match.group(0)
    return word if word in _NOT_PLURAL else match.group(1)


_WORD = re.compile(r"[a-z][a-z']*")
_LEMMAS: dict[str, str] = {}


def lemma(word):
    """Return the dictionary form of one lowercase English word (simplemma; crude singular without it)."""
    out = _LEMMAS.get(word)
    if out is None:
        try:
            import simplemma
        except ImportError:  # the lemmatizer is a dependency, but keep working without it
            out = _PLURAL.sub(_singular, word)
        else:
            out = simplemma.lemmatize(word, lang="en").lower()
        if len(_LEMMAS) < 200_000:
            _LEMMAS[word] = out
    return out


def lemmatize_text(text):
    """Return normalised ``text`` with every word replaced by its lemma ("bags were lost" -> "bag be lose")."""
    return _WORD.sub(lambda m: lemma(m.group(0)), normalize_text(text))


def normalize_text(text, *, lowercase=True, mask_urls=True, mask_mentions=True,
                   mask_numbers=True, singularize=False):
    """Return one comment normalised for analysis.

    Parameters
    ----------
    text : str
        Raw comment.
    lowercase, mask_urls, mask_mentions, mask_numbers : bool, default=True
        Which normalisations to apply. Masked spans are removed, since a URL, handle or
        number carries no sentiment and would otherwise split themes by account or date.
    singularize : bool, default=False
        Strip a plural "s" (crude but language-agnostic enough for theme features).

    Returns
    -------
    str

    Examples
    --------
    >>> normalize_text("@acme Order 123 is LATE http://x.co")
    'order is late'
    """
    text = html.unescape(text)
    if mask_urls:
        text = _URL.sub(" ", text)
    if mask_mentions:
        text = _MENTION.sub(" ", text)
    if lowercase:
        text = text.lower()
    if mask_numbers:
        text = _NUMBER.sub(" ", text)
    if singularize:
        text = _PLURAL.sub(_singular, text)
    return _SPACE.sub(" ", text).strip()


class TextNormalizer(TransformerMixin, BaseEstimator):
    """Stateless transformer applying :func:`normalize_text` to each comment.

    Parameters
    ----------
    lowercase, mask_urls, mask_mentions, mask_numbers, singularize : bool
        Passed to :func:`normalize_text`.

    Examples
    --------
    >>> TextNormalizer().fit_transform(["Hi @bob, see https://a.b"])
    ['hi , see']
    """

    def __init__(self, lowercase=True, mask_urls=True, mask_mentions=True, mask_numbers=True,
                 singularize=False):
        self.lowercase = lowercase
        self.mask_urls = mask_urls
        self.mask_mentions = mask_mentions
        self.mask_numbers = mask_numbers
        self.singularize = singularize

    def fit(self, X, y=None):
        """Validate ``X`` and return self (nothing is learned)."""
        check_texts(X, allow_empty=True)
        self.is_fitted_ = True
        return self

    def transform(self, X):
        """Return the normalised texts as a list of str."""
        return [normalize_text(t, lowercase=self.lowercase, mask_urls=self.mask_urls,
                               mask_mentions=self.mask_mentions, mask_numbers=self.mask_numbers,
                               singularize=self.singularize)
                for t in check_texts(X, allow_empty=True)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def compile_concepts(concepts):
    """Compile a ``{name: [regex, ...]}`` mapping into one pattern with a group per concept.

    Parameters
    ----------
    concepts : dict of str to sequence of str
        Concept names (letters only) and the regular expressions that signal them.

    Returns
    -------
    re.Pattern or None
        None when ``concepts`` is empty.
    """
    if not concepts:
        return None
    groups = []
    for name, patterns in concepts.items():
        if not re.fullmatch(r"[a-z]+", name):
            raise ValueError(f"concept names must be lowercase letters, got {name!r}")
        groups.append(f"(?P<{name}>" + "|".join(patterns) + ")")
    return re.compile(r"\b(?:" + "|".join(groups) + r")\b")


# Marks where the concept tokens start in a tagged text.
CONCEPT_SEPARATOR = " \u241e "
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def concept_token(name):
    """Return the synthetic token appended to a text that mentions concept ``name``."""
    return "zzc" + name


def tag_concepts(text, pattern):
    """Append one synthetic token per concept found in ``text``.

    The tokens ("zzcdelay", "zzccancel"...) let comments that describe the same kind of
    problem with different words ("late", "delayed", "waited hours") share a feature.
    """
    if pattern is None or not text:
        return text
    found = {m.lastgroup for m in pattern.finditer(text)}
    if not found:
        return text
    return text + CONCEPT_SEPARATOR + " ".join(concept_token(name) for name in sorted(found))


class FeedbackAnalyzer:
    """Word and word-pair analyzer that keeps concept tokens out of the word pairs.

    Equivalent to scikit-learn's word analyzer (tokens of 2+ word characters, stop words
    removed, then n-grams) on the comment itself, followed by the concept tokens appended
    by :func:`tag_concepts`, which are never paired with words: "delayed zzcdelay" would be
    a meaningless feature.

    Parameters
    ----------
    stop_words : collection of str
    ngram_range : tuple of int, default=(1, 2)

    Examples
    --------
    >>> FeedbackAnalyzer({"the"}, (1, 2))("the app crash" + CONCEPT_SEPARATOR + "zzcdamage")
    ['app', 'crash', 'app crash', 'zzcdamage']
    """

    def __init__(self, stop_words=(), ngram_range=(1, 2)):
        self.stop_words = frozenset(stop_words)
        self.ngram_range = tuple(ngram_range)

    def __call__(self, doc):
        body, _, tags = doc.partition(CONCEPT_SEPARATOR)
        tokens = [t for t in _TOKEN.findall(body) if t not in self.stop_words]
        low, high = self.ngram_range
        grams = list(tokens) if low == 1 else []
        for n in range(max(low, 2), high + 1):
            grams.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
        return grams + tags.split()


# Contraction fragments ("I've" -> "ve") and social-media filler carry no topic.
STOP_WORDS = sorted(ENGLISH_STOP_WORDS | {"ve", "ll", "re", "don", "didn", "doesn", "isn",
                                          "wasn", "won", "aren", "haven", "just", "amp", "rt",
                                          "im", "dont", "got", "get", "lol"})


def default_vectorizer(n_docs):
    """Return the theme model's default TF-IDF of words, word pairs and concept tokens."""
    # Terms seen once cannot describe a theme; on tiny corpora every term is kept.
    return TfidfVectorizer(analyzer=FeedbackAnalyzer(STOP_WORDS, (1, 2)), sublinear_tf=True,
                           min_df=2 if n_docs >= 50 else 1, max_df=0.5 if n_docs >= 50 else 1.0,
                           max_features=50_000, dtype=np.float32)
