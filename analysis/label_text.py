"""How a label's words are written: within one clause, marks paired, negations closed, words in their usual form."""

import re
from collections import Counter

from .preprocessing import STOP_WORDS, WORD_PATTERN, lemma, normalize_text

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
# A lone subject noun ("Plane") says what is wrong with it when this share of the members who
# wrote it (and at least PREDICATE_MIN_MEMBERS) wrote the same word beside it ("Plane sat").
PREDICATE_SHARE = 0.25
PREDICATE_MIN_MEMBERS = 3
# Words that open the next constituent: conjunctions and modal verbs. A phrase too long to be
# taken whole is cut just before one ("Android app is slow | and drains my battery",
# "Scheduled reports by email | would make it perfect"), where it reads complete. Grammar
# lists, not learned from any data set.
MODALS = {"en": frozenset("will would shall should can could may might must".split())}
CONJUNCTIONS = {
    "en": frozenset("""and but or nor so yet because although though while whereas if unless than whether
        which who that when where""".split()),
    "fr": frozenset("""et ou mais donc car ni que qu qui quand lorsque parce puisque si alors dont""".split()),
}


def crosses_clause(norm, start, end):
    """True when ``norm[start:end]`` (the text between a phrase's first and last word) holds a clause break."""
    return _CLAUSE_BREAK.search(norm, start, end) is not None


# Adverb particles of phrasal verbs ("sign up", "log me out", "went down"): a phrase may end on
# one, as it closes its verb. Words that are mostly prepositions ("in", "on", "over") are not in
# the list: a phrase ending on one has lost its object ("Wi-fi on [the flight]").
PARTICLES = {"en": frozenset("up out down off back away".split())}


def hyphen_joined(norm, tokens, left, right):
    """True when tokens ``left`` and ``right`` (adjacent, as (word, start, end)) are one hyphenated word ("top-up")."""
    return 0 <= left and right < len(tokens) and norm[tokens[left][2]:tokens[right][1]] == "-"


def whole_words(norm, tokens, first, last):
    """Return (first, last) widened so that a hyphenated word is never cut ("auto top" -> "auto top-up")."""
    while hyphen_joined(norm, tokens, first - 1, first):
        first -= 1
    while hyphen_joined(norm, tokens, last, last + 1):
        last += 1
    return first, last


def clause_links(lang):
    """Return the words that open the next constituent in ``lang``: its conjunctions and modal verbs."""
    return CONJUNCTIONS.get(lang, CONJUNCTIONS["en"]) | MODALS.get(lang, frozenset())


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


def names_a_subject(label, lang="en", nouns=None):
    """True unless ``label`` is one word that is not a noun ("Lost", "Cancelled", "Perdu"; with ``nouns``, "Exactly").

    A word alone names a subject a team can act on when it is a noun ("Weather", "Refunds");
    a participle or conjugated verb alone has lost the subject it was said of, and an
    adjective or adverb alone ("Slow", "Disposable", "Exactly") says how something is, not
    what. Without a part-of-speech tagger, a word that is its own dictionary form or its
    plural may be a noun; with ``nouns`` (:func:`noun_shares` of the members' texts) it is
    one only when they use it as one in at least :data:`NOUN_USE_SHARE` of its uses.
    """
    words = _WORD.findall(label.lower())
    if len(words) != 1:
        return True
    word = words[0]
    base = lemma(word, lang)
    if not (word == base or _plural_of(word, base, lang)):
        return False
    return nouns is None or nouns.get(base, 0.0) >= NOUN_USE_SHARE


