"""Delighted's special person properties: the wording of one emailed survey and of its thank-you page.

Delighted read a few ``properties`` of ``POST /v1/people`` as settings of the survey that call
sends rather than as facts about the person. Here they are kept on that survey request only
(never among the person's properties, so they do not become segments), checked when given, and
used when the email and the thank-you page are rendered.
"""
import re
from urllib.parse import urlsplit

from feedback_app.extensions import db
from feedback_app.models import SurveyRequest
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.collection.surveys import DEFAULT_TEXTS

# name: longest value. Subjects go in a mail header, link texts on a button: short, one line.
SPECIAL_PROPERTIES = {
    "question_product_name": 200,
    "delighted_email_subject": 200,
    "delighted_intro_message": 2000,
    "thank_you_message": 2000,
    "thank_you_link_url": 1000,
    "thank_you_link_text": 200,
}
ONE_LINE = ("question_product_name", "delighted_email_subject", "thank_you_link_url", "thank_you_link_text")
DEFAULT_LINK_TEXT = "Continue"


def split_properties(properties):
    """Return ``(ordinary, special)``: the person's properties and the survey settings among them.

    :raises InvalidInput: naming ``properties.<name>`` for a special property that is not text of
        its length, a subject or link text over several lines, a link that is not http(s), or a
        link text without its link.
    """
    ordinary, special, problems = {}, {}, {}
    for key, value in (properties or {}).items():
        if key not in SPECIAL_PROPERTIES:
            ordinary[key] = value
            continue
        limit = SPECIAL_PROPERTIES[key]
        text = value.strip() if isinstance(value, str) else None
        if not text or len(text) > limit:
            problems[f"properties.{key}"] = [f"must be text of 1 to {limit} characters"]
        elif key in ONE_LINE and any(ord(character) < 32 for character in text):
            problems[f"properties.{key}"] = ["must be one line of text"]
        else:
            special[key] = text
    link = special.get("thank_you_link_url")
    if link is not None and (urlsplit(link).scheme not in ("http", "https") or not urlsplit(link).netloc):
        problems["properties.thank_you_link_url"] = ["must be an absolute http or https link"]
    if "thank_you_link_text" in special and "thank_you_link_url" not in special \
            and "properties.thank_you_link_url" not in problems:
        problems["properties.thank_you_link_text"] = ["needs thank_you_link_url"]
    if problems:
        raise InvalidInput("Some special properties are not valid: " + ", ".join(sorted(problems)) + ".",
                           fields=problems)
    return ordinary, special


def _product_pattern(template):
    return re.compile(re.escape(template).replace(re.escape("{product}"), "(.+)"))


def question_with_product(survey, locale, product):
    """Return the survey's question in ``locale`` naming ``product``, or ``None`` if its wording names no product.

    Surveys keep their wording with the product already written in, so the product is found
    where the default wording of the survey's kind has it.
    """
    template = DEFAULT_TEXTS.get(survey.kind, {}).get(locale, {}).get("question", "")
    question = ((survey.texts or {}).get(locale) or {}).get("question") or ""
    if "{product}" not in template or not _product_pattern(template).fullmatch(question):
        return None
    return template.replace("{product}", product)


def check_for_survey(survey, special, *, sends):
    """Refuse special properties that the call cannot use: without a survey sent, or a product the question lacks.

    :raises InvalidInput: naming each such property.
    """
    if special and not sends:
        raise InvalidInput("Special properties set the survey this call sends, and it sends none (send=false).",
                           fields={f"properties.{key}": ["only used with the survey sent"] for key in special})
    product = special.get("question_product_name")
    if product is not None and question_with_product(survey, survey.default_locale, product) is None:
        raise InvalidInput("This survey's question is worded without a product name to replace.",
                           fields={"properties.question_product_name": ["the survey's question names no product"]})


def email_wording(survey_request, survey, locale, texts):
    """Return ``(subject or None, question, intro or None)`` of the invitation for ``survey_request``."""
    properties = survey_request.properties or {}
    product = properties.get("question_product_name")
    question = (question_with_product(survey, locale, product) if product else None) or texts.get("question")
    return properties.get("delighted_email_subject"), question, properties.get("delighted_intro_message")


def thank_you(survey_request_id):
    """Return the thank-you page's ``{"message", "link_url", "link_text"}`` set for a survey request (may be empty)."""
    survey_request = db.session.get(SurveyRequest, survey_request_id) if survey_request_id else None
    properties = getattr(survey_request, "properties", None) or {}
    page = {"message": properties.get("thank_you_message"), "link_url": properties.get("thank_you_link_url")}
    if page["link_url"]:
        page["link_text"] = properties.get("thank_you_link_text") or DEFAULT_LINK_TEXT
    return {key: value for key, value in page.items() if value}
