"""Rows a workspace owns: fetch one by id or check one handed in, with NotFound for any other workspace's.

Another workspace's row is answered exactly as a missing one (same exception, same message), so
that an id never tells one workspace what another holds.
"""
import re

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.services.exceptions import NotFound


def _noun(model):
    """Return the model's name in lower-case words (``WebhookDelivery`` -> ``webhook delivery``)."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).lower()


def owned(model, workspace, row_id, *, what=None, options=()):
    """Return ``workspace``'s ``model`` row ``row_id``.

    :param model: a model with ``id`` and ``workspace_id`` columns.
    :param what: the noun of the message, ``No such <what>.`` (default: the model's name in words).
    :param options: loader options (``selectinload(...)``) for what the caller reads next.
    :raises NotFound: if ``workspace`` has no such row.
    """
    row = db.session.scalar(
        select(model).where(model.id == row_id, model.workspace_id == workspace.id).options(*options))
    if row is None:
        raise NotFound(f"No such {what or _noun(model)}.")
    return row


def check_owned(workspace, *rows, what=None):
    """Raise :class:`NotFound` unless each of ``rows`` is ``workspace``'s.

    :param what: the noun of the message, ``No such <what>.`` (default: the row's model in words;
        give it where a row may be ``None``).
    :raises NotFound: for a row that is ``None`` or another workspace's.
    """
    for row in rows:
        if row is None or row.workspace_id != workspace.id:
            raise NotFound(f"No such {what or _noun(type(row))}.")