# A word is used as a noun where a member writes it as one: after a determiner or preposition ending
# what it opens ("my card", "on hold", "for the top-up"), before an auxiliary or a conjugated verb
# ("search is", "support took"), or in the plural. A noun is written so in a quarter of its uses or
# more (card 0.82, fee 0.97, sync 0.32, weather 0.37); an adjective, adverb or verb in few (slow,
# easy, exactly, disposable 0.00, new 0.09, work as "doesn't work" 0.21): figures of the words of the
# airline, Banking77 and demo comments, the share set at a quarter as for PREDICATE_SHARE.
NOUN_USE_SHARE = 0.25
DETERMINERS = {
    "en": frozenset("a an the my your his her its our their this that these those no any some every each another"
                    .split()),
    "fr": frozenset("le la les l' un une des du au aux ce cet cette ces mon ma mes ton ta tes son sa ses notre nos "
                    "votre vos leur leurs".split()),
}
# Prepositions that take a noun ("to" also opens an infinitive: "to work").
PREPOSITIONS = {
    "en": frozenset("""about above across after against along among around at before behind below beneath beside
        between beyond by during except for from in inside into near of off on onto outside over past per since
        through till toward towards under until upon via with within without""".split()),
    "fr": frozenset("à de d' dans sur sous pour par avec sans chez vers entre depuis pendant en".split()),
}
AUXILIARIES = {
    "en": frozenset("""am is are was were be been being has have had do does did will would shall should can could
        may might must isn't aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't won't wouldn't
        can't couldn't shouldn't""".split()),
    "fr": frozenset("est sont était étaient sera a ont avait avaient".split()),
}
# Degree words before an adjective in a question ("how long does"): the auxiliary after it is not its verb.
_DEGREE_QUESTION = frozenset({"how", "combien", "comment"})
_STOP = frozenset(STOP_WORDS)


def _plural_of(word, base, lang):
    """True when ``word`` is written as the plural of its lemma ``base`` ("cards", "currencies", "bureaux")."""
    if word == base:
        return False
    return word.endswith("x" if lang == "fr" and word.endswith("x") else "s") and not base.endswith(word[-1])


def _verb_form(word, lang):
    """True when ``word`` is inflected otherwise than as a plural ("took", "failed", "working"): a verb's form."""
    base = lemma(word, lang)
    return base != word and not _plural_of(word, base, lang)


def noun_shares(texts, langs, max_texts=400, modifiers=None, words=None, members=None):
    """Return {lemma: share of its uses in ``texts`` that are a noun's} (1.0 for texts of a language without lists).

    A use is a noun's when the word is written in the plural; when it is directly followed by an
    auxiliary or a conjugated verb ("search is slow", "support took days"), unless a degree
    question asks about it ("how long does"); or when it ends a phrase that a determiner or
    preposition opens, at most two words before it ("my card", "a Salesforce integration", "on
    hold"), the next word being no content word but a verb's form ("the transfer failed"). An
    adjective is written before its noun ("a disposable card"), an adverb or a verb after no
    determiner ("does exactly what", "doesn't work"). A word written as a verb form
    ("failed") is never a noun's use. ``modifiers`` (a dict), when given, receives each lemma's
    share of uses directly before a content word (see :func:`ends_on_a_modifier`). ``words``:
    the lemmas to read (None: all); ``members``: the texts already read
    (:func:`~analysis.phrasing.read_members`).

    Examples
    --------
    >>> shares = noun_shares(["my card was declined", "a disposable card", "cards"], ["en"] * 3)
    >>> shares["card"], shares["disposable"]
    (1.0, 0.0)
    """
    from .phrasing import read_members

    uses, nouns, before = Counter(), Counter(), Counter()
    for member in members if members is not None else read_members(texts, langs, (), max_texts):
        norm, tokens, lang = member.norm, member.tokens, member.lang
        for i, base in enumerate(member.lemmas):
            if words is not None and base not in words:
                continue
            uses[base] += 1
            nouns[base] += lang not in DETERMINERS or _noun_use(tokens, i, norm, lang)
            # Before a content word in its base form ("disposable card"); "app crashes" may be a verb's -s.
            before[base] += (i + 1 < len(tokens) and tokens[i + 1][0] not in _STOP
                             and member.lemmas[i + 1] == tokens[i + 1][0]
                             and not crosses_clause(norm, tokens[i][2], tokens[i + 1][1]))
    if modifiers is not None:
        modifiers.update({base: before[base] / n for base, n in uses.items()})
    return {base: nouns[base] / n for base, n in uses.items()}


def ends_on_a_modifier(label, lang, nouns, modifiers):
    """True when the last word of ``label`` is no noun and mostly precedes one ("Disposable virtual [card]").

    ``nouns`` and ``modifiers`` are :func:`noun_shares` of the members' texts. A word the members
    write before another content word in more than half its uses, and rarely as a noun, is an
    adjective or a noun's modifier: a label ending on it has lost its noun.
    """
    words = _WORD.findall(label.lower())
    if not words:
        return False
    base = lemma(words[-1], lang)
    return nouns.get(base, 0.0) < NOUN_USE_SHARE and modifiers.get(base, 0.0) > 0.5


