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


def parent_label(labels, terms, sizes, texts=()):
    """Return a parent theme's label: the key phrase its themes share most (size-weighted).

    A phrase shared by several of the group's themes names what they have in common; with
    no shared phrase (or a single theme) the largest theme's label is used.

    Parameters
    ----------
    labels : sequence of str
        Labels of the group's themes, largest first.
    terms : sequence of sequence of (str, float)
        Their ranked terms.
    sizes : sequence of int
    texts : sequence of str
        Member comments, to show the shared phrase as they wrote it.
    """
    if len(labels) > 1:
        score = {}
        for theme_terms, size in zip(terms, sizes):
            for rank, (term, _) in enumerate(theme_terms[:10]):
                score.setdefault(term, []).append(size / (1 + rank))
        shared = [(sum(v), t) for t, v in score.items() if len(v) > 1]
        if shared:
            from .preprocessing import STOP_WORDS

            surface = surface_form(max(shared)[1], list(texts), STOP_WORDS)
            if surface:
                return surface[0].upper() + surface[1:]
    return labels[0] if labels else "(no terms)"


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


def readable_label(terms, texts, stop_words, n_phrases=2):
    """Return a short label in the members' own words: their top key phrases as they wrote them.

    Parameters
    ----------
    terms : sequence of str
        Ranked key phrases (lemmas), best first.
    texts : sequence of str
        Member comments, most typical first.
    stop_words : collection of str
        The vectorizer's stop words (skipped between a phrase's words).
    n_phrases : int, default=2
        At most this many phrases, the second only when it adds a word the first lacks.
    """
    chosen, words = [], set()
    multi = [t for t in terms if " " in t][:3]
    for term in multi + [t for t in terms if " " not in t]:
        if len(chosen) == n_phrases or (chosen and set(term.split()) <= words):
            continue
        surface = surface_form(term, texts, stop_words)
        if surface:
            chosen.append(surface)
            words |= set(term.split())
        if chosen and " " in chosen[0]:
            break  # one phrase of two or more words reads as a problem; a second only blurs it
    if not chosen:
        return "(no terms)"
    label = ", ".join(chosen)
    return label[0].upper() + label[1:]
