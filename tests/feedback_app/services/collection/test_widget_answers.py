"""One check of a widget answer and of the identity it carries: what the request accepts, the worker records."""
import pytest
from sqlalchemy import func, select

from feedback_app.models import Channel, Person, Response, SurveyKind, WidgetSubmission
from feedback_app.services.collection import ingest, people, widget_answers, widget_identity
from feedback_app.services.exceptions import InvalidInput, PermissionDenied
from tests.factories import create_person, create_survey, create_workspace


@pytest.fixture()
def workspace(db):
    return create_workspace("Answer Co")


def _key(n=0):
    return f"submission-key-{n:06d}"


def _stage(db, workspace, survey, payload):
    db.session.add(WidgetSubmission(workspace_id=workspace.id, survey_id=survey.id, payload=payload))
    db.session.commit()


def _stage_checked(db, workspace, survey, data):
    _stage(db, workspace, survey, widget_answers.validate(workspace, survey, data).to_payload())


def test_identity_is_checked_when_verification_is_on(workspace, db):
    workspace.require_identity_verification = True
    db.session.commit()
    signature = widget_identity.identity_signature(workspace, "u-9")
    assert widget_identity.check_identity(workspace, {"id": "u-9", "user_hash": signature}).external_id == "u-9"
    assert widget_identity.check_identity(workspace, {"id": "u-9", "user_hash": signature.upper()}).verified
    with pytest.raises(PermissionDenied):
        widget_identity.check_identity(workspace, {"id": "u-10", "user_hash": signature})
    with pytest.raises(PermissionDenied):
        widget_identity.check_identity(workspace, {"email": "x@example.com"})
    assert widget_identity.check_identity(workspace, None) is None


@pytest.mark.parametrize("identity", [
    [], {"id": ["1"]}, {"id": "1", "properties": "pro"}, {"id": True},
    {"id": "u", "name": 12345},                      # the probe's poisoned answer
    {"id": "u" * 129},                               # longer than people.external_id
    {"id": "u", "locale": "x" * 17},                 # longer than people.locale
    {"id": "u", "locale": "fr\u0000"},
    {"id": "u", "email": "not an email"},
    {"id": "u", "name": "n" * 201},
    {"id": "u", "properties": {"k" * 101: 1}},
    {"id": "u", "properties": {"plan": float("nan")}},
    {"id": "u", "properties": {"plan": {"nested": 1}}},
])
def test_malformed_identities_are_refused_before_anything_is_staged(workspace, identity):
    with pytest.raises(InvalidInput):
        widget_identity.check_identity(workspace, identity)


# The longest value of each field, a letter more refused: the people columns' lengths.
IDENTITY_LIMITS = [("id", people.MAX_EXTERNAL_ID_LENGTH, "u" * people.MAX_EXTERNAL_ID_LENGTH),
                   ("email", people.MAX_EMAIL_LENGTH, "e" * (people.MAX_EMAIL_LENGTH - 12) + "@example.com"),
                   ("name", people.MAX_NAME_LENGTH, "n" * people.MAX_NAME_LENGTH),
                   ("locale", people.MAX_LOCALE_LENGTH, "fr-abcdefgh-abc" + "d" * (people.MAX_LOCALE_LENGTH - 15))]


@pytest.mark.parametrize(("key", "limit", "longest"), IDENTITY_LIMITS)
def test_an_identity_field_fits_its_people_column_and_a_letter_more_is_refused(workspace, key, limit, longest):
    assert len(longest) == limit
    assert widget_identity.check_identity(workspace, {"id": "u", key: longest}) is not None
    with pytest.raises(InvalidInput) as refused:
        widget_identity.check_identity(workspace, {"id": "u", key: longest + "x"})
    assert refused.value.fields == {f"identity.{key}": [f"must be at most {limit} characters"]}


