"""Forms of the survey builder: a survey's settings with its texts per locale, a question, a status change.

Texts and prompts are one field per locale, named after the service's problem keys
(``texts.fr.question``, ``prompts.fr``, ``choices.fr``), so that each problem the services name
is shown beside its field. The form classes are built per survey (its type and locales). Churn
reasons are rows of one field per locale (``churn_reasons.<row>.<locale>``) with the reason's
key hidden beside them, so that a reason keeps its key when its wording changes.
"""
import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from feedback_app.dashboard.forms import choices
from feedback_app.dashboard.labels import CHANNEL_LABELS, QUESTION_KIND_LABELS, SURVEY_KIND_LABELS
from feedback_app.models import QuestionKind, RecontactScope, SurveyKind, SurveyStatus
from feedback_app.services.collection import churn_reasons
from feedback_app.services.collection.survey_builder import LABEL_ENDS, SCALE_KINDS, SCORE_GROUPS
from feedback_app.services.collection.survey_settings import ANSWER_CHANNELS, TEXT_FIELDS

KIND_CHOICES = [(kind.value, SURVEY_KIND_LABELS[kind]) for kind in SurveyKind]
RECONTACT_SCOPE_CHOICES = [
    (RecontactScope.WORKSPACE.value, "Any survey asked within the window holds this one back"),
    (RecontactScope.SURVEY.value, "Only this survey asked within the window holds it back (other surveys do not)")]
TRIGGER_CHOICES = [("page_load", "On page load"), ("url", "On a URL"), ("event", "On an event")]
QUESTION_KIND_CHOICES = [(kind.value, label) for kind, label in QUESTION_KIND_LABELS.items()]
# How a targeting rule is typed, one per line: "plan = pro", "plan != free", "plan is set", "plan is not set".
RULE = re.compile(r"^\s*(?P<property>[^=!\s]+)\s*(?:(?P<op>!=|=)\s*(?P<value>.+?)|\s(?P<set>is set|is not set))\s*$")
OPERATOR_OF = {"=": "equals", "!=": "not_equals", "is set": "is_set", "is not set": "is_not_set"}
TYPED_OPERATOR = {operator: typed for typed, operator in OPERATOR_OF.items()}


def form_locales(raw):
    """Return the locales typed as ``"en, fr"`` in their order, each once."""
    seen = []
    for locale in re.split(r"[\s,]+", raw or ""):
        if locale and locale not in seen:
            seen.append(locale)
    return seen


