"""Forms of the login, account and invitation pages."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from feedback_app.services.accounts.users import MIN_PASSWORD_LENGTH


class NewPasswordMixin:
    """A new password typed twice: changing it, joining the team, resetting it by email."""

    password = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)])
    confirm = PasswordField("New password again",
                            validators=[DataRequired(), EqualTo("password", "The two passwords differ.")])


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember_me = BooleanField("Keep me logged in")
    submit = SubmitField("Log in")


class LogoutForm(FlaskForm):
    """Empty form: logging out is a POST with a CSRF token, so no other site can log you out."""

    submit = SubmitField("Log out")


class LogoutEverywhereForm(FlaskForm):
    """Empty form: ends every session of the account, on every device."""

    submit = SubmitField("Log out everywhere")


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    """The current password, and the new one typed twice."""

    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Change password")


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    """A new teammate's name and password; the address is the invitation's."""

    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    submit = SubmitField("Join the team")


class ForgotPasswordForm(FlaskForm):
    """The address of the account whose password is forgotten."""

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField("Email me a reset link")


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    """The new password, from the emailed reset link."""

    submit = SubmitField("Set the new password")


class JoinWorkspaceForm(FlaskForm):
    """Empty form: a logged-in user with the invited address joins with one POST."""

    submit = SubmitField("Join the team")
