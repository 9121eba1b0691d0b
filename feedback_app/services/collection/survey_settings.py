"""Edit surveys from the dashboard and the API: wording per locale, channels, trigger, targeting, sampling."""
import re

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import Channel, RecontactScope, Survey, SurveyKind, SurveyStatus
from feedback_app.services.collection import churn_reasons as reasons, survey_builder, surveys
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.pages import keyset_page
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.ownership import check_owned
from feedback_app.services.transaction import transactional

TRIGGER_TYPES = ("page_load", "url", "event")
# The keys each trigger type may carry; the widget reads exactly these (widgets/static/widget.js).
TRIGGER_KEYS = {"page_load": {"type", "delay_seconds", "url"}, "url": {"type", "delay_seconds", "url"},
                "event": {"type", "delay_seconds", "url", "event"}}
# The widget matches a pattern against ``location.pathname`` only, which always starts with "/" and
# never holds a query, a fragment or raw whitespace: a pattern with any of those could never match.
URL_PATTERN = re.compile(r"^[/*][^\s?#]{0,199}$")
URL_HELP = "a page path pattern such as /billing* (* matches anything; the query string is not matched)"
MAX_DELAY_SECONDS = 3600
LOCALE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
# The channels a survey is offered on: those a customer answers on, the same for every type (the
# widget, the hosted page and the email invitation each show all five types). "api" and "import"
# are the team's own writes (responses' channels), taken on any survey whatever it offers.
ANSWER_CHANNELS = (Channel.WIDGET, Channel.LINK, Channel.EMAIL)
MAX_TEXT = 1000
TEXT_KEY = re.compile(r"^[a-z][a-z_]{0,39}$")
# The texts a team writes per locale for each survey type, in the order the dashboard shows them,
# with their labels; the widget, the hosted page and the emails read these keys.
TEXT_FIELDS = {
    SurveyKind.NPS: (("question", "Question"), ("low_label", "Label of 0"), ("high_label", "Label of 10"),
                     ("why_detractor", "Follow-up for detractors (0-6)"),
                     ("why_passive", "Follow-up for passives (7-8)"),
                     ("why_promoter", "Follow-up for promoters (9-10)"), ("thanks", "Thank-you message")),
    SurveyKind.CSAT: (("question", "Question"), ("low_label", "Label of 1"), ("high_label", "Label of 5"),
                      ("why", "Follow-up question"), ("thanks", "Thank-you message")),
    SurveyKind.CES: (("question", "Question"), ("low_label", "Label of 1"), ("high_label", "Label of 7"),
                     ("why", "Follow-up question"), ("thanks", "Thank-you message")),
    SurveyKind.CHURN_EXIT: (("question", "Question"), ("why", "Follow-up question"),
                            ("kept", "What would have kept them"), ("thanks", "Thank-you message")),
    SurveyKind.CUSTOM: (("question", "Title"), ("thanks", "Thank-you message")),
}


def list_surveys(workspace):
    """Return the workspace's surveys, by name."""
    return db.session.scalars(select(Survey).where(Survey.workspace_id == workspace.id).order_by(Survey.name)).all()


def check_texts(kind, texts):
    """Return the problems of a survey's ``{locale: {key: text}}`` as ``{"texts.<locale>.<key>": [problem]}``.

    Every locale needs its question (a custom survey's title may be empty); other keys are optional.
    """
    if not isinstance(texts, dict) or not all(isinstance(values, dict) for values in texts.values()):
        return {"texts": ["an object of {key: text} per locale"]}
    problems = {}
    for locale, values in texts.items():
        for key, text in values.items():
            if not isinstance(key, str) or not TEXT_KEY.match(key):
                problems[f"texts.{locale}"] = [f"unknown text key {str(key)[:40]!r}"]
            elif not isinstance(text, str) or len(text) > MAX_TEXT:
                problems[f"texts.{locale}.{key}"] = [f"text of at most {MAX_TEXT} characters"]
        question = values.get("question")
        if kind != SurveyKind.CUSTOM and not (isinstance(question, str) and question.strip()):
            problems[f"texts.{locale}.question"] = ["the question, 1-1000 characters"]
    return problems