def _noun_use(tokens, i, norm, lang):
    """True when token ``i`` (a use of the word) is written as a noun; see :func:`noun_use_share`."""
    from .phrasing import closed_class_words

    written = tokens[i][0]
    if _plural_of(written, lemma(written, lang), lang):
        return True
    if _verb_form(written, lang):
        return False
    # Function words: closed-class words, auxiliaries ("doesn't") and the vectorizer's stop words ("not", "still").
    closed = closed_class_words(lang) | AUXILIARIES[lang] | _STOP

    def joined(a, b):
        return 0 <= a and b < len(tokens) and not crosses_clause(norm, tokens[a][2], tokens[b][1])
    after = tokens[i + 1][0] if joined(i, i + 1) else None
    before = tokens[i - 1][0] if joined(i - 1, i) else None
    if after is not None and (after in AUXILIARIES[lang] or (after not in closed and _verb_form(after, lang))):
        return before not in _DEGREE_QUESTION
    k = i - 1
    while k >= i - 2 and joined(k, k + 1) and tokens[k][0] not in closed and not _verb_form(tokens[k][0], lang):
        k -= 1
    opened = joined(k, k + 1) and (tokens[k][0] in DETERMINERS[lang] or tokens[k][0] in PREPOSITIONS[lang])
    return opened and (after is None or after in closed)


def predicate_phrases(word, texts, langs, stop_words, max_texts=400):
    """Return the word pairs (lemmas, in written order) that members write ``word`` in, most shared first.

    For a label that is a lone noun ("Plane"): the content word the members most often
    write next to it, within one clause and at most two stop words away ("plane sat",
    "dirty plane"), says what happens to it. A pair is returned only when at least
    :data:`PREDICATE_SHARE` of the members who wrote ``word``, and at least
    :data:`PREDICATE_MIN_MEMBERS`, wrote it.

    Examples
    --------
    >>> predicate_phrases("plane", ["the plane was dirty", "dirty plane again", "plane is dirty", "plane"],
    ...                   ["en"] * 4, {"the", "was", "is", "again"})
    ['plane dirty']
    """
    writers, writers_of, orders = 0, {}, Counter()
    for member, (text, lang) in enumerate(zip(texts[:max_texts], langs[:max_texts])):
        norm = normalize_text(text)
        tokens = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(norm)]
        content = [k for k, t in enumerate(tokens) if len(t[0]) > 1 and not t[0].endswith("'")
                   and t[0] not in stop_words]
        lemmas = [lemma(tokens[k][0], lang) for k in content]
        for i in (i for i, w in enumerate(lemmas) if w == word):
            for j in (i - 1, i + 1):
                if not 0 <= j < len(content) or lemmas[j] == word:
                    continue
                a, b = sorted((content[i], content[j]))
                if b - a <= 3 and not crosses_clause(norm, tokens[a][2], tokens[b][1]):
                    writers_of.setdefault(lemmas[j], set()).add(member)
                    orders[f"{lemmas[min(i, j)]} {lemmas[max(i, j)]}"] += 1
        writers += word in lemmas
    for other in list(writers_of):
        stem = _ing_stem(other, writers_of)
        if stem:  # "sitting" beside "sit": one verb the dictionary did not reduce
            writers_of[stem] |= writers_of.pop(other)
    need = max(PREDICATE_MIN_MEMBERS, PREDICATE_SHARE * writers)
    ranked = sorted(writers_of, key=lambda other: (-len(writers_of[other]), other))
    # A pair counts whichever order a member wrote it in, and is shown in the order most wrote it.
    return [max((f"{word} {other}", f"{other} {word}"), key=lambda pair: orders[pair])
            for other in ranked if len(writers_of[other]) >= need]


def _ing_stem(word, known):
    """Return the verb of an unreduced "-ing" form when ``known`` holds it ("sitting" -> "sit"), else None."""
    if not word.endswith("ing") or len(word) < 6:
        return None
    base = word[:-3]
    stems = [base[:-1]] if len(base) > 2 and base[-1] == base[-2] else []
    return next((s for s in stems + [base, base + "e"] if s in known), None)
