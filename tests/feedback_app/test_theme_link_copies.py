"""Theme links carry their response's person and time, kept equal by the database whatever writes them."""
from datetime import datetime, timedelta, timezone

import flask_migrate
from sqlalchemy import insert, select, text, update

from feedback_app.models import Response, ResponseTheme, Theme
from feedback_app.services.collection import people
from tests.factories import create_person, create_response, create_survey, create_workspace

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def _theme(db, workspace, key="sync"):
    theme = Theme(workspace_id=workspace.id, key=key, label=key.title())
    db.session.add(theme)
    db.session.commit()
    return theme


def _links(db):
    """Return ``{(response id, theme id): (person id, created at)}`` as stored in the links."""
    rows = db.session.execute(select(ResponseTheme.response_id, ResponseTheme.theme_id, ResponseTheme.person_id,
                                     ResponseTheme.created_at)).all()
    return {(response_id, theme_id): (person_id, created_at) for response_id, theme_id, person_id, created_at in rows}


def assert_links_copy_their_responses(db):
    expected = {response_id: (person_id, created_at) for response_id, person_id, created_at
                in db.session.execute(select(Response.id, Response.person_id, Response.created_at))}
    links = _links(db)
    assert links
    assert {key: copies for key, copies in links.items()} == {key: expected[key[0]] for key in links}


def test_links_written_by_the_orm_and_in_bulk_copy_the_response(db):
    workspace = create_workspace()
    survey = create_survey(workspace)
    person = create_person(workspace)
    by_orm = create_response(survey, person=person, score=3, comment="sync fails", created_at=WHEN)
    in_bulk = create_response(survey, person=person, score=9, comment="fast", created_at=WHEN + timedelta(days=1))
    anonymous = create_response(survey, score=5, comment="slow", created_at=WHEN + timedelta(days=2))
    theme = _theme(db, workspace)

    link = ResponseTheme(response_id=by_orm.id, theme_id=theme.id, workspace_id=workspace.id)
    db.session.add(link)
    db.session.execute(insert(ResponseTheme), [
        {"response_id": response.id, "theme_id": theme.id, "workspace_id": workspace.id, "source": "auto"}
        for response in (in_bulk, anonymous)])
    db.session.commit()

    assert_links_copy_their_responses(db)
    # The ORM object reads the copies back from the database, not the NULLs it was created with.
    assert (link.person_id, link.created_at) == (person.id, WHEN)
    assert _links(db)[(anonymous.id, theme.id)] == (None, WHEN + timedelta(days=2))


def test_links_follow_edits_erasure_and_deleted_people(db):
    workspace = create_workspace()
    survey = create_survey(workspace)
    erased, deleted, kept = (create_person(workspace) for _ in range(3))
    responses = [create_response(survey, person=person, score=2, comment="broken", created_at=WHEN)
                 for person in (erased, deleted, kept)]
    themes = [_theme(db, workspace, "sync"), _theme(db, workspace, "crash")]
    for response in responses:
        for theme in themes:
            db.session.add(ResponseTheme(response_id=response.id, theme_id=theme.id, workspace_id=workspace.id))
    db.session.commit()

    db.session.execute(update(Response).where(Response.id == responses[2].id)
                       .values(created_at=WHEN - timedelta(days=30)))
    responses[1].person_id = None
    db.session.commit()
    people.delete_person(workspace, erased)
    # A person deleted by the database itself (ON DELETE SET NULL) also leaves anonymous links.
    db.session.execute(text("DELETE FROM people WHERE id = :id"), {"id": deleted.id})
    db.session.commit()

    assert_links_copy_their_responses(db)
    links = _links(db)
    assert {links[(response.id, themes[0].id)][0] for response in responses} == {None, kept.id}
    assert links[(responses[2].id, themes[1].id)][1] == WHEN - timedelta(days=30)


def test_upgrade_fills_the_copies_of_links_stored_before(db):
    workspace = create_workspace()
    survey = create_survey(workspace)
    person = create_person(workspace)
    response = create_response(survey, person=person, score=1, comment="lost my notes", created_at=WHEN)
    theme = _theme(db, workspace)
    ids = {"response": response.id, "theme": theme.id, "workspace": workspace.id, "person": person.id}
    db.session.remove()

    flask_migrate.downgrade(revision="0003")
    try:
        db.session.execute(text("INSERT INTO response_themes (response_id, theme_id, workspace_id, source) "
                                "VALUES (:response, :theme, :workspace, 'auto')"),
                           {key: ids[key] for key in ("response", "theme", "workspace")})
        db.session.commit()
        db.session.remove()
    finally:
        flask_migrate.upgrade()

    assert _links(db) == {(ids["response"], ids["theme"]): (ids["person"], WHEN)}
