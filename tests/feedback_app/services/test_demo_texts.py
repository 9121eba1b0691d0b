"""The demo's surveys read as French in French: no English product name inside a French question."""
from sqlalchemy import select

from feedback_app.models import Survey
from feedback_app.services import demo


def test_seed_demo_french_questions_hold_no_english_words(db):
    workspace = demo.seed_demo(n_responses=60, seed=1).workspace
    questions = {survey.name: survey.texts["fr"]["question"]
                 for survey in db.session.scalars(select(Survey).where(Survey.workspace_id == workspace.id))}
    assert questions["Support CSAT"] == "Êtes-vous satisfait de notre support ?"
    assert not any(" our " in question for question in questions.values()), questions
