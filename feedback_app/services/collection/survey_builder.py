"""Build a survey's follow-up questions, its display logic, its targeting and its lifecycle (draft to closed)."""
import re
from types import SimpleNamespace

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import Question, QuestionKind, Response, SurveyKind, SurveyStatus
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.exceptions import Conflict, InvalidInput, NotFound, ServiceError
from feedback_app.services.ownership import check_owned
from feedback_app.services.insights.inbox import score_group_of
from feedback_app.services.collection.responses import SCORE_RANGES
from feedback_app.services.transaction import transactional

QUESTION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PROPERTY_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_QUESTIONS = 20
MAX_CHOICES = 20
MAX_PROMPT = 500
MAX_LABEL = 200
SCALE_MAX_RANGE = (2, 10)
SCORE_GROUPS = ("detractor", "passive", "promoter")
SCORED_KINDS = (SurveyKind.NPS, SurveyKind.CSAT, SurveyKind.CES)
CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
SCALE_KINDS = (QuestionKind.RATING, QuestionKind.NPS, QuestionKind.CSAT, QuestionKind.CES)
LABEL_ENDS = ("low", "high")
TARGETING_OPERATORS = ("equals", "not_equals", "is_set", "is_not_set")
MAX_TARGETING_RULES = 10
# The moves a team may make; reopening a closed survey would mix two campaigns' answers.
STATUS_MOVES = {
    SurveyStatus.DRAFT: {SurveyStatus.ACTIVE, SurveyStatus.CLOSED},
    SurveyStatus.ACTIVE: {SurveyStatus.PAUSED, SurveyStatus.CLOSED},
    SurveyStatus.PAUSED: {SurveyStatus.ACTIVE, SurveyStatus.CLOSED},
    SurveyStatus.CLOSED: set(),
}


class SurveyNotOpen(ServiceError):
    """An answer to a survey that does not take answers now (draft, paused or closed).

    409 on every public path (widget, hosted page, emailed links): the survey's state refuses it
    and may change. The /api and imports record answers whatever the status (a survey's history).
    """

    status = 409
    message = "This survey is not taking answers."


class SurveyClosed(SurveyNotOpen):
    """An answer to a closed survey: 410, because a closed survey never reopens (``STATUS_MOVES``)."""

    status = 410
    message = "This survey is closed and no longer takes answers."


def require_open(survey):
    """Refuse answers to a survey that is not active, saying why.

    :raises SurveyClosed: (410) for a closed survey.
    :raises SurveyNotOpen: (409) for a draft or paused one.
    """
    status = SurveyStatus(survey.status)
    if status == SurveyStatus.CLOSED:
        raise SurveyClosed()
    if status != SurveyStatus.ACTIVE:
        raise SurveyNotOpen(f"This survey is {status.value} and is not taking answers now.")


@transactional
def set_status(workspace, survey, status, *, user=None):
    """Move ``survey`` to ``status`` (draft -> active -> paused -> closed).

    :raises InvalidInput: for an unknown status.
    :raises Conflict: for a move the lifecycle does not allow (a closed survey stays closed).
    """
    check_owned(workspace, survey)
    try:
        status = SurveyStatus(status)
    except ValueError:
        raise InvalidInput("Unknown survey status.", fields={"status": [", ".join(SurveyStatus)]}) from None
    current = SurveyStatus(survey.status)
    if status == current:
        return survey
    if status not in STATUS_MOVES[current]:
        allowed = ", ".join(sorted(STATUS_MOVES[current])) or "nothing: it is closed for good"
        raise Conflict(f"A {current.value} survey cannot become {status.value}; it can become {allowed}.",
                       fields={"status": [f"from {current.value}: {allowed}"]})
    problems = publish_problems(survey) if status == SurveyStatus.ACTIVE else {}
    if problems:
        raise InvalidInput("The survey is not ready to publish.", fields=problems)
    survey.status = status
    record_event("survey.status_changed", workspace_id=workspace.id, user_id=getattr(user, "id", None),
                 target=survey, data={"from": current.value, "to": status.value})
    return survey


