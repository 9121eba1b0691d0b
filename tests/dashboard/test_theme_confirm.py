"""Merging a theme and marking one as noise ask first, saying how many responses move or are hidden."""
import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import LinkSource, ResponseTheme, Role, SurveyKind, Theme, ThemeStatus
from feedback_app.services.loop import actions
from tests.factories import create_response, create_survey, create_user, create_workspace


def _theme(workspace, key, label):
    theme = Theme(workspace_id=workspace.id, key=key, label=label)
    _db.session.add(theme)
    _db.session.commit()
    return theme


def _link(theme, response, source=LinkSource.AUTO):
    _db.session.add(ResponseTheme(response_id=response.id, theme_id=theme.id, workspace_id=theme.workspace_id,
                                  source=source, similarity=0.9))
    _db.session.commit()


@pytest.fixture()
def world(db):
    home = create_workspace("Home Co")
    survey = create_survey(home, SurveyKind.NPS)
    sync, slow = _theme(home, "sync", "Sync"), _theme(home, "slow", "Slow app")
    responses = [create_response(survey, score=score, comment=f"comment {score}") for score in range(5)]
    _link(sync, responses[0])
    for response in responses[:3]:  # responses[0] is in both themes
        _link(slow, response)
    _link(slow, responses[3], LinkSource.MANUAL)
    _link(slow, responses[4], LinkSource.EXCLUDED)  # taken out by hand: not in the theme, does not move
    actions.create_action(home, title="Speed up", theme=slow)
    _db.session.commit()
    return {"home": home, "sync": sync, "slow": slow, "member": create_user(home, role=Role.MEMBER)}


def test_merge_says_how_many_responses_move_and_merges_only_once_confirmed(client, login, world):
    login(world["member"])
    sync, slow = world["sync"], world["slow"]
    asked = client.post(f"/app/home-co/themes/{sync.id}/merge", data={"absorbed": str(slow.id)})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="confirm-merge"' in text
    assert "<strong>3</strong> responses move from “Slow app” to “Sync”; 1 already in both stay once" in text
    assert "Its 1 action then tells the customers of “Sync” too." in text
    _db.session.expire_all()
    assert _db.session.get(Theme, slow.id).status == ThemeStatus.ACTIVE

    done = client.post(f"/app/home-co/themes/{sync.id}/merge", data={"absorbed": str(slow.id), "confirmed": "1"},
                       follow_redirects=True)
    assert "Merged “Slow app” into “Sync”." in done.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(Theme, slow.id).status == ThemeStatus.MERGED
    in_sync = _db.session.query(ResponseTheme).filter_by(theme_id=sync.id).filter(ResponseTheme.in_theme).count()
    assert in_sync == 1 + 3  # its own response and the three that moved


def test_noise_says_how_many_responses_are_hidden_and_hides_them_only_once_confirmed(client, login, world):
    login(world["member"])
    slow = world["slow"]
    asked = client.post(f"/app/home-co/themes/{slow.id}/noise")
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="confirm-noise"' in text
    assert "<strong>3</strong> responses the analysis put in it are hidden" in text
    assert "1 linked by hand keep their link" in text
    _db.session.expire_all()
    assert _db.session.get(Theme, slow.id).status == ThemeStatus.ACTIVE

    client.post(f"/app/home-co/themes/{slow.id}/noise", data={"confirmed": "1"})
    _db.session.expire_all()
    assert _db.session.get(Theme, slow.id).status == ThemeStatus.NOISE
    assert _db.session.query(ResponseTheme).filter_by(theme_id=slow.id, source=LinkSource.AUTO).count() == 0


def test_viewers_get_no_confirm_step(client, login, world):
    login(create_user(world["home"], role=Role.VIEWER))
    assert client.post(f"/app/home-co/themes/{world['slow'].id}/noise").status_code == 403
    assert client.post(f"/app/home-co/themes/{world['sync'].id}/merge",
                       data={"absorbed": str(world["slow"].id)}).status_code == 403
