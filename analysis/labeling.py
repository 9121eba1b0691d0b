"""Class-based TF-IDF theme labels (the c-TF-IDF idea of BERTopic) and representative quotes."""

import re

import numpy as np
import scipy.sparse as sp

from .label_text import balanced, closes_negation, crosses_clause, names_a_subject, usual_forms
from .preprocessing import CLOSED_CLASS_WORDS, WORD_PATTERN

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


_SPAN_WORD = re.compile(WORD_PATTERN)
# Words that may open a phrase but never close one ("too expensive", not "expensive too").
_OPENERS = {"en": {"too", "not", "no", "very", "never", "so"}, "fr": {"trop", "pas", "très", "jamais", "plus"}}
MAX_LABEL_WORDS = 6


def closed_class_words(lang):
    """Return the closed-class words of ``lang`` (English ones for a language without a list)."""
    return CLOSED_CLASS_WORDS.get(lang, CLOSED_CLASS_WORDS["en"])


def _trailing_words(lang):
    return closed_class_words(lang) | _OPENERS.get(lang, _OPENERS["en"])


def _languages_of(texts, languages):
    from .preprocessing import detect_language

    if languages is not None:
        return list(languages)
    return [detect_language(t.lower()) for t in texts]


def _occurrences(target, texts, langs, stop_words, max_texts):
    """Yield (norm, tokens, first, last, lang, cased) for each place a member wrote the lemmas ``target`` in a row."""
    from .preprocessing import lemma, normalize_text

    for text, lang in zip(texts[:max_texts], langs[:max_texts]):
        cased = normalize_text(text, lowercase=False)
        norm = cased.lower()
        if len(norm) != len(cased):  # a letter whose lowercase is longer: show it lowercased
            cased = norm
        tokens = [(m.group(0), m.start(), m.end()) for m in _SPAN_WORD.finditer(norm)]
        content = [k for k, w in enumerate(tokens)
                   if len(w[0]) > 1 and not w[0].endswith("'") and w[0] not in stop_words]
        for i in range(len(content) - len(target) + 1):
            if all(lemma(tokens[content[i + j]][0], lang) == target[j] for j in range(len(target))):
                first, last = content[i], content[i + len(target) - 1]
                # A phrase runs within one clause: "marche pas, j'ai perdu" is two.
                if last - first + 1 <= len(target) + 3 and not crosses_clause(norm, tokens[first][2],
                                                                              tokens[last][1]):
                    yield norm, tokens, first, last, lang, cased


def _joined(norm, tokens, left, right):
    """True when tokens ``left`` and ``right`` (adjacent) are in one clause: only spaces or a hyphen between them."""
    return norm[tokens[left][2]:tokens[right][1]].strip() in ("", "-")


def _grow(spans, n0, side, limit, refuse):
    """Grow ``spans`` on one side by the word most of the ``n0`` occurrences share, up to ``limit`` words.

    Returns the grown spans and whether the limit stopped them (rather than no word shared).
    """
    spans = [list(o) for o in spans]
    while spans and spans[0][3] - spans[0][2] + 1 < limit:
        votes = {}
        for norm, tokens, first, last, *_ in spans:
            k = last + 1 if side == "right" else first - 1
            if 0 <= k < len(tokens) and (_joined(norm, tokens, last, k) if side == "right"
                                         else _joined(norm, tokens, k, first)):
                votes.setdefault(tokens[k][0], []).append(k)
        votes = {w: v for w, v in votes.items() if not refuse(w)}
        word = max(votes, key=lambda w: (len(votes[w]), w), default=None)
        if word is None or 2 * len(votes[word]) <= n0:
            return spans, False
        kept = []
        for span in spans:
            k = span[3] + 1 if side == "right" else span[2] - 1
            if 0 <= k < len(span[1]) and span[1][k][0] == word:
                span[3 if side == "right" else 2] = k
                kept.append(span)
        spans = kept
    return spans, bool(spans)


