"""Edit surveys from the dashboard: wording per locale, channels, trigger, sampling, recontact, churn reasons."""
import re

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import Channel, Survey, SurveyKind
from feedback_app.services import surveys
from feedback_app.services.audit import record_event
from feedback_app.services.exceptions import InvalidInput, NotFound
from feedback_app.services.transaction import transactional

TRIGGER_TYPES = ("page_load", "url", "event")
LOCALE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
MAX_REASONS = 30


def list_surveys(workspace):
    """Return the workspace's surveys, by name."""
    return db.session.scalars(select(Survey).where(Survey.workspace_id == workspace.id).order_by(Survey.name)).all()


def get_survey(workspace, survey_id):
    """Return ``workspace``'s survey ``survey_id``.

    :raises NotFound: if it is not a survey of this workspace.
    """
    survey = db.session.scalar(select(Survey).where(Survey.id == survey_id, Survey.workspace_id == workspace.id))
    if survey is None:
        raise NotFound("No such survey.")
    return survey


def check_settings(*, kind, name, locales, channels, trigger, sampling_percent, recontact_days, churn_reasons):
    """Return the problems of survey settings as ``{field: [problem]}`` (empty when all is well)."""
    problems = {}
    if not (name or "").strip() or len(name) > 200:
        problems["name"] = ["1-200 characters"]
    bad = [locale for locale in locales if not LOCALE.match(locale)]
    if not locales or bad:
        problems["locales"] = [f"locales like en or pt-BR; not {', '.join(bad)}" if bad else "at least one"]
    unknown = [c for c in channels if c not in {c.value for c in Channel}]
    if not channels or unknown:
        problems["channels"] = ["at least one of widget, link, email, api"]
    if trigger.get("type") not in TRIGGER_TYPES:
        problems["trigger_type"] = [f"one of {', '.join(TRIGGER_TYPES)}"]
    elif trigger["type"] == "url" and not trigger.get("url_pattern"):
        problems["trigger_value"] = ["a URL pattern such as /billing*"]
    elif trigger["type"] == "event" and not trigger.get("event"):
        problems["trigger_value"] = ["the event name"]
    if not 0 <= sampling_percent <= 100:
        problems["sampling_percent"] = ["0-100"]
    if recontact_days is not None and not 0 <= recontact_days <= 3650:
        problems["recontact_days"] = ["0-3650 days"]
    problems.update(_reason_problems(kind, churn_reasons))
    return problems


def _reason_problems(kind, churn_reasons):
    if kind == SurveyKind.CHURN_EXIT and not churn_reasons:
        return {"churn_reasons": ["a churn-exit survey needs at least one reason"]}
    if len(churn_reasons) > MAX_REASONS or any(len(reason) > 200 for reason in churn_reasons):
        return {"churn_reasons": [f"at most {MAX_REASONS} reasons of 200 characters"]}
    return {}


@transactional
def update_survey(workspace, survey, *, name, texts, default_locale, channels, trigger, sampling_percent,
                  recontact_days, churn_reasons, is_active, user=None):
    """Change a survey's settings; responses already given are untouched.

    :param texts: ``{locale: {"question": ..., ...}}``; its keys are the survey's locales.
    :raises NotFound: if the survey is not in ``workspace``.
    :raises InvalidInput: with every problem by field; nothing is stored then.
    """
    if survey.workspace_id != workspace.id:
        raise NotFound("No such survey.")
    churn_reasons = [reason.strip() for reason in churn_reasons if reason and reason.strip()]
    problems = check_settings(kind=survey.kind, name=name, locales=list(texts), channels=channels, trigger=trigger,
                              sampling_percent=sampling_percent, recontact_days=recontact_days,
                              churn_reasons=churn_reasons)
    if default_locale not in texts:
        problems.setdefault("default_locale", []).append("must be one of the survey's locales")
    if problems:
        raise InvalidInput("The survey settings are not valid.", fields=problems)
    survey.name, survey.texts, survey.default_locale = name.strip(), texts, default_locale
    survey.channels, survey.trigger = list(channels), trigger
    survey.sampling_percent, survey.recontact_days = sampling_percent, recontact_days
    survey.churn_reasons, survey.is_active = churn_reasons, is_active
    record_event("survey.updated", workspace_id=workspace.id, user_id=getattr(user, "id", None), target=survey)
    return survey


@transactional
def create_survey(workspace, *, name, kind, texts, channels, trigger, sampling_percent, recontact_days,
                  churn_reasons, user=None):
    """Create a survey from the dashboard's settings, over the default wording of its type.

    :raises InvalidInput: with every problem by field; nothing is stored then.
    """
    churn_reasons = [reason.strip() for reason in churn_reasons if reason and reason.strip()]
    try:
        kind = SurveyKind(kind)
    except ValueError:
        raise InvalidInput("Unknown survey type.", fields={"kind": [", ".join(SurveyKind)]}) from None
    problems = check_settings(kind=kind, name=name, locales=list(texts), channels=channels, trigger=trigger,
                              sampling_percent=sampling_percent, recontact_days=recontact_days,
                              churn_reasons=churn_reasons)
    if problems:
        raise InvalidInput("The survey settings are not valid.", fields=problems)
    survey = surveys.create_survey(workspace, name=name.strip(), kind=kind, texts=texts, churn_reasons=churn_reasons,
                                   trigger=trigger, channels=list(channels), sampling_percent=sampling_percent,
                                   recontact_days=recontact_days, _commit=False)
    # The default wording covers every supported locale; keep only the ones the team asked for.
    survey.texts = {locale: values for locale, values in survey.texts.items() if locale in texts}
    survey.default_locale = next(iter(texts))
    record_event("survey.configured", workspace_id=workspace.id, user_id=getattr(user, "id", None), target=survey)
    return survey
