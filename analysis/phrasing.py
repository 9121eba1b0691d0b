"""How the members wrote a lemmatised phrase: its occurrences in their comments, grown to the whole phrase, trimmed."""

import re
from typing import NamedTuple

from .label_text import (MODALS, PARTICLES, RARE_FORM_SHARE, clause_links, closes_negation, crosses_clause,
                         hyphen_joined, whole_words)
from .preprocessing import CLOSED_CLASS_WORDS, WORD_PATTERN

SPAN_WORD = re.compile(WORD_PATTERN)
# Words that may open a phrase but never close one ("too expensive", not "expensive too").
_OPENERS = {"en": {"too", "not", "no", "very", "never", "so"}, "fr": {"trop", "pas", "très", "jamais", "plus"}}
# Pro-forms that open a clause but no phrase: "[is] there a limit" is a question cut in half.
_NOT_OPENING = {"en": frozenset({"there", "here"}), "fr": frozenset()}
MAX_LABEL_WORDS = 6


def closed_class_words(lang):
    """Return the closed-class words of ``lang`` (English ones for a language without a list)."""
    return CLOSED_CLASS_WORDS.get(lang, CLOSED_CLASS_WORDS["en"])


def trailing_words(lang):
    """Return the words a phrase of ``lang`` never ends on: closed-class words and openers ("too", "not")."""
    return closed_class_words(lang) | _OPENERS.get(lang, _OPENERS["en"])


def languages_of(texts, languages):
    """Return ``languages`` as a list, or the detected language of each text when it is None."""
    from .preprocessing import detect_language

    if languages is not None:
        return list(languages)
    return [detect_language(t.lower()) for t in texts]


class MemberText(NamedTuple):
    """One member text read once for every phrase looked up in it (see :func:`read_members`)."""

    norm: str
    cased: str
    tokens: list
    lemmas: list
    content: list
    lang: str


def read_members(texts, langs, stop_words, max_texts=400):
    """Return each of the first ``max_texts`` texts normalised, tokenised and lemmatised (:class:`MemberText`).

    A label looks many phrases up in the same texts; reading them once keeps that cheap.
    """
    from .preprocessing import lemma, normalize_text

    out = []
    for text, lang in zip(texts[:max_texts], langs[:max_texts]):
        cased = normalize_text(text, lowercase=False)
        norm = cased.lower()
        if len(norm) != len(cased):  # a letter whose lowercase is longer: show it lowercased
            cased = norm
        tokens = [(m.group(0), m.start(), m.end()) for m in SPAN_WORD.finditer(norm)]
        content = [k for k, w in enumerate(tokens)
                   if len(w[0]) > 1 and not w[0].endswith("'") and w[0] not in stop_words]
        out.append(MemberText(norm, cased, tokens, [lemma(t[0], lang) for t in tokens], content, lang))
    return out


def _occurrences(target, members, sources):
    """Yield (norm, tokens, first, last, lang, cased, source) for each place a member wrote the lemmas ``target``."""
    for member, source in zip(members, sources):
        norm, cased, tokens, lemmas, content, lang = member
        if target[0] not in lemmas:
            continue
        for i in range(len(content) - len(target) + 1):
            if all(lemmas[content[i + j]] == target[j] for j in range(len(target))):
                first, last = content[i], content[i + len(target) - 1]
                # A phrase runs within one clause: "marche pas, j'ai perdu" is two.
                if last - first + 1 <= len(target) + 3 and not crosses_clause(norm, tokens[first][2],
                                                                              tokens[last][1]):
                    yield norm, tokens, first, last, lang, cased, source


def _joined(norm, tokens, left, right):
    """True when tokens ``left`` and ``right`` (adjacent) are in one clause: only spaces or a hyphen between them."""
    return norm[tokens[left][2]:tokens[right][1]].strip() in ("", "-")