def _extend(group, max_words, refuse=lambda word: False):
    """Grow the spans of ``group`` by neighbouring words while most of them share them.

    A span that most of its occurrences continue the same way is part of a longer phrase
    ("expensive for a small" is almost always followed by "team"): the phrase is taken
    whole, as term extraction takes the longest phrase a nested one belongs to (the
    C-value idea of Frantzi et al. 2000). The left side goes first, since in English and
    French the subject comes first ("[pricing per] seat makes no sense"); the right side
    is taken only whole: when it would run past ``max_words`` the span keeps its end, as
    a phrase cut by a length limit is a fragment again.
    """
    n0 = len(group)
    spans, _ = _grow(group, n0, "left", max_words, refuse)
    right, _ = _grow(spans, n0, "right", max_words + 1, refuse)
    if not right or right[0][3] - right[0][2] + 1 > max_words:
        return spans
    return right


def _trim(tokens, first, last, lang):
    """Drop closed-class words from both ends of a span (never the whole span)."""
    closed, trailing = closed_class_words(lang), _trailing_words(lang)
    a, b = first, last
    while a < b and (tokens[a][0] in closed or len(tokens[a][0]) < 2):
        a += 1
    words = [t[0] for t in tokens]
    while b > a and (tokens[b][0] in trailing or len(tokens[b][0]) < 2) and not closes_negation(words[a:b + 1],
                                                                                                b - a, lang):
        b -= 1
    return a, b


def surface_form(phrase, texts, stop_words, max_texts=400, languages=None, max_words=MAX_LABEL_WORDS,
                 refuse=None):
    """Return how the members most often wrote a lemmatised ``phrase`` ("flight cancel" -> "flight was cancelled").

    The phrase's words are matched, as lemmas in each member's language, against
    consecutive non-stop words of each normalised member text; the span between the first
    and last matched word, stop words included, is the surface form. The span then takes
    in the words that most of its occurrences share on either side (up to ``max_words``,
    see :func:`_extend`), and loses closed-class words at its ends, so that it never starts
    or ends mid-phrase. None when no member contains it.

    Parameters
    ----------
    languages : sequence of str, default=None
        Language of each text; None detects them.
    refuse : callable, default=None
        ``refuse(word)`` true for a word the span must not take in (a glued token).
    """
    target = phrase.split()
    texts = list(texts)
    langs = _languages_of(texts[:max_texts], None if languages is None else list(languages)[:max_texts])
    groups = {}
    for occ in _occurrences(target, texts, langs, stop_words, max_texts):
        norm, tokens, first, last = occ[:4]
        groups.setdefault(norm[tokens[first][1]:tokens[last][2]], []).append(occ)
    if not groups:
        return None
    surface = max(groups, key=lambda s: (len(groups[s]), -len(s)))
    spans = (_extend(groups[surface], max(max_words, len(target)), refuse or (lambda word: False))
             or [list(o) for o in groups[surface]])
    forms = {}
    for norm, tokens, first, last, lang, cased in spans:
        a, b = _trim(tokens, first, last, lang)
        text = cased[tokens[a][1]:tokens[b][2]]  # as written: "API", "iPhone"
        forms[text] = forms.get(text, 0) + 1
    return max(forms, key=lambda s: (forms[s], -len(s)))


def _written_alone(texts, max_texts=400):
    return {m.group(0) for t in texts[:max_texts] for m in _SPAN_WORD.finditer(t.lower())}


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
    return [w for w in _SPAN_WORD.findall(label.lower()) if glued_prefix(w, alone, lang)]


def unglue(label, texts, lang="en"):
    """Return ``label`` with each glued token cut to the word it starts with ("Flightled" -> "Flight")."""
    alone = _written_alone(texts)

    def cut(m):
        prefix = glued_prefix(m.group(0), alone, lang)
        return m.group(0)[:len(prefix)] if prefix else m.group(0)
    return _SPAN_WORD.sub(cut, label)