def publish_problems(survey):
    """Return what keeps ``survey`` from being shown, as ``{field: [problem]}``: missing texts or questions."""
    problems = {}
    for locale in _locales(survey):
        question = (survey.texts or {}).get(locale, {}).get("question") or ""
        if survey.kind != SurveyKind.CUSTOM and not question.strip():
            problems[f"texts.{locale}.question"] = [f"write the question in {locale} first"]
        missing = [question.key for question in survey.questions if not (question.prompts or {}).get(locale)]
        if missing:
            problems[f"prompts.{locale}"] = [f"write questions {', '.join(missing)} in {locale} first"]
    if survey.kind == SurveyKind.CUSTOM and not survey.questions:
        problems["questions"] = ["a custom survey needs at least one question"]
    return problems


# -- targeting ------------------------------------------------------------------------------------

def check_targeting(rules):
    """Return the problems of person-property targeting rules as ``{field: [problem]}``.

    A rule is ``{"property": "plan", "operator": "equals", "value": "pro"}``; ``is_set`` and
    ``is_not_set`` take no value.
    """
    if not isinstance(rules, list) or len(rules) > MAX_TARGETING_RULES:
        return {"targeting": [f"a list of at most {MAX_TARGETING_RULES} rules"]}
    problems = {}
    for index, rule in enumerate(rules):
        where = f"targeting.{index}"
        if not isinstance(rule, dict) or set(rule) - {"property", "operator", "value"}:
            problems[where] = ["an object with property, operator and value"]
            continue
        if not isinstance(rule.get("property"), str) or not PROPERTY_NAME.match(rule["property"]):
            problems[f"{where}.property"] = ["1-64 letters, digits, '_', '.' or '-'"]
        operator = rule.get("operator")
        if operator not in TARGETING_OPERATORS:
            problems[f"{where}.operator"] = [f"one of {', '.join(TARGETING_OPERATORS)}"]
        elif operator in ("equals", "not_equals"):
            value = rule.get("value")
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_LABEL:
                problems[f"{where}.value"] = [f"the value to compare, 1-{MAX_LABEL} characters"]
        elif "value" in rule and rule["value"] is not None:
            problems[f"{where}.value"] = [f"{operator} takes no value"]
    return problems


def clean_targeting(rules):
    """Return valid targeting rules in their stored shape (``value`` only where it is compared)."""
    return [{"property": rule["property"], "operator": rule["operator"],
             **({"value": rule["value"].strip()} if rule["operator"] in ("equals", "not_equals") else {})}
            for rule in rules]


def _as_text(value):
    # Properties arrive from JSON: true is "true" and 3 is "3", as a team types them in a rule.
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def matches_targeting(survey, properties):
    """Return whether a person with ``properties`` may be asked ``survey`` (every rule holds)."""
    properties = properties or {}
    for rule in survey.targeting or ():
        value = _as_text(properties.get(rule["property"]))
        operator = rule["operator"]
        if operator == "is_set" and value in (None, ""):
            return False
        if operator == "is_not_set" and value not in (None, ""):
            return False
        if operator == "equals" and value != rule["value"]:
            return False
        if operator == "not_equals" and value == rule["value"]:
            return False
    return True


# -- questions ------------------------------------------------------------------------------------

def get_question(survey, question_id):
    """Return the question ``question_id`` of ``survey``.

    :raises NotFound: if it is not one of this survey's questions.
    """
    question = db.session.scalar(select(Question).where(Question.id == question_id, Question.survey_id == survey.id))
    if question is None:
        raise NotFound("No such question.")
    return question


def _locales(survey):
    return list(survey.texts or {}) or [survey.default_locale]


def _check_texts(values, locales, field, *, max_length):
    problems = {}
    if not isinstance(values, dict):
        return {field: [f"an object of text per locale ({', '.join(locales)})"]}
    for locale in locales:
        text = values.get(locale)
        if not isinstance(text, str) or not text.strip() or len(text) > max_length:
            problems[f"{field}.{locale}"] = [f"1-{max_length} characters"]
    for locale in values:
        if locale not in locales:
            problems[f"{field}.{locale}"] = [f"not a locale of this survey ({', '.join(locales)})"]
    return problems


