"""Class-based TF-IDF theme labels (the c-TF-IDF idea of BERTopic) and representative quotes."""

import re
from typing import Callable, NamedTuple, Optional

import numpy as np
import scipy.sparse as sp

from .label_text import (AUXILIARIES, MODALS, balanced, ends_on_a_modifier, names_a_subject, noun_shares,
                         predicate_phrases, usual_forms)
from .phrasing import MAX_LABEL_WORDS, SPAN_WORD, languages_of, read_members, surface_form, trailing_words
from .preprocessing import lemma

# Synthetic concept tokens (see preprocessing.tag_concepts) never appear in labels.
_HIDDEN_PREFIX = "zzc"


class BaseLabeler:
    """Pass-through base for the labelling step; subclass it to swap labels.

    A labeler turns per-class term counts into ranked terms and a readable label. This base
    ranks terms by raw frequency and labels a theme with its top term, which is enough to
    run the pipeline; :class:`ClassTfidfLabeler` is the default.
    """

    def term_weights(self, counts, labels, n_classes):
        """Return an array (n_classes, n_terms) of term weights per class.

        Parameters
        ----------
        counts : scipy.sparse matrix (n_docs, n_terms)
            Term counts per document.
        labels : numpy.ndarray of int (n_docs,)
            Class per document, -1 for none.
        n_classes : int
        """
        return _class_counts(counts, labels, n_classes)

    def label(self, terms):
        """Return a readable label from ranked ``terms`` (best first)."""
        return terms[0] if terms else "(no terms)"


def _class_counts(counts, labels, n_classes):
    labels = np.asarray(labels)
    keep = labels >= 0
    rows = labels[keep]
    indicator = sp.csr_matrix((np.ones(len(rows)), (rows, np.flatnonzero(keep))),
                              shape=(n_classes, counts.shape[0]))
    return np.asarray((indicator @ counts).todense(), dtype=float)


class ClassTfidfLabeler(BaseLabeler):
    """Class-based TF-IDF: terms frequent in a theme and rare in the others.

    Weight of term ``t`` in class ``c``: ``tf(t, c) * log(1 + A / f(t))`` where ``tf`` is
    the L1-normalised term frequency in the class, ``A`` the average number of words per
    class and ``f(t)`` the frequency of ``t`` over all classes (Grootendorst 2022,
    BERTopic's ``ClassTfidfTransformer``).

    Parameters
    ----------
    n_label_phrases : int, default=3
        Number of key phrases joined into the label.
    separator : str, default=" / "

    Examples
    --------
    >>> ClassTfidfLabeler().label(["refund", "refund request", "charged twice"])
    'refund request / charged twice'
    """

    def __init__(self, n_label_phrases=3, separator=" / "):
        self.n_label_phrases = n_label_phrases
        self.separator = separator

    def term_weights(self, counts, labels, n_classes):
        """Return c-TF-IDF weights (n_classes, n_terms)."""
        tf = _class_counts(counts, labels, n_classes)
        totals = tf.sum(axis=0)
        avg_words = tf.sum() / max(n_classes, 1)
        # +1 inside the log keeps weights positive, as in BERTopic.
        idf = np.log(1.0 + avg_words / np.maximum(totals, 1e-12))
        row_sums = tf.sum(axis=1, keepdims=True)
        return np.divide(tf, row_sums, out=np.zeros_like(tf), where=row_sums > 0) * idf

    def label(self, terms):
        """Join the top key phrases, preferring multi-word phrases over their own words."""
        phrases = [t for t in terms if " " in t]
        chosen = []
        for term in phrases[:self.n_label_phrases] + list(terms):
            if term in chosen or any(term in c.split() or term == c for c in chosen):
                continue
            # A phrase whose words are all covered by chosen phrases adds nothing.
            if " " in term and all(any(w in c.split() for c in chosen) for w in term.split()):
                continue
            chosen.append(term)
            if len(chosen) == self.n_label_phrases:
                break
        ranked = chosen  # multi-word phrases first: they read as problems, words do not
        return self.separator.join(ranked) if ranked else "(no terms)"


