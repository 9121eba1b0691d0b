"""Forms of the dashboard: GET filter forms (no CSRF: they change nothing) and POST action forms."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from feedback_app.dashboard.labels import ACTION_STATUS_LABELS, CHANNEL_LABELS
from feedback_app.models import Channel, Role


def choices(pairs):
    """Return WTForms choices from ``(value, label)`` pairs (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


GRANULARITY_CHOICES = [("day", "Day"), ("week", "Week"), ("month", "Month")]
CHANNEL_CHOICES = [("", "Any channel")] + [(c.value, CHANNEL_LABELS[c]) for c in Channel]
SCORE_GROUP_CHOICES = [("", "Any score"), ("promoter", "Promoters / satisfied"), ("passive", "Passives / neutral"),
                       ("detractor", "Detractors / unsatisfied"), ("unscored", "No score")]
SENTIMENT_CHOICES = [("", "Any sentiment"), ("positive", "Positive"), ("neutral", "Neutral"),
                     ("negative", "Negative")]


class _FilterForm(Form):
    """Filters shared by the overview and the inbox, read from the query string."""

    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])
    survey = SelectField("Survey", coerce=lambda v: int(v) if v not in (None, "") else None,
                         validators=[Optional()], validate_choice=False)
    channel = SelectField("Channel", choices=choices(CHANNEL_CHOICES), validators=[Optional()])
    segment_key = StringField("Segment property", validators=[Optional(), Length(max=64)])
    segment_value = StringField("equals", validators=[Optional(), Length(max=200)])

    def set_surveys(self, surveys):
        self.survey.choices = choices([("", "All surveys")] + [(s.id, s.name) for s in surveys])

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("Must be on or after the start date.")

    def validate_segment_value(self, field):
        if field.data and not self.segment_key.data:
            raise ValidationError("Name the property too.")


class OverviewFilterForm(_FilterForm):
    granularity = SelectField("By", choices=choices(GRANULARITY_CHOICES), default="day")


class TrendFilterForm(_FilterForm):
    """The overview's filters plus the person property whose values get one NPS line each."""

    granularity = SelectField("By", choices=choices(GRANULARITY_CHOICES), default="month")
    property = StringField("Property", validators=[Optional(), Length(max=100)])


class InboxFilterForm(_FilterForm):
    score_group = SelectField("Score", choices=choices(SCORE_GROUP_CHOICES), validators=[Optional()])
    sentiment = SelectField("Sentiment", choices=choices(SENTIMENT_CHOICES), validators=[Optional()])
    theme = IntegerField("Theme", validators=[Optional(), NumberRange(min=1)])
    tag = StringField("Tag", validators=[Optional(), Length(max=100)])
    q = StringField("Search", validators=[Optional(), Length(max=200)])
    assignee = IntegerField("Assignee", validators=[Optional(), NumberRange(min=1)])
    after = HiddenField()


class TagForm(FlaskForm):
    name = StringField("Tag", validators=[DataRequired(), Length(max=100)])
    submit = SubmitField("Add tag")


class UntagForm(FlaskForm):
    name = HiddenField(validators=[DataRequired(), Length(max=100)])
    submit = SubmitField("Remove")


class ReplyForm(FlaskForm):
    """A reply to the customer of a response; ``submission_key`` is new each time the form is shown."""

    body = TextAreaField("Reply to the customer", validators=[DataRequired(), Length(max=5000)])
    submission_key = HiddenField(validators=[DataRequired(), Length(max=64)])
    submit = SubmitField("Send reply")


class FollowUpReplyForm(ReplyForm):
    """A reply to the customer of a follow-up, which may close the follow-up with it."""

    resolve = BooleanField("Mark the follow-up done", default=True)


