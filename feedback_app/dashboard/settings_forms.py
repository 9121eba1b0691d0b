"""Forms of Settings > Customers: contact limits, email sender, survey look, detractor alert routing.

Each form checks only the shape of what was typed; the service checks the meaning (contrast,
membership, addresses) and its :class:`InvalidInput` is shown beside the same-named field
(:func:`attach_service_errors`).
"""
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from feedback_app.dashboard.forms import choices
from feedback_app.services.accounts.users import normalize_email
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.collection.ui_strings import LOCALES
from feedback_app.services.accounts.workspace_settings import MAX_DAILY_EMAILS, MAX_RECONTACT_DAYS

LOCALE_NAMES = {"en": "English", "fr": "Français"}


def attach_service_errors(form, error):
    """Show a service's :class:`InvalidInput` beside the form's fields of the same names (else at the top)."""
    placed = False
    for name in error.fields or {}:
        if name in form._fields:
            form[name].errors = list(form[name].errors) + [error.message]
            placed = True
    if not placed:
        form.form_errors.append(error.message)


class ContactLimitsForm(FlaskForm):
    recontact_days = IntegerField("Recontact window: days before a person can be surveyed again",
                                  validators=[InputRequired(), NumberRange(0, MAX_RECONTACT_DAYS)])
    daily_email_limit = IntegerField("Customer emails per day, at most (team emails do not count)",
                                     validators=[InputRequired(), NumberRange(0, MAX_DAILY_EMAILS)])
    submit = SubmitField("Save limits")

    def fill_from(self, workspace):
        self.recontact_days.data = workspace.recontact_days
        self.daily_email_limit.data = workspace.daily_notification_limit
        return self


class EmailIdentityForm(FlaskForm):
    sender_name = StringField("Sender name (empty: the instance's)", validators=[Optional(), Length(max=120)])
    reply_to = StringField("Reply-To address (empty: none)", validators=[Optional(), Length(max=254)])
    submit = SubmitField("Save sender")

    def fill_from(self, workspace):
        self.sender_name.data = workspace.email_sender_name or ""
        self.reply_to.data = workspace.email_reply_to or ""
        return self


class SurveyLookForm(FlaskForm):
    logo_url = StringField("Logo (https:// address of an image)", validators=[Optional(), Length(max=2000)])
    intro_text = TextAreaField("Intro text above the question (hosted page and invitations)",
                               validators=[Optional(), Length(max=1000)])
    brand_color = StringField("Brand colour (#rrggbb, readable under white text)",
                              validators=[Optional(), Length(max=16)])
    default_locale = SelectField("Default locale", choices=choices((locale, LOCALE_NAMES.get(locale, locale))
                                                                   for locale in LOCALES))
    submit = SubmitField("Save look")

    def fill_from(self, workspace):
        self.logo_url.data = workspace.logo_url or ""
        self.intro_text.data = workspace.intro_text or ""
        self.brand_color.data = workspace.brand_color or ""
        self.default_locale.data = workspace.default_locale
        return self


class DetractorRulesForm(FlaskForm):
    """Who handles unhappy answers: assignees by customer property, by survey or by default; who is alerted."""

    assign_to = SelectField("Assign follow-ups to", validate_choice=False)
    by_property = TextAreaField("Assign by customer property, one “property = value: member email” line each",
                                validators=[Optional(), Length(max=10_000)])
    by_survey = TextAreaField("Assign by survey, one “survey name: member email” line each",
                              validators=[Optional(), Length(max=10_000)])
    alert_emails = TextAreaField("Alert emails go to (one address per line; empty: the assignee, else the admins)",
                                 validators=[Optional(), Length(max=10_000)])
    escalate_max_score = IntegerField("Scores up to (0-10) also alert…", validators=[Optional(), NumberRange(0, 10)])
    escalate_emails = TextAreaField("…these addresses, one per line", validators=[Optional(), Length(max=10_000)])
    submit = SubmitField("Save routing")

    def set_choices(self, members, surveys):
        """Offer the workspace's members as assignees and know its surveys by name."""
        self.assign_to.choices = choices([("", "Nobody in particular")] + [(user.email, user.email)
                                                                           for user, _role in members])
        self._survey_ids = {survey.name: survey.id for survey in surveys}
        self._survey_names = {str(survey.id): survey.name for survey in surveys}

    def validate_by_property(self, field):
        for line in (field.data or "").splitlines():
            if line.strip() and not _parse_property_line(line):
                raise ValidationError(f"Write “property = value: email”, not {line.strip()!r}.")

    def validate_by_survey(self, field):
        for line in (field.data or "").splitlines():
            name, colon, email = line.rpartition(":")
            if not line.strip():
                continue
            if not (colon and name.strip() and email.strip()):
                raise ValidationError(f"Write “survey name: email”, not {line.strip()!r}.")
            if name.strip() not in self._survey_ids:
                raise ValidationError(f"No survey is named {name.strip()!r}.")

    def validate_alert_emails(self, field):
        _check_addresses(field)

    def validate_escalate_emails(self, field):
        _check_addresses(field)

    def validate(self, extra_validators=None):
        # Across two fields, either of which may be empty (Optional stops their own validators).
        valid = super().validate(extra_validators)
        if not self.escalate_max_score.errors and \
                (self.escalate_max_score.data is None) != (not _lines(self.escalate_emails.data)):
            self.escalate_emails.errors = [*self.escalate_emails.errors,
                                           "Give both the highest score and the addresses, or neither."]
            return False
        return valid

    def rules(self):
        """Return the rules in the shape ``follow_ups.set_detractor_rules`` takes."""
        by_property = {}
        for line in (self.by_property.data or "").splitlines():
            parsed = _parse_property_line(line)
            if parsed:
                prop, value, email = parsed
                by_property.setdefault(prop, {})[value] = email
        by_survey = {}
        for line in _lines(self.by_survey.data):
            name, _colon, email = line.rpartition(":")
            by_survey[str(self._survey_ids[name.strip()])] = email.strip()
        escalate = ({"max_score": self.escalate_max_score.data, "alert_emails": _lines(self.escalate_emails.data)}
                    if self.escalate_max_score.data is not None else {})
        return {"assign_to": self.assign_to.data or None, "by_property": by_property, "by_survey": by_survey,
                "alert_emails": _lines(self.alert_emails.data), "escalate": escalate}

    def fill_from(self, workspace):
        rules = workspace.detractor_rules or {}
        self.assign_to.data = rules.get("assign_to") or ""
        self.by_property.data = "\n".join(f"{prop} = {value}: {email}"
                                          for prop, values in (rules.get("by_property") or {}).items()
                                          for value, email in values.items())
        self.by_survey.data = "\n".join(f"{self._survey_names.get(survey_id, survey_id)}: {email}"
                                        for survey_id, email in (rules.get("by_survey") or {}).items())
        self.alert_emails.data = "\n".join(rules.get("alert_emails") or [])
        escalate = rules.get("escalate") or {}
        self.escalate_max_score.data = escalate.get("max_score")
        self.escalate_emails.data = "\n".join(escalate.get("alert_emails") or [])
        return self


def _check_addresses(field):
    for line in _lines(field.data):
        try:
            normalize_email(line)
        except InvalidInput:  # the line is not an address; say which, beside its field
            raise ValidationError(f"{line[:254]!r} is not an email address (one address per line).") from None


def _lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _parse_property_line(line):
    left, colon, email = line.rpartition(":")
    prop, equals, value = left.partition("=")
    if not (colon and equals and prop.strip() and value.strip() and email.strip()):
        return None
    return prop.strip(), value.strip(), email.strip()