def top_terms(weights, feature_names, n_terms):
    """Return, per class, the ``n_terms`` best (term, weight) pairs with weight > 0."""
    out = []
    for row in np.asarray(weights):
        order = np.argsort(-row, kind="stable")
        terms = []
        for j in order:
            if row[j] <= 0 or len(terms) == n_terms:
                break
            name = feature_names[j]
            if _HIDDEN_PREFIX in name:
                continue
            terms.append((str(name), float(row[j])))
        out.append(terms)
    return out


def representative_quotes(texts, sims, labels, n_classes, n_quotes=3, max_chars=280):
    """Return, per class, up to ``n_quotes`` distinct texts closest to its centroid.

    Parameters
    ----------
    texts : sequence of str
        Original texts.
    sims : numpy.ndarray (n_docs, n_classes)
        Similarity of each text to each class.
    labels : numpy.ndarray of int
        Primary class per text.
    """
    quotes = []
    labels = np.asarray(labels)
    for c in range(n_classes):
        members = np.flatnonzero(labels == c)
        order = members[np.argsort(-sims[members, c], kind="stable")]
        chosen, seen = [], set()
        for i in order:
            text = " ".join(texts[i].split())
            if not text or text.lower() in seen:
                continue
            seen.add(text.lower())
            chosen.append(text if len(text) <= max_chars else text[:max_chars - 1] + "…")
            if len(chosen) == n_quotes:
                break
        quotes.append(tuple(chosen))
    return quotes


# A phrase leads a label (or replaces its leading word) when at least this share as representative.
LEADING_PHRASE_SHARE = 0.5


def _written_alone(texts, max_texts=400):
    return {m.group(0) for t in texts[:max_texts] for m in SPAN_WORD.finditer(t.lower())}


def glued_prefix(word, alone, lang="en"):
    """Return the word a glued token starts with ("flightled" -> "flight"), or None.

    A token is two words run together when the lemmatizer's dictionary does not know it
    but knows a prefix of at least 3 letters that the comments (``alone``: the words they
    use) also write on its own. Names the dictionary does not know ("Zapier") have no such
    prefix.
    """
    try:
        import simplemma
    except ImportError:
        return None
    word = word.lower()
    if len(word) < 6 or simplemma.is_known(word, lang=lang):
        return None
    for cut in range(len(word) - 2, 2, -1):
        if word[:cut] in alone and simplemma.is_known(word[:cut], lang=lang):
            return word[:cut]
    return None


def glued_words(label, texts, lang="en"):
    """Return the words of ``label`` that are two words run together (see :func:`glued_prefix`)."""
    alone = _written_alone(texts)
    return [w for w in SPAN_WORD.findall(label.lower()) if glued_prefix(w, alone, lang)]


def unglue(label, texts, lang="en"):
    """Return ``label`` with each glued token cut to the word it starts with ("Flightled" -> "Flight")."""
    alone = _written_alone(texts)

    def cut(m):
        prefix = glued_prefix(m.group(0), alone, lang)
        return m.group(0)[:len(prefix)] if prefix else m.group(0)
    return SPAN_WORD.sub(cut, label)


def label_key(label, lang="en"):
    """Return what a label says, for telling labels apart: its content words' lemmas, sorted.

    "Flight is delayed" and "flight delayed" say the same and share a key.
    """
    from .preprocessing import lemma

    closed = trailing_words(lang)
    words = [lemma(w, lang) for w in SPAN_WORD.findall(label.lower()) if w not in closed]
    return " ".join(sorted(set(words))) or label.lower()


_QUOTES = re.compile(r"[\"“”«»]|(?<![^\W\d_])'|'(?![^\W\d_])")


def _capitalised(text):
    """Return ``text`` without quote marks, its first letter upper case (unless its first word is "iPhone"-like)."""
    text = " ".join(_QUOTES.sub(" ", text).split())
    if not text or any(c.isupper() for c in text.split()[0][1:]):
        return text
    return text[0].upper() + text[1:]


