"""The demo workspace that ``make run`` serves: surveys, people and six months of responses."""
import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import ApiKey, FollowUp, Person, Response, Role, Survey, SurveyKind, User, Workspace, utcnow
from feedback_app.services.accounts import api_keys, users as accounts, workspaces
from feedback_app.services.collection import surveys
from feedback_app.services.loop import follow_ups
from feedback_app.services.demo_corpus import (
    CHURN_REASONS,
    CHURN_REASONS_FR,
    CHURN_TOPIC_REASON,
    COUNTRIES,
    FIRST_NAMES,
    FRENCH_COMMENTS,
    LAST_NAMES,
    PLANS,
    TOPICS,
)
from feedback_app.services.transaction import transactional

DEMO_WORKSPACE = "Demo"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"
DEMO_KEY_NAME = "demo (make run)"
DEMO_ORIGINS = ("http://127.0.0.1:5000", "http://localhost:5000", "http://127.0.0.1:8000", "http://localhost:8000")
DAYS = 182
FOLLOW_UP_DAYS = timedelta(days=7)


@dataclass(frozen=True)
class SeedResult:
    workspace: Workspace
    created: bool
    response_count: int
    api_key: str


def seed_demo(*, n_responses=3000, seed=7):
    """Create the demo workspace once, and issue a fresh demo API key on every call.

    Keys are stored hashed, so the previous demo key cannot be shown again; it is revoked.

    :param n_responses: how many responses to generate the first time.
    :param seed: random seed, so that the demo is the same on every machine.
    """
    workspace = db.session.scalar(select(Workspace).where(Workspace.name == DEMO_WORKSPACE))
    created = workspace is None
    if created:
        workspace = _create_demo_workspace(n_responses, random.Random(seed))
    raw_key = _rotate_demo_key(workspace)
    count = db.session.scalar(select(func.count(Response.id)).where(Response.workspace_id == workspace.id))
    return SeedResult(workspace=workspace, created=created, response_count=count, api_key=raw_key)


@transactional
def _rotate_demo_key(workspace):
    old_keys = db.session.scalars(
        select(ApiKey).where(ApiKey.workspace_id == workspace.id, ApiKey.name == DEMO_KEY_NAME,
                             ApiKey.revoked_at.is_(None))
    ).all()
    for old_key in old_keys:
        old_key.revoked_at = utcnow()
    _, raw_key = api_keys.create_api_key(workspace, name=DEMO_KEY_NAME, _commit=False)
    return raw_key