def _check_choices(choices, locales):
    if not isinstance(choices, dict):
        return {"choices": [f"an object of choice lists per locale ({', '.join(locales)})"]}
    problems, counts = {}, set()
    for locale in locales:
        labels = choices.get(locale)
        if (not isinstance(labels, list) or not 2 <= len(labels) <= MAX_CHOICES
                or not all(isinstance(label, str) and label.strip() and len(label) <= MAX_LABEL for label in labels)):
            problems[f"choices.{locale}"] = [f"2-{MAX_CHOICES} choices of 1-{MAX_LABEL} characters"]
        elif len({label.strip() for label in labels}) != len(labels):
            problems[f"choices.{locale}"] = ["each choice once"]
        else:
            counts.add(len(labels))
    for locale in choices:
        if locale not in locales:
            problems[f"choices.{locale}"] = [f"not a locale of this survey ({', '.join(locales)})"]
    if len(counts) > 1:
        # Answers are stored by position, so every language must offer the same choices in the same order.
        problems["choices"] = ["the same number of choices in every locale, in the same order"]
    return problems


def _check_labels(labels, locales):
    # End labels are optional in every locale: a locale without its own shows the default locale's.
    if not isinstance(labels, dict):
        return {"labels": [f"an object of {{low, high}} per locale ({', '.join(locales)})"]}
    problems = {}
    for locale, ends in labels.items():
        if locale not in locales:
            problems[f"labels.{locale}"] = [f"not a locale of this survey ({', '.join(locales)})"]
        elif not isinstance(ends, dict) or set(ends) - set(LABEL_ENDS):
            problems[f"labels.{locale}"] = ["an object with low and high"]
        else:
            for end, text in ends.items():
                if text is not None and (not isinstance(text, str) or len(text) > MAX_LABEL):
                    problems[f"labels.{locale}.{end}"] = [f"at most {MAX_LABEL} characters"]
    return problems


def clean_labels(labels):
    """Return scale end labels in their stored shape: ``{locale: {"low": ..., "high": ...}}`` without blanks."""
    cleaned = {}
    for locale, ends in (labels or {}).items():
        kept = {end: text.strip() for end, text in ends.items() if isinstance(text, str) and text.strip()}
        if kept:
            cleaned[locale] = kept
    return cleaned


def scale_label(question, end, locale):
    """Return the ``"low"`` or ``"high"`` end label of a scale question in ``locale``, else the default locale's."""
    labels = (question.options or {}).get("labels") or {}
    return (labels.get(locale) or {}).get(end) or (labels.get(question.default_locale) or {}).get(end) or ""


def _check_logic(survey, logic, *, key, position):
    if logic in (None, {}):
        return {}
    if not isinstance(logic, dict):
        return {"logic": ["an object: {} (always), {score_groups: [...]} or {question, choices}"]}
    if set(logic) == {"score_groups"}:
        groups = logic["score_groups"]
        if survey.kind not in SCORED_KINDS:
            return {"logic.score_groups": ["only a survey with a score (NPS, CSAT, CES) has score groups"]}
        if not isinstance(groups, list) or not groups or any(group not in SCORE_GROUPS for group in groups):
            return {"logic.score_groups": [f"some of {', '.join(SCORE_GROUPS)}"]}
        return {}
    if set(logic) == {"question", "choices"}:
        earlier = {question.key: question for question in survey.questions
                   if question.position < position and question.key != key and question.kind in CHOICE_KINDS}
        source = earlier.get(logic["question"]) if isinstance(logic["question"], str) else None
        if source is None:
            return {"logic.question": ["the key of an earlier choice question"]}
        count = len(_default_choices(source))
        picked = logic["choices"]
        if (not isinstance(picked, list) or not picked or len(set(map(repr, picked))) != len(picked)
                or any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < count for i in picked)):
            return {"logic.choices": [f"choice numbers from 0 to {count - 1}"]}
        return {}
    return {"logic": ["either score_groups, or question and choices"]}


def _default_choices(question):
    # Answers store the label in the survey's default locale (widgets.question_types.ChoiceQuestion).
    choices = (question.options or {}).get("choices") or {}
    return choices.get(question.default_locale) or next(iter(choices.values()), [])


