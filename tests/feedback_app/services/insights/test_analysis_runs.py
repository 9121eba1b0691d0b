"""Analysis in the app: full runs persist themes, live assignment, and team edits that survive runs."""
import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db as _db
from feedback_app.models import (
    AnalysisRun,
    LinkSource,
    ParentTheme,
    Response,
    ResponseTheme,
    RunStatus,
    Theme,
    ThemeStatus,
)
from feedback_app.services import demo
from feedback_app.services.collection import responses
from feedback_app.services.insights import analysis_data, analysis_runs, themes
from feedback_app.services.exceptions import Conflict
from tests.factories import create_response, create_survey, create_workspace


@pytest.fixture()
def analyzed(db):
    """A demo workspace of 600 responses after one full run (the eager queue runs it at once)."""
    workspace = demo.seed_demo(n_responses=600, seed=3).workspace
    run = analysis_runs.start_analysis_run(workspace)
    db.session.expire_all()
    return workspace, db.session.get(AnalysisRun, run.id)


def _auto_theme_of(db, response_id):
    query = select(ResponseTheme.theme_id).where(ResponseTheme.response_id == response_id,
                                                 ResponseTheme.source == LinkSource.AUTO)
    return db.session.scalars(query).all()


@pytest.mark.slow
def test_full_run_persists_sentiment_themes_and_scores(db, analyzed):
    workspace, run = analyzed
    assert run.status == RunStatus.SUCCEEDED and run.progress == 100
    assert run.stats["responses"] == 600 and run.stats["themes"] >= 3
    unscored = db.session.scalar(select(func.count(Response.id)).where(Response.sentiment.is_(None)))
    assert unscored == 0
    ranked = themes.list_themes(workspace)
    assert len(ranked) >= 3
    assert ranked[0].priority >= ranked[-1].priority
    assert "explanation" in ranked[0].scores and ranked[0].key_phrases
    assert db.session.scalar(select(func.count()).select_from(ResponseTheme)) > 300


@pytest.mark.slow
def test_full_run_stores_parent_themes_polarity_and_confidence(db, analyzed):
    workspace, run = analyzed
    parents = db.session.scalars(select(ParentTheme).where(ParentTheme.workspace_id == workspace.id)).all()
    assert 1 <= len(parents) <= 15 and run.stats["parent_themes"] == len(parents)
    assert {theme.parent_key for theme in themes.list_themes(workspace)} <= {parent.key for parent in parents}
    links = db.session.scalars(select(ResponseTheme).where(ResponseTheme.source == LinkSource.AUTO)).all()
    assert {"complaint", "praise"} <= {link.polarity for link in links} <= {"complaint", "praise", "neutral"}
    assert all(link.similarity is not None and 0 <= link.similarity <= 1 for link in links)
    for link in links[:100]:  # the copy on the link is the analysis rule applied to its response
        assert link.polarity == analysis_data.response_polarity(db.session.get(Response, link.response_id))
    for parent in parents:  # scored like a theme, over the distinct responses of its themes
        assert {"priority", "volume", "trend", "mean_sentiment", "nps_impact", "explanation"} <= set(parent.scores)
        in_parent = db.session.scalar(
            select(func.count(ResponseTheme.response_id.distinct())).join(Theme, Theme.id == ResponseTheme.theme_id)
            .where(Theme.parent_key == parent.key, ResponseTheme.source == LinkSource.AUTO))
        assert parent.scores["volume"] == in_parent


@pytest.mark.slow
def test_second_run_keeps_theme_ids(db, analyzed):
    workspace, _ = analyzed
    before = {theme.key: theme.id for theme in themes.list_themes(workspace)}
    analysis_runs.start_analysis_run(workspace)
    after = {theme.key: theme.id for theme in themes.list_themes(workspace)}
    kept = set(before) & set(after)
    assert len(kept) >= 0.7 * len(before)
    assert all(before[key] == after[key] for key in kept)


@pytest.mark.slow
def test_new_response_is_scored_and_assigned_at_once(db, analyzed):
    workspace, _ = analyzed
    survey = create_survey(workspace, name="Another NPS")
    biggest = max(themes.list_themes(workspace), key=lambda theme: theme.scores.get("volume", 0))
    quote = db.session.get(Response, biggest.representative_response_ids[0]).comment
    response = responses.record_response(workspace, survey, channel="widget", score=2, comment=quote)
    db.session.expire_all()
    stored = db.session.get(Response, response.id)
    assert stored.sentiment == "negative" or biggest.scores["mean_sentiment"] > 0
    assert biggest.id in _auto_theme_of(db, response.id)
    link = db.session.get(ResponseTheme, (response.id, biggest.id))
    assert link.polarity == analysis_data.response_polarity(stored) and 0 <= link.similarity <= 1


