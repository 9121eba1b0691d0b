"""Hosted survey pages that work without JavaScript: the public link, the emailed score links, the comment page."""
import re
from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from feedback_app import errors
from feedback_app.extensions import limiter
from feedback_app.models import Channel, SurveyKind
from feedback_app.security_headers import CONTENT_SECURITY_POLICY
from feedback_app.services.collection import invitations, targeting as collection
from feedback_app.services.integrations import delighted_properties
from feedback_app.services.exceptions import InvalidInput, ServiceError
from feedback_app.services.collection.survey_look import survey_look
from feedback_app.services.collection.ui_strings import error_texts, ui_locale, ui_texts
from widgets.forms import comment_form_class, score_form_class, why_text
from widgets.question_types import form_value_to_raw, question_type
from widgets.routes import bp


# A host name (with an optional port) and nothing else: no quote, space or ';' can reach the policy header.
LOGO_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def _ip_limit():
    return current_app.config["WIDGET_IP_RATE_LIMIT"]


def _survey_limit():
    return current_app.config["WIDGET_SURVEY_RATE_LIMIT"]


def _survey_of_request():
    return "survey:" + str((request.view_args or {}).get("survey_token", ""))


# Answers on the hosted pages count against the same budgets as the widget's: per visitor IP,
# and per survey for the public page anyone can post to.
answer_limit = limiter.limit(_ip_limit, methods=["POST"])


def _accepted_languages():
    return [value for value, _quality in request.accept_languages]


def _locale(survey, person=None):
    # The workspace's default locale comes after the visitor's own languages (Settings > Survey look).
    return collection.pick_locale(survey, getattr(person, "locale", None), *_accepted_languages(),
                                  getattr(collection.workspace_of(survey), "default_locale", None))


def _render(template, survey, locale, status=200, **context):
    texts = (survey.texts or {}).get(locale, {})
    look = survey_look(survey, collection.workspace_of(survey), locale)
    page = render_template(template, survey=survey, texts=texts, locale=locale, color=look.color, look=look,
                           ui=look.strings, **context)
    return page, status, _logo_policy(look.logo_url)


def _logo_policy(logo_url):
    """Return the headers that let the page show the workspace's logo, kept on its own https host."""
    # The app's policy allows images from this site only, which blocked every logo set in Settings > Customers.
    parts = urlsplit(logo_url or "")
    if parts.scheme != "https" or not LOGO_HOST.fullmatch(parts.netloc):
        return {}
    origin = f"https://{parts.netloc}"
    return {"Content-Security-Policy": CONTENT_SECURITY_POLICY.replace("img-src 'self' data:",
                                                                       f"img-src 'self' data: {origin}")}


def _answers(form):
    fields = {field.name: field for field in form.question_fields()}  # the questions this step asks
    return {question.key: question_type(question).parse(question, form_value_to_raw(question, field.data))
            for question in form.survey.questions
            if (field := fields.get(f"q_{question.key}")) is not None and field.data not in (None, "", [])}


def _first_step(survey, *, person=None, survey_request=None, channel=Channel.LINK):
    locale = _locale(survey, person)
    texts = (survey.texts or {}).get(locale, {})
    form = score_form_class(survey, locale, texts=texts)()
    form.survey = survey
    if form.validate_on_submit():
        try:
            response = collection.answer_link(
                collection.workspace_of(survey), survey, score=getattr(form, "score", None) and form.score.data,
                churn_reason=getattr(form, "churn_reason", None) and form.churn_reason.data, answers=_answers(form),
                person=person, survey_request=survey_request, channel=channel, locale=locale)
        except InvalidInput as error:
            if "answers" not in error.fields:
                raise
            # A custom survey sent with no question answered: ask again on the page, in its language (was an
            # error page that threw the form away).
            form.form_errors.append(ui_texts(locale)["answer_one"])
            return _render("widgets/survey.html", survey, locale, 422, form=form, person=person)
        if survey.kind == SurveyKind.CUSTOM:
            return _render("widgets/thanks.html", survey, locale,
                           thank_you=delighted_properties.thank_you(getattr(survey_request, "id", None)))
        return redirect(url_for("widgets.comment", token=collection.comment_token(response)), 303)
    status = 422 if form.is_submitted() else 200
    return _render("widgets/survey.html", survey, locale, status, form=form, person=person)


@bp.route("/s/<survey_token>", methods=["GET", "POST"])
@answer_limit
@limiter.limit(_survey_limit, key_func=_survey_of_request, methods=["POST"])
def survey_page(survey_token):
    """Show a survey's public page and record its first answer."""
    return _first_step(collection.get_link_survey(survey_token))


@bp.route("/s/r/<token>", methods=["GET", "POST"])
@answer_limit
def request_page(token):
    """Show the survey page of one invitation (a link per person)."""
    survey_request = invitations.request_from_token(token)
    _workspace, survey, person = invitations.request_parts(survey_request)
    return _first_step(survey, person=person, survey_request=survey_request, channel=Channel.EMAIL)


@bp.get("/s/r/<token>/<int:score>")
@limiter.limit(_ip_limit)
def score_link(token, score):
    """Record the score clicked in an email at once, then open the comment page."""
    response = invitations.record_email_score(token, score)
    return redirect(url_for("widgets.comment", token=collection.comment_token(response)), 303)


@bp.route("/s/c/<token>", methods=["GET", "POST"])
@answer_limit
def comment(token):
    """Ask for the comment that completes a response, and store it."""
    workspace, response = collection.response_from_comment_token(token)
    survey = response.survey
    locale = response.locale if response.locale in (survey.texts or {}) else _locale(survey, response.person)
    texts = (survey.texts or {}).get(locale, {})
    form = comment_form_class(survey, locale, why=why_text(survey, texts, response.score), texts=texts,
                              score=response.score)()
    form.survey = survey
    if form.validate_on_submit():
        collection.complete_response(workspace, response, comment=form.comment.data,
                                     kept=getattr(form, "kept", None) and form.kept.data, answers=_answers(form))
        return _render("widgets/thanks.html", survey, locale,
                       thank_you=delighted_properties.thank_you(response.survey_request_id))
    status = 422 if form.is_submitted() else 200
    return _render("widgets/comment.html", survey, locale, status, form=form, response=response)


@bp.errorhandler(ServiceError)
def service_error(error):
    """Answer the widget API in JSON and people on hosted pages with a plain page."""
    if request.path.startswith("/w/"):
        return errors.handle_service_error(error)
    errors.db.session.rollback()
    return _error_page(error.status, error.message)


@bp.errorhandler(HTTPException)
def http_error(error):
    """Answer HTTP errors (413, 404, 429...) in the shape the caller understands."""
    if request.path.startswith("/w/"):
        return errors.handle_http_exception(error)
    return _error_page(error.code, error.description)


def _error_page(status, message):
    # The service's message is English (the API's); other locales get their own words for the status.
    locale = ui_locale(next(iter(_accepted_languages()), None))
    title, detail = error_texts(locale, status)
    return render_template("widgets/error.html", status=status, title=title, locale=locale,
                           message=message if locale == "en" else detail,
                           ui=ui_texts(locale)), status
