"""Log in and out; the account page (password, log out everywhere)."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from feedback_app.auth.forms import ChangePasswordForm, LoginForm, LogoutEverywhereForm, LogoutForm
from feedback_app.extensions import limiter
from feedback_app.services.accounts import users as accounts
from feedback_app.services.exceptions import InvalidInput

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target):
    """Return ``target`` if it is a path on this site, so ``?next=`` cannot redirect elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    """Show the login form and log the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data, ip=get_remote_address())
        except accounts.TooManyLoginFailures as error:
            form.password.errors.append(error.message)
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(error.retry_after)}
        if user is None:
            form.password.errors.append("Wrong email or password.")
        else:
            login_user(user, remember=form.remember_me.data)
            return redirect(_safe_next(request.args.get("next")) or url_for("dashboard.index"))
    status = 401 if form.is_submitted() and form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Log the user out; the session token changes, so copies of the cookies stop working too."""
    if LogoutForm().validate_on_submit():
        accounts.end_sessions(current_user._get_current_object())
        logout_user()
        flash("You are logged out.")
    return redirect(url_for("auth.login"))


def _render_account(password_form=None, status=200):
    return render_template("auth/account.html", password_form=password_form or ChangePasswordForm(),
                           everywhere_form=LogoutEverywhereForm()), status


@bp.get("/account")
@login_required
def account():
    """Show the account page: change the password, log out everywhere."""
    return _render_account()


@bp.post("/account/password")
@login_required
def change_password():
    """Change the password; every other session of the account ends, this one goes on."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _render_account(form, 400)
    user = current_user._get_current_object()
    try:
        accounts.change_password(user, current_password=form.current_password.data,
                                 new_password=form.password.data)
    except InvalidInput as error:
        form.current_password.errors.append(error.message)
        return _render_account(form, 400)
    # This browser's cookies carry the old token: give it new ones.
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)
    flash("Your password is changed; your other sessions are logged out.")
    return redirect(url_for("auth.account"))


@bp.post("/account/logout-everywhere")
@login_required
def logout_everywhere():
    """End every session of the account, on every device, this one included."""
    if not LogoutEverywhereForm().validate_on_submit():
        return redirect(url_for("auth.account"))
    accounts.end_sessions(current_user._get_current_object(), reason="everywhere")
    logout_user()
    flash("You are logged out on every device.")
    return redirect(url_for("auth.login"))
