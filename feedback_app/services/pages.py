"""Keyset (cursor) pages, the one paging of every list: the APIs, the inbox, the audit log.

A cursor encodes the sort key of the last row of a page (timestamp and id), so the next page is
a range scan on an index, not an ``OFFSET``: page 5,000 costs what page 1 costs.
"""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import BigInteger, literal, tuple_

from feedback_app.extensions import db
from feedback_app.services.exceptions import InvalidInput

MAX_PER_PAGE = 100
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; a larger one names nothing
MAX_PAGE_NUMBER = 1_000_000  # of the numbered pages /v1 offers beside cursors (Delighted's ?page=)
# A cursor is "<microseconds since 1970>_<id>" of the last row: every string of this shape is a valid
# position (so the OpenAPI documents can state it exactly), and ids past the column still compare.
CURSOR_PATTERN = r"^-?[0-9]{1,16}_[0-9]{1,18}$"
_CURSOR = re.compile(CURSOR_PATTERN)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass
class Page:
    """One page of rows and the cursor of the next page (``None`` on the last page)."""

    items: list
    next_cursor: str | None


def encode_cursor(timestamp, row_id):
    """Return the cursor for a row sorted by ``(timestamp, id)`` (a naive timestamp is UTC)."""
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=timezone.utc)
    return f"{(timestamp - _EPOCH) // timedelta(microseconds=1)}_{row_id}"


def decode_cursor(cursor, *, field="cursor"):
    """Return ``(timestamp, id)`` from a cursor.

    :raises InvalidInput: naming ``field`` if the cursor does not have the shape :func:`encode_cursor` gives.
    """
    if not _CURSOR.fullmatch(cursor):
        raise InvalidInput("The page cursor is not valid.", fields={field: ["not a cursor from a previous page"]})
    micros, row_id = cursor.split("_")
    # Sixteen digits of microseconds stay within years 1653..2286, always a valid datetime.
    return _EPOCH + timedelta(microseconds=int(micros)), int(row_id)


def keyset_page(query, *, time_column, id_column, per_page, cursor=None, descending=False, cursor_field="cursor",
                offset=None):
    """Run ``query`` for one page ordered by ``(time_column, id_column)``.

    :param cursor: the ``next_cursor`` of the previous page, or ``None`` for the first page.
    :param offset: Delighted's numbered pages; used instead of a cursor when given.
    :raises InvalidInput: for a bad cursor.
    """
    if cursor is not None:
        after_time, after_id = decode_cursor(cursor, field=cursor_field)
        # A row-value comparison is one index range on SQLite and PostgreSQL; the equivalent
        # OR of two conditions makes SQLite scan the index from its start on every page.
        key = tuple_(time_column, id_column)
        # A 64-bit literal: PostgreSQL compares it with the 32-bit column instead of overflowing.
        after = tuple_(literal(after_time, time_column.type), literal(after_id, BigInteger()))
        query = query.where(key < after if descending else key > after)
    order = (time_column.desc(), id_column.desc()) if descending else (time_column.asc(), id_column.asc())
    query = query.order_by(*order).limit(per_page + 1)
    if offset:
        query = query.offset(offset)
    rows = db.session.scalars(query).unique().all()
    items = rows[:per_page]
    more = len(rows) > per_page
    if not more or not items:
        return Page(items, None)
    last = items[-1]
    return Page(items, encode_cursor(getattr(last, time_column.key), getattr(last, id_column.key)))
