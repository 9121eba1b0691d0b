"""Realistic dashboard data for the browser tests: surveys, people, 60 days of responses, themes, follow-ups."""
import random
from datetime import timedelta

from feedback_app.extensions import db
from feedback_app.models import FollowUp, Person, Response, ResponseTheme, Role, SurveyKind, Theme, utcnow
from tests.factories import create_survey, create_user, create_workspace

COMMENTS = {
    "sync": ["Sync keeps failing on my phone", "Sync conflicts every morning", "Lost notes after a sync"],
    "price": ["Too expensive for a small team", "The price went up again", "Pricing is confusing"],
    "love": ["Love the new editor", "Great search, fast and simple", "Support answered in minutes"],
}
THEME_SCORES = {
    "sync": {"volume": 40, "share": 0.3, "share_previous": 0.2, "trend": "up", "trend_p_value": 0.01,
             "mean_sentiment": -0.5, "nps_impact": -9.5, "churn_share": 0.4, "priority": 82.0,
             "explanation": "Largest negative theme, rising significantly."},
    "price": {"volume": 30, "share": 0.2, "share_previous": 0.2, "trend": "flat", "trend_p_value": 0.6,
              "mean_sentiment": -0.3, "nps_impact": -4.0, "churn_share": 0.5, "priority": 64.0,
              "explanation": "Half of churn-exit answers mention it."},
    "love": {"volume": 50, "share": 0.4, "share_previous": 0.4, "trend": "flat", "trend_p_value": 0.9,
             "mean_sentiment": 0.6, "nps_impact": 6.0, "churn_share": None, "priority": 12.0,
             "explanation": "Praise: positive and stable."},
}


def build_dashboard_world(name="Acme Notes", *, responses=240, seed=3):
    """Return ``(workspace, owner)`` with enough data to make every page and chart meaningful."""
    rng = random.Random(seed)
    workspace = create_workspace(name)
    owner = create_user(workspace, role=Role.OWNER)
    nps = create_survey(workspace, SurveyKind.NPS, name="Product NPS")
    csat = create_survey(workspace, SurveyKind.CSAT, name="Support CSAT")
    churn = create_survey(workspace, SurveyKind.CHURN_EXIT, name="Cancellation")
    people = [Person(workspace_id=workspace.id, email=f"customer{i}@example.com", name=f"Customer {i}",
                     properties={"plan": rng.choice(["free", "pro", "enterprise"])}) for i in range(60)]
    db.session.add_all(people)
    db.session.flush()
    themes = {key: Theme(workspace_id=workspace.id, key=key, label=key.title(), scores=scores,
                         priority=scores["priority"], key_phrases=[key], representative_response_ids=[])
              for key, scores in THEME_SCORES.items()}
    db.session.add_all(themes.values())
    db.session.flush()
    now = utcnow()
    for i in range(responses):
        topic = rng.choice(list(COMMENTS))
        person = rng.choice(people)
        kind = rng.choices(["nps", "csat", "churn"], weights=[70, 20, 10])[0]
        created_at = now - timedelta(days=rng.uniform(0, 59))
        response = Response(workspace_id=workspace.id, person_id=person.id, channel=rng.choice(["widget", "email"]),
                            comment=rng.choice(COMMENTS[topic]), properties=dict(person.properties),
                            created_at=created_at, updated_at=created_at,
                            sentiment="negative" if topic != "love" else "positive")
        if kind == "nps":
            response.survey_id = nps.id
            response.score = rng.randint(7, 10) if topic == "love" else rng.randint(0, 8)
        elif kind == "csat":
            response.survey_id, response.score = csat.id, (rng.randint(4, 5) if topic == "love" else rng.randint(1, 3))
        else:
            response.survey_id = churn.id
            response.churn_reason = rng.choice(churn.churn_reasons)
        db.session.add(response)
        db.session.flush()
        # As the analysis writes them: a confident match, praise apart from complaints.
        db.session.add(ResponseTheme(response_id=response.id, theme_id=themes[topic].id, workspace_id=workspace.id,
                                     similarity=0.9, polarity="praise" if topic == "love" else "complaint"))
        if len(themes[topic].representative_response_ids) < 3:
            themes[topic].representative_response_ids = [*themes[topic].representative_response_ids, response.id]
        if kind == "nps" and response.score <= 6 and rng.random() < 0.3:
            db.session.add(FollowUp(workspace_id=workspace.id, response_id=response.id, status="open",
                                    created_at=created_at))
    db.session.commit()
    return workspace, owner
