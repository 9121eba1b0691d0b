"""Forgotten passwords: ask for a reset link by email, then set a new password from it."""
from flask import flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, logout_user

from feedback_app.auth.forms import ForgotPasswordForm, ResetPasswordForm
from feedback_app.auth.routes import bp
from feedback_app.extensions import limiter
from feedback_app.services.accounts import password_resets
from feedback_app.services.exceptions import InvalidInput
from feedback_app.tasks import enqueue_mail
from feedback_app.tasks.accounts import send_password_reset

SENT = ("If an account has this address, an email with a link to reset its password is on its way. "
        "The link works for one hour, once.")


def _requested_address():
    return "password-reset:" + (request.form.get("email") or "").strip().lower()


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"])
@limiter.limit("5 per 15 minutes", key_func=_requested_address, methods=["POST"])
def forgot_password():
    """Email a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = password_resets.request_password_reset(form.email.data, ip=get_remote_address())
        if user is not None:
            enqueue_mail(send_password_reset, user.id)
        flash(SENT)
        return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per 15 minutes", methods=["POST"])
def reset_password(token):
    """Set a new password from an emailed link; a bad or used link is a 400 page (``errors.py``)."""
    user = password_resets.user_for_token(token)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            password_resets.reset_password(token, form.password.data, ip=get_remote_address())
        except InvalidInput as error:
            form.password.errors.append(error.message)
        else:
            if current_user.is_authenticated:
                logout_user()  # the sessions ended with the reset, this browser's included
            flash("Your password is set; every session of the account was logged out. Log in with the new one.")
            return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template("auth/reset_password.html", form=form, email=user.email), status