class NoteForm(FlaskForm):
    text = TextAreaField("Note", validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField("Add note")


class AssignForm(FlaskForm):
    assignee = SelectField("Assignee", coerce=lambda v: int(v) if v not in (None, "") else None,
                           validators=[Optional()], validate_choice=False)
    submit = SubmitField("Assign")


class ConfirmForm(FlaskForm):
    """An empty form: the POST carries only its CSRF token (revoke, delete...)."""

    submit = SubmitField("Confirm")


class RenameThemeForm(FlaskForm):
    label = StringField("New name", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Rename")


class MergeThemeForm(FlaskForm):
    absorbed = SelectField("Merge this theme into it", coerce=int, validate_choice=False)
    submit = SubmitField("Merge")


class SplitThemeForm(FlaskForm):
    groups = TextAreaField("One new theme per line, phrases separated by commas",
                           validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Split")

    def phrase_groups(self):
        return [[phrase.strip() for phrase in line.split(",")] for line in self.groups.data.splitlines()]


class MoveResponseForm(FlaskForm):
    response_id = IntegerField(validators=[DataRequired()])
    # "none" is the "No theme" option; "" (the "Move to…" placeholder the page makes required) means it too.
    to_theme = SelectField("Move to", coerce=lambda v: int(v) if v not in (None, "", "none") else None,
                           validators=[Optional()], validate_choice=False)
    submit = SubmitField("Move")


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class ActionForm(FlaskForm):
    """An action's fields; the owner and theme choices are the workspace's, set by the view."""

    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description (for the team)", validators=[Optional(), Length(max=10_000)])
    public_message = TextAreaField("Public message (what changed, in the email to customers)",
                                   validators=[Optional(), Length(max=10_000)])
    owner = SelectField("Owner", coerce=_optional_int, validators=[Optional()], validate_choice=False)
    due_date = DateField("Due date", validators=[Optional()])
    theme = SelectField("Theme", coerce=_optional_int, validators=[Optional()], validate_choice=False)
    response_ids = HiddenField()
    submit = SubmitField("Save")

    def linked_response_ids(self):
        return [int(value) for value in (self.response_ids.data or "").split(",") if value.strip().isdigit()]


class ActionStatusForm(FlaskForm):
    status = SelectField("Status", choices=choices((status.value, label) for status, label in
                                                   ACTION_STATUS_LABELS.items()))
    submit = SubmitField("Change status")


class LinkActionForm(FlaskForm):
    """Link a response to an existing action of the workspace (choices set by the view)."""

    action = SelectField("Action", coerce=int, validate_choice=False)
    submit = SubmitField("Link")


ROLE_CHOICES = [(role.value, role.value.title()) for role in Role]


class MemberForm(FlaskForm):
    """A team member's new role."""

    user_id = IntegerField(validators=[DataRequired()])
    role = SelectField("Role", choices=choices(ROLE_CHOICES))
    submit = SubmitField("Save")


class TeamInviteForm(FlaskForm):
    """An address to invite to the team, with the role it will have."""

    email = StringField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=choices(ROLE_CHOICES), default="member")
    submit = SubmitField("Invite")


class ApiKeyForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    submit = SubmitField("Create key")


class IdentityVerificationForm(FlaskForm):
    enabled = BooleanField("Require signed identities")
    submit = SubmitField("Save")


class OriginsForm(FlaskForm):
    allowed_origins = TextAreaField("Origins allowed to embed the widget, one per line",
                                    validators=[Length(max=10000)])
    submit = SubmitField("Save origins")


class WebhookForm(FlaskForm):
    url = StringField("URL", validators=[DataRequired(), Length(max=2000)])
    format = SelectField("Format", default="native",
                         choices=choices([("native", "Native"), ("delighted", "Delighted")]))
    events = SelectMultipleField("Events", validators=[DataRequired()])
    submit = SubmitField("Add endpoint")


class ChatDestinationForm(FlaskForm):
    """A Slack or Teams incoming webhook, the alerts it gets and the filters they pass."""

    kind = SelectField("Where", choices=choices([("slack", "Slack"), ("teams", "Microsoft Teams")]))
    url = StringField("Incoming webhook URL", validators=[DataRequired(), Length(max=2000)])
    events = SelectMultipleField("Alerts", validators=[DataRequired()],
                                 choices=choices([("new_response", "Every new response"), ("detractor", "Detractors"),
                                                  ("action_shipped", "Shipped actions")]))
    survey_id = SelectField("Survey", default="")
    score_group = SelectField("Score group", default="", choices=choices([
        ("", "Any score"), ("promoter", "Promoters"), ("passive", "Passives"), ("detractor", "Detractors")]))
    theme_id = SelectField("Theme", default="")
    sentiment = SelectField("Sentiment", default="", choices=choices([
        ("", "Any sentiment"), ("positive", "Positive"), ("neutral", "Neutral"), ("negative", "Negative")]))
    property_key = StringField("Person property", validators=[Length(max=100)])
    property_value = StringField("equals", validators=[Length(max=200)])
    submit = SubmitField("Add destination")


class WeeklyDigestForm(FlaskForm):
    weekly_digest = BooleanField("Email me the weekly digest")
    submit = SubmitField("Save")


class InviteForm(FlaskForm):
    """Invite people to a survey by email: addresses typed in, or a CSV file with an ``email`` column."""

    emails = TextAreaField("Email addresses, one per line", validators=[Optional(), Length(max=100_000)])
    file = FileField("…or a CSV file (email, name, external_id, locale, any property)")
    delay_hours = IntegerField("Send after (hours)", default=0, validators=[Optional(), NumberRange(0, 24 * 90)])
    submit = SubmitField("Invite")

    def addresses(self):
        return [{"email": line.strip()} for line in (self.emails.data or "").splitlines() if line.strip()]
