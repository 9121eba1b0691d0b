"""People: search, a person's history of responses and notifications, GDPR export and erasure."""
from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from feedback_app.auth.access import role_required
from feedback_app.dashboard.forms import ConfirmForm
from feedback_app.dashboard.routes import bp
from feedback_app.models import Person, Role
from feedback_app.services.collection import autopilot_schedules
from feedback_app.services.collection import people as people_service
from feedback_app.services.ownership import owned

PEOPLE_PAGE = 50


@bp.get("/app/<workspace>/people")
def people():
    """Search the workspace's people by email, name or external id."""
    query = request.args.get("q", "")[:200]
    after = request.args.get("after", type=int)
    found = people_service.search_people(g.workspace, query, after_id=after, limit=PEOPLE_PAGE + 1)
    next_after = found[PEOPLE_PAGE - 1].id if len(found) > PEOPLE_PAGE else None
    return render_template("dashboard/people.html", people=found[:PEOPLE_PAGE], q=query, next_after=next_after)


@bp.get("/app/<workspace>/people/<int:person_id>")
def person_detail(person_id):
    """Show a person with their responses, the emails sent to them and their Autopilot schedules."""
    person = owned(Person, g.workspace, person_id)
    history = people_service.person_history(g.workspace, person)
    return render_template("dashboard/person.html", person=person, history=history, delete_form=ConfirmForm(),
                           autopilot=autopilot_schedules.person_memberships(g.workspace, person))


@bp.get("/app/<workspace>/people/<int:person_id>/export.json")
@role_required(Role.ADMIN)
def export_person(person_id):
    """Download everything stored about a person (GDPR access request)."""
    person = owned(Person, g.workspace, person_id)
    response = jsonify(people_service.person_export(g.workspace, person))
    response.headers["Content-Disposition"] = f'attachment; filename="person-{person.id}.json"'
    return response


@bp.post("/app/<workspace>/people/<int:person_id>/delete")
@role_required(Role.ADMIN)
def delete_person(person_id):
    """Erase a person's personal data, keeping their scores anonymously (GDPR erasure)."""
    person = owned(Person, g.workspace, person_id)
    if ConfirmForm().validate_on_submit():
        people_service.delete_person(g.workspace, person, user=current_user)
        flash("The person's personal data was erased; their scores are kept anonymously.")
    return redirect(url_for("dashboard.people"))
