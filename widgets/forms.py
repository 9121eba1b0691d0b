"""Hosted survey forms, built per survey from its kind, texts and questions (server-side validation)."""
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.i18n import get_translations
from wtforms.validators import InputRequired, Length, Optional

from feedback_app.models import SurveyKind
from feedback_app.services.collection.churn_reasons import localized_reasons
from feedback_app.services.collection.responses import SCORE_RANGES
from feedback_app.services.collection.survey_builder import show_condition
from feedback_app.services.collection.ui_strings import ui_locale, ui_texts
from widgets.question_types import question_type

MAX_COMMENT = 5000


def _int(value):
    return None if value in (None, "", "None") else int(value)


class HostedForm(FlaskForm):
    """Base of the hosted forms: a honeypot people never see, filled only by bots; messages in the page's locale."""

    class Meta:
        locales = ["en"]

        def get_translations(self, form):
            # WTForms' own catalogues ("This field is required." in French...); Flask-WTF would
            # look for Flask-Babel, which this app does not use.
            return get_translations(self.locales)

    website = StringField("Leave this empty", validators=[Optional()])
    ui = ui_texts("en")

    def validate_website(self, field):
        # Reported as an error without saying why; the view stores nothing.
        if field.data:
            field.errors.append(self.ui["honeypot_error"])

    def question_fields(self):
        """Return the custom question fields, in order."""
        return [self[name] for name in getattr(self, "_question_names", ())]


def _localised(attrs, locale, texts):
    """Give the form class of ``attrs`` the built-in strings and WTForms messages of ``locale``.

    :param texts: the survey's texts in ``locale``; a ``send`` there names the button.
    """
    locale = ui_locale(locale)
    attrs["ui"] = ui = ui_texts(locale)
    attrs["Meta"] = type("Meta", (), {"locales": [locale]})
    attrs["website"] = StringField(ui["honeypot_label"], validators=[Optional()])
    attrs["submit"] = SubmitField(texts.get("send") or ui["send"])
    return attrs


def _add_questions(attrs, survey, locale, *, score=None):
    names = []
    for question in survey.questions:
        condition = show_condition(survey, question)
        if condition is not None and "scores" in condition and score not in condition["scores"]:
            continue  # asked after other scores only
        name = f"q_{question.key}"
        attrs[name] = question_type(question).field(question, locale)
        names.append(name)
    attrs["_question_names"] = names


def score_form_class(survey, locale, *, texts):
    """Return the first-step form: the score, the churn reason, or (custom surveys) the questions."""
    attrs = _localised({}, locale, texts)
    ui = attrs["ui"]
    if survey.kind in SCORE_RANGES:
        low, high = SCORE_RANGES[survey.kind]
        choices = [SelectChoice(str(value)) for value in range(low, high + 1)]
        attrs["score"] = RadioField(texts.get("question", ""), choices=choices, coerce=_int,
                                    validators=[InputRequired(ui["pick_score"])])
    elif survey.kind == SurveyKind.CHURN_EXIT:
        # Posted as the reason's key, shown in the page's language.
        reasons = [SelectChoice(key, text) for key, text in localized_reasons(survey, locale)]
        attrs["churn_reason"] = RadioField(texts.get("question", ""), choices=reasons,
                                           validators=[InputRequired(ui["pick_reason"])])
    else:
        _add_questions(attrs, survey, locale)
    return type("ScoreForm", (HostedForm,), attrs)


def comment_form_class(survey, locale, *, why, texts, score=None):
    """Return the second-step form: the comment (worded by score group) and the questions asked after ``score``."""
    attrs = _localised({"comment": TextAreaField(why or "", validators=[Optional(), Length(max=MAX_COMMENT)])},
                       locale, texts)
    if survey.kind == SurveyKind.CHURN_EXIT:
        attrs["kept"] = TextAreaField(texts.get("kept", ""), validators=[Optional(), Length(max=MAX_COMMENT)])
    if survey.kind != SurveyKind.CUSTOM:
        _add_questions(attrs, survey, locale, score=score)
    return type("CommentForm", (HostedForm,), attrs)


def why_text(survey, texts, score):
    """Return the follow-up question for ``score``: NPS asks promoters, passives and detractors differently."""
    if survey.kind == SurveyKind.NPS and score is not None:
        group = "why_promoter" if score >= 9 else "why_passive" if score >= 7 else "why_detractor"
        return texts.get(group)
    return texts.get("why")
