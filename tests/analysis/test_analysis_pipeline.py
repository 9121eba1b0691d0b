"""Tests for analyze_feedback, the CLI, the estimator contract, imports and quality."""

import json
import pathlib
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import f1_score, normalized_mutual_info_score

from analysis.cli import main
from analysis import (AnalysisResult, SentimentScorer, ThemeEdits, ThemeModel, TextNormalizer,
                      analyze_feedback)

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEV_CSV = ROOT.parent / "shared" / "data" / "airline-tweets" / "dev.csv"


@pytest.fixture(scope="module")
def result(responses):
    return analyze_feedback(responses, n_themes=4, random_state=0)


def test_analyze_feedback_result_shape(result, responses):
    assert isinstance(result, AnalysisResult)
    assert len(result.sentiment) == len(result.memberships) == len(responses)
    assert set(result.scores["theme"]) == {t.key for t in result.themes}
    assert not result.metrics.empty


def test_parents_are_scored_over_the_distinct_comments_of_their_themes(result):
    parent_of = {theme.key: theme.parent_key for theme in result.themes}
    scored = result.parent_scores.set_index("theme")
    assert set(scored.index) == {parent.key for parent in result.parents}
    for parent in result.parents:
        members = [row for row in result.memberships if any(parent_of[key] == parent.key for key in row)]
        assert scored.loc[parent.key, "volume"] == len(members)
        assert scored.loc[parent.key, "label"] == parent.label
    assert scored["priority"].between(0, 100).all() and scored["trend"].isin(["up", "down", "flat"]).all()


def test_analyze_feedback_state_is_plain_data(result):
    state = dict(result.model_state)
    assert isinstance(state.pop("model"), bytes)
    json.dumps(state)
    pickle.dumps(result)


@pytest.mark.slow
def test_analyze_feedback_keeps_keys_across_runs(result, responses):
    again = analyze_feedback(responses.sample(frac=1, random_state=2), n_themes=4,
                             previous_state=result.model_state, random_state=5)
    assert {t.key for t in again.themes} == {t.key for t in result.themes}


@pytest.mark.slow
def test_analyze_feedback_respects_edits(result, responses):
    key = result.themes[0].key
    again = analyze_feedback(responses, n_themes=4, edits=ThemeEdits(renames={key: "Team name"}),
                             previous_state=result.model_state)
    assert {t.key: t.label for t in again.themes}[key] == "Team name"


@pytest.mark.parametrize("estimator", [ThemeModel(n_themes=3, random_state=0),
                                       SentimentScorer(score_weight=0.3), TextNormalizer()])
def test_estimator_clone_and_get_params(estimator):
    cloned = clone(estimator)
    assert cloned.get_params() == estimator.get_params()
    assert type(cloned)(**cloned.get_params()).get_params() == estimator.get_params()


@pytest.mark.slow
def test_estimator_fit_returns_self(corpus):
    model = ThemeModel(n_themes=2, random_state=0)
    assert model.fit(corpus[0]) is model
    scorer = SentimentScorer()
    assert scorer.fit(corpus[0]) is scorer


def test_estimator_init_stores_params_unchanged():
    edits = ThemeEdits()
    model = ThemeModel(n_themes=None, edits=edits)
    assert model.n_themes is None and model.edits is edits and model.vectorizer is None


@pytest.mark.parametrize("call", [lambda: ThemeModel().assign(["x"]),
                                  lambda: ThemeModel().to_state(),
                                  lambda: SentimentScorer().transform(["x"])])
def test_estimator_unfitted_raises(call):
    with pytest.raises(NotFittedError):
        call()


