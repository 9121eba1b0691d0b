"""Themes pages: ranked list with explained figures, detail, and edits through the lead's themes service."""
from datetime import datetime, timedelta, timezone

import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import LinkSource, ResponseTheme, Role, SurveyKind, Theme, ThemeStatus
from feedback_app.services import theme_reports
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace

SCORES = {"volume": 2, "share": 0.5, "share_previous": 0.2, "trend": "up", "trend_p_value": 0.01,
          "mean_sentiment": -0.4, "nps_impact": -12.5, "churn_share": 0.3, "priority": 80.0,
          "explanation": "big and rising"}


def link(response, theme, source=LinkSource.AUTO):
    _db.session.add(ResponseTheme(response_id=response.id, theme_id=theme.id, workspace_id=theme.workspace_id,
                                  source=source))
    _db.session.commit()


def make_theme(workspace, key, label, priority=None, scores=None):
    theme = Theme(workspace_id=workspace.id, key=key, label=label, priority=priority, scores=scores or {},
                  key_phrases=[key])
    _db.session.add(theme)
    _db.session.commit()
    return theme


@pytest.fixture()
def world(db):
    home, away = create_workspace("Home Co"), create_workspace("Away Co")
    survey = create_survey(home, SurveyKind.NPS)
    now = datetime.now(timezone.utc)
    sync = make_theme(home, "sync", "Sync", priority=80, scores=SCORES)
    slow = make_theme(home, "slow", "Slow app", priority=40, scores={**SCORES, "priority": 40.0})
    pro, free = create_person(home, properties={"plan": "pro"}), create_person(home, properties={"plan": "free"})
    r1 = create_response(survey, person=pro, score=2, comment="sync lost data", properties={"plan": "pro"},
                         created_at=now)
    r2 = create_response(survey, person=free, score=9, comment="sync is fine now", properties={"plan": "free"},
                         created_at=now - timedelta(days=8))
    r3 = create_response(survey, score=3, comment="so slow", created_at=now)
    link(r1, sync), link(r2, sync), link(r3, slow)
    away_theme = make_theme(away, "other", "Other")
    owner = create_user(home, role=Role.OWNER)
    return {"home": home, "sync": sync, "slow": slow, "r1": r1, "r2": r2, "r3": r3, "away_theme": away_theme,
            "owner": owner}


def test_themes_list_ranks_and_explains(client, login, world):
    login(world["owner"])
    page = client.get("/app/home-co/themes").get_data(as_text=True)
    assert page.index(">Sync<") < page.index(">Slow app<")
    assert "big and rising" in page  # the priority explanation is the hover text
    assert "NPS points the workspace would gain" in page
    assert "+-" not in page and "-12.5" in page


def test_weekly_volumes_count_linked_responses_per_week(world):
    volumes = theme_reports.weekly_volumes(world["home"], [world["sync"].id, world["slow"].id])
    assert sum(volumes[world["sync"].id]) == 2 and volumes[world["sync"].id][-1] >= 1
    assert sum(volumes[world["slow"].id]) == 1


def test_breakdown_by_segment_and_score_distribution(world):
    breakdown = theme_reports.theme_breakdown(world["home"], world["sync"], segment_key="plan")
    assert {(s["value"], s["count"], s["nps"]) for s in breakdown["segments"]} == {("pro", 1, -100.0),
                                                                                   ("free", 1, 100.0)}
    (nps,) = breakdown["histograms"]
    assert {bar["score"]: bar["count"] for bar in nps["bars"] if bar["count"]} == {2: 1, 9: 1}


def test_theme_detail_page(client, login, world):
    login(world["owner"])
    page = client.get(f"/app/home-co/themes/{world['sync'].id}?segment_key=plan").get_data(as_text=True)
    assert "sync lost data" in page and 'data-testid="segments"' in page and "NPS -100" in page


def test_rename_merge_split_noise_and_move(client, login, world):
    login(world["owner"])
    sync, slow = world["sync"], world["slow"]
    client.post(f"/app/home-co/themes/{sync.id}/rename", data={"label": "Sync problems"})
    client.post(f"/app/home-co/themes/{sync.id}/merge", data={"absorbed": str(slow.id)})
    _db.session.expire_all()
    assert sync.label == "Sync problems" and sync.label_is_custom
    assert slow.status == ThemeStatus.MERGED
    assert {rt.response_id for rt in _db.session.query(ResponseTheme).filter_by(theme_id=sync.id)} == {
        world["r1"].id, world["r2"].id, world["r3"].id}

    client.post(f"/app/home-co/themes/{sync.id}/move", data={"response_id": str(world["r3"].id), "to_theme": ""})
    _db.session.expire_all()
    assert _db.session.get(ResponseTheme, (world["r3"].id, sync.id)).source == LinkSource.EXCLUDED

    client.post(f"/app/home-co/themes/{sync.id}/split", data={"groups": "lost data"})
    _db.session.expire_all()
    child = _db.session.query(Theme).filter_by(label="lost data").one()
    assert _db.session.get(ResponseTheme, (world["r1"].id, child.id)) is not None

    client.post(f"/app/home-co/themes/{child.id}/noise")
    _db.session.expire_all()
    assert child.status == ThemeStatus.NOISE


@pytest.mark.parametrize("path, data", [
    ("/app/home-co/themes/{away}", None), ("/app/home-co/themes/{away}/rename", {"label": "x"}),
    ("/app/home-co/themes/{away}/noise", {}), ("/app/home-co/themes/{away}/split", {"groups": "x"}),
    ("/app/home-co/themes/{sync}/merge", {"absorbed": "{away}"}),
    ("/app/home-co/themes/{away}/move", {"response_id": "{r1}"}),
    ("/app/home-co/themes/{sync}/move", {"response_id": "{r1}", "to_theme": "{away}"}),
    ("/app/home-co/responses?theme={away}", None),
])
def test_other_workspaces_themes_are_not_found(client, login, world, path, data):
    ids = {"away": world["away_theme"].id, "sync": world["sync"].id, "r1": world["r1"].id}
    login(world["owner"])
    url = path.format(**ids)
    if data is None:
        response = client.get(url)
    else:
        response = client.post(url, data={k: v.format(**ids) for k, v in data.items()})
    assert response.status_code == 404
    _db.session.expire_all()
    assert world["away_theme"].label == "Other" and world["away_theme"].status == ThemeStatus.ACTIVE


def test_viewer_cannot_edit_themes(client, login, world):
    login(create_user(world["home"], role=Role.VIEWER))
    assert 'id="merge"' not in client.get(f"/app/home-co/themes/{world['sync'].id}").get_data(as_text=True)
    assert client.post(f"/app/home-co/themes/{world['sync'].id}/rename", data={"label": "x"}).status_code == 403
    _db.session.expire_all()
    assert world["sync"].label == "Sync"
