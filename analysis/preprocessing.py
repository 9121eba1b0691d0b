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


# Letters of any alphabet ("équipe", "données"), apostrophes inside a word ("don't"); an elided
# French article or pronoun is a word of its own ("l'application" -> "l'", "application").
WORD_PATTERN = r"\b(?:qu|[cdjlmnst])'(?=[^\W\d_])|[^\W\d_](?:[^\W\d_']|'(?=[^\W\d_]))*"
_WORD = re.compile(WORD_PATTERN)
_LEMMAS: dict[tuple[str, str], str] = {}
# Closed-class words of each language lemmatised (articles, determiners, pronouns, prepositions, conjunctions,
# auxiliaries): a phrase that begins or ends on one is a fragment ("payment did", "expensive
# for a"). Grammar lists, not learned from any data set.
_CLOSED = {
    "en": """a an the this that these those my your his her its our their some any each every either
        neither another such what which whose whatever i me you he him she it we us they them myself
        yourself itself ourselves themselves who whom about above across after against along among
        around as at before behind below beneath beside between beyond by down during except for from
        in inside into like near of off on onto out outside over past since through till to toward
        towards under until up upon via with within without and but or nor so yet because although
        though while whereas if unless than whether am is are was were be been being have has had
        having do does did doing will would shall should can could may might must ll ve re s t d""",
    "fr": """le la les l un une des du de d au aux ce cet cette ces mon ma mes ton ta tes son sa ses notre
        nos votre vos leur leurs je j tu il elle on nous vous ils elles me m te t se s lui y en à dans
        sur sous pour par avec sans chez vers entre depuis pendant et ou mais donc car ni que qu qui
        quoi dont si est sont suis es sommes êtes était étaient être a ai as avons avez ont avait avoir
        été ne n""",
}
CLOSED_CLASS_WORDS = {lang: frozenset(words.split()) | {w + "'" for w in words.split() if len(w) <= 2}
                      for lang, words in _CLOSED.items()}
# Languages a comment is lemmatised in (simplemma's dictionaries), the first being the fallback:
# those with a closed-class word list, which is what tells a short comment's language.
LANGUAGES = tuple(CLOSED_CLASS_WORDS)


def _simplemma():
    try:
        import simplemma
    except ImportError:  # the lemmatizer is a dependency, but keep working without it
        return None
    return simplemma


def lemma(word, lang="en"):
    """Return the dictionary form of one lowercase word in language ``lang`` (simplemma; crude singular without it).

    English doubles a final "l" before "-ed"/"-ing" in British spelling only ("cancelled",
    "travelling"); the dictionary knows the American spelling's lemma ("canceled" ->
    "cancel") but not always the British one ("cancelled" -> "cancell"), so the British
    form takes the lemma of its American spelling when that lemma is a prefix of it.
    """
    key = (word, lang)
    out = _LEMMAS.get(key)
    if out is None:
        simplemma = _simplemma()
        if simplemma is None:
            out = _PLURAL.sub(_singular, word) if lang == "en" else word
        else:
            out = simplemma.lemmatize(word, lang=lang).lower()
            if lang == "en" and re.search(r"ll(?:ed|ing)$", word):
                american = re.sub(r"ll(ed|ing)$", r"l\1", word)
                alt = simplemma.lemmatize(american, lang="en").lower()
                if alt != american and word.startswith(alt):
                    out = alt
        if len(_LEMMAS) < 200_000:
            _LEMMAS[key] = out
    return out


def detect_language(text, languages=LANGUAGES):
    """Return the language of ``text`` among ``languages``: the one most of its function words belong to.

    Closed-class words (articles, pronouns, prepositions, auxiliaries) are the surest sign
    of a short text's language (stop-word profiles, as in Grefenstette 1995); ties are
    broken by the share of words simplemma's dictionary of the language knows. A text
    neither tells (a name, a code) gets the first language.

    Examples
    --------
    >>> detect_language("Le support met des jours à répondre.")
    'fr'
    """
    languages = tuple(languages)
    simplemma = _simplemma()
    if simplemma is None or len(languages) < 2 or not text:
        return languages[0] if languages else "en"
    words = _WORD.findall(text.lower())
    closed = {code: sum(w in CLOSED_CLASS_WORDS.get(code, ()) for w in words) for code in languages}
    top = max(closed.values())
    tied = [code for code in languages if closed[code] == top]
    if len(tied) == 1:
        return tied[0]
    scores = dict(simplemma.langdetect(text, lang=tuple(tied))) if len(tied) > 1 else {}
    best = max(tied, key=lambda code: (scores.get(code, 0.0), -languages.index(code)))
    return best if scores.get(best, 0.0) > 0 or top > 0 else languages[0]


def lemmatize_text(text, lang=None, languages=LANGUAGES):
    """Return normalised ``text`` with every word replaced by its lemma ("bags were lost" -> "bag be lose").

    ``lang``: the comment's language; None detects it among ``languages``
    (:func:`detect_language`).
    """
    norm = normalize_text(text)
    if lang is None:
        lang = detect_language(norm, languages)
    # An elided word's lemma ("l'" -> "le") is a word of its own.
    return _WORD.sub(lambda m: lemma(m.group(0), lang) + (" " if m.group(0).endswith("'") else ""), norm)


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


# scikit-learn's English list holds nouns, verbs and adjectives that name what customers write about
# ("top" of "top-up", "amount", "bill", "call", "detail", "name", "system"): its documentation warns of
# such words (Nothman, Qin & Yurchak 2018, "Stop word lists in free open-source software packages").
# A stop word is a function word; these are not, and stay terms (Banking77's top-up themes were named
# "Work", from "top-up not working", as "top" and "up" were both dropped).
OPEN_CLASS_WORDS = frozenset("""amount bill bottom call cry describe detail empty fill fire front full interest mill
    move name part serious show side system thick thin top""".split())
# Contraction fragments ("I've" -> "ve") and social-media filler carry no topic.
ENGLISH_WORDS_IGNORED = (ENGLISH_STOP_WORDS - OPEN_CLASS_WORDS) | {
    "ve", "ll", "re", "don", "didn", "doesn", "isn", "wasn", "won", "aren", "haven", "just", "amp", "rt", "im",
    "dont", "got", "get", "lol"}
# French closed-class words and their lemmas ("des" -> "un", "est" -> "être"), so that a French
# comment's word pairs are about its subject too; words that are also English content words
# ("car", "son", "la") are left out.
FRENCH_STOP_WORDS = frozenset("""
    le les l un une des du de d au aux ce cet cette ces mon mes ton tes sa ses notre nos votre vos leur
    leurs je j tu il elle on nous vous ils elles m te t se s lui y en à dans sur sous pour par avec sans
    chez vers depuis et ou mais donc ni que qu qui quoi dont si est sont suis es sommes êtes était
    étaient être ai avons avez ont avait avoir été ne n pas moi toi""".split())
STOP_WORDS = sorted(ENGLISH_WORDS_IGNORED | FRENCH_STOP_WORDS)


def default_vectorizer(n_docs):
    """Return the theme model's default TF-IDF of words, word pairs and concept tokens."""
    # Terms seen once cannot describe a theme; on tiny corpora every term is kept.
    return TfidfVectorizer(analyzer=FeedbackAnalyzer(STOP_WORDS, (1, 2)), sublinear_tf=True,
                           min_df=2 if n_docs >= 50 else 1, max_df=0.5 if n_docs >= 50 else 1.0,
                           max_features=50_000, dtype=np.float32)
