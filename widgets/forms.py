"""Hosted survey forms, built per survey from its kind, texts and questions (server-side validation)."""
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from feedback_app.models import SurveyKind
from feedback_app.services.responses import SCORE_RANGES
from widgets.question_types import question_type

MAX_COMMENT = 5000


def _int(value):
    return None if value in (None, "", "None") else int(value)


class HostedForm(FlaskForm):
    """Base of the hosted forms: a honeypot people never see, filled only by bots."""

    website = StringField("Leave this empty", validators=[Optional()])

    def validate_website(self, field):
        # Reported as an error without saying why; the view stores nothing.
        if field.data:
            field.errors.append("Leave this field empty.")

    def question_fields(self):
        """Return the custom question fields, in order."""
        return [self[name] for name in getattr(self, "_question_names", ())]


def _add_questions(attrs, survey, locale):
    names = []
    for question in survey.questions:
        name = f"q_{question.key}"
        attrs[name] = question_type(question).field(question, locale)
        names.append(name)
    attrs["_question_names"] = names


def score_form_class(survey, locale, *, texts):
    """Return the first-step form: the score, the churn reason, or (custom surveys) the questions."""
    attrs = {}
    if survey.kind in SCORE_RANGES:
        low, high = SCORE_RANGES[survey.kind]
        choices = [SelectChoice(str(value)) for value in range(low, high + 1)]
        attrs["score"] = RadioField(texts.get("question", ""), choices=choices, coerce=_int,
                                    validators=[InputRequired("Please pick a score.")])
    elif survey.kind == SurveyKind.CHURN_EXIT:
        reasons = [SelectChoice(reason) for reason in survey.churn_reasons]
        attrs["churn_reason"] = RadioField(texts.get("question", ""), choices=reasons,
                                           validators=[InputRequired("Please pick a reason.")])
    else:
        _add_questions(attrs, survey, locale)
    attrs["submit"] = SubmitField(texts.get("send", "Send"))
    return type("ScoreForm", (HostedForm,), attrs)


def comment_form_class(survey, locale, *, why, texts):
    """Return the second-step form: the comment (worded by score group) and the extra questions."""
    attrs = {"comment": TextAreaField(why or "", validators=[Optional(), Length(max=MAX_COMMENT)])}
    if survey.kind == SurveyKind.CHURN_EXIT:
        attrs["kept"] = TextAreaField(texts.get("kept", ""), validators=[Optional(), Length(max=MAX_COMMENT)])
    if survey.kind != SurveyKind.CUSTOM:
        _add_questions(attrs, survey, locale)
    attrs["submit"] = SubmitField(texts.get("send", "Send"))
    return type("CommentForm", (HostedForm,), attrs)


def why_text(survey, texts, score):
    """Return the follow-up question for ``score``: NPS asks promoters, passives and detractors differently."""
    if survey.kind == SurveyKind.NPS and score is not None:
        group = "why_promoter" if score >= 9 else "why_passive" if score >= 7 else "why_detractor"
        return texts.get(group)
    return texts.get("why")