def check_settings(*, kind, name, locales, channels, trigger, sampling_percent, recontact_days, churn_reasons,
                   texts=None, targeting=(), recontact_scope=None, churn_reason_texts=None, stored=None):
    """Return the problems of survey settings as ``{field: [problem]}`` (empty when all is well).

    :param stored: the survey these settings change, if any: what an older form stored on it that
        no longer applies (an "api" channel, a CSAT survey's reasons) may stay, but is not taken anew.
    """
    problems = {}
    if not (name or "").strip() or len(name) > 200:
        problems["name"] = ["1-200 characters"]
    bad = [locale for locale in locales if not LOCALE.match(locale)]
    if not locales or bad:
        problems["locales"] = [f"locales like en or pt-BR; not {', '.join(bad)}" if bad else "at least one"]
    problems.update(channel_problems(channels or [], getattr(stored, "channels", None) or ()))
    problems.update(check_trigger(trigger))
    if isinstance(sampling_percent, bool) or not isinstance(sampling_percent, int) or not 0 <= sampling_percent <= 100:
        problems["sampling_percent"] = ["0-100"]
    if recontact_days is not None and not 0 <= recontact_days <= 3650:
        problems["recontact_days"] = ["0-3650 days"]
    if recontact_scope is not None and recontact_scope not in set(RecontactScope):
        problems["recontact_scope"] = [f"one of {', '.join(RecontactScope)}"]
    problems.update(reasons.check_reasons(kind, churn_reasons, churn_reason_texts or {}, locales,
                                          stored_keys=getattr(stored, "churn_reasons", None) or (),
                                          stored_texts=getattr(stored, "churn_reason_texts", None)))
    if texts is not None:
        problems.update(check_texts(kind, texts))
    problems.update(survey_builder.check_targeting(targeting))
    return problems


def check_trigger(trigger):
    """Return the problems of a widget trigger as ``{field: [problem]}`` (empty when all is well).

    A trigger is ``{"type": "page_load"|"url"|"event", ...}``: ``url`` is the path pattern (required for
    type ``url``, an optional restriction for the others), ``event`` the event name, ``delay_seconds`` the wait.
    """
    if not isinstance(trigger, dict) or trigger.get("type") not in TRIGGER_TYPES:
        return {"trigger_type": [f"one of {', '.join(TRIGGER_TYPES)}"]}
    problems = {}
    unknown = sorted(set(trigger) - TRIGGER_KEYS[trigger["type"]], key=str)
    if "url_pattern" in unknown:
        # The dashboard once stored the pattern under this name, which the widget never read.
        problems["trigger_keys"] = ["url_pattern is no longer accepted: send the pattern as url"]
    elif unknown:
        allowed = ", ".join(sorted(TRIGGER_KEYS[trigger["type"]]))
        problems["trigger_keys"] = [f"unknown keys {', '.join(map(str, unknown))}; a {trigger['type']} trigger has "
                                    f"{allowed}"]
    url = trigger.get("url")
    if (trigger["type"] == "url" or "url" in trigger) and not (isinstance(url, str) and URL_PATTERN.match(url)):
        problems["trigger_value"] = [URL_HELP]
    elif trigger["type"] == "event" and not (isinstance(trigger.get("event"), str) and trigger["event"].strip()
                                             and len(trigger["event"]) <= 200):
        problems["trigger_value"] = ["the event name (1-200 characters)"]
    delay = trigger.get("delay_seconds", 0)
    if isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay <= MAX_DELAY_SECONDS:
        problems["delay_seconds"] = [f"a whole number of seconds, 0-{MAX_DELAY_SECONDS}"]
    return problems


def channel_problems(channels, stored_channels=()):
    """Return the problems of the channels a survey is offered on, as ``{"channels": [problem]}`` or ``{}``.

    :param stored_channels: the survey's stored ones: one an older form stored there may stay.
    """
    offered = [channel.value for channel in ANSWER_CHANNELS]
    if not channels:
        return {"channels": [f"at least one of {', '.join(offered)}"]}
    unknown = [str(c) for c in channels if c not in offered and c not in stored_channels]
    if unknown:
        return {"channels": [f"{', '.join(unknown)}: not a channel customers answer on; one of {', '.join(offered)} "
                             "(the API and imports take answers on every survey)"]}
    return {}


