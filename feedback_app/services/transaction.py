"""The one commit-or-rollback wrapper every writing service uses."""
import functools

from feedback_app.extensions import db


def transactional(func):
    """Commit after ``func`` succeeds, roll back and re-raise if it fails.

    Callers composing several writes into one transaction pass ``_commit=False``.
    """

    @functools.wraps(func)
    def wrapper(*args, _commit=True, **kwargs):
        if not _commit:
            return func(*args, **kwargs)
        try:
            result = func(*args, **kwargs)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return result

    return wrapper
