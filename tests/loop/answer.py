"""Record an answer from a separate production-configured process, as the widget endpoint would.

Usage: ``python -m tests.loop.answer <workspace id> <survey id> <person id> <score> <comment>``.
"""
import sys

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import Person, Survey, Workspace
from feedback_app.services.collection import responses


def main(workspace_id, survey_id, person_id, score, comment):
    app = create_app()
    with app.app_context():
        workspace = db.session.get(Workspace, int(workspace_id))
        survey = db.session.get(Survey, int(survey_id))
        person = db.session.get(Person, int(person_id))
        responses.record_response(workspace, survey, channel="api", score=int(score), comment=comment, person=person)


if __name__ == "__main__":
    main(*sys.argv[1:])