@transactional
def _create_demo_workspace(n_responses, rng):
    workspace = workspaces.create_workspace(DEMO_WORKSPACE, allowed_origins=DEMO_ORIGINS, _commit=False)
    user = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        accounts.create_user(DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo Owner", workspace=workspace,
                             role=Role.OWNER, _commit=False)
    else:
        accounts.add_member(workspace, user, role=Role.OWNER, _commit=False)
    nps = surveys.new_survey(workspace, name="Product NPS", kind=SurveyKind.NPS, product="Acme Notes",
                             _commit=False)
    # The product name goes into every locale's default wording: French needs its own words for it.
    csat = surveys.new_survey(workspace, name="Support CSAT", kind=SurveyKind.CSAT, product="our support",
                              texts={"fr": {"question": "Êtes-vous satisfait de notre support ?"}},
                              trigger={"type": "url", "url": "/help*", "delay_seconds": 2}, _commit=False)
    churn = surveys.new_survey(workspace, name="Cancellation survey", kind=SurveyKind.CHURN_EXIT,
                               churn_reasons=CHURN_REASONS, churn_reason_texts={"fr": CHURN_REASONS_FR},
                               trigger={"type": "event", "event": "clicked_cancel"},
                               _commit=False)
    people = _create_people(workspace, rng, count=max(50, n_responses * 2 // 3))
    responses = _create_responses(workspace, people, {"nps": nps, "csat": csat, "churn": churn}, n_responses, rng)
    _open_recent_follow_ups(workspace, responses, {nps.id: nps.kind, csat.id: csat.kind})
    return workspace


def _create_people(workspace, rng, *, count):
    people = []
    for index in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        country = rng.choice(COUNTRIES)
        person = Person(
            workspace_id=workspace.id,
            email=None if rng.random() < 0.04 else f"{first}.{last}.{index}@example.com".lower().replace(" ", ""),
            name=f"{first} {last}",
            external_id=f"user-{index:05d}",
            locale="fr" if country == "FR" else "en",
            properties={"plan": rng.choice(PLANS), "country": country,
                        "company_size": rng.choice(["1-10", "11-50", "51-200", "201+"])},
            unsubscribed_at=utcnow() if rng.random() < 0.03 else None,
        )
        people.append(person)
    db.session.add_all(people)
    db.session.flush()
    return people


def _comment_for(topic, rng, locale):
    if locale == "fr" and rng.random() < 0.7:
        return FRENCH_COMMENTS[topic]
    material = TOPICS[topic]
    parts = [rng.choice(material["openings"]), rng.choice(material["details"])]
    return " ".join(part for part in parts if part)


def _topic_weights(day):
    # Sync problems grow over the last two months and support complaints fade: trends to find.
    weights = {topic: 1.0 for topic in TOPICS}
    weights["sync"] = 0.6 + 2.0 * max(0.0, (day - 120) / 62)
    weights["support"] = 1.6 - 1.0 * day / DAYS
    return weights


def _create_responses(workspace, people, survey_by_role, n_responses, rng):
    now = utcnow()
    start = now - timedelta(days=DAYS)
    responses = []
    for _ in range(n_responses):
        day = rng.uniform(0, DAYS)
        created_at = start + timedelta(days=day, seconds=rng.randint(0, 3600))
        person = rng.choice(people)
        locale = person.locale or "en"
        weights = _topic_weights(day)
        topic = rng.choices(list(weights), weights=list(weights.values()))[0]
        low, high = TOPICS[topic]["scores"]
        role = rng.choices(["nps", "csat", "churn"], weights=[70, 22, 8])[0]
        comment = _comment_for(topic, rng, locale) if rng.random() < 0.85 else None
        response = Response(
            workspace_id=workspace.id,
            survey_id=survey_by_role[role].id,
            person_id=person.id,
            channel=rng.choice(["widget", "widget", "email", "link"]),
            locale=locale,
            comment=comment,
            properties=dict(person.properties),
            created_at=created_at,
            updated_at=created_at,
        )
        if role == "nps":
            response.score = rng.randint(low, high)
        elif role == "csat":
            response.score = max(1, min(5, round(1 + 4 * (rng.randint(low, high) / 10))))
        else:
            response.churn_reason = CHURN_TOPIC_REASON.get(topic, rng.choice(CHURN_REASONS))
            response.answers = {"kept": "A lower price" if topic == "pricing" else "Fewer bugs"}
        responses.append(response)
        if person.last_surveyed_at is None or person.last_surveyed_at < created_at:
            person.last_surveyed_at = created_at
    db.session.add_all(responses)
    db.session.flush()
    return responses


def _open_recent_follow_ups(workspace, responses, kind_by_survey):
    # Generated answers are history, so nothing opened their follow-ups; the demo's queue shows the
    # last week's unhappy customers instead, without alert emails to the demo address. They count as
    # alerted when they were opened: unalerted, the worker's digest would email them all at once,
    # and its stamp would fill the hourly alert limit so the next real detractor waited for a digest.
    # Oldest first, as live follow-ups are created: the queue pages by id, oldest first.
    since = utcnow() - FOLLOW_UP_DAYS
    db.session.add_all(
        FollowUp(workspace_id=workspace.id, response_id=response.id, status="open",
                 created_at=response.created_at, updated_at=response.created_at, alerted_at=response.created_at)
        for response in sorted(responses, key=lambda response: response.created_at)
        if response.created_at >= since and response.comment
        and follow_ups.is_unhappy(kind_by_survey.get(response.survey_id), response.score))
    db.session.flush()


def demo_survey_ids(workspace):
    """Return the demo workspace's survey ids by kind (for tests and the README)."""
    return dict(db.session.execute(select(Survey.kind, Survey.id).where(Survey.workspace_id == workspace.id)).all())