def check_question(survey, *, kind, prompts, choices=None, scale_max=None, required=False,
                   logic=None, key=None, position=None, labels=None):
    """Return the problems of a question of ``survey`` as ``{field: [problem]}`` (empty when all is well).

    Fields: ``kind``, ``prompts.<locale>``, ``choices.<locale>``, ``scale_max``, ``labels.<locale>.<end>``,
    ``required``, ``logic...`` and ``key``; every locale of the survey needs its prompt (and choices).
    """
    locales = _locales(survey)
    try:
        kind = QuestionKind(kind)
    except ValueError:
        return {"kind": [f"one of {', '.join(QuestionKind)}"]}
    problems = _check_texts(prompts, locales, "prompts", max_length=MAX_PROMPT)
    if kind in CHOICE_KINDS:
        problems.update(_check_choices(choices, locales))
    elif choices not in (None, {}):
        problems["choices"] = ["only choice questions have choices"]
    if kind == QuestionKind.RATING:
        low, high = SCALE_MAX_RANGE
        if isinstance(scale_max, bool) or not isinstance(scale_max, int) or not low <= scale_max <= high:
            problems["scale_max"] = [f"a whole number from {low} to {high}"]
    elif scale_max is not None:
        problems["scale_max"] = ["only rating questions have a scale to choose"]
    problems.update(_label_problems(kind, labels, locales))
    if not isinstance(required, bool):
        problems["required"] = ["true or false"]
    problems.update(_key_problems(survey, key, position))
    position = len(survey.questions) if position is None else position
    problems.update(_check_logic(survey, logic, key=key, position=position))
    return problems


def _label_problems(kind, labels, locales):
    if labels in (None, {}):
        return {}
    if kind not in SCALE_KINDS:
        return {"labels": ["only scale questions (rating, NPS, CSAT, CES) have end labels"]}
    return _check_labels(labels, locales)


def _key_problems(survey, key, position):
    if key is None:
        return {}
    if not isinstance(key, str) or not QUESTION_KEY.match(key):
        return {"key": ["1-64 lower-case letters, digits or '_', starting with a letter"]}
    if any(question.key == key and question.position != position for question in survey.questions):
        return {"key": ["already the key of another question of this survey"]}
    return {}


def _options(kind, choices, scale_max, labels=None):
    options = {}
    if kind in CHOICE_KINDS:
        options["choices"] = {locale: [label.strip() for label in values] for locale, values in choices.items()}
    if kind == QuestionKind.RATING:
        options["max"] = scale_max
    if kind in SCALE_KINDS and clean_labels(labels):
        options["labels"] = clean_labels(labels)
    return options


def _free_key(survey):
    taken = {question.key for question in survey.questions}
    number = len(taken) + 1
    while f"q{number}" in taken:
        number += 1
    return f"q{number}"


@transactional
def add_question(workspace, survey, *, kind, prompts, choices=None, scale_max=None, required=False,
                 logic=None, key=None, labels=None, user=None):
    """Add a follow-up question at the end of ``survey``.

    :param labels: a scale question's end labels per locale, ``{locale: {"low": ..., "high": ...}}``
        (optional; a locale without its own shows the default locale's).

    :raises NotFound: if the survey is not in ``workspace``.
    :raises InvalidInput: naming each field that is not valid; nothing is stored then.
    """
    check_owned(workspace, survey)
    if len(survey.questions) >= MAX_QUESTIONS:
        raise InvalidInput(f"A survey has at most {MAX_QUESTIONS} questions.", fields={"questions": ["too many"]})
    problems = check_question(survey, kind=kind, prompts=prompts, choices=choices, scale_max=scale_max,
                              required=required, logic=logic, key=key, labels=labels)
    if problems:
        raise InvalidInput("The question is not valid.", fields=problems)
    kind = QuestionKind(kind)
    question = Question(survey=survey, key=key or _free_key(survey), kind=kind, required=required,
                        position=max((q.position for q in survey.questions), default=-1) + 1,
                        prompts={locale: text.strip() for locale, text in prompts.items()},
                        options=_options(kind, choices, scale_max, labels), logic=logic or {})
    db.session.add(question)
    db.session.flush()
    record_event("survey.question_added", workspace_id=workspace.id, user_id=getattr(user, "id", None),
                 target=survey, data={"question": question.key, "kind": kind.value})
    return question


@transactional
def update_question(workspace, question, *, kind, prompts, choices=None, scale_max=None,
                    required=False, logic=None, labels=None, user=None):
    """Change a question (its key and place stay); answers already given keep their stored values.

    :param labels: a scale question's end labels per locale (``add_question``); ``None`` removes them.

    :raises NotFound: if the question's survey is not in ``workspace``.
    :raises InvalidInput: naming each field that is not valid; nothing is stored then.
    """
    survey = question.survey
    check_owned(workspace, survey)
    problems = check_question(survey, kind=kind, prompts=prompts, choices=choices, scale_max=scale_max,
                              required=required, logic=logic, key=question.key,
                              position=question.position, labels=labels)
    problems.update(_dependants_problems(question, kind))
    if problems:
        raise InvalidInput("The question is not valid.", fields=problems)
    question.kind = QuestionKind(kind)
    question.prompts = {locale: text.strip() for locale, text in prompts.items()}
    question.options = _options(question.kind, choices, scale_max, labels)
    question.required, question.logic = required, logic or {}
    record_event("survey.question_updated", workspace_id=workspace.id, user_id=getattr(user, "id", None),
                 target=survey, data={"question": question.key})
    return question


