"""Class-based TF-IDF theme labels (the c-TF-IDF idea of BERTopic) and representative quotes."""

import re

import numpy as np
import scipy.sparse as sp

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


_SPAN_WORD = re.compile(r"[a-z][a-z']*")


def surface_form(phrase, texts, stop_words, max_texts=400):
    """Return how the members most often wrote a lemmatised ``phrase`` ("flight cancel" -> "flight was cancelled").

    The phrase's words are matched, as lemmas, against consecutive non-stop words of each
    normalised member text; the span between the first and last matched word, stop words
    included, is the surface form. None when no member contains it.
    """
    from .preprocessing import lemma, normalize_text

    target = phrase.split()
    counts = {}
    for text in texts[:max_texts]:
        norm = normalize_text(text)
        words = [(m.group(0), m.start(), m.end()) for m in _SPAN_WORD.finditer(norm)]
        words = [w for w in words if len(w[0]) > 1 and w[0] not in stop_words]
        for i in range(len(words) - len(target) + 1):
            if all(lemma(words[i + j][0]) == target[j] for j in range(len(target))):
                span = norm[words[i][1]:words[i + len(target) - 1][2]]
                if len(span.split()) <= len(target) + 3:
                    counts[span] = counts.get(span, 0) + 1
    return max(counts, key=lambda s: (counts[s], -len(s))) if counts else None


def readable_label(terms, texts, stop_words, weights=None, avoid=(), n_tries=5):
    """Return a short label in the members' own words: their most representative key phrase as they wrote it.

    A multi-word phrase leads only when its weight is at least half the top term's: a
    phrase that a fifth of the members wrote ("lost an afternoon of work") does not name a
    theme whose members all wrote one word ("sync"). A leading single word is replaced by
    the best phrase that contains it ("sync" -> "Sync failed"), since a word alone rarely
    says what the problem is. A label in ``avoid`` (another theme's, compared
    case-insensitively) is skipped for the next candidate, so that two themes never read
    the same.

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
        Lowercase labels already taken.
    n_tries : int, default=5
        Candidates tried before a taken label is accepted with the next phrase added.
    """
    terms = list(terms)
    weights = list(weights) if weights is not None else [1.0] * len(terms)
    if not terms:
        return "(no terms)"
    top = weights[0]
    strong = [t for t, w in zip(terms, weights) if " " in t and w >= 0.5 * top][:3]
    ordered = strong + [t for t in terms if t not in strong]
    candidates = []
    for term in ordered:
        if " " not in term:
            extended = next((p for p in terms if " " in p and term in p.split()), None)
            term = extended if extended and extended not in candidates else term
        if term in candidates:
            continue
        surface = surface_form(term, texts, stop_words)
        if surface:
            candidates.append(term)
            label = surface[0].upper() + surface[1:]
            if label.lower() not in avoid:
                return label
            if len(candidates) == n_tries:
                break
    if not candidates:
        return "(no terms)"
    # Every candidate is taken: the first one with the next phrase keeps them apart.
    first = surface_form(candidates[0], texts, stop_words)
    second = surface_form(candidates[1], texts, stop_words) if len(candidates) > 1 else None
    label = f"{first}, {second}" if second else first
    return label[0].upper() + label[1:]