def readable_label(terms, texts, stop_words, weights=None, avoid=(), n_tries=5, languages=None, sources=None,
                   max_words=None):
    """Return a short label in the members' own words: their most representative key phrase as they wrote it.

    A multi-word phrase leads only when its weight is at least half the top term's: a
    phrase that a fifth of the members wrote ("lost an afternoon of work") does not name a
    theme whose members all wrote one word ("sync"). A leading single word is replaced by
    the best phrase that contains it ("sync" -> "Sync failed"), since a word alone rarely
    says what the problem is; a label that is still a lone noun takes the word most of the
    members write beside it, if they share one ("Plane" -> "Plane was dirty", see
    :func:`~analysis.label_text.predicate_phrases`). Each phrase is read as the members wrote it, whole
    (:func:`surface_form`). A candidate holding a word run together with another
    (:func:`glued_words`) gives way to the next clean one. A label whose
    :func:`label_key` is in ``avoid`` (another theme's) is skipped for the next candidate,
    so that two themes never say the same.

    Parameters
    ----------
    terms : sequence of str
        Ranked key phrases (lemmas), best first.
    texts : sequence of str
        Member comments, most typical first.
    stop_words : collection of str
        The vectorizer's stop words (skipped between a phrase's words).
    weights : sequence of float, default=None
        The terms' weights (c-TF-IDF); None treats them as equal.
    avoid : collection of str, default=()
        :func:`label_key` of the labels already taken.
    n_tries : int, default=5
        Candidates tried before a taken label is accepted with the next phrase added.
    languages : sequence of str, default=None
        Language of each text; None detects them.
    sources : sequence, default=None
        The group (theme) of each text, for a label naming what the groups share (a
        parent's): the terms are taken in rank order (no phrase leads for its weight), a
        phrase takes in only words two or more groups write around it
        (:func:`surface_form`), a leading word is replaced only by a phrase at least
        :data:`LEADING_PHRASE_SHARE` as representative, and a lone noun is not described
        (what is said of it is most often one group's).
    max_words : int, default=None
        A label of more words is taken only when no other candidate is left (a parent's
        label names a group, never one theme's whole sentence).

    A word alone is a label only when the members use it as a noun
    (:func:`~analysis.label_text.names_a_subject`): an adjective or adverb alone ("Easy",
    "Exactly") is said of what the members write beside it ("Easy to use"), if they share
    one, and is otherwise a last resort.

    Examples
    --------
    >>> readable_label(["expensive small"], ["Too expensive for a small team."] * 3, {"for", "a", "too"})
    'Too expensive for a small team'
    """
    terms = list(terms)
    weights = list(weights) if weights is not None else [1.0] * len(terms)
    if not terms:
        return "(no terms)"
    texts = list(texts)
    langs = languages_of(texts[:400], None if languages is None else list(languages)[:400])
    lang = max(set(langs), key=langs.count) if langs else "en"
    top = weights[0]
    # A strong phrase leads a theme's label; a parent's is named by a subject word its themes share.
    strong = ([] if sources is not None else
              [t for t, w in zip(terms, weights) if " " in t and w >= LEADING_PHRASE_SHARE * top][:3])
    ordered = strong + [t for t in terms if t not in strong]
    reading = _reading(texts, stop_words, langs, lang, avoid, sources, max_words)
    read = reading.read
    extensions = dict(zip(terms, weights)) if sources is not None else None
    if max_words is not None:
        label = _group_label(ordered, terms, reading, extensions)
        if label is not None:
            return label
    candidates, label = _first_free_label(ordered, terms, reading, n_tries, extensions)
    if label is not None:
        return label
    if not candidates:
        return "(no terms)"
    # Every candidate is taken: a candidate's own words, bare ("Refund" when "Refund request" is taken), else the
    # first one with the next phrase keeps them apart.
    bare = next((b for b in (read(t, True) for t in candidates) if b and label_key(b, lang) not in reading.avoid), None)
    if bare:
        return _tidy(bare, texts, lang)
    first = unglue(read(candidates[0]), texts, lang)
    # The next candidate or term that says something else (within twice the tries), else the next candidate.
    later = [t for t in candidates[1:] + [t for t in terms if t not in candidates]][:2 * n_tries]
    others = [unglue(o, texts, lang) for o in map(read, later) if o]
    second = next((o for o in others if label_key(o, lang) != label_key(first, lang)), None)
    return _tidy(f"{first}, {second}" if second else first, texts, lang)