class SurveyForm(FlaskForm):
    """A survey's settings; :func:`survey_form_class` adds its text fields per locale."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Type", choices=choices(KIND_CHOICES))
    locales = StringField("Locales (comma-separated, first is the default)", default="en",
                          validators=[DataRequired(), Length(max=200)])
    # Only where customers answer: the API and imports take answers on every survey.
    channels = SelectMultipleField("Channels", choices=choices([(c.value, CHANNEL_LABELS[c]) for c in ANSWER_CHANNELS]),
                                   default=["widget", "link", "email"])
    trigger_type = SelectField("Widget trigger", choices=choices(TRIGGER_CHOICES), default="page_load")
    trigger_value = StringField("Page path pattern (/pricing*; * matches anything) or event name",
                                validators=[Optional(), Length(max=200)])
    delay_seconds = IntegerField("Delay (seconds)", default=5, validators=[Optional(), NumberRange(0, 3600)])
    sampling_percent = IntegerField("Sampling (% of eligible visitors)", default=100,
                                    validators=[InputRequired(), NumberRange(0, 100)])
    recontact_days = IntegerField("Recontact window (days; empty: the workspace's)",
                                  validators=[Optional(), NumberRange(0, 3650)])
    recontact_scope = SelectField("Recontact window counts", choices=choices(RECONTACT_SCOPE_CHOICES),
                                  default=RecontactScope.WORKSPACE.value)
    targeting = TextAreaField("Ask only people whose properties match, one rule a line (plan = pro, plan != free, "
                              "company is set)", validators=[Optional(), Length(max=4000)])
    submit = SubmitField("Save survey")
    _text_keys = ()
    _reason_locales = ()
    _reason_row_count = 0

    def validate_targeting(self, field):
        for line in (field.data or "").splitlines():
            if line.strip() and not RULE.match(line):
                raise ValidationError(f"Write “property = value”, “property != value” or “property is set”, "
                                      f"not {line.strip()!r}.")

    def text_fields(self, locale):
        """Return ``(key, field)`` of the texts of ``locale``, in the order they are shown."""
        return [(key, self[f"texts.{locale}.{key}"]) for key in self._text_keys]

    def texts(self, existing=None):
        """Return ``{locale: {key: text}}``: ``existing`` texts of the kept locales, changed by the fields."""
        texts = {}
        for locale in form_locales(self.locales.data):
            values = dict((existing or {}).get(locale, {}))
            for key, field in self.text_fields(locale):
                if field.data is not None and (field.data.strip() or key in values):
                    values[key] = field.data.strip()
            texts[locale] = values
        return texts

    def trigger(self):
        trigger = {"type": self.trigger_type.data, "delay_seconds": self.delay_seconds.data or 0}
        if self.trigger_type.data == "url":
            trigger["url"] = (self.trigger_value.data or "").strip()
        elif self.trigger_type.data == "event":
            trigger["event"] = (self.trigger_value.data or "").strip()
        return trigger

    def reason_rows(self):
        """Return each churn-reason row as ``(key field, [(locale, text field)])``."""
        return [(self[f"churn_reasons.{row}.key"],
                 [(locale, self[f"churn_reasons.{row}.{locale}"]) for locale in self._reason_locales])
                for row in range(self._reason_row_count)]

    def _typed_reasons(self):
        """Return ``[(row, key or None, {locale: text})]`` of the rows with some text (empty rows are spares)."""
        typed = []
        for row, (key_field, fields) in enumerate(self.reason_rows()):
            texts = {locale: (field.data or "").strip() for locale, field in fields if (field.data or "").strip()}
            if texts:
                typed.append((row, key_field.data or None, texts))
        return typed

    def reasons(self):
        """Return the churn reasons as the services take them: ``(keys in order, {locale: {key: text}})``.

        A new row's key is its default-locale text (``churn_reasons.new_key``); a row cleared of every
        text is a reason removed.
        """
        default = next(iter(form_locales(self.locales.data)), "")
        typed = self._typed_reasons()
        taken = {key for _row, key, _texts in typed if key}
        keys, texts, self._reason_row_of = [], {}, {}
        for row, key, row_texts in typed:
            if key is None:
                key = churn_reasons.new_key(row_texts.get(default) or next(iter(row_texts.values())), taken)
                taken.add(key)
            keys.append(key)
            self._reason_row_of[key] = row
            for locale, text in row_texts.items():
                texts.setdefault(locale, {})[key] = text
        return keys, texts

    def validate(self, extra_validators=None):
        """Validate every field, and each typed reason's text in the default locale."""
        valid = super().validate(extra_validators)
        default = next(iter(form_locales(self.locales.data)), None)
        for row, _key, texts in self._typed_reasons():
            if default in self._reason_locales and default not in texts:
                self[f"churn_reasons.{row}.{default}"].errors.append(
                    f"Write this reason in {default} too (the default locale, shown where a locale has no text).")
                valid = False
        return valid

    def problem_field(self, name):
        """Return the field that shows the services' problem ``name``, or ``None``."""
        if name == "churn_reasons":  # the list as a whole: beside the first reason
            rows = self.reason_rows()
            return rows[0][1][0][1] if rows and rows[0][1] else None
        keys = self.reasons()[0]
        parts = name.split(".")
        if parts[0] == "churn_reasons" and len(parts) == 2 and parts[1].isdecimal() and int(parts[1]) < len(keys):
            key, locale = keys[int(parts[1])], next(iter(form_locales(self.locales.data)), "")
        elif parts[0] == "churn_reason_texts" and len(parts) >= 3:
            locale, key = parts[1], ".".join(parts[2:])  # a key may hold dots
        else:
            return self._fields.get(name)
        row = self._reason_row_of.get(key)
        return None if row is None else self._fields.get(f"churn_reasons.{row}.{locale}")

    def targeting_rules(self):
        rules = []
        for line in (self.targeting.data or "").splitlines():
            match = RULE.match(line)
            if match:
                operator = OPERATOR_OF[match["op"] or match["set"]]
                rules.append({"property": match["property"], "operator": operator,
                              **({"value": match["value"]} if match["value"] is not None else {})})
        return rules

    def settings(self, existing_texts=None):
        """Return the keyword arguments the survey services take from this form."""
        keys, reason_texts = self.reasons()
        return dict(name=self.name.data, texts=self.texts(existing_texts), channels=self.channels.data,
                    trigger=self.trigger(), sampling_percent=self.sampling_percent.data,
                    recontact_days=self.recontact_days.data, recontact_scope=self.recontact_scope.data,
                    churn_reasons=keys, churn_reason_texts=reason_texts, targeting=self.targeting_rules())

    def fill_from(self, survey):
        """Set the fields from ``survey`` (for the edit page)."""
        self.name.data, self.kind.data = survey.name, survey.kind.value
        locales = [survey.default_locale] + [locale for locale in survey.texts or {} if locale != survey.default_locale]
        self.locales.data = ", ".join(locales)
        for locale in locales:
            for key, field in self.text_fields(locale):
                field.data = (survey.texts or {}).get(locale, {}).get(key, "")
        self.channels.data = list(survey.channels or [])
        trigger = survey.trigger or {}
        self.trigger_type.data = trigger.get("type", "page_load")
        self.trigger_value.data = trigger.get("event" if self.trigger_type.data == "event" else "url") or ""
        self.delay_seconds.data = trigger.get("delay_seconds", 0)
        self.sampling_percent.data, self.recontact_days.data = survey.sampling_percent, survey.recontact_days
        self.recontact_scope.data = survey.recontact_scope.value
        for (key_field, fields), key in zip(self.reason_rows(), survey.churn_reasons or ()):
            key_field.data = key
            for locale, field in fields:
                field.data = ((survey.churn_reason_texts or {}).get(locale) or {}).get(key) or (
                    churn_reasons.reason_text(survey, key) if locale == survey.default_locale else "")
        self.targeting.data = "\n".join(
            f"{rule['property']} {TYPED_OPERATOR[rule['operator']]}" + (f" {rule['value']}" if "value" in rule else "")
            for rule in survey.targeting or [])