def _grow(spans, n0, side, limit, refuse, shared=False):
    """Grow ``spans`` on one side by the word most of the ``n0`` occurrences share, up to ``limit`` words.

    With ``shared``, a word is taken only where occurrences of two or more sources write it
    (at least a fifth of them outside the main source: see :func:`_one_source`).
    Returns the grown spans and whether the limit stopped them (rather than no word shared).
    """
    spans = [list(o) for o in spans]
    while spans and spans[0][3] - spans[0][2] + 1 < limit:
        votes = {}
        for norm, tokens, first, last, *_, source in spans:
            k = last + 1 if side == "right" else first - 1
            if 0 <= k < len(tokens) and (_joined(norm, tokens, last, k) if side == "right"
                                         else _joined(norm, tokens, k, first)):
                votes.setdefault(tokens[k][0], []).append(source)
        votes = {w: v for w, v in votes.items() if not refuse(w)}
        word = max(votes, key=lambda w: (len(votes[w]), w), default=None)
        if word is None or 2 * len(votes[word]) <= n0 or (shared and _one_source(votes[word])):
            return spans, False
        kept = []
        for span in spans:
            k = span[3] + 1 if side == "right" else span[2] - 1
            if 0 <= k < len(span[1]) and span[1][k][0] == word:
                span[3 if side == "right" else 2] = k
                kept.append(span)
        spans = kept
    return spans, bool(spans)


def _one_source(sources):
    """True when all but less than :data:`~analysis.label_text.RARE_FORM_SHARE` of ``sources`` are one source."""
    top = max(sources.count(s) for s in set(sources))
    return len(sources) - top < RARE_FORM_SHARE * len(sources)


def _extend(group, max_words, refuse=lambda word: False, shared=False):
    """Grow the spans of ``group`` by neighbouring words while most of them share them.

    A span that most of its occurrences continue the same way is part of a longer phrase
    ("expensive for a small" is almost always followed by "team"): the phrase is taken
    whole, as term extraction takes the longest phrase a nested one belongs to (the
    C-value idea of Frantzi et al. 2000). The left side goes first, since in English and
    French the subject comes first ("[pricing per] seat makes no sense"); the right side
    is taken only whole: when it would run past ``max_words`` the span ends just before
    the last conjunction or modal within the limit (:func:`_cut_before_link`), else it
    keeps its end, as a phrase cut by a length limit is a fragment again. With
    ``shared``, see :func:`_grow`.
    """
    n0 = len(group)
    spans, _ = _grow(group, n0, "left", max_words, refuse, shared)
    right, _ = _grow(spans, n0, "right", max_words + 1, refuse, shared)
    if not right:
        return spans
    if right[0][3] - right[0][2] + 1 > max_words:
        # Too long to take whole: end where the next constituent begins, after the phrase's own end if possible.
        # A phrase that itself ends on a modal and its verb ("email would make [it perfect]") loses both.
        tokens, end, lang = spans[0][1], spans[0][3], spans[0][4]
        verb_cut = tokens[end - 1][0] in MODALS.get(lang, ()) and _cut_before_link(spans, max_words, end - 2)
        return _cut_before_link(right, max_words, end) or verb_cut or spans
    return right


def _cut_before_link(spans, max_words, lowest):
    """Return ``spans`` (sharing their words) cut where the next constituent begins, or None.

    A phrase the members continue past the length limit is cut just before its last
    conjunction or modal ("Android app is slow | and drains my battery"; "Scheduled
    reports by email | would make it perfect") or just after a verb's particle ("iPhone
    app logs me out | every day"), never mid-constituent. The cut keeps at most
    ``max_words`` words, ends at token ``lowest`` or later and keeps a content word; None
    when no place qualifies.
    """
    norm, tokens, first, last, lang, *_ = spans[0]
    links, closed = clause_links(lang), closed_class_words(lang)
    particles = PARTICLES.get(lang, frozenset())
    for end in range(min(last - 1, first + max_words - 1), max(lowest, first) - 1, -1):
        if ((tokens[end + 1][0] in links or tokens[end][0] in particles)
                and any(t[0] not in closed for t in tokens[first:end + 1])):
            return [[*s[:3], s[2] + end - first, *s[4:]] for s in spans]  # the same words in each text
    return None