@pytest.mark.slow
def test_edits_survive_the_next_run(db, analyzed):
    workspace, _ = analyzed
    first, second, third, fourth = themes.list_themes(workspace)[:4]
    themes.rename_theme(workspace, first, "Our name for it")
    themes.merge_themes(workspace, second, third)
    themes.mark_theme_noise(workspace, fourth)
    moved = db.session.scalar(select(ResponseTheme.response_id).where(ResponseTheme.theme_id == second.id).limit(1))
    themes.move_response(workspace, db.session.get(Response, moved), from_theme=second, to_theme=first)

    analysis_runs.start_analysis_run(workspace)
    db.session.expire_all()

    assert db.session.get(Theme, first.id).label == "Our name for it"
    assert db.session.get(Theme, third.id).status == ThemeStatus.MERGED
    assert db.session.scalar(select(func.count()).select_from(ResponseTheme)
                             .where(ResponseTheme.theme_id == third.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(ResponseTheme)
                             .where(ResponseTheme.theme_id == fourth.id, ResponseTheme.source == LinkSource.AUTO)) == 0
    assert db.session.get(ResponseTheme, (moved, first.id)).source == LinkSource.MANUAL
    assert db.session.get(ResponseTheme, (moved, second.id)).source == LinkSource.EXCLUDED


@pytest.mark.slow
def test_split_theme_moves_matching_comments_to_pinned_children(db, analyzed):
    workspace, _ = analyzed
    theme = themes.list_themes(workspace)[0]
    word = theme.key_phrases[0].split()[0]
    children = themes.split_theme(workspace, theme, [[word]])
    assert children[0].pinned_phrases == [word]
    moved = db.session.scalar(select(func.count()).select_from(ResponseTheme)
                              .where(ResponseTheme.theme_id == children[0].id))
    assert moved > 0


def test_only_one_run_at_a_time(db):
    workspace = create_workspace()
    analysis_runs.create_run(workspace)
    with pytest.raises(Conflict):
        analysis_runs.create_run(workspace)


def test_failed_run_records_the_error(db, monkeypatch):
    workspace = demo.seed_demo(n_responses=100, seed=1).workspace

    def broken(*args, **kwargs):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(analysis_runs, "analyze_feedback", broken)
    run = analysis_runs.create_run(workspace)
    with pytest.raises(RuntimeError):
        analysis_runs.execute_analysis_run(run.id)
    db.session.expire_all()
    failed = db.session.get(AnalysisRun, run.id)
    assert failed.status == RunStatus.FAILED and "model exploded" in failed.error


@pytest.mark.slow
def test_scheduled_runs_only_for_changed_workspaces(db, analyzed):
    workspace, _ = analyzed
    quiet = create_workspace("Quiet")
    assert workspace.id not in analysis_runs.workspaces_due_for_analysis()
    assert quiet.id not in analysis_runs.workspaces_due_for_analysis()
    responses.record_response(workspace, create_survey(workspace, name="New"), channel="api", score=7)
    assert analysis_runs.workspaces_due_for_analysis() == [workspace.id]


@pytest.mark.slow
def test_analysis_run_command_shows_progress(runner, db):
    demo.seed_demo(n_responses=200, seed=2)
    result = runner.invoke(args=["analysis", "run", "--workspace", "Demo"])
    assert result.exit_code == 0, result.output
    assert "200 responses" in result.output


def _runs(workspace):
    return _db.session.scalar(select(func.count(AnalysisRun.id)).where(AnalysisRun.workspace_id == workspace.id))


@pytest.mark.slow
def test_analysis_run_command_skips_a_workspace_whose_responses_did_not_change(runner, db):
    workspace = create_workspace("Small")
    survey = create_survey(workspace)
    for score in range(5):  # fewer than MIN_COMMENTS: a sentiment-only run, seconds instead of minutes
        create_response(survey, score=score, comment=f"Exports are slow ({score})")
    first = runner.invoke(args=["analysis", "run", "--workspace", "Small"])
    assert first.exit_code == 0 and "5 responses" in first.output
    second = runner.invoke(args=["analysis", "run", "--workspace", "Small"])
    assert second.exit_code == 0 and "no response changed since run" in second.output and "--force" in second.output
    assert _runs(workspace) == 1
    forced = runner.invoke(args=["analysis", "run", "--workspace", "Small", "--force"])
    assert "5 responses" in forced.output and _runs(workspace) == 2


@pytest.mark.slow
@pytest.mark.parametrize("change", ["edit", "add", "delete"])
def test_analysis_run_command_runs_again_after_a_response_changes(runner, db, change):
    workspace = create_workspace("Small")
    survey = create_survey(workspace)
    answers = [create_response(survey, score=score, comment=f"Exports are slow ({score})") for score in range(5)]
    runner.invoke(args=["analysis", "run", "--workspace", "Small"])
    if change == "edit":
        answers[0].comment = "Exports are fast now"
    elif change == "add":
        create_response(survey, score=9, comment="Fast")
    else:
        _db.session.delete(answers[0])
    _db.session.commit()
    again = runner.invoke(args=["analysis", "run", "--workspace", "Small"])
    assert "no response changed" not in again.output and _runs(workspace) == 2