def survey_problems(survey, *, name, texts, default_locale, channels, trigger, sampling_percent, recontact_days,
                    churn_reasons, churn_reason_texts=None, targeting=None, recontact_scope=None):
    """Return every problem of changing ``survey`` to these settings as ``{field: [problem]}`` (empty: all is well).

    The arguments are :func:`update_survey`'s; nothing is changed.
    """
    problems = check_settings(kind=survey.kind, name=name, locales=list(texts), channels=channels, trigger=trigger,
                              sampling_percent=sampling_percent, recontact_days=recontact_days,
                              churn_reasons=_stripped(churn_reasons), texts=texts,
                              targeting=survey.targeting or [] if targeting is None else targeting,
                              recontact_scope=recontact_scope, stored=survey,
                              churn_reason_texts=_kept_reason_texts(survey, churn_reason_texts, churn_reasons,
                                                                    texts))
    for field, found in _question_locale_problems(survey, texts).items():
        problems.setdefault(field, []).extend(found)
    if default_locale not in texts:
        problems.setdefault("default_locale", []).append("must be one of the survey's locales")
    return problems


@transactional
def update_survey(workspace, survey, *, name, texts, default_locale, channels, trigger, sampling_percent,
                  recontact_days, churn_reasons, churn_reason_texts=None, targeting=None, recontact_scope=None,
                  user=None):
    """Change a survey's settings; responses already given are untouched (its status moves apart: ``set_status``).

    :param texts: ``{locale: {"question": ..., ...}}``; its keys are the survey's locales.
    :param churn_reasons: the reasons' keys, in order (a churn-exit survey's; ``churn_reasons`` module).
    :param churn_reason_texts: ``{locale: {reason key: text}}``; ``None`` keeps the stored texts of the
        kept reasons. A reason without its default-locale text gets its key as that text.
    :param targeting: person-property rules (``survey_builder.check_targeting``); ``None`` keeps them.
    :param recontact_scope: ``"workspace"`` (being asked any survey holds this one back) or ``"survey"``
        (only being asked this one does); ``None`` keeps it.
    :raises NotFound: if the survey is not in ``workspace``.
    :raises InvalidInput: with every problem by field; nothing is stored then.
    """
    check_owned(workspace, survey)
    problems = survey_problems(survey, name=name, texts=texts, default_locale=default_locale, channels=channels,
                               trigger=trigger, sampling_percent=sampling_percent, recontact_days=recontact_days,
                               churn_reasons=churn_reasons, churn_reason_texts=churn_reason_texts,
                               targeting=targeting, recontact_scope=recontact_scope)
    if problems:
        raise InvalidInput("The survey settings are not valid.", fields=problems)
    reason_texts = _kept_reason_texts(survey, churn_reason_texts, churn_reasons, texts)
    survey.name, survey.texts, survey.default_locale = name.strip(), texts, default_locale
    survey.channels, survey.trigger = list(channels), trigger
    survey.sampling_percent, survey.recontact_days = sampling_percent, recontact_days
    if recontact_scope is not None:
        survey.recontact_scope = RecontactScope(recontact_scope)
    if survey.kind == SurveyKind.CHURN_EXIT:  # another type's reasons, from an older form, are left as they are
        survey.churn_reasons = _stripped(churn_reasons)
        survey.churn_reason_texts = reasons.clean_texts(survey.churn_reasons, reason_texts, default_locale)
    if targeting is not None:
        survey.targeting = survey_builder.clean_targeting(targeting)
    record_event("survey.updated", workspace_id=workspace.id, user_id=getattr(user, "id", None), target=survey)
    return survey


def _stripped(churn_reasons):
    if not isinstance(churn_reasons, list):
        return churn_reasons  # check_reasons names it
    return [reason.strip() if isinstance(reason, str) else reason for reason in churn_reasons
            if not isinstance(reason, str) or reason.strip()]


def _kept_reason_texts(survey, churn_reason_texts, churn_reasons, texts):
    """Return the reason texts to check and store: the given ones, else the stored ones that still apply."""
    if churn_reason_texts is not None:
        return churn_reason_texts
    # Left out: the stored texts of the reasons and locales kept; a reason or locale removed takes its own.
    keys = set(_stripped(churn_reasons)) if isinstance(churn_reasons, list) else set()
    return {locale: {key: text for key, text in values.items() if key in keys}
            for locale, values in (survey.churn_reason_texts or {}).items() if locale in texts}


