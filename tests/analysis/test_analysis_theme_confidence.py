"""Tests for the membership confidence (analysis.theme_state, analysis.theme_assignment): typicality and neighbours."""

import pickle

import numpy as np
import pytest

from analysis import ThemeModel
from analysis.theme_state import ThemeScale, membership_confidence, reference_themes

from tests.analysis.conftest import TOPICS

SUFFIXES = ("today", "again", "honestly", "as usual", "this week")
SCALES = [ThemeScale(np.array([0.2, 0.4, 0.6, 0.8], np.float32), np.array([0, 1], np.int32)),
          ThemeScale(np.array([0.5], np.float32), np.array([2, 3], np.int32))]


@pytest.fixture(scope="module")
def smoothed_model():
    """A model fitted on 250 comments (4 topics): enough for two smoothing neighbours each."""
    rows = [f"{text} {suffix} {n}" for texts in TOPICS.values() for text in texts for suffix in SUFFIXES
            for n in ("", "!")][:250]
    texts = [rows[i] for i in np.random.RandomState(2).permutation(len(rows))]
    return ThemeModel(n_themes=4, random_state=0).fit(texts), texts


def test_confidence_without_neighbours_is_the_typicality():
    T = np.array([[0.7, 0.1]], np.float32)
    # 3 of theme 0's 4 members are less similar to it than 0.7.
    assert membership_confidence(T, [(0,)], SCALES) == [(0.75,)]


def test_confidence_is_the_lower_of_typicality_and_neighbour_agreement():
    T = np.array([[0.7, 0.6], [0.7, 0.6]], np.float32)
    neighbours = np.array([[0, 1, 1, 1], [0, 0, 0, 1]])
    # Typical of theme 0, but only 1 of its 4 nearest comments is in it: a comment between two subjects.
    assert membership_confidence(T, [(0, 1), (0,)], SCALES, neighbours) == [(0.25, 0.75), (0.75,)]


def test_reference_themes_name_each_fitted_comment_and_need_scales_that_list_members():
    assert reference_themes(SCALES, 5).tolist() == [0, 0, 1, 1, -1]
    # A state before version 3 stored bare similarity tables: they do not say who the members are.
    assert reference_themes([scale.similarities for scale in SCALES], 5) is None


@pytest.mark.slow
def test_fitted_confidences_read_the_neighbours(smoothed_model):
    model, _ = smoothed_model
    assert model.n_neighbours_ == 2 and all(isinstance(scale, ThemeScale) for scale in model.conf_table_)
    V = model._smooth(model.fit_vectors_)
    T, _ = model._theme_sims(V @ model.centroids_.T)
    neighbours = model._neighbour_themes(V)
    assert neighbours.shape == (len(V), 2)
    assert membership_confidence(T, model.memberships_, model.conf_table_, neighbours) == model.confidences_
    agreement = [[np.mean(neighbours[i] == t) for t in row] for i, row in enumerate(model.memberships_)]
    assert all(c <= a for row, top in zip(model.confidences_, agreement) for c, a in zip(row, top))


@pytest.mark.slow
def test_assign_reads_the_neighbours_after_a_state_round_trip(smoothed_model):
    model, texts = smoothed_model
    memberships, confidences = ThemeModel.from_state(model.to_state()).assign(texts, return_confidence=True)
    assert memberships == model.memberships_
    # The state keeps the fitted comments in float16: ties among near-identical members may move by rounding.
    gaps = [abs(a - b) for row, fitted in zip(confidences, model.confidences_) for a, b in zip(row, fitted)]
    assert np.mean(gaps) < 0.05


@pytest.mark.slow
def test_state_of_version_2_still_loads_and_reads_typicality_alone(smoothed_model):
    model, texts = smoothed_model
    state = model.to_state()
    payload = pickle.loads(state["model"])
    payload["conf_table"] = [scale.similarities for scale in payload["conf_table"]]
    old = ThemeModel.from_state({**state, "version": 2, "model": pickle.dumps(payload)})
    memberships, confidences = old.assign(texts[:40], return_confidence=True)
    assert memberships == model.memberships_[:40]
    T, _ = old._theme_sims(old._smooth(old.encoder_.transform(texts[:40], old._prepare(texts[:40])))
                           @ old.centroids_.T)
    assert confidences == membership_confidence(T, memberships, old.conf_table_)
