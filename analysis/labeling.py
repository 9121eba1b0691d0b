"""Class-based TF-IDF theme labels (the c-TF-IDF idea of BERTopic) and representative quotes."""

import re

import numpy as np
import scipy.sparse as sp

from .label_text import balanced, names_a_subject, predicate_phrases, usual_forms
from .phrasing import SPAN_WORD, languages_of, surface_form, trailing_words

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


def readable_label(terms, texts, stop_words, weights=None, avoid=(), n_tries=5, languages=None, sources=None):
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
    alone = _written_alone(texts)

    def refuse(word):
        return glued_prefix(word, alone, lang) is not None

    def read(term):
        return surface_form(term, texts, stop_words, languages=langs, refuse=refuse, sources=sources)

    extensions = dict(zip(terms, weights)) if sources is not None else None
    candidates, label = _first_free_label(ordered, terms, read, texts, stop_words, langs, lang, avoid, n_tries,
                                          refuse, extensions)
    if label is not None:
        return label
    if not candidates:
        return "(no terms)"
    # Every candidate is taken: the first one with the next phrase keeps them apart.
    first = unglue(read(candidates[0]), texts, lang)
    # The next candidate or term that says something else (within twice the tries), else the next candidate.
    later = [t for t in candidates[1:] + [t for t in terms if t not in candidates]][:2 * n_tries]
    others = [unglue(o, texts, lang) for o in map(read, later) if o]
    second = next((o for o in others if label_key(o, lang) != label_key(first, lang)), others[0] if others else None)
    return _tidy(f"{first}, {second}" if second else first, texts, lang)


def _tidy(surface, texts, lang):
    """Return a surface form as a label: brackets paired, each word in its usual form, capitalised."""
    return _capitalised(usual_forms(balanced(surface), texts, lang))


def _first_free_label(ordered, terms, read, texts, stop_words, langs, lang, avoid, n_tries, refuse, weights=None):
    """Return (the candidate terms tried, the first label not in ``avoid`` or None); see :func:`readable_label`.

    ``weights`` (term -> weight): a word is extended only by a phrase at least
    :data:`LEADING_PHRASE_SHARE` of its weight, and a lone noun is not described.
    """
    candidates, last_resorts = [], []
    for term, surface, alone in (attempt for word in ordered
                                 for attempt in _attempts(word, terms, candidates, read, weights)):
        if term in candidates:
            continue
        surface = surface or read(term)
        if not surface:
            continue
        candidates.append(term)
        label = _tidy(surface, texts, lang)
        if alone or any(refuse(w) for w in SPAN_WORD.findall(label.lower())) or not names_a_subject(label, lang):
            # Last resorts, in rank order: the members' own phrase with the run-together word cut back to the
            # word it starts with; a word whose phrase nobody wrote; a participle alone ("Lost").
            last_resorts.append(unglue(label, texts, lang))
        elif label_key(label, lang) not in avoid:
            described = weights is None and _described(label, read, texts, stop_words, langs, lang, avoid, refuse)
            return candidates, described or label
        if len(candidates) == n_tries:
            break
    free = [g for g in last_resorts if label_key(g, lang) not in avoid]
    return candidates, (free[0] if free else None)


def _attempts(word, terms, candidates, read, weights):
    """Yield (term, surface or None, last resort) to try for a ranked ``word``; see :func:`_first_free_label`.

    A phrase is tried as it is; a word is tried as the best phrase containing it. With
    ``weights`` (a subject), the word alone follows its phrase, which may be taken (a
    parent's subject "exchange" when "Exchange rate" is one of its themes).
    """
    if " " in word:
        yield word, None, False
        return
    extended = next((p for p in terms if " " in p and word in p.split() and
                     (weights is None or weights[p] >= LEADING_PHRASE_SHARE * weights[word])), None)
    surface = read(extended) if extended and extended not in candidates else None
    if surface:
        yield extended, surface, False
        if weights is not None:
            yield word, None, False
    else:
        # The phrase was never written within one clause: the word alone, if no other candidate says more
        # (a subject is a subject alone).
        yield word, None, bool(extended) and weights is None


def _described(label, read, texts, stop_words, langs, lang, avoid, refuse):
    """Return a lone noun ``label`` with what the members say of it ("Plane" -> "Plane sat on the tarmac"), or None.

    The phrase is the word pair most of its writers share (:func:`~analysis.label_text.predicate_phrases`),
    read as they wrote it; None when the label is more than one word or no pair is shared.
    """
    if len(label.split()) != 1:
        return None
    from .preprocessing import lemma

    for pair in predicate_phrases(lemma(label.lower(), lang), texts, langs, stop_words):
        surface = read(pair)
        described = surface and _tidy(surface, texts, lang)
        if (described and len(described.split()) > 1 and label_key(described, lang) not in avoid
                and not any(refuse(w) for w in SPAN_WORD.findall(described.lower()))):
            return described
    return None
