"""How ThemeClusterer applies team edits (ThemeEdits): splits, merges, noise, pins and moves."""

import re

import numpy as np
from sklearn.cluster import KMeans
from sklearn.preprocessing import normalize

from .preprocessing import lemmatize_text

_CHILD = re.compile(r"^(?P<parent>.+)\.(?P<n>\d+)$")


def parent_key(edits, key):
    """Return the split parent of ``key`` ("k.2" -> "k") when ``k`` is being split."""
    match = _CHILD.match(key)
    if edits is not None and match and match.group("parent") in edits.splits:
        return match.group("parent")
    return key


def apply_splits(edits, centroids, cluster_keys, X, primary, rng):
    """Replace the clusters of each split theme by ``n_parts`` sub-clusters.

    Sub-clusters are found with k-means on the theme's comments in the fitting sample and
    keyed ``"<key>.1"``, ``"<key>.2"``... by decreasing size.

    Returns
    -------
    centroids : numpy.ndarray
    cluster_keys : list of str
    """
    centroids = list(np.asarray(centroids))
    keys = list(cluster_keys)
    for key, n_parts in sorted(edits.splits.items()):
        clusters = [c for c, k in enumerate(keys) if k == key]
        members = np.flatnonzero(np.isin(primary, clusters))
        if not clusters or n_parts < 2 or len(members) < 2 * n_parts:
            continue
        km = KMeans(n_clusters=n_parts, n_init=3, random_state=rng.randint(2**31 - 1))
        km.fit(normalize(X[members]))
        sizes = np.bincount(km.labels_, minlength=n_parts)
        parts = [km.cluster_centers_[i] for i in np.argsort(-sizes, kind="stable")]
        keep = [c for c in range(len(keys)) if c not in clusters]
        centroids = [centroids[c] for c in keep] + parts
        keys = [keys[c] for c in keep] + [f"{key}.{i + 1}" for i in range(n_parts)]
        # Cluster indices shifted: recompute the members' cluster for later splits.
        primary = np.where(np.isin(primary, clusters), -1, primary)
        primary = np.where(primary >= 0, np.searchsorted(keep, np.maximum(primary, 0)), -1)
    return normalize(np.asarray(centroids, dtype=np.float32)), keys


def resolve_cluster_keys(edits, cluster_keys):
    """Apply merges (absorbed -> kept key) and noise (-> None) to each cluster's key."""
    merged = dict((absorbed, keep) for keep, absorbed in edits.merges)
    out = []
    for key in cluster_keys:
        seen = set()
        while key in merged and key not in seen:
            seen.add(key)
            key = merged[key]
        out.append(None if key in edits.noise else key)
    return out


def theme_keys(edits, cluster_keys):
    """Ordered theme keys: clusters' keys after edits, then pinned and move-target keys."""
    keys = []
    extra = list(edits.pinned_phrases) + [k for k in edits.moves.values() if k is not None]
    for key in resolve_cluster_keys(edits, cluster_keys) + extra:
        if key is not None and key not in keys and key not in edits.noise:
            keys.append(key)
    return keys


def compile_pinned(edits, keys):
    """Return ``[(theme index, pattern)]`` for the pinned phrases of each theme."""
    out = []
    for key, phrases in edits.pinned_phrases.items():
        # A phrase that normalises to nothing ("123", a URL) would match every comment.
        words = [w for w in (lemmatize_text(p) for p in phrases) if w]
        if key in keys and words:
            out.append((keys.index(key),
                        re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b")))
    return out


def compile_moves(edits, keys):
    """Return ``{id: theme index or None}`` for the manual moves."""
    return {i: (keys.index(k) if k in keys else None) for i, k in edits.moves.items()}


def apply_rules(memberships, prepared, pinned, moves, ids):
    """Force pinned-phrase memberships (as primary) and manual moves onto ``memberships``."""
    out = list(memberships)
    if pinned:
        for i, text in enumerate(prepared):
            for theme, pattern in pinned:
                if pattern.search(text):
                    out[i] = (theme,) + tuple(t for t in out[i] if t != theme)
    if moves:
        for i, response_id in enumerate(ids):
            for candidate in (response_id, str(response_id)):
                if candidate is not None and candidate in moves:
                    target = moves[candidate]
                    out[i] = () if target is None else (target,)
                    break
    return out