def _tidy(surface, texts, lang):
    """Return a surface form as a label: brackets paired, each word in its usual form, capitalised."""
    return _capitalised(usual_forms(balanced(surface), texts, lang))


class _Reading(NamedTuple):
    """What :func:`readable_label` reads candidates with: the members' texts, their languages, the labels taken."""

    texts: list
    stop_words: object
    langs: list
    lang: str
    avoid: frozenset
    refuse: Callable
    read: Callable
    max_words: Optional[int]
    nouns: Callable
    cut_noun: Callable


def _reading(texts, stop_words, langs, lang, avoid, sources, max_words):
    """Return the :class:`_Reading` of one label's candidates (see :func:`readable_label`)."""
    alone = _written_alone(texts)

    def refuse(word):
        return glued_prefix(word, alone, lang) is not None

    members = read_members(texts, langs, stop_words)

    def read(term, bare=False):
        # Bare: the phrase's own words, grown by nothing but a hyphenated word's other half or a particle.
        return surface_form(term, texts, stop_words, languages=langs, refuse=refuse, sources=sources,
                            max_words=len(term.split()) if bare else MAX_LABEL_WORDS, members=members)

    shares, modifiers = {}, {}

    def nouns(label):
        """Return the noun shares of the lemmas of ``label``'s words (read once each)."""
        words = {lemma(w, lang) for w in SPAN_WORD.findall(label.lower())} - set(shares)
        if words:
            shares.update(dict.fromkeys(words, 0.0))
            shares.update(noun_shares(texts, langs, modifiers=modifiers, words=words, members=members))
        return shares

    def cut_noun(label):
        return ends_on_a_modifier(label, lang, nouns(label), modifiers)

    return _Reading(texts, stop_words, langs, lang, frozenset(avoid), refuse, read, max_words, nouns, cut_noun)


def _first_free_label(ordered, terms, reading, n_tries, weights=None):
    """Return (the candidate terms tried, the first label not in ``avoid`` or None); see :func:`readable_label`.

    ``weights`` (term -> weight): a word is extended only by a phrase at least
    :data:`LEADING_PHRASE_SHARE` of its weight, and a lone word is not described.
    """
    candidates, last_resorts = [], []
    texts, lang = reading.texts, reading.lang
    for term, surface, alone in (attempt for word in ordered
                                 for attempt in _attempts(word, terms, candidates, reading.read, weights)):
        if term in candidates:
            continue
        surface = surface or reading.read(term)
        if not surface:
            continue
        candidates.append(term)
        label = _tidy(surface, texts, lang)
        if (alone or any(reading.refuse(w) for w in SPAN_WORD.findall(label.lower())) or _too_long(label, reading)
                or (len(label.split()) > 1 and reading.cut_noun(label))):
            # Last resorts, in rank order: the members' own phrase with the run-together word cut back to the
            # word it starts with; a word whose phrase nobody wrote; a phrase too long for a group's name; a
            # phrase that lost its noun ("Disposable virtual").
            last_resorts.append(unglue(label, texts, lang))
        elif not names_a_subject(label, lang, reading.nouns(label) if len(label.split()) == 1 else None):
            # A word alone that is no noun ("Lost", "Easy"): what the members say with it, else a last resort.
            described = _described(label, reading)
            if described:
                return candidates, described
            last_resorts.append(label)
        elif label_key(label, lang) not in reading.avoid:
            described = weights is None and _described(label, reading)
            return candidates, described or label
        if len(candidates) == n_tries:
            break
    free = [g for g in last_resorts if label_key(g, lang) not in reading.avoid]
    return candidates, (free[0] if free else None)