def _dependants(question):
    return [other for other in question.survey.questions if (other.logic or {}).get("question") == question.key]


def _dependants_problems(question, kind):
    dependants = _dependants(question)
    if dependants and QuestionKind(kind) not in CHOICE_KINDS:
        names = ", ".join(other.key for other in dependants)
        return {"kind": [f"questions {names} are shown by this question's choices: it must stay a choice question"]}
    return {}


@transactional
def delete_question(workspace, question, *, user=None):
    """Delete a question; answers already given keep it under its key.

    :raises Conflict: while another question is shown by this one's choices.
    """
    survey = question.survey
    check_owned(workspace, survey)
    dependants = _dependants(question)
    if dependants:
        names = ", ".join(other.key for other in dependants)
        raise Conflict(f"Questions {names} are shown by this question's choices: change their logic first.",
                       fields={"logic": [names]})
    survey.questions.remove(question)
    for position, remaining in enumerate(survey.questions):
        remaining.position = position
    record_event("survey.question_deleted", workspace_id=workspace.id, user_id=getattr(user, "id", None),
                 target=survey, data={"question": question.key})


@transactional
def move_question(workspace, question, *, position, user=None):
    """Move a question to ``position`` (0 first) among its survey's questions.

    :raises InvalidInput: for a position outside the list.
    :raises Conflict: when a question would come before the choice question that shows it.
    """
    survey = question.survey
    check_owned(workspace, survey)
    ordered = list(survey.questions)
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position < len(ordered):
        raise InvalidInput("No such place in the list.", fields={"position": [f"0-{len(ordered) - 1}"]})
    ordered.remove(question)
    ordered.insert(position, question)
    seen = set()
    for other in ordered:
        source = (other.logic or {}).get("question")
        if source is not None and source not in seen:
            raise Conflict(f"Question {other.key} is shown by {source}'s choices and must come after it.",
                           fields={"position": [f"{other.key} must come after {source}"]})
        seen.add(other.key)
    for index, other in enumerate(ordered):
        other.position = index
    record_event("survey.question_moved", workspace_id=workspace.id, user_id=getattr(user, "id", None),
                 target=survey, data={"question": question.key, "position": position})
    return question


def show_condition(survey, question):
    """Return when the widget shows ``question``: ``None`` (always), ``{"scores": [...]}`` or ``{question, choices}``.

    Score groups become the scores they hold, so the browser needs no rule of its own for them.
    """
    logic = question.logic or {}
    if "score_groups" in logic:
        low, high = SCORE_RANGES[survey.kind]
        return {"scores": [score for score in range(low, high + 1)
                           if score_group_of(survey.kind, score) in logic["score_groups"]]}
    if "question" in logic:
        return {"question": logic["question"], "choices": list(logic["choices"])}
    return None


def is_shown(survey, question, *, score=None, answers=None):
    """Return whether ``question`` is asked after ``score`` and the stored ``answers`` (choice labels)."""
    condition = show_condition(survey, question)
    if condition is None:
        return True
    if "scores" in condition:
        return score in condition["scores"]
    source = next((other for other in survey.questions if other.key == condition["question"]), None)
    if source is None:
        return False
    labels = _default_choices(source)
    wanted = {labels[i] for i in condition["choices"] if i < len(labels)}
    given = (answers or {}).get(source.key)
    given = given if isinstance(given, list) else [given]
    return bool(wanted.intersection(given))


def missing_answers(survey, *, score=None, answers=None):
    """Return ``{"answers.<key>": ["required"]}`` for each required question asked but not answered.

    :param answers: the stored values (choice labels), as parsed from the post.
    """
    answers = answers or {}
    return {f"answers.{question.key}": ["required"] for question in survey.questions
            if question.required and answers.get(question.key) in (None, "", [])
            and is_shown(survey, question, score=score, answers=answers)}


