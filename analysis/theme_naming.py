"""How a theme model names what it found: keys kept from a previous run, theme and parent labels (a mixin)."""

import hashlib

import numpy as np

from . import edits as _edits
from .clustering import group_parents
from .labeling import label_key, readable_label, top_terms
from .matching import assign_keys, overlap_similarity, term_similarity
from .phrasing import read_members, written_form
from .preprocessing import STOP_WORDS
from .results import ParentTheme


def theme_key(terms, taken, prefix="t"):
    """Return a new key from a hash of the top terms (``t`` themes, ``p`` parents), unique within ``taken``."""
    digest = hashlib.sha1(" ".join(t for t, _ in terms[:5]).encode()).hexdigest()
    key, n = prefix + digest[:8], 1
    while key in taken:
        n += 1
        key = f"{prefix}{digest[:8]}-{n}"
    return key


def in_language(texts, langs, language):
    """Return the (texts, langs) written in ``language``, or all of them when none is.

    Labels are read from the comments in the workspace's language where there are some, so
    that a theme holding English and French comments is named in the workspace's language.
    """
    keep = [i for i, lang in enumerate(langs) if lang == language]
    if not keep:
        return list(texts), list(langs)
    return [texts[i] for i in keep], [langs[i] for i in keep]


# A theme uses a term when this share of its members write it (a fifth, as for a rare form).
SHARED_USE = 0.2
# Parent terms considered, in multiples of the key phrases shown.
PARENT_POOL = 4
# A parent's label names a group in a few words ("Mobile app", "Cash from the ATM"), never one theme's
# sentence ("Support took five days to answer"); a longer one is a last resort.
PARENT_MAX_WORDS = 4


def shared_terms(terms, themes, counts, sample_primary, feature_names):
    """Return the parent's ``terms`` that two or more of its ``themes`` use, in their order.

    A theme uses a term when at least :data:`SHARED_USE` of its members write it; a term
    only one theme uses names that theme, not what the parent's themes have in common.

    Parameters
    ----------
    terms : list of (str, float)
        The parent's ranked c-TF-IDF terms.
    themes : sequence of int
        The parent's themes.
    counts : scipy.sparse matrix (n_sample, n_terms)
        Term counts of the clustered sample.
    sample_primary : numpy.ndarray of int
        Theme of each sample row.
    """
    index = {name: j for j, name in enumerate(feature_names)}
    columns = [index[t] for t, _ in terms]
    n_users = np.zeros(len(terms), dtype=int)
    for t in themes:
        rows = np.flatnonzero(sample_primary == t)
        if len(rows):
            n_users += np.asarray((counts[rows][:, columns] > 0).mean(axis=0)).ravel() >= SHARED_USE
    return [term for term, n in zip(terms, n_users) if n >= 2]