def _question_locale_problems(survey, texts):
    # A locale added to the survey needs each question's prompt (and choices) in it before it is shown.
    missing = {}
    for question in survey.questions:
        for locale in texts:
            if locale not in (question.prompts or {}):
                missing.setdefault(locale, []).append(question.key)
    return {"locales": [f"write questions {', '.join(keys)} in {locale} first (or add the locale later)"
                        for locale, keys in missing.items()]} if missing else {}


def new_survey_problems(*, kind, name, texts, channels, trigger, sampling_percent, recontact_days, churn_reasons,
                        churn_reason_texts=None, targeting=(), recontact_scope=None):
    """Return every problem of a new survey with these settings as ``{field: [problem]}`` (empty: it can be made).

    The arguments are :func:`create_survey`'s; nothing is stored.
    """
    problems = {} if kind in set(SurveyKind) else {"kind": [", ".join(SurveyKind)]}
    kind = SurveyKind(kind) if not problems else None
    found = check_settings(kind=kind, name=name, locales=list(texts), channels=channels, trigger=trigger,
                           sampling_percent=sampling_percent, recontact_days=recontact_days,
                           churn_reasons=_stripped(churn_reasons), texts=texts, targeting=list(targeting),
                           recontact_scope=recontact_scope, churn_reason_texts=churn_reason_texts)
    # A locale with the type's default wording needs no question typed in; another locale does.
    worded = surveys.DEFAULT_TEXTS.get(kind, {})
    problems.update({field: found_ for field, found_ in found.items()
                     if not (field.endswith(".question") and field.split(".")[1] in worded)})
    return problems


@transactional
def create_survey(workspace, *, name, kind, texts, channels, trigger, sampling_percent, recontact_days,
                  churn_reasons, churn_reason_texts=None, targeting=(), recontact_scope=None, user=None):
    """Create a draft survey from the dashboard's or the API's settings, over the default wording of its type.

    :param churn_reasons: the reasons' keys, in order; ``churn_reason_texts``: ``{locale: {key: text}}``
        (a reason without its default-locale text gets its key as that text).
    :param recontact_scope: ``"workspace"`` (the default: being asked any survey holds this one back)
        or ``"survey"`` (only being asked this one does).

    :raises InvalidInput: with every problem by field; nothing is stored then.
    """
    problems = new_survey_problems(kind=kind, name=name, texts=texts, channels=channels, trigger=trigger,
                                   sampling_percent=sampling_percent, recontact_days=recontact_days,
                                   churn_reasons=churn_reasons, churn_reason_texts=churn_reason_texts,
                                   targeting=targeting, recontact_scope=recontact_scope)
    if problems:
        raise InvalidInput("The survey settings are not valid." if "kind" not in problems else "Unknown survey type.",
                           fields=problems)
    survey = surveys.new_survey(workspace, name=name.strip(), kind=kind, texts=texts,
                                churn_reasons=_stripped(churn_reasons), churn_reason_texts=churn_reason_texts,
                                default_locale=next(iter(texts)), trigger=trigger, channels=list(channels),
                                sampling_percent=sampling_percent, recontact_days=recontact_days, _commit=False)
    # The default wording covers every supported locale; keep only the ones the team asked for.
    survey.texts = {locale: values for locale, values in survey.texts.items() if locale in texts}
    survey.targeting = survey_builder.clean_targeting(list(targeting))
    survey.recontact_scope = RecontactScope(recontact_scope or RecontactScope.WORKSPACE)
    # A new survey is written, previewed and then published: nobody sees it before that.
    survey.status = SurveyStatus.DRAFT
    record_event("survey.configured", workspace_id=workspace.id, user_id=getattr(user, "id", None), target=survey)
    return survey


def surveys_page(workspace, *, per_page=20, cursor=None):
    """Return a :class:`Page` of ``workspace``'s surveys, oldest first."""
    return keyset_page(select(Survey).where(Survey.workspace_id == workspace.id), time_column=Survey.created_at,
                       id_column=Survey.id, per_page=per_page, cursor=cursor)
