"""Forms of the import and export page."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from feedback_app.services.collection import imports
from feedback_app.services.exceptions import InvalidInput


def choices(pairs):
    """Return WTForms choices from ``(value, label)`` pairs (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


class ImportForm(FlaskForm):
    """A CSV file, the survey it answers and, for a non-Delighted file, its column mapping."""

    file = FileField("CSV file", validators=[FileRequired()])
    survey_id = SelectField("Survey", coerce=int)
    mapping = TextAreaField("Column mapping (one COLUMN=FIELD per line; empty for a Delighted export)",
                            validators=[Optional()])

    def validate_mapping(self, field):
        try:
            imports.parse_mapping(self.mapping_lines())
        except InvalidInput as error:
            raise ValidationError(error.message) from None

    def mapping_lines(self):
        return [line.strip() for line in (self.mapping.data or "").splitlines() if line.strip()]


class ExportForm(FlaskForm):
    """Which responses to download, and as what (a GET form: nothing changes, no CSRF token)."""

    class Meta:
        csrf = False

    format = SelectField("Format", choices=choices([("csv", "CSV"), ("json", "JSON")]), default="csv")
    survey_id = SelectField("Survey", coerce=int, validators=[Optional()])
    since = DateField("From", validators=[Optional()])
    until = DateField("Until", validators=[Optional()])