@pytest.mark.slow
def test_import_does_not_pull_web_stack():
    code = ("import sys, analysis; bad = [m for m in sys.modules if m.split('.')[0] in "
            "{'flask', 'sqlalchemy', 'wtforms', 'feedback_app', 'widgets', 'flask_sqlalchemy'}];"
            " print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "analysis", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def csv_in(tmp_path_factory, corpus):
    path = tmp_path_factory.mktemp("cli") / "in.csv"
    texts, _ = corpus
    pd.DataFrame({"id": range(len(texts)), "comment": texts,
                  "nps": [i % 11 for i in range(len(texts))]}).to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_cli_themes_good_run(csv_in, tmp_path):
    out = tmp_path / "out.csv"
    status = main(["themes", str(csv_in), "--text-column", "comment", "--output", str(out),
                   "--n-themes", "4"])
    assert status == 0
    frame = pd.read_csv(out, keep_default_na=False)
    original = pd.read_csv(csv_in)
    assert frame["id"].tolist() == original["id"].tolist()
    assert {"theme_id", "theme_label"} <= set(frame.columns)


CONTRACT = ["theme_id", "theme_label", "parent_theme_id", "parent_theme_label", "theme_confidence", "notify"]


@pytest.mark.slow
def test_cli_themes_writes_the_contract_columns_from_analyze_feedback(csv_in, tmp_path, corpus):
    out = tmp_path / "out.csv"
    assert main(["themes", str(csv_in), "--text-column", "comment", "--output", str(out),
                 "--n-themes", "4", "--random-state", "3"]) == 0
    frame = pd.read_csv(out, keep_default_na=False, dtype=str)
    assert list(frame.columns) == ["id", "comment", "nps"] + CONTRACT
    confidence = frame["theme_confidence"].astype(float)
    assert confidence.between(0, 1).all() and set(frame["notify"]) <= {"true", "false"}
    texts, _ = corpus
    result = analyze_feedback(pd.DataFrame({"text": texts}), n_themes=4, random_state=3)
    assert frame["theme_id"].tolist() == [m[0] for m in result.memberships]
    assert frame["notify"].tolist() == ["true" if n else "false" for n in result.recipients["notify"]]
    parents = {t.key: t.parent_key for t in result.themes}
    assert frame["parent_theme_id"].tolist() == [parents[k] for k in frame["theme_id"]]
    # Only complaints are told: the refund and crash comments, never praise.
    told = frame[frame["notify"] == "true"]["comment"]
    assert len(told) and not told.str.contains("thank|love|great").any()


@pytest.mark.slow
def test_cli_themes_with_a_score_column_tells_detractors(tmp_path):
    path, out = tmp_path / "in.csv", tmp_path / "out.csv"
    texts = ["the mobile app on my phone", "the app on android", "the app after the update", "using the app today",
             "my refund request", "the refund for my order", "refund to my card", "a refund this week"] * 2
    scores = [0] * 8 + [10] * 8
    pd.DataFrame({"text": texts, "score": scores}).to_csv(path, index=False)
    assert main(["themes", str(path), "--output", str(out), "--n-themes", "2", "--score-column", "score"]) == 0
    frame = pd.read_csv(out, keep_default_na=False, dtype=str)
    result = analyze_feedback(pd.DataFrame({"text": texts, "score": scores, "scale": "nps"}), n_themes=2)
    assert frame["notify"].tolist() == ["true" if n else "false" for n in result.recipients["notify"]]
    reasons = result.recipients["reason"]
    assert set(reasons[:8]) <= {"complained", "weak match"} and "complained" in set(reasons[:8])
    assert "complained" not in set(reasons[8:])  # neutral words with a promoter score are not complaints


@pytest.mark.slow
def test_cli_sentiment_with_scores(csv_in, tmp_path):
    out = tmp_path / "out.csv"
    status = main(["sentiment", str(csv_in), "--text-column", "comment", "--output", str(out),
                   "--score-column", "nps"])
    assert status == 0
    frame = pd.read_csv(out)
    assert frame["sentiment"].isin(["negative", "neutral", "positive"]).all()
    assert frame["sentiment_score"].between(-1, 1).all()


def _bad_inputs(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("text\ncaf\xe9 tr\xe8s lent\n".encode("latin-1"))
    numbers = tmp_path / "numbers.csv"
    numbers.write_text("text\n1\n2\n3\n")
    ok = tmp_path / "ok.csv"
    ok.write_text("text\nhello there\nrefund please\n")
    return [[empty], [latin], [numbers], [ok, "--text-column", "missing"],
            [tmp_path / "nope.csv"]]


@pytest.mark.parametrize("case", range(5))
def test_cli_bad_input_exits_with_one_line(tmp_path, capsys, case):
    args = _bad_inputs(tmp_path)[case]
    status = main(["themes", *map(str, args), "--output", str(tmp_path / "o.csv")])
    assert status != 0
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), lines


@pytest.mark.slow
def test_cli_bad_input_from_shell_has_no_traceback(tmp_path):
    proc = _cli("sentiment", tmp_path / "missing.csv", "--output", tmp_path / "o.csv")
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [f"error: input file not found: {tmp_path / 'missing.csv'}"]


@pytest.mark.slow
def test_cli_rejects_non_numeric_score_column(csv_in, tmp_path, capsys):
    status = main(["sentiment", str(csv_in), "--text-column", "comment", "--output",
                   str(tmp_path / "o.csv"), "--score-column", "comment"])
    assert status != 0
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.skipif(not DEV_CSV.exists(), reason="airline tweets not available")
def test_quality_beats_baselines_on_dev_sample():
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    df = pd.read_csv(DEV_CSV).sample(1500, random_state=0)
    sia = SentimentIntensityAnalyzer()
    compound = np.array([sia.polarity_scores(t)["compound"] for t in df["text"]])
    vader = np.where(compound >= 0.05, "positive", np.where(compound <= -0.05, "negative", "neutral"))
    ours = SentimentScorer().fit().predict(df["text"])
    y = df["airline_sentiment"]
    assert f1_score(y, ours, average="macro") > f1_score(y, vader, average="macro") + 0.08

    neg = df[(y == "negative") & df["negativereason"].notna() & (df["negativereason"] != "Can't Tell")]
    base = KMeans(9, random_state=0).fit(TfidfVectorizer().fit_transform(neg["text"])).labels_
    model = ThemeModel(n_themes=9, random_state=0).fit(neg["text"].tolist())
    reason = neg["negativereason"]
    assert (normalized_mutual_info_score(reason, model.labels_)
            > normalized_mutual_info_score(reason, base) + 0.03)


@pytest.mark.slow
def test_analyze_feedback_takes_a_theme_model_with_an_estimator_parameter(responses):
    """The model passed in is cloned (as scikit-learn does), so nested estimators such as its clusterer work."""
    from analysis import WardClusterer

    model = ThemeModel(clusterer=WardClusterer(max_iter=5), embedder=None)
    result = analyze_feedback(responses, n_themes=4, theme_model=model, random_state=0)
    assert len(result.themes) == 4
    assert model.get_params()["clusterer"].max_iter == 5 and not hasattr(model, "themes_")  # left unfitted
