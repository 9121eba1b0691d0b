"""Log in and out."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from feedback_app.auth.forms import LoginForm, LogoutForm
from feedback_app.extensions import limiter
from feedback_app.services import accounts

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
        user = accounts.authenticate(form.email.data, form.password.data)
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
    """Log the user out."""
    if LogoutForm().validate_on_submit():
        logout_user()
        flash("You are logged out.")
    return redirect(url_for("auth.login"))