class ThemeNamingMixin:
    """Naming half of :class:`~analysis.themes.ThemeClusterer`: keys, theme labels and parents.

    Expects ``reference``, ``edits``, ``labeler``, ``max_parents``, ``n_key_phrases`` and
    the fitted ``centroids_``, ``cluster_theme_``, ``language_`` and ``_feature_names``.
    """

    def _match_reference(self, sample_texts, primary, cluster_terms):
        """Return a key per cluster, the labels inherited from the reference and its parent keys."""
        n = len(cluster_terms)
        taken, inherited, parent_keys = set(), {}, {}
        keys = [None] * n
        if self.reference is not None:
            ref = self.reference
            prev = type(self).from_state(ref) if isinstance(ref, dict) else None
            prev_themes = prev.themes_ if prev is not None else list(ref)
            sim = term_similarity([t.term_weights for t in prev_themes], cluster_terms)
            if prev is not None:
                prev_primary = [m[0] if m else -1 for m in prev.assign(sample_texts)]
                sim = 0.5 * sim + 0.5 * overlap_similarity(prev_primary, primary, len(prev_themes), n)
            mapping = assign_keys(sim, [t.key for t in prev_themes], attach_similarity=0.5)
            for j, key in mapping.items():
                if key is not None:
                    keys[j] = _edits.parent_key(self.edits, key)
            inherited = {t.key: t.label for t in prev_themes}
            parent_keys = {t.key: t.parent_key for t in prev_themes}
            self._reference_parents = list(getattr(prev, "parents_", ()))
            taken |= {t.key for t in prev_themes}
        else:
            self._reference_parents = []
        for j in range(n):
            if keys[j] is None:
                keys[j] = theme_key(cluster_terms[j], taken)
            taken.add(keys[j])
        return keys, inherited, parent_keys

    def _label(self, terms, texts, langs, avoid, sources=None, max_words=None):
        if sources is not None:
            pairs, langs = in_language(list(zip(texts, sources)), langs, self.language_)
            texts, sources = [t for t, _ in pairs], [s for _, s in pairs]
        else:
            texts, langs = in_language(texts, langs, self.language_)
        # A parent tries every term: its first ones are often its themes' own labels.
        n_tries = len(terms) if max_words is not None else 5
        return readable_label([p for p, _ in terms], texts, STOP_WORDS, [w for _, w in terms], avoid, n_tries,
                              languages=langs, sources=sources, max_words=max_words)

    def _shown_phrases(self, terms, texts, langs, pinned):
        """Return the key phrases to show after the ``pinned`` ones: the best terms as the members wrote them.

        The terms are lemmas ("auto top", "miss salesforce"), fit for matching only; a team reads
        the customers' words ("auto top-up", "missing a Salesforce"). A term no member wrote
        within one clause (a word pair across a full stop) is not shown; nor is a phrase twice.
        """
        texts, langs = in_language(texts, langs, self.language_)
        members = read_members(texts, langs, STOP_WORDS, max_texts=200)
        shown, seen = [], {p.lower() for p in pinned}
        for term, _ in terms:
            if len(pinned) + len(shown) >= self.n_key_phrases:
                break
            written = written_form(term, members)
            if written and written.lower() not in seen:
                seen.add(written.lower())
                shown.append(written)
        return tuple(pinned) + tuple(shown)

    def _label_themes(self, order, keys, terms, members, member_langs, edits, inherited, labeler):
        """Return a label per theme: the team's, the inherited one, or the members' own phrase, distinct."""
        labels, taken = [None] * len(keys), set()
        for t in order:  # the larger theme gets first pick of a label
            pinned = tuple(edits.pinned_phrases.get(keys[t], ()))
            label = edits.renames.get(keys[t]) or inherited.get(keys[t])
            if not label and terms[t]:
                label = (self._label(terms[t], members[t], member_langs[t], taken) if self.labeler is None
                         else labeler.label([p for p, _ in terms[t]]))
            labels[t] = label or ", ".join(pinned) or keys[t]
            taken.add(label_key(labels[t], self.language_))
        return labels

    def _parents(self, keys, sizes, labels, parent_keys, members, member_langs, counts, sample_primary, labeler):
        """Group themes under parents; a parent keeps the key its largest theme had before.

        A parent's label is its own most representative phrase: class-based TF-IDF with the
        parents as classes (words every parent's comments use, "really", "time", weigh
        nothing), read as its members wrote it, distinct from the other parents' labels.
        """
        n = len(keys)
        if n == 0:
            return [], []
        directions = np.zeros((n, self.centroids_.shape[1]), dtype=np.float64)
        for c, t in enumerate(self.cluster_theme_):
            if t >= 0:
                directions[t] += self.centroids_[c] * max(1, sizes[t])
        norms = np.linalg.norm(directions, axis=1)
        directions[norms == 0] = 1.0 / np.sqrt(directions.shape[1])  # rule-only themes
        group = group_parents(directions / np.linalg.norm(directions, axis=1, keepdims=True), sizes,
                              self.max_parents)
        n_groups = int(group.max()) + 1
        row_group = np.where(sample_primary >= 0, group[np.maximum(sample_primary, 0)], -1)
        # A wider pool than a theme's: the terms its themes share may rank below one theme's own.
        group_terms = top_terms(labeler.term_weights(counts, row_group, n_groups), self._feature_names,
                                PARENT_POOL * self.n_key_phrases)
        previous = {p.key: p for p in self._reference_parents}
        parent_of, parents, taken, taken_labels = [""] * n, [], set(), set()
        for g in range(n_groups):
            group_members = sorted(np.flatnonzero(group == g), key=lambda t: (-sizes[t], keys[t]))
            key = next((parent_keys.get(keys[t]) for t in group_members
                        if parent_keys.get(keys[t]) and parent_keys.get(keys[t]) not in taken), None)
            key = key or theme_key([(keys[t], 1.0) for t in group_members], taken, prefix="p")
            taken.add(key)
            if key in previous:
                label = previous[key].label
            elif len(group_members) == 1 or not group_terms[g] or self.labeler is not None:
                label = labels[group_members[0]]
            else:
                # Member comments by theme size, each theme's most typical first.
                texts = [text for t in group_members for text in members[t][:100]]
                langs = [lang for t in group_members for lang in member_langs[t][:100]]
                # A parent is named by the subject its themes share, then (when every shared term is taken) by
                # its other terms; never after one of its themes, as if the others were that too (even one
                # holding most of its comments: "Boss loves the exports" over "Save me hours every week").
                shared = shared_terms(group_terms[g], group_members, counts, sample_primary, self._feature_names)
                terms = (shared + [t for t in group_terms[g] if t not in shared])[:2 * self.n_key_phrases]
                avoid = taken_labels | {label_key(labels[t], self.language_) for t in group_members}
                sources = [t for t in group_members for _ in members[t][:100]]
                label = self._label(terms, texts, langs, avoid, sources, max_words=PARENT_MAX_WORDS)
            taken_labels.add(label_key(label, self.language_))
            parents.append(ParentTheme(key=key, label=label, theme_keys=tuple(keys[t] for t in group_members),
                                       size=int(sum(sizes[t] for t in group_members))))
            for t in group_members:
                parent_of[t] = key
        return parent_of, parents