def survey_form_class(kind, locales, *, reason_rows=0):
    """Return the survey form with a text field per locale for each text of ``kind``, and ``reason_rows`` rows."""
    fields = TEXT_FIELDS[SurveyKind(kind)]
    attrs = {"_text_keys": tuple(key for key, _label in fields), "_reason_locales": tuple(locales),
             "_reason_row_count": min(reason_rows, churn_reasons.MAX_REASONS)}
    for locale in locales:
        for key, label in fields:
            attrs[f"texts.{locale}.{key}"] = StringField(f"{label} ({locale})", validators=[Length(max=1000)])
    for row in range(attrs["_reason_row_count"]):
        attrs[f"churn_reasons.{row}.key"] = HiddenField(validators=[Length(max=churn_reasons.MAX_REASON_LENGTH)])
        for locale in locales:
            attrs[f"churn_reasons.{row}.{locale}"] = StringField(
                f"Reason {row + 1} ({locale})", validators=[Length(max=churn_reasons.MAX_REASON_LENGTH)])
    return type("SurveyTextsForm", (SurveyForm,), attrs)


class StatusForm(FlaskForm):
    """Move a survey along its lifecycle."""

    status = HiddenField(validators=[DataRequired()])

    def validate_status(self, field):
        if field.data not in {status.value for status in SurveyStatus}:
            raise ValidationError("Unknown status.")


