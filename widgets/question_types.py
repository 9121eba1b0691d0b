"""Registry of custom question types: how each is described to the widget, parsed and put in a form.

Each type follows a small protocol (CTFd's challenge classes): ``describe(question, locale)``
gives the widget its JSON, ``parse(question, raw)`` turns a posted value into the stored one
or raises ``ValueError`` with the problem, and ``field(question, locale)`` builds the WTForms
field of the hosted page. Choices are posted as their index and stored as the label in the
survey's default language, so answers given in French and English count together.
"""
from wtforms import RadioField, SelectMultipleField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from analysis.scales import SCALES
from feedback_app.models import QuestionKind
from feedback_app.services.collection.survey_builder import scale_label, show_condition

MAX_TEXT = 2000


class ScaleField(RadioField):
    """A radio scale with its end labels, which the hosted page shows under it (``widgets/_macros.html``)."""

    def __init__(self, *args, end_labels=("", ""), **kwargs):
        super().__init__(*args, **kwargs)
        self.end_labels = end_labels


class QuestionType:
    """Base protocol; subclasses override what differs."""

    def prompt(self, question, locale):
        prompts = question.prompts or {}
        return prompts.get(locale) or prompts.get(question.default_locale) or next(iter(prompts.values()), "")

    def describe(self, question, locale):
        return {"key": question.key, "kind": str(question.kind), "prompt": self.prompt(question, locale),
                "required": question.required}

    def parse(self, question, raw):
        raise NotImplementedError

    def field(self, question, locale):
        raise NotImplementedError

    def _validators(self, question):
        # A page without script cannot hide a question shown by an earlier choice: it is asked, optional.
        shown_by_choice = "question" in (getattr(question, "logic", None) or {})
        return [InputRequired()] if question.required and not shown_by_choice else [Optional()]


class ScaleQuestion(QuestionType):
    """A whole number between ``low`` and ``high`` (NPS, CSAT, CES, rating)."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def bounds(self, question):
        high = self.high if self.high is not None else int((question.options or {}).get("max", 5))
        return self.low, high

    def labels(self, question, locale):
        """Return the ``(low, high)`` end labels in ``locale`` (the default locale's where it has none)."""
        return scale_label(question, "low", locale), scale_label(question, "high", locale)

    def describe(self, question, locale):
        low, high = self.bounds(question)
        low_label, high_label = self.labels(question, locale)
        return {**super().describe(question, locale), "min": low, "max": high, "low_label": low_label,
                "high_label": high_label}

    def parse(self, question, raw):
        low, high = self.bounds(question)
        if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return raw

    def field(self, question, locale):
        low, high = self.bounds(question)
        choices = [SelectChoice(str(value)) for value in range(low, high + 1)]
        return ScaleField(self.prompt(question, locale), choices=choices, coerce=_int_or_none,
                          validators=self._validators(question), end_labels=self.labels(question, locale))


class ChoiceQuestion(QuestionType):
    """One option (or several, when ``multiple``) among the configured choices."""

    def __init__(self, multiple):
        self.multiple = multiple

    def choices(self, question, locale):
        choices = (question.options or {}).get("choices") or {}
        return choices.get(locale) or choices.get(question.default_locale) or next(iter(choices.values()), [])

    def describe(self, question, locale):
        return {**super().describe(question, locale), "choices": self.choices(question, locale),
                "multiple": self.multiple}

    def parse(self, question, raw):
        stored = self.choices(question, question.default_locale)
        picked = raw if self.multiple else [raw]
        if not isinstance(picked, list) or not picked or len(picked) > len(stored):
            raise ValueError("must be a list of choice numbers" if self.multiple else "must be a choice number")
        if any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(stored) for i in picked):
            raise ValueError(f"choice numbers go from 0 to {len(stored) - 1}")
        values = [stored[i] for i in sorted(set(picked))]
        return values if self.multiple else values[0]

    def field(self, question, locale):
        choices = [SelectChoice(str(i), label) for i, label in enumerate(self.choices(question, locale))]
        if self.multiple:
            return SelectMultipleField(self.prompt(question, locale), choices=choices, coerce=int,
                                       widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                       validators=self._validators(question))
        return RadioField(self.prompt(question, locale), choices=choices, coerce=_int_or_none,
                          validators=self._validators(question))


class TextQuestion(QuestionType):
    """Free text."""

    def parse(self, question, raw):
        if not isinstance(raw, str) or len(raw) > MAX_TEXT:
            raise ValueError(f"must be text of at most {MAX_TEXT} characters")
        return raw.strip()

    def field(self, question, locale):
        validators = [*self._validators(question), Length(max=MAX_TEXT)]
        return TextAreaField(self.prompt(question, locale), validators=validators)


def _int_or_none(value):
    return None if value in (None, "", "None") else int(value)


QUESTION_TYPES = {
    **{QuestionKind(kind): ScaleQuestion(scale.low, scale.high) for kind, scale in SCALES.items()},
    QuestionKind.RATING: ScaleQuestion(1, None),
    QuestionKind.SINGLE_CHOICE: ChoiceQuestion(multiple=False),
    QuestionKind.MULTIPLE_CHOICE: ChoiceQuestion(multiple=True),
    QuestionKind.TEXT: TextQuestion(),
}


def question_type(question):
    """Return the registered type of ``question``."""
    return QUESTION_TYPES[QuestionKind(question.kind)]


def describe_questions(survey, locale):
    """Return the survey's custom questions as the widget's JSON."""
    return [{**question_type(question).describe(question, locale), "show_if": show_condition(survey, question)}
            for question in survey.questions]


def parse_answers(survey, raw):
    """Return ``({key: value}, {field: [problems]})`` for the posted custom answers.

    :param raw: ``{question key: posted value}`` or ``None``.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return {}, {"answers": ["must be an object keyed by question"]}
    questions = {question.key: question for question in survey.questions}
    answers, problems = {}, {}
    for key in raw:
        if key not in questions:
            problems[f"answers.{key}"] = ["is not a question of this survey"]
    for key, question in questions.items():
        value = raw.get(key)
        if value in (None, "", []):
            continue
        try:
            answers[key] = question_type(question).parse(question, value)
        except ValueError as error:
            problems[f"answers.{key}"] = [str(error)]
    return answers, problems


def form_value_to_raw(question, value):
    """Return a hosted-form field value as the raw value ``parse`` expects."""
    if QuestionKind(question.kind) == QuestionKind.MULTIPLE_CHOICE:
        return list(value or [])
    return value