def test_an_answer_is_recorded_exactly_as_it_was_checked(workspace, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    data = {"score": 10, "submission_key": _key(), "identity": {"id": "u-1", "properties": {"plan": "team"}}}
    first = widget_answers.record(workspace, survey, widget_answers.validate(workspace, survey, data, locales=["fr"]))
    second = widget_answers.record(workspace, survey,
                                   widget_answers.validate(workspace, survey, {**data, "comment": "Great"}))
    assert first.id == second.id
    assert (second.score, second.comment, second.channel, second.locale) == (10, "Great", Channel.WIDGET, "fr")
    assert second.properties == {"plan": "team"}
    answer = widget_answers.validate(workspace, survey, data, locales=["fr"])
    assert widget_answers.WidgetAnswer.from_payload(answer.to_payload()) == answer


def test_an_empty_custom_answer_is_refused(workspace):
    survey = create_survey(workspace, SurveyKind.CUSTOM)
    with pytest.raises(InvalidInput, match="empty"):
        widget_answers.validate(workspace, survey, {"submission_key": _key()})


def test_a_poisoned_staged_answer_is_quarantined_and_every_other_answer_is_recorded(workspace, db):
    other_workspace = create_workspace("Other Co")
    survey, other_survey = create_survey(workspace, SurveyKind.NPS), create_survey(other_workspace, SurveyKind.NPS)
    # Staged the way main staged the probe's answer: raw fields, acknowledged 202, never checked.
    _stage(db, workspace, survey, {"data": {"score": 5, "submission_key": _key(0),
                                            "identity": {"id": "u", "name": 12345}}, "answers": {}, "locales": []})
    for n in range(1, 4):
        _stage_checked(db, workspace, survey, {"score": n, "submission_key": _key(n)})
        _stage_checked(db, other_workspace, other_survey, {"score": n, "submission_key": _key(n)})
    for _ in range(ingest.MAX_ATTEMPTS):
        ingest.process_pending()
    assert sorted(db.session.scalars(select(Response.score))) == [1, 1, 2, 2, 3, 3]
    poisoned = db.session.scalar(select(WidgetSubmission))
    assert poisoned.attempts == ingest.MAX_ATTEMPTS and "identity.name" in poisoned.last_error
    assert ingest.pending_count() == 0  # quarantined: no longer holds anything back
    _stage_checked(db, workspace, survey, {"score": 9, "submission_key": _key(9)})
    assert ingest.process_pending() == 1
    assert db.session.scalar(select(func.count(Response.id))) == 7


def test_an_answer_that_raises_anything_while_recorded_costs_an_attempt_not_the_queue(workspace, db, monkeypatch):
    survey = create_survey(workspace, SurveyKind.NPS)
    for n in range(3):
        _stage_checked(db, workspace, survey, {"score": n, "submission_key": _key(n)})
    real_record = widget_answers.record

    def record(workspace, survey, answer):
        if answer.score == 0:
            raise TypeError("an unexpected bug")
        return real_record(workspace, survey, answer)

    monkeypatch.setattr(widget_answers, "record", record)
    ingest.process_pending()
    assert sorted(db.session.scalars(select(Response.score))) == [1, 2]
    assert db.session.scalar(select(WidgetSubmission.attempts)) == 1


def _signed(workspace, user_id, email=None):
    identity = {"id": user_id, "user_hash": widget_identity.identity_signature(workspace, user_id)}
    if email:
        identity.update(email=email, email_hash=widget_identity.identity_signature(workspace, email))
    return identity


def _answer_as(workspace, survey, identity, n=0):
    data = {"score": 3, "submission_key": _key(n), "identity": identity}
    return widget_answers.record(workspace, survey, widget_answers.validate(workspace, survey, data))


def test_with_verification_a_signed_id_cannot_take_over_another_customers_email(workspace, db):
    workspace.require_identity_verification = True
    db.session.commit()
    survey = create_survey(workspace, SurveyKind.NPS)
    victim = create_person(workspace, email="victim@example.com", external_id="victim-1", name="Victim",
                           properties={"plan": "enterprise"})
    attacker = {**_signed(workspace, "attacker-7"), "email": "victim@example.com", "name": "Mallory",
                "properties": {"plan": "free"}}
    response = _answer_as(workspace, survey, attacker)
    db.session.refresh(victim)
    assert (victim.external_id, victim.email, victim.name, victim.properties) == \
        ("victim-1", "victim@example.com", "Victim", {"plan": "enterprise"})
    assert response.person_id != victim.id
    assert db.session.get(Person, response.person_id).email is None  # an unsigned email is ignored


def test_with_verification_a_signed_email_identifies_and_a_signed_id_updates_its_own_person(workspace, db):
    workspace.require_identity_verification = True
    db.session.commit()
    survey = create_survey(workspace, SurveyKind.NPS)
    met_by_email = create_person(workspace, email="ann@example.com")
    response = _answer_as(workspace, survey, {**_signed(workspace, "ann-1", "ann@example.com"), "name": "Ann"})
    assert response.person_id == met_by_email.id
    db.session.refresh(met_by_email)
    assert (met_by_email.external_id, met_by_email.name) == ("ann-1", "Ann")


def test_without_verification_an_identity_never_rewrites_or_rekeys_an_existing_customer(workspace, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    customer = create_person(workspace, email="ann@example.com", external_id="ann-1", name="Ann", locale="en",
                             properties={"plan": "pro"})
    response = _answer_as(workspace, survey, {"id": "stranger", "email": "ann@example.com", "name": "Eve",
                                              "locale": "fr", "properties": {"plan": "free", "new": 1}})
    db.session.refresh(customer)
    assert (customer.external_id, customer.name, customer.locale) == ("ann-1", "Ann", "en")
    assert customer.properties == {"plan": "pro"}
    assert response.person_id != customer.id  # the id named someone else: a new person, without the email
    assert db.session.get(Person, response.person_id).email is None


def test_verification_can_be_switched_on_and_its_secret_rotated(workspace, db):
    old_secret = workspace.identity_secret
    widget_identity.set_identity_verification(workspace, True)
    widget_identity.rotate_identity_secret(workspace)
    db.session.refresh(workspace)
    assert workspace.require_identity_verification and workspace.identity_secret != old_secret
