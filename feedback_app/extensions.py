"""Unbound extension singletons, bound to an app by ``create_app``."""
import threading
import time

from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from limits.storage import MemoryStorage
from sqlalchemy import event
from sqlalchemy.engine import Engine

from feedback_app.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)


class SweptMemoryStorage(MemoryStorage):
    """The ``limits`` in-memory storage, whose expired counters are removed by the requests themselves.

    Selected with ``swept-memory://`` (the default ``RATELIMIT_STORAGE_URI``); per process, like
    ``memory://``. Counting, windows and strategies are the library's: a counter past its window is
    already ignored when read, so the library's clean-up only bounds memory. It runs in a new timer
    thread 10 ms after any hit whenever the last one has ended, so 70-90 threads a second per busy
    process (4 threads counting 500 answers/s: 92-106 instead of 42-61 us of CPU per answer). Here
    the hit that finds the last sweep over a second old sweeps instead, and no thread is started.
    """

    STORAGE_SCHEME = ["swept-memory"]
    SWEEP_SECONDS = 1.0

    def __init__(self, uri=None, wrap_exceptions=False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the library's first timer, started by its __init__
        self._sweeping = threading.Lock()
        self._next_sweep = time.monotonic() + self.SWEEP_SECONDS

    def _MemoryStorage__schedule_expiry(self):  # what MemoryStorage calls before every count
        now = time.monotonic()
        if now >= self._next_sweep and self._sweeping.acquire(blocking=False):  # one sweeper at a time
            try:
                self._next_sweep = now + self.SWEEP_SECONDS
                self._MemoryStorage__expire_events()
            finally:
                self._sweeping.release()


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, which builds no signer for a request without a session cookie.

    Widget answers and API calls never carry one and are most of the traffic; building the
    signer (itsdangerous serializes a probe value to check its serializer) was a tenth of the
    widget endpoint's own CPU time.
    """

    def open_session(self, app, request):
        if app.secret_key and not ("HTTP_COOKIE" in request.environ and request.cookies.get(self.get_cookie_name(app))):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if not session and not session.modified:  # what Flask does, without reading seven cookie settings
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """Make SQLite enforce foreign keys and let the web and worker processes write side by side."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cursor.execute("PRAGMA busy_timeout=10000")  # a writer waits for another instead of failing
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; fsync at checkpoints only
    cursor.close()


@event.listens_for(Engine, "before_cursor_execute")
def _begin_sqlite_savepoints_immediately(conn, cursor, statement, parameters, context, executemany):
    """Open the transaction of a SQLite savepoint that starts one with ``BEGIN IMMEDIATE``.

    Python's sqlite3 begins a transaction before the first INSERT, UPDATE or DELETE only, so a
    ``SAVEPOINT`` (``session.begin_nested()``) issued first opens a deferred one by itself. Its
    reads then take a snapshot, and the first write has to upgrade it: if another connection has
    committed meanwhile, SQLite answers "database is locked" at once, without the busy timeout.
    Such a transaction also ended at the savepoint's RELEASE, unlike on PostgreSQL. Taking the
    write lock first waits for other writers instead, and the transaction lasts until COMMIT.
    """
    if statement.startswith("SAVEPOINT") and conn.dialect.name == "sqlite" and not cursor.connection.in_transaction:
        cursor.execute("BEGIN IMMEDIATE")