def _group_label(ordered, terms, reading, weights):
    """Return a group's (a parent's) label: the first of its terms' readings that names a group, or None.

    Each term is read as its themes write it, then bare (its own words: "Dashboards" when its
    themes write "Dashboards are clear and beautiful"); a word is first read as the phrase that
    extends it (:func:`_attempts`). A reading names a group when it is short, free, holds no
    glued word and is no clause (:func:`_is_clause`: "Dashboards are clear", "Email would
    make"); a word alone must be a noun of the members', else it is said with the word they
    write beside it ("Slow" -> "Really slow"). None leaves the choice to
    :func:`_first_free_label`'s last resorts.
    """
    texts, lang, seen = reading.texts, reading.lang, set()
    for word in ordered:
        # The phrase extending a word, the word, then each bare: the word's own subject before the phrase's words.
        extension = _extension(word, terms, weights) if " " not in word else None
        tried = [(extension, False), (word, False), (word, True), (extension, True)]
        readings = (reading.read(t, bare) for t, bare in tried if t)
        for surface in readings:
            label = surface and _tidy(surface, texts, lang)
            if not label or label_key(label, lang) in seen:
                continue
            seen.add(label_key(label, lang))
            if len(label.split()) == 1 and not names_a_subject(label, lang, reading.nouns(label)):
                label = _described(label, reading)
            if (label and label_key(label, lang) not in reading.avoid and not _too_long(label, reading)
                    and not _is_clause(label, reading) and not reading.cut_noun(label)
                    and not any(reading.refuse(w) for w in SPAN_WORD.findall(label.lower()))):
                return label
    return None


def _is_clause(label, reading):
    """True when ``label`` holds an auxiliary or a modal after its first word ("Dashboards are clear").

    A group is named by what its themes are about, not by a sentence one of them says.
    """
    words = SPAN_WORD.findall(label.lower())
    return any(w in AUXILIARIES.get(reading.lang, ()) or w in MODALS.get(reading.lang, ()) for w in words[1:])


def _too_long(label, reading):
    return reading.max_words is not None and len(SPAN_WORD.findall(label)) > reading.max_words


def _attempts(word, terms, candidates, read, weights):
    """Yield (term, surface or None, last resort) to try for a ranked ``word``; see :func:`_first_free_label`.

    A phrase is tried as it is; a word is tried as the best phrase containing it. With
    ``weights`` (a subject), the word alone follows its phrase, which may be taken (a
    parent's subject "exchange" when "Exchange rate" is one of its themes).
    """
    if " " in word:
        yield word, None, False
        return
    extended = _extension(word, terms, weights)
    surface = read(extended) if extended and extended not in candidates else None
    if surface:
        yield extended, surface, False
        if weights is not None:
            yield word, None, False
    else:
        # The phrase was never written within one clause: the word alone, if no other candidate says more
        # (a subject is a subject alone).
        yield word, None, bool(extended) and weights is None


def _extension(word, terms, weights):
    """Return the best-ranked phrase of ``terms`` holding ``word`` (with ``weights``: half its weight), or None."""
    return next((p for p in terms if " " in p and word in p.split() and
                 (weights is None or weights[p] >= LEADING_PHRASE_SHARE * weights[word])), None)


def _described(label, reading):
    """Return a lone word ``label`` with what the members say of it ("Plane" -> "Plane sat on the tarmac"), or None.

    The phrase is the word pair most of its writers share (:func:`~analysis.label_text.predicate_phrases`),
    read as they wrote it; None when the label is more than one word or no pair is shared.
    """
    if len(label.split()) != 1:
        return None
    from .preprocessing import lemma

    texts, lang = reading.texts, reading.lang
    for pair in predicate_phrases(lemma(label.lower(), lang), texts, reading.langs, reading.stop_words):
        surface = reading.read(pair)
        described = surface and _tidy(surface, texts, lang)
        if (described and len(described.split()) > 1 and label_key(described, lang) not in reading.avoid
                and not _too_long(described, reading) and not reading.cut_noun(described)
                and not any(reading.refuse(w) for w in SPAN_WORD.findall(described.lower()))):
            return described
    return None