class QuestionForm(FlaskForm):
    """A follow-up question; :func:`question_form_class` adds its prompt and choices per locale."""

    kind = SelectField("Type", choices=choices(QUESTION_KIND_CHOICES), default=QuestionKind.TEXT.value)
    required = BooleanField("Required")
    scale_max = IntegerField("Highest rating (rating questions, 2-10)", validators=[Optional()])
    show_when = SelectField("Ask it", default="always", validate_choice=False)
    show_choices = StringField("…when that question's answer is one of these choice numbers (1 is the first, "
                               "comma-separated)", validators=[Optional(), Length(max=100)])
    submit = SubmitField("Save question")
    _locales = ()

    def set_logic_choices(self, survey, question=None):
        """Offer score groups (surveys with a score) and the earlier choice questions as conditions."""
        options = [("always", "Always")]
        if survey.kind in (SurveyKind.NPS, SurveyKind.CSAT, SurveyKind.CES):
            options += [(f"group:{group}", f"Only after a {group} score") for group in SCORE_GROUPS]
            options += [("group:detractor,passive", "Only after a detractor or passive score")]
        position = question.position if question is not None else len(survey.questions)
        options += [(f"question:{other.key}", f"Only for some answers to “{other.prompts.get(survey.default_locale)}”")
                    for other in survey.questions if other.position < position
                    and other.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)]
        self.show_when.choices = choices(options)

    def logic(self):
        """Return the question's logic as the service stores it (choice numbers typed from 1)."""
        when = self.show_when.data or "always"
        if when.startswith("group:"):
            return {"score_groups": when.split(":", 1)[1].split(",")}
        if when.startswith("question:"):
            typed = [part.strip() for part in (self.show_choices.data or "").split(",") if part.strip()]
            numbers = [int(part) - 1 if part.isdecimal() else part for part in typed]
            return {"question": when.split(":", 1)[1], "choices": numbers}
        return {}

    def values(self):
        """Return the keyword arguments the question services take from this form."""
        is_choice = self.kind.data in (QuestionKind.SINGLE_CHOICE.value, QuestionKind.MULTIPLE_CHOICE.value)
        prompts = {locale: self[f"prompts.{locale}"].data or "" for locale in self._locales}
        choice_lists = {locale: [line.strip() for line in (self[f"choices.{locale}"].data or "").splitlines()
                                 if line.strip()] for locale in self._locales}
        return dict(kind=self.kind.data, prompts=prompts, choices=choice_lists if is_choice else None,
                    scale_max=self.scale_max.data if self.kind.data == QuestionKind.RATING.value else None,
                    required=bool(self.required.data), logic=self.logic(), labels=self.labels())

    def labels(self):
        """Return a scale question's end labels per locale as the services take them (``None`` for other kinds)."""
        if self.kind.data not in {kind.value for kind in SCALE_KINDS}:
            return None
        return {locale: {end: (self[f"labels.{locale}.{end}"].data or "").strip() for end in LABEL_ENDS}
                for locale in self._locales}

    def fill_from(self, question):
        """Set the fields from ``question`` (for its edit page)."""
        self.kind.data, self.required.data = question.kind.value, question.required
        options = question.options or {}
        self.scale_max.data = options.get("max")
        for locale in self._locales:
            self[f"prompts.{locale}"].data = (question.prompts or {}).get(locale, "")
            self[f"choices.{locale}"].data = "\n".join((options.get("choices") or {}).get(locale, []))
            for end in LABEL_ENDS:
                self[f"labels.{locale}.{end}"].data = ((options.get("labels") or {}).get(locale) or {}).get(end, "")
        logic = question.logic or {}
        if "score_groups" in logic:
            self.show_when.data = "group:" + ",".join(logic["score_groups"])
        elif "question" in logic:
            self.show_when.data = f"question:{logic['question']}"
            self.show_choices.data = ", ".join(str(index + 1) for index in logic["choices"])


def question_form_class(locales):
    """Return the question form with a prompt and choices per locale."""
    attrs = {"_locales": tuple(locales)}
    for locale in locales:
        attrs[f"prompts.{locale}"] = StringField(f"Question ({locale})", validators=[Length(max=500)])
        attrs[f"choices.{locale}"] = TextAreaField(f"Choices ({locale}), one per line", validators=[Length(max=5000)])
        # A scale's end labels; a locale left empty shows the default locale's.
        attrs[f"labels.{locale}.low"] = StringField(f"Label of the lowest rating ({locale})",
                                                    validators=[Length(max=200)])
        attrs[f"labels.{locale}.high"] = StringField(f"Label of the highest rating ({locale})",
                                                     validators=[Length(max=200)])
    return type("LocalizedQuestionForm", (QuestionForm,), attrs)
