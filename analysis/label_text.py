"""How a label's words are written: within one clause, marks paired, negations closed, words in their usual form."""

import re

from .preprocessing import WORD_PATTERN, lemma

_WORD = re.compile(WORD_PATTERN)
# Marks that end a clause or open an aside: a phrase a member wrote runs between none of them.
_CLAUSE_BREAK = re.compile(r"[,;:.!?()\[\]{}\"“”«»…/|]")
_PAIRS = {"(": ")", "[": "]", "{": "}", "«": "»", "“": "”"}
# Two-part negations: the first part opens what the second closes ("ne marche pas"); the
# second is then part of the phrase, never a trailing word to drop.
NEGATION = {"fr": ({"ne", "n'"}, {"pas", "plus", "jamais", "rien", "personne", "aucun", "aucune"})}
# An inflected form written in less than this share of its word's uses, where the members
# write the word itself far more often, is an accident of the comments, not how they say it
# ("Cancelled Flighted", an artefact of one data set's text replacement, beside "flight").
RARE_FORM_SHARE = 0.2


def crosses_clause(norm, start, end):
    """True when ``norm[start:end]`` (the text between a phrase's first and last word) holds a clause break."""
    return _CLAUSE_BREAK.search(norm, start, end) is not None


def closes_negation(words, k, lang):
    """True when word ``k`` of ``words`` closes a two-part negation that an earlier word opened."""
    opening, closing = NEGATION.get(lang, ((), ()))
    return words[k] in closing and any(w in opening for w in words[:k])


def balanced(label):
    """Return ``label`` with no bracket left open or closed alone: an unpaired one and what it opens are dropped.

    Examples
    --------
    >>> balanced("Afternoon (us time")
    'Afternoon'
    >>> balanced("Wi-fi (again)")
    'Wi-fi (again)'
    """
    closing = {c: o for o, c in _PAIRS.items()}
    stack = []
    for i, char in enumerate(label):
        if char in _PAIRS:
            stack.append(i)
        elif char in closing:
            if stack and label[stack[-1]] == closing[char]:
                stack.pop()
            else:  # closed alone: keep what follows it
                return balanced(label[i + 1:].strip()) or balanced(label[:i].strip())
    if stack:
        head = label[:stack[0]].strip(" -,;:")
        return head or label[stack[0] + 1:].strip()
    return label


def usual_forms(label, texts, lang="en", max_texts=400):
    """Return ``label`` with each rarely written inflection replaced by the word's usual form.

    A word of the label whose lemma the members write, in the form shown, less than
    :data:`RARE_FORM_SHARE` of the time, while most often writing the lemma itself, is
    shown as the lemma ("Cancelled Flighted" -> "Cancelled Flight"). Capitalisation is kept.
    """
    counts = {}
    for text in texts[:max_texts]:
        for word in _WORD.findall(text.lower()):
            counts.setdefault(lemma(word, lang), {}).setdefault(word, 0)
            counts[lemma(word, lang)][word] += 1

    def usual(match):
        word = match.group(0)
        base = lemma(word.lower(), lang)
        forms = counts.get(base, {})
        total = sum(forms.values())
        if (word.lower() == base or not total or forms.get(word.lower(), 0) >= RARE_FORM_SHARE * total
                or max(forms, key=forms.get) != base):
            return word
        return base.capitalize() if word[:1].isupper() else base
    return _WORD.sub(usual, label)


def names_a_subject(label, lang="en"):
    """True unless ``label`` is one word that is an inflection other than a plural ("Lost", "Cancelled", "Perdu").

    A word alone names a subject a team can act on when it is a noun ("Weather", "Refunds");
    a participle or conjugated verb alone has lost the subject it was said of. Without a
    part-of-speech tagger, a word that is its own dictionary form or its plural counts as a
    noun.
    """
    words = _WORD.findall(label.lower())
    if len(words) != 1:
        return True
    word = words[0]
    base = lemma(word, lang)
    return word == base or word in (base + "s", base + "es", base + "x")
