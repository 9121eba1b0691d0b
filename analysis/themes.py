"""ThemeClusterer: fit themes on comments, assign new comments, persist, respect team edits."""

import hashlib
import pickle

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import edits as _edits
from ._validation import check_positive_int, check_texts
from .clustering import HybridSpectralClusterer, NMFClusterer, choose_n_clusters, cosine_to_components
from .embeddings import embed_sample, resolve_embedder
from .labeling import ClassTfidfLabeler, representative_quotes, top_terms
from .lexicon import THEME_CONCEPTS
from .matching import assign_keys, overlap_similarity, term_similarity
from .preprocessing import compile_concepts, default_vectorizer, normalize_text, tag_concepts
from .results import Theme, ThemeEdits

STATE_FORMAT = "feedback-loop/theme-model"
STATE_VERSION = 1
_BATCH = 50_000


def _theme_key(terms, taken):
    digest = hashlib.sha1(" ".join(t for t, _ in terms[:5]).encode()).hexdigest()
    key, n = "t" + digest[:8], 1
    while key in taken:
        n += 1
        key = f"t{digest[:8]}-{n}"
    return key


class ThemeClusterer(BaseEstimator):
    """Group comments into themes with readable labels; assign new comments to them.

    Pipeline: normalise (mask URLs, @mentions, numbers; singularise) → tag generic problem
    concepts (:data:`analysis.lexicon.THEME_CONCEPTS`) → TF-IDF of words and word pairs on a
    sample of at most ``max_fit_samples`` comments → clustering step (spectral clustering of
    sentence embeddings of at most ``max_embed_samples`` of them joined with their TF-IDF
    when an embedder is available, NMF topics otherwise) → every comment goes to the themes whose
    TF-IDF direction is most similar (cosine); below ``similarity_threshold`` it goes to no
    theme. Labels are class-based TF-IDF key phrases; quotes are the comments closest to
    each theme.

    Parameters
    ----------
    n_themes : int, default=None
        Number of clusters; None picks it in [``min_themes``, ``max_themes``] by cosine
        silhouette (see :func:`analysis.clustering.choose_n_clusters`).
    vectorizer : object, default=None
        Text-to-matrix step with ``fit_transform``/``transform``/``get_feature_names_out``
        (a scikit-learn vectorizer); None uses a word and word-pair TF-IDF.
    clusterer : BaseClusterer, default=None
        Clustering step (see :class:`analysis.clustering.BaseClusterer`); None uses
        :class:`~analysis.clustering.HybridSpectralClusterer` when there is an embedder, NMF
        otherwise.
    embedder : "auto", object or None, default="auto"
        Sentence-embedding step (``transform(texts) -> array``) used to find themes; "auto"
        uses the bundled MiniLM when installed (:func:`analysis.embeddings.default_embedder`),
        None uses TF-IDF only. Assignment never needs it.
    labeler : BaseLabeler, default=None
        Labelling step; None uses :class:`analysis.labeling.ClassTfidfLabeler`.
    concepts : dict of str to list of str, default=None
        Problem concepts tagged before vectorising; None uses the built-in ones, ``{}``
        disables tagging.
    min_themes, max_themes : int, default=4, 15
        Range of the automatic choice.
    similarity_threshold : float, default=0.05
        Minimum cosine similarity between a comment and a theme for membership.
    multi_label_ratio : float, default=0.8
        A comment also belongs to every other theme whose similarity is at least this
        fraction of its best one.
    max_fit_samples : int, default=30000
        Comments used to fit the vocabulary and clusters; all comments are then assigned.
    max_embed_samples : int, default=3000
        Of those, comments embedded and clustered when there is an embedder.
    n_key_phrases, n_quotes : int, default=8, 3
    edits : ThemeEdits, default=None
        Team edits to respect (see :class:`analysis.results.ThemeEdits`).
    reference : dict or sequence of Theme, default=None
        Previous run (``to_state()`` dict, or its themes) whose keys and labels matched
        themes keep.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    themes_ : list of Theme
        Themes by decreasing size.
    labels_ : numpy.ndarray of int
        Primary theme index per fitted comment, -1 for none.
    memberships_ : list of tuple of int
        Theme indices per fitted comment, primary first.
    n_themes_ : int
        Number of themes.
    n_clusters_ : int
        Number of clusters the clustering step produced (before edits).
    n_themes_scores_ : dict of int to float
        Silhouette per candidate count when chosen automatically.
    vectorizer_, centroids_, cluster_theme_
        Fitted vectorizer, unit cluster directions and the theme index of each cluster
        (-1: noise).

    Examples
    --------
    >>> model = ThemeClusterer(n_themes=2, random_state=0).fit(texts)  # doctest: +SKIP
    >>> model.assign(["refund still not received"])  # doctest: +SKIP
    [(1,)]
    """

    def __init__(self, n_themes=None, *, vectorizer=None, clusterer=None, embedder="auto",
                 labeler=None, concepts=None, min_themes=4, max_themes=15,
                 similarity_threshold=0.05, multi_label_ratio=0.8, max_fit_samples=30_000,
                 max_embed_samples=3_000, n_key_phrases=8, n_quotes=3, edits=None,
                 reference=None, random_state=None):
        self.n_themes = n_themes
        self.vectorizer = vectorizer
        self.clusterer = clusterer
        self.embedder = embedder
        self.labeler = labeler
        self.concepts = concepts
        self.min_themes = min_themes
        self.max_themes = max_themes
        self.similarity_threshold = similarity_threshold
        self.multi_label_ratio = multi_label_ratio
        self.max_fit_samples = max_fit_samples
        self.max_embed_samples = max_embed_samples
        self.n_key_phrases = n_key_phrases
        self.n_quotes = n_quotes
        self.edits = edits
        self.reference = reference
        self.random_state = random_state

    # -- fitting -----------------------------------------------------------------------
    def _check_params(self):
        check_positive_int(self.n_themes, "n_themes")
        check_positive_int(self.min_themes, "min_themes", minimum=2, allow_none=False)
        check_positive_int(self.max_themes, "max_themes", minimum=self.min_themes,
                           allow_none=False)
        check_positive_int(self.max_fit_samples, "max_fit_samples", minimum=10, allow_none=False)
        check_positive_int(self.max_embed_samples, "max_embed_samples", minimum=10, allow_none=False)
        if not 0.0 <= self.similarity_threshold < 1.0:
            raise ValueError(f"similarity_threshold must lie in [0, 1), got "
                             f"{self.similarity_threshold}")
        if not 0.0 < self.multi_label_ratio <= 1.0:
            raise ValueError(f"multi_label_ratio must lie in (0, 1], got {self.multi_label_ratio}")
        if self.edits is not None and not isinstance(self.edits, ThemeEdits):
            raise TypeError(f"edits must be a ThemeEdits, got {type(self.edits).__name__}")

    def _prepare(self, texts):
        pattern = self._pattern
        return [tag_concepts(normalize_text(t, singularize=True), pattern) for t in texts]

    def fit(self, X, y=None, *, ids=None):
        """Fit themes on comments.

        Parameters
        ----------
        X : sequence of str
            Comments; empty ones go to no theme.
        y : None
            Ignored.
        ids : sequence, default=None
            Response ids aligned with ``X``, used by ``edits.moves``.

        Returns
        -------
        self : ThemeClusterer
        """
        self._check_params()
        texts = check_texts(X)
        rng = check_random_state(self.random_state)
        self._pattern = compile_concepts(THEME_CONCEPTS if self.concepts is None else self.concepts)
        prepared = self._prepare(texts)
        candidates = np.flatnonzero([bool(p) for p in prepared])
        if len(candidates) < 2:
            raise ValueError(f"need at least 2 non-empty texts to find themes, got {len(candidates)}")
        sample = candidates
        if len(candidates) > self.max_fit_samples:
            sample = np.sort(rng.choice(candidates, self.max_fit_samples, replace=False))
        vec = clone(self.vectorizer) if self.vectorizer is not None else default_vectorizer(len(sample))
        Xs = vec.fit_transform([prepared[i] for i in sample])
        if hasattr(vec, "stop_words_"):
            del vec.stop_words_  # the pruned-term set is only introspection and bloats the state
        embedder = resolve_embedder(self.embedder)
        if self.clusterer is not None:
            clusterer = clone(self.clusterer)
        else:
            default = HybridSpectralClusterer if embedder is not None else NMFClusterer
            clusterer = default(random_state=rng.randint(2**31 - 1))
        rows, fit_params = embed_sample(embedder, clusterer, [texts[i] for i in sample],
                                        self.max_embed_samples, rng)
        self.n_themes_scores_ = {}
        k = self.n_themes
        if k is None:
            hi = min(self.max_themes, max(len(rows) // 5, self.min_themes))
            k, self.n_themes_scores_ = choose_n_clusters(
                Xs[rows], clusterer, range(self.min_themes, hi + 1),
                embeddings=fit_params.get("embeddings"), random_state=rng)
        k = max(1, min(k, len(rows) - 1, Xs.shape[1]))
        clusterer.set_params(n_clusters=k).fit(Xs[rows], **fit_params)
        centroids = np.asarray(clusterer.components_, dtype=np.float32)
        sims = cosine_to_components(Xs, centroids)
        primary = np.where(sims.max(axis=1) >= self.similarity_threshold, sims.argmax(axis=1), -1)
        used = np.flatnonzero(np.bincount(primary[primary >= 0], minlength=k) > 0)
        centroids, sims = centroids[used], sims[:, used]
        primary = np.where(primary >= 0, np.searchsorted(used, np.maximum(primary, 0)), -1)
        self.n_clusters_ = len(used)
        self.vectorizer_ = vec
        sample_texts = [texts[i] for i in sample]
        counts = self._counts([prepared[i] for i in sample])
        labeler = self.labeler if self.labeler is not None else ClassTfidfLabeler()
        cluster_terms = top_terms(labeler.term_weights(counts, primary, len(used)),
                                  self._feature_names, 2 * self.n_key_phrases)
        cluster_keys, inherited = self._match_reference(sample_texts, primary, cluster_terms)
        edits = self.edits or ThemeEdits()
        centroids, cluster_keys = _edits.apply_splits(
            edits, centroids, cluster_keys, Xs, primary, rng)
        self.centroids_ = normalize(np.asarray(centroids, dtype=np.float32))
        keys = _edits.theme_keys(edits, cluster_keys)
        self.cluster_theme_ = np.array([keys.index(k) if k in keys else -1 for k in
                                        _edits.resolve_cluster_keys(edits, cluster_keys)])
        self._pinned = _edits.compile_pinned(edits, keys)
        self._moves = _edits.compile_moves(edits, keys)
        if ids is not None and len(ids) != len(texts):
            raise ValueError(f"ids must have length {len(texts)} to match X, got {len(ids)}")
        memberships = self._assign_prepared(prepared, texts, ids)
        self._finish(texts, sample, Xs, counts, keys, memberships, labeler, inherited, edits)
        return self

    @property
    def _feature_names(self):
        return self.vectorizer_.get_feature_names_out()

    def _counts(self, prepared):
        vec = self.vectorizer_
        if not hasattr(vec, "build_analyzer") or not hasattr(vec, "vocabulary_"):
            return vec.transform(prepared)  # a custom vectorizer: label from its weights
        counter = CountVectorizer(analyzer=vec.build_analyzer(), vocabulary=vec.vocabulary_)
        return counter.transform(prepared)

    def _match_reference(self, sample_texts, primary, cluster_terms):
        """Return a key per cluster and the labels inherited from the reference run."""
        n = len(cluster_terms)
        taken, inherited = set(), {}
        keys = [None] * n
        if self.reference is not None:
            ref = self.reference
            prev = (ThemeClusterer.from_state(ref) if isinstance(ref, dict) else None)
            prev_themes = prev.themes_ if prev is not None else list(ref)
            sim = term_similarity([t.term_weights for t in prev_themes], cluster_terms)
            if prev is not None:
                prev_primary = [m[0] if m else -1 for m in prev.assign(sample_texts)]
                overlap = overlap_similarity(prev_primary, primary, len(prev_themes), n)
                sim = 0.5 * sim + 0.5 * overlap
            mapping = assign_keys(sim, [t.key for t in prev_themes], attach_similarity=0.5)
            for j, key in mapping.items():
                if key is not None:
                    keys[j] = _edits.parent_key(self.edits, key)
            inherited = {t.key: t.label for t in prev_themes}
            taken |= {t.key for t in prev_themes}
        for j in range(n):
            if keys[j] is None:
                keys[j] = _theme_key(cluster_terms[j], taken)
            taken.add(keys[j])
        return keys, inherited

    def _finish(self, texts, sample, Xs, counts, keys, memberships, labeler, inherited, edits):
        """Label themes, order them by size and store the learned attributes."""
        n_keys = len(keys)
        primary = np.array([m[0] if m else -1 for m in memberships])
        sizes = np.bincount(primary[primary >= 0], minlength=n_keys)
        order = sorted(range(n_keys), key=lambda t: (-sizes[t], keys[t]))
        rank = np.empty(n_keys, dtype=int)
        rank[order] = np.arange(n_keys)
        sample_primary = primary[sample]
        terms = top_terms(labeler.term_weights(counts, sample_primary, n_keys),
                          self._feature_names, 2 * self.n_key_phrases)
        theme_sims = self._theme_sims(cosine_to_components(Xs, self.centroids_))[0]
        quotes = representative_quotes([texts[i] for i in sample], theme_sims, sample_primary,
                                       n_keys, self.n_quotes)
        themes = []
        for t in order:
            key = keys[t]
            pinned = tuple(edits.pinned_phrases.get(key, ()))
            phrases = pinned + tuple(p for p, _ in terms[t] if p not in pinned)
            label = edits.renames.get(key) or inherited.get(key)
            if not label:
                label = labeler.label([p for p, _ in terms[t]]) if terms[t] else ", ".join(pinned)
            themes.append(Theme(key=key, label=label or key,
                                key_phrases=phrases[:self.n_key_phrases],
                                representative_quotes=quotes[t], size=int(sizes[t]),
                                term_weights=tuple(terms[t])))
        self.themes_ = themes
        self.cluster_theme_ = np.where(self.cluster_theme_ >= 0,
                                       rank[np.maximum(self.cluster_theme_, 0)], -1)
        self._pinned = [(int(rank[t]), pattern) for t, pattern in self._pinned]
        self._moves = {i: (None if t is None else int(rank[t])) for i, t in self._moves.items()}
        self.memberships_ = [tuple(int(rank[t]) for t in m) for m in memberships]
        self.labels_ = np.array([m[0] if m else -1 for m in self.memberships_], dtype=int)
        self.n_themes_ = len(themes)

    # -- assignment ----------------------------------------------------------------------
    def _theme_sims(self, sims):
        n_themes = int(self.cluster_theme_.max(initial=-1)) + 1
        n_themes = max(n_themes, max((t + 1 for t, _ in self._pinned), default=0))
        out = np.zeros((sims.shape[0], n_themes), dtype=np.float32)
        noise = np.zeros(sims.shape[0], dtype=np.float32)
        for c, t in enumerate(self.cluster_theme_):
            if t >= 0:
                np.maximum(out[:, t], sims[:, c], out=out[:, t])
            else:
                np.maximum(noise, sims[:, c], out=noise)
        return out, noise

    def _assign_prepared(self, prepared, texts, ids):
        memberships = []
        for start in range(0, len(prepared), _BATCH):
            chunk = prepared[start:start + _BATCH]
            X = normalize(self.vectorizer_.transform(chunk))
            # centroids_ rows are unit vectors already, so this product is the cosine.
            T, noise = self._theme_sims(np.asarray(X @ self.centroids_.T, dtype=np.float32))
            memberships.extend(self._memberships_from_sims(T, noise))
        return _edits.apply_rules(memberships, prepared, self._pinned, self._moves,
                                  ids if ids is not None else range(len(prepared)))

    def _memberships_from_sims(self, T, noise):
        if T.shape[1] == 0:
            return [()] * T.shape[0]
        best = T.max(axis=1)
        ok = (best >= self.similarity_threshold) & (best > noise)
        cutoff = np.maximum(self.similarity_threshold, self.multi_label_ratio * best)
        member = (T >= cutoff[:, None]) & ok[:, None]
        order = np.argsort(-T, axis=1, kind="stable")
        out = []
        for i in range(T.shape[0]):
            if not ok[i]:
                out.append(())
                continue
            row = order[i]
            out.append(tuple(int(t) for t in row[member[i, row]]))
        return out

    def assign(self, X, *, ids=None):
        """Assign comments to the fitted themes without refitting.

        Parameters
        ----------
        X : sequence of str
        ids : sequence, default=None
            Response ids, so that manual moves in the edits apply.

        Returns
        -------
        list of tuple of int
            Theme indices per comment, primary first; ``()`` for no theme.
        """
        check_is_fitted(self, "themes_")
        texts = check_texts(X, allow_empty=True)
        if not texts:
            return []
        memberships = self._assign_prepared(self._prepare(texts), texts,
                                            ids if ids is not None else [None] * len(texts))
        return memberships

    def predict(self, X):
        """Return the primary theme index per comment (-1 for none)."""
        return np.array([m[0] if m else -1 for m in self.assign(X)], dtype=int)

    # -- persistence ---------------------------------------------------------------------
    def to_state(self):
        """Return the fitted model as a dict of JSON types plus one ``bytes`` value.

        ``themes``, ``params`` and ``edits`` are plain JSON; ``model`` holds the fitted
        vectorizer and cluster directions (pickle). Only load states you produced.
        """
        check_is_fitted(self, "themes_")
        payload = {"vectorizer": self.vectorizer_, "centroids": self.centroids_,
                   "cluster_theme": self.cluster_theme_,
                   "pinned": [(int(t), p.pattern) for t, p in self._pinned],
                   "moves": self._moves,
                   "pattern": self._pattern.pattern if self._pattern is not None else None}
        return {"format": STATE_FORMAT, "version": STATE_VERSION,
                "params": {"similarity_threshold": self.similarity_threshold,
                           "multi_label_ratio": self.multi_label_ratio,
                           "n_themes": self.n_themes, "n_key_phrases": self.n_key_phrases,
                           "n_quotes": self.n_quotes},
                "themes": [t.to_dict() for t in self.themes_],
                "edits": (self.edits or ThemeEdits()).to_dict(),
                "model": pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)}

    @classmethod
    def from_state(cls, state):
        """Rebuild a fitted model from :meth:`to_state` output, ready to ``assign``."""
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise ValueError("state is not a ThemeModel state (missing format marker)")
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported state version {state.get('version')!r}")
        import re
        payload = pickle.loads(state["model"])
        model = cls(**state["params"], edits=ThemeEdits.from_dict(state["edits"]))
        model.vectorizer_ = payload["vectorizer"]
        model.centroids_ = payload["centroids"]
        model.cluster_theme_ = np.asarray(payload["cluster_theme"])
        model._pinned = [(t, re.compile(p)) for t, p in payload["pinned"]]
        model._pattern = re.compile(payload["pattern"]) if payload["pattern"] else None
        model._moves = dict(payload["moves"])
        model.themes_ = [Theme.from_dict(t) for t in state["themes"]]
        model.n_themes_ = len(model.themes_)
        return model


ThemeModel = ThemeClusterer
