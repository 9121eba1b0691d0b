"""Overview: the score distribution of the period, one bar per score of each scale, grouped by analysis.scales."""
import re
from datetime import date, timedelta

import pytest

from analysis.scales import SCALES
from feedback_app.models import Role, SurveyKind
from feedback_app.services.insights import reports
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace, utc_at

TODAY = date(2026, 3, 31)


@pytest.fixture()
def world(db):
    workspace = create_workspace("Scores Co")
    nps, csat = create_survey(workspace, SurveyKind.NPS), create_survey(workspace, SurveyKind.CSAT)
    pro = create_person(workspace, properties={"plan": "pro"})
    for score in (10, 10, 9, 7, 3, 0):
        create_response(nps, score=score, created_at=utc_at(TODAY))
    create_response(nps, score=8, person=pro, properties={"plan": "pro"}, created_at=utc_at(TODAY))
    create_response(nps, score=1, created_at=utc_at(TODAY - timedelta(days=60)))  # outside the period
    for score in (5, 4, 1):
        create_response(csat, score=score, created_at=utc_at(TODAY - timedelta(days=1)))
    return {"workspace": workspace, "owner": create_user(workspace, role=Role.OWNER)}


def test_distribution_has_one_bar_per_score_of_each_scale_with_its_group(world):
    filters = reports.make_filters(start=TODAY - timedelta(days=29), end=TODAY)
    nps, csat = reports.overview(world["workspace"], filters)["distributions"]
    assert (nps["kind"], nps["n"], csat["kind"], csat["n"]) == ("nps", 7, "csat", 3)
    assert [bar["score"] for bar in nps["bars"]] == list(range(0, 11))
    assert {bar["score"]: bar["count"] for bar in nps["bars"] if bar["count"]} == {0: 1, 3: 1, 7: 1, 8: 1, 9: 1, 10: 2}
    assert [bar["score"] for bar in csat["bars"]] == [1, 2, 3, 4, 5]
    for dist in (nps, csat):
        scale = SCALES[dist["kind"]]
        assert all(bar["label"] == scale.labels[scale.group_index(bar["score"])] for bar in dist["bars"])
        assert sum(bar["share"] for bar in dist["bars"]) == pytest.approx(1)
    # The bars add up to the tiles' promoters / passives / detractors.
    current = reports.overview(world["workspace"], filters)["current"]
    by_label = {label: sum(bar["count"] for bar in nps["bars"] if bar["label"] == label)
                for label in SCALES["nps"].labels}
    assert by_label == {"promoter": current["promoters"], "passive": current["passives"],
                        "detractor": current["detractors"]}


def test_overview_page_draws_the_bars_and_says_when_a_segment_has_none(client, login, world):
    login(world["owner"])
    page = client.get(f"/app/scores-co/?start={TODAY - timedelta(days=29)}&end={TODAY}").get_data(as_text=True)
    assert 'data-testid="score-distribution"' in page and 'data-kind="nps"' in page and 'data-kind="csat"' in page
    row = re.search(r'<tr data-score="10" data-group="promoter">.*?</tr>', page, re.S).group(0)
    assert 'data-testid="count">2<' in row and "29%" in row  # 2 of 7
    assert 'data-kind="ces"' not in page  # no CES answers: no empty chart
    segment = client.get(f"/app/scores-co/?start={TODAY - timedelta(days=29)}&end={TODAY}"
                         "&segment_key=plan&segment_value=enterprise").get_data(as_text=True)
    assert "No scores in this period for plan = enterprise." in segment
    pro = client.get(f"/app/scores-co/?start={TODAY - timedelta(days=29)}&end={TODAY}"
                     "&segment_key=plan&segment_value=pro").get_data(as_text=True)
    assert re.search(r'<tr data-score="8" data-group="passive">.*?data-testid="count">1<', pro, re.S)
