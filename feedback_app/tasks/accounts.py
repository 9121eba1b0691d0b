"""Jobs of team accounts: the password reset email."""
from celery import shared_task

from feedback_app.services.accounts import password_resets


@shared_task(name="accounts.send_password_reset", queue="email")
def send_password_reset(user_id):
    """Email user ``user_id`` a link to reset their password."""
    password_resets.send_password_reset(user_id)
