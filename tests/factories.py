"""Helpers that build rows through the services, as the app would."""
import itertools
from datetime import datetime, timedelta, timezone

from feedback_app.extensions import db
from feedback_app.models import Person, Response, Role, SurveyKind
from feedback_app.services.accounts import users as accounts, workspaces
from feedback_app.services.collection import surveys

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


def create_workspace(name=None, **kwargs):
    return workspaces.create_workspace(name or f"Workspace {next(_sequence)}", **kwargs)


def create_user(workspace=None, *, role=Role.MEMBER, email=None, password=PASSWORD):
    return accounts.create_user(email or f"user{next(_sequence)}@example.com", password=password,
                                workspace=workspace, role=role)


def create_survey(workspace, kind=SurveyKind.NPS, **kwargs):
    if kind == SurveyKind.CHURN_EXIT:
        kwargs.setdefault("churn_reasons", ["Too expensive", "Missing features"])
    return surveys.new_survey(workspace, name=kwargs.pop("name", f"{kind} survey"), kind=kind, **kwargs)


def create_person(workspace, **kwargs):
    kwargs.setdefault("email", f"person{next(_sequence)}@example.com")
    person = Person(workspace_id=workspace.id, **kwargs)
    db.session.add(person)
    db.session.commit()
    return person


def create_response(survey, *, person=None, score=None, comment=None, channel="api", **kwargs):
    response = Response(workspace_id=survey.workspace_id, survey_id=survey.id, person_id=getattr(person, "id", None),
                        score=score, comment=comment, channel=channel, **kwargs)
    db.session.add(response)
    db.session.commit()
    return response


def utc_at(day, hour=12, minute=0):
    """Return the UTC datetime ``hour``:``minute`` into ``day`` (noon by default), as responses store it."""
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=hour, minutes=minute)