def label_key(label, lang="en"):
    """Return what a label says, for telling labels apart: its content words' lemmas, sorted.

    "Flight is delayed" and "flight delayed" say the same and share a key.
    """
    from .preprocessing import lemma

    closed = _trailing_words(lang)
    words = [lemma(w, lang) for w in _SPAN_WORD.findall(label.lower()) if w not in closed]
    return " ".join(sorted(set(words))) or label.lower()


_QUOTES = re.compile(r"[\"“”«»]|(?<![^\W\d_])'|'(?![^\W\d_])")


def _capitalised(text):
    """Return ``text`` without quote marks, its first letter upper case (unless its first word is "iPhone"-like)."""
    text = " ".join(_QUOTES.sub(" ", text).split())
    if not text or any(c.isupper() for c in text.split()[0][1:]):
        return text
    return text[0].upper() + text[1:]


def readable_label(terms, texts, stop_words, weights=None, avoid=(), n_tries=5, languages=None):
    """Return a short label in the members' own words: their most representative key phrase as they wrote it.

    A multi-word phrase leads only when its weight is at least half the top term's: a
    phrase that a fifth of the members wrote ("lost an afternoon of work") does not name a
    theme whose members all wrote one word ("sync"). A leading single word is replaced by
    the best phrase that contains it ("sync" -> "Sync failed"), since a word alone rarely
    says what the problem is. Each phrase is read as the members wrote it, whole
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
    langs = _languages_of(texts[:400], None if languages is None else list(languages)[:400])
    lang = max(set(langs), key=langs.count) if langs else "en"
    top = weights[0]
    strong = [t for t, w in zip(terms, weights) if " " in t and w >= 0.5 * top][:3]
    ordered = strong + [t for t in terms if t not in strong]
    alone = _written_alone(texts)

    def refuse(word):
        return glued_prefix(word, alone, lang) is not None

    candidates, label = _first_free_label(ordered, terms, texts, stop_words, langs, lang, avoid, n_tries, refuse)
    if label is not None:
        return label
    if not candidates:
        return "(no terms)"
    # Every candidate is taken: the first one with the next phrase keeps them apart.
    first = unglue(surface_form(candidates[0], texts, stop_words, languages=langs, refuse=refuse), texts, lang)
    second = (unglue(surface_form(candidates[1], texts, stop_words, languages=langs, refuse=refuse), texts, lang)
              if len(candidates) > 1 else None)
    return _tidy(f"{first}, {second}" if second else first, texts, lang)


def _tidy(surface, texts, lang):
    """Return a surface form as a label: brackets paired, each word in its usual form, capitalised."""
    return _capitalised(usual_forms(balanced(surface), texts, lang))


def _first_free_label(ordered, terms, texts, stop_words, langs, lang, avoid, n_tries, refuse):
    """Return (the candidate terms tried, the first label not in ``avoid`` or None); see :func:`readable_label`."""
    candidates, last_resorts = [], []
    for word in ordered:
        term, surface, alone = word, None, False
        if " " not in word:
            extended = next((p for p in terms if " " in p and word in p.split()), None)
            if extended and extended not in candidates:
                term, surface = extended, surface_form(extended, texts, stop_words, languages=langs, refuse=refuse)
            # The phrase was never written within one clause: the word alone, if no other candidate says more.
            term, alone = (word, bool(extended)) if not surface else (term, False)
        if term in candidates:
            continue
        surface = surface or surface_form(term, texts, stop_words, languages=langs, refuse=refuse)
        if not surface:
            continue
        candidates.append(term)
        label = _tidy(surface, texts, lang)
        if alone or any(refuse(w) for w in _SPAN_WORD.findall(label.lower())) or not names_a_subject(label, lang):
            # Last resorts, in rank order: the members' own phrase with the run-together word cut back to the
            # word it starts with; a word whose phrase nobody wrote; a participle alone ("Lost").
            last_resorts.append(unglue(label, texts, lang))
        elif label_key(label, lang) not in avoid:
            return candidates, label
        if len(candidates) == n_tries:
            break
    free = [g for g in last_resorts if label_key(g, lang) not in avoid]
    return candidates, (free[0] if free else None)
