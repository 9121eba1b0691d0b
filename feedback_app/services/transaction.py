"""The one commit-or-rollback wrapper every writing service uses, and inserts that may meet a concurrent one."""
import functools

from sqlalchemy.exc import IntegrityError

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


def insert_unless_taken(row):
    """Insert ``row`` in a savepoint; return ``None``, or the IntegrityError of a unique key already taken.

    Two requests creating the same thing at once both find nothing, and the second insert breaks
    a unique constraint: only its savepoint is undone, so the caller can look the row up again
    in the same transaction (and re-raise the error if that finds nothing).
    """
    db.session.flush()  # the caller's pending rows stay out of the savepoint
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError as error:
        return error
    return None