def _trim(norm, tokens, first, last, lang):
    """Drop closed-class words from both ends of a span (never the whole span, nor part of a hyphenated word)."""
    closed, trailing = closed_class_words(lang) | _NOT_OPENING.get(lang, frozenset()), trailing_words(lang)
    a, b = first, last
    # A word of a hyphenated one ("top-up", "check-in") stays with it.
    while a < b and (tokens[a][0] in closed or len(tokens[a][0]) < 2) and not hyphen_joined(norm, tokens, a, a + 1):
        a += 1
    words = [t[0] for t in tokens]
    while (b > a and (tokens[b][0] in trailing or len(tokens[b][0]) < 2) and not hyphen_joined(norm, tokens, b - 1, b)
           and tokens[b][0] not in PARTICLES.get(lang, ()) and not closes_negation(words[a:b + 1], b - a, lang)):
        b -= 1
    return whole_words(norm, tokens, a, b)


def surface_form(phrase, texts, stop_words, max_texts=400, languages=None, max_words=MAX_LABEL_WORDS,
                 refuse=None, sources=None, members=None):
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
    sources : sequence, default=None
        Where each text comes from (its theme, for a parent's label): the span takes in
        only words that texts of two or more sources share ("mobile app", not the
        largest theme's "mobile app crashes").
    members : list of MemberText, default=None
        ``texts`` already read (:func:`read_members`, with the same ``max_texts``).
    """
    target = phrase.split()
    texts = list(texts)
    if members is None:
        langs = languages_of(texts[:max_texts], None if languages is None else list(languages)[:max_texts])
        members = read_members(texts, langs, stop_words, max_texts)
    groups = {}
    for occ in _occurrences(target, members, list(sources) if sources is not None else [None] * len(texts)):
        norm, tokens, first, last = occ[:4]
        groups.setdefault(norm[tokens[first][1]:tokens[last][2]], []).append(occ)
    if not groups:
        return None
    surface = max(groups, key=lambda s: (len(groups[s]), -len(s)))
    spans = (_extend(groups[surface], max(max_words, len(target)), refuse or (lambda word: False),
                     shared=sources is not None)
             or [list(o) for o in groups[surface]])
    forms = {}
    for norm, tokens, first, last, lang, cased, _ in spans:
        a, b = _trim(norm, tokens, first, last, lang)
        text = cased[tokens[a][1]:tokens[b][2]]  # as written: "API", "iPhone"
        forms[text] = forms.get(text, 0) + 1
    return max(forms, key=lambda s: (forms[s], -len(s)))


def written_form(phrase, members):
    """Return how the members most often wrote the lemmatised ``phrase`` itself ("auto top" -> "auto top-up"), or None.

    Key phrases are shown as customers wrote them (lemmas are only for matching): the words
    matched, what they wrote between them ("miss salesforce" -> "missing a Salesforce") and a
    hyphenated word whole, the case they wrote it in ("API", "iPhone"), a first word they
    capitalised only because it opens a sentence lowercased. ``members``: :func:`read_members`.
    """
    forms = {}
    for norm, tokens, first, last, _, cased, _ in _occurrences(phrase.split(), members, [None] * len(members)):
        a, b = whole_words(norm, tokens, first, last)
        text = cased[tokens[a][1]:tokens[b][2]]
        opens = a == 0 or norm[tokens[a - 1][2]:tokens[a][1]].strip()[-1:] in (".", "!", "?")
        if opens and text[:1].isupper() and text.split()[0][1:].islower():
            text = text[0].lower() + text[1:]
        forms[text] = forms.get(text, 0) + 1
    return max(forms, key=lambda form: (forms[form], -len(form))) if forms else None
