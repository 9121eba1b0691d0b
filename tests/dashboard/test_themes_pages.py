"""Themes pages: problems by complaints under parent themes, praise apart, detail, and edits through the service."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from feedback_app.extensions import db as _db
from feedback_app.models import LinkSource, ParentTheme, ResponseTheme, Role, Survey, SurveyKind, Theme, ThemeStatus
from feedback_app.services.insights import theme_reports, themes
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace

SCORES = {"volume": 2, "share": 0.5, "share_previous": 0.2, "trend": "up", "trend_p_value": 0.01,
          "mean_sentiment": -0.4, "nps_impact": -12.5, "churn_share": 0.3, "priority": 80.0,
          "explanation": "big and rising"}


def link(response, theme, source=LinkSource.AUTO, polarity=None):
    _db.session.add(ResponseTheme(response_id=response.id, theme_id=theme.id, workspace_id=theme.workspace_id,
                                  source=source, polarity=polarity, similarity=0.9))
    _db.session.commit()


def make_theme(workspace, key, label, priority=None, scores=None, parent_key=None):
    theme = Theme(workspace_id=workspace.id, key=key, label=label, priority=priority, scores=scores or {},
                  key_phrases=[key], parent_key=parent_key)
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
    client.post(f"/app/home-co/themes/{sync.id}/merge", data={"absorbed": str(slow.id), "confirmed": "1"})
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

    client.post(f"/app/home-co/themes/{child.id}/noise", data={"confirmed": "1"})
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


@pytest.fixture()
def grouped(db):
    """Two parents of problems, a problem without a parent, and a theme of praise; counts from link polarity."""
    home = create_workspace("Home Co")
    survey = create_survey(home, SurveyKind.NPS)
    _db.session.add_all([ParentTheme(workspace_id=home.id, key="p-rel", label="Reliability"),
                         ParentTheme(workspace_id=home.id, key="p-money", label="Money")])
    _db.session.commit()
    made = {
        "sync": make_theme(home, "sync", "Sync conflicts", priority=30, parent_key="p-rel"),
        "crash": make_theme(home, "crash", "Mobile crashes", priority=90, parent_key="p-rel"),
        "price": make_theme(home, "price", "Price per seat", priority=95, parent_key="p-money"),
        "alone": make_theme(home, "alone", "Slow search", priority=10),
        "reports": make_theme(home, "reports", "Reports", priority=99, parent_key="p-money"),
    }
    for key, complaints, praise in (("sync", 4, 1), ("crash", 2, 0), ("price", 3, 0), ("alone", 1, 0),
                                    ("reports", 1, 5)):
        for _ in range(complaints):
            link(create_response(survey, score=2, comment=f"{key} is bad"), made[key], polarity="complaint")
        for _ in range(praise):
            link(create_response(survey, score=10, comment=f"{key} is great"), made[key], polarity="praise")
    link(create_response(survey, score=8, comment="reports exist"), made["reports"], polarity="neutral")
    return {"home": home, "owner": create_user(home, role=Role.OWNER), **made}


def test_problems_are_grouped_under_parents_and_ranked_by_complaints(grouped):
    split = theme_reports.problems_and_praise(grouped["home"])
    assert [(group["parent"].label if group["parent"] else None, group["counts"]["complaint"],
             [item["theme"].label for item in group["items"]]) for group in split["problems"]] == [
        ("Reliability", 6, ["Sync conflicts", "Mobile crashes"]), ("Money", 3, ["Price per seat"]),
        (None, 1, ["Slow search"])]
    assert [(item["theme"].label, item["counts"]) for item in split["praise"]] == [
        ("Reports", {"complaint": 1, "praise": 5, "neutral": 1})]


def test_worst_problems_count_complaints_only_and_praise_goes_to_what_customers_love(grouped):
    worst = theme_reports.worst_problems(grouped["home"])
    assert [(item["theme"].label, item["counts"]["complaint"]) for item in worst] == [
        ("Sync conflicts", 4), ("Price per seat", 3), ("Mobile crashes", 2), ("Slow search", 1)]
    assert [item["theme"].label for item in theme_reports.most_loved(grouped["home"])] == ["Reports"]


def test_themes_page_shows_parents_with_their_themes_and_praise_apart(client, login, grouped):
    login(grouped["owner"])
    page = client.get("/app/home-co/themes").get_data(as_text=True)
    problems, loved = page.split("What customers love")
    assert problems.index("Reliability") < problems.index("Sync conflicts") < problems.index("Mobile crashes") \
        < problems.index("Money") < problems.index("Price per seat") < problems.index("Slow search")
    assert ">Reports<" not in problems and ">Reports<" in loved
    assert problems.count('data-testid="parent-theme"') == 2


def test_a_parent_row_shows_its_own_scores_and_weekly_volume(client, login, grouped):
    parent = _db.session.scalar(select(ParentTheme).where(ParentTheme.key == "p-rel"))
    parent.scores = {"priority": 87.0, "volume": 7, "share": 0.5, "trend": "up", "mean_sentiment": -0.42,
                     "nps_impact": -12.5, "churn_share": 0.25, "explanation": "Most of the churn"}
    _db.session.commit()
    login(grouped["owner"])
    page = client.get("/app/home-co/themes").get_data(as_text=True)
    row = page[page.index('data-testid="parent-theme"'):]
    row = row[:row.index("</tr>")]
    assert "Reliability" in row
    for shown in (">87<", ">-0.42<", ">-12.5<", ">25%<", "↑", 'title="Most of the churn"', "<polyline points="):
        assert shown in row, shown
    assert "Weekly: " + ", ".join(["0"] * 11 + ["7"]) in row  # the 7 responses of its two themes


def test_overview_lists_worst_problems_by_complaints_and_what_customers_love(client, login, grouped):
    login(grouped["owner"])
    page = client.get("/app/home-co/").get_data(as_text=True)
    worst = page[page.index('data-testid="worst-problems"'):page.index("What customers love")]
    loved = page[page.index("What customers love"):]
    assert worst.index("Sync conflicts") < worst.index("Price per seat") and "4 complaints" in worst
    assert "Reports" not in worst and "Reports" in loved and "5 praising" in loved


def test_theme_detail_counts_complaints_and_praise(client, login, grouped):
    login(grouped["owner"])
    page = client.get(f"/app/home-co/themes/{grouped['reports'].id}").get_data(as_text=True)
    assert ">1 complaint<" in page and "5 praise" in page and "1 neutral" in page


def test_a_response_moved_into_a_theme_counts_as_its_complaint(grouped):
    survey = _db.session.scalar(select(Survey).where(Survey.workspace_id == grouped["home"].id))
    response = create_response(survey, score=1, comment="search never ends")
    themes.move_response(grouped["home"], response, to_theme=grouped["alone"])
    assert theme_reports.polarity_counts(grouped["home"], [grouped["alone"].id])[grouped["alone"].id] == {
        "complaint": 2, "praise": 0, "neutral": 0}