# What the widget's description of a survey reads (widgets.api.survey_json and the question types).
PREVIEWED_ATTRIBUTES = ("id", "workspace_id", "token", "kind", "default_locale", "trigger", "theme_color",
                        "sampling_percent", "status")


def preview_copy(survey, *, name, texts, churn_reasons, churn_reason_texts=None):
    """Return a detached stand-in for ``survey`` with unsaved ``name``, ``texts`` and churn reasons (keys and texts).

    Nothing is written: the live preview shows what the team typed before it is saved. The
    questions are the saved ones (each is saved on its own page).
    """
    return SimpleNamespace(**{name_: getattr(survey, name_) for name_ in PREVIEWED_ATTRIBUTES}, name=name,
                           texts=texts, churn_reasons=churn_reasons or list(survey.churn_reasons or []),
                           churn_reason_texts=dict(survey.churn_reason_texts or {}) if churn_reason_texts is None
                           else churn_reason_texts,
                           questions=list(survey.questions), targeting=list(survey.targeting or []))


def preview_with_question(survey, question=None, *, kind, prompts, choices=None, scale_max=None, required=False,
                          logic=None, labels=None):
    """Return a detached stand-in for ``survey`` whose ``question`` (``None``: a new last one) is as typed.

    Nothing is written: the question page's live preview shows the question before it is saved. What
    cannot be shown yet is left out rather than refused (a prompt not yet written in a locale shows the
    default locale's; a condition not yet complete shows the question always).

    :raises InvalidInput: for an unknown question kind, the one thing the widget could not draw.
    """
    try:
        kind = QuestionKind(kind)
    except ValueError:
        raise InvalidInput("Unknown question type.", fields={"kind": [", ".join(QuestionKind)]}) from None
    position = question.position if question is not None else len(survey.questions)
    key = question.key if question is not None else _free_key(survey)
    texts = {locale: text.strip() for locale, text in (prompts or {}).items() if isinstance(text, str) and text.strip()}
    low, high = SCALE_MAX_RANGE
    unsaved = SimpleNamespace(
        id=getattr(question, "id", None), key=key, kind=kind, position=position, required=required is True,
        prompts=texts or {survey.default_locale: key}, default_locale=survey.default_locale,
        options=_options(kind, _shown_choices(choices) if kind in CHOICE_KINDS else None,
                         scale_max if isinstance(scale_max, int) and low <= scale_max <= high else 5,
                         labels if kind in SCALE_KINDS and not _check_labels(labels or {}, _locales(survey)) else None),
        logic=logic if logic and not _check_logic(survey, logic, key=key, position=position) else {})
    questions = [unsaved if other is question else other for other in survey.questions]
    if question is None:
        questions.append(unsaved)
    copy = preview_copy(survey, name=survey.name, texts=dict(survey.texts or {}), churn_reasons=survey.churn_reasons)
    copy.questions = questions
    return copy


def _shown_choices(choices):
    if not isinstance(choices, dict):
        return {}
    return {locale: [label for label in values if isinstance(label, str) and label.strip()]
            for locale, values in choices.items() if isinstance(values, list)}


@transactional
def delete_survey(workspace, survey, *, user=None):
    """Delete a survey that nobody answered (with its questions, invitations and displays).

    :raises Conflict: when it has responses: those are kept, so the survey is closed instead.
    """
    check_owned(workspace, survey)
    if db.session.scalar(select(Response.id).where(Response.survey_id == survey.id).limit(1)) is not None:
        raise Conflict("This survey has responses: close it instead of deleting it.",
                       fields={"survey": ["has responses"]})
    record_event("survey.deleted", workspace_id=workspace.id, user_id=getattr(user, "id", None),
                 data={"survey_id": survey.id, "name": survey.name})
    db.session.delete(survey)


def describe_logic(survey, question):
    """Return when ``question`` is asked, in words for the survey's page ("always", "after a detractor score")."""
    logic = question.logic or {}
    if "score_groups" in logic:
        return f"after a {' or '.join(logic['score_groups'])} score"
    if "question" in logic:
        source = next((other for other in survey.questions if other.key == logic["question"]), None)
        if source is None:
            return "never (its condition names no question)"
        labels = _default_choices(source)
        picked = [labels[i] for i in logic["choices"] if i < len(labels)]
        prompt = (source.prompts or {}).get(survey.default_locale, source.key)
        return f"when “{prompt}” is answered {' or '.join(picked)}"
    return "always"
