"""What the widget's answer endpoint needs of a workspace and a survey, kept in memory for a few seconds.

Every widget answer needs its workspace (allowed origins, identity verification) and its survey
(kind, range, churn reasons, custom questions). Loading them through the ORM cost about as much
as the rest of the request together, for data that changes a few times a day. So each process
keeps an immutable copy of both for ``WIDGET_CONFIG_TTL_SECONDS``:

- a change committed in this process empties the cache at once (session events below);
- a change committed by another process (another gunicorn worker, the CLI) is seen within the
  TTL. Nothing is lost in that window: the worker records each answer against the database's
  current survey through the single response write path, and keeps with its error an answer
  that no longer fits.

The copies carry the attributes the answer checks read (``widget_answers.validate``,
``widgets.question_types.parse_answers``), so those checks run on them as on the models.
"""
import threading
import time
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from feedback_app.extensions import db
from feedback_app.models import Channel, Question, Survey, Workspace
from feedback_app.services.collection import survey_builder
from feedback_app.services.exceptions import NotFound

CACHED_MODELS = (Workspace, Survey, Question)


@dataclass(frozen=True)
class WidgetWorkspace:
    """A workspace as the answer endpoint sees it."""

    id: int
    public_key: str
    allowed_origins: frozenset
    require_identity_verification: bool
    identity_secret: str

    @classmethod
    def of(cls, workspace):
        return cls(id=workspace.id, public_key=workspace.public_key,
                   allowed_origins=frozenset(origin.rstrip("/") for origin in workspace.allowed_origins or ()),
                   require_identity_verification=bool(workspace.require_identity_verification),
                   identity_secret=workspace.identity_secret)

    def allows_origin(self, origin):
        """Return whether a page served from ``origin`` may use this workspace's widget."""
        return bool(origin) and origin.rstrip("/") in self.allowed_origins


@dataclass(frozen=True)
class WidgetQuestion:
    """A custom question as the answer checks see it."""

    key: str
    kind: object
    options: dict
    required: bool
    default_locale: str
    logic: dict


@dataclass(frozen=True)
class WidgetSurvey:
    """An active widget survey as the answer endpoint sees it."""

    id: int
    workspace_id: int
    token: str
    kind: object
    default_locale: str
    churn_reasons: tuple
    churn_reason_texts: dict  # what the widget posts is the reason's text in the visitor's language
    questions: tuple

    @classmethod
    def of(cls, survey):
        questions = tuple(WidgetQuestion(key=question.key, kind=question.kind, options=dict(question.options or {}),
                                         required=bool(question.required), default_locale=survey.default_locale,
                                         logic=dict(question.logic or {}))
                          for question in survey.questions)
        return cls(id=survey.id, workspace_id=survey.workspace_id, token=survey.token, kind=survey.kind,
                   default_locale=survey.default_locale, churn_reasons=tuple(survey.churn_reasons or ()),
                   churn_reason_texts=dict(survey.churn_reason_texts or {}), questions=questions)


class WidgetConfigCache:
    """One process's copies, each kept ``ttl`` seconds; emptied by any change to the models it copies."""

    def __init__(self, ttl):
        self.ttl = ttl
        self._entries = {}
        self._lock = threading.Lock()

    def get(self, key, load):
        """Return the copy under ``key``, calling ``load()`` when missing or older than the TTL."""
        entry = self._entries.get(key)
        now = time.monotonic()
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load()
        with self._lock:
            self._entries[key] = (now + self.ttl, value)
        return value

    def clear(self):
        with self._lock:
            self._entries.clear()


def workspace_by_public_key(public_key):
    """Return the live workspace whose widget key is ``public_key``, as a :class:`WidgetWorkspace`.

    :raises NotFound: for an unknown key or a deleted workspace.
    """
    def load():
        workspace = db.session.scalar(select(Workspace).where(Workspace.public_key == str(public_key)))
        if workspace is None or workspace.deleted_at is not None:
            raise NotFound("Unknown widget key.")  # not cached: creating the workspace must not wait
        return WidgetWorkspace.of(workspace)

    return _cache().get(("workspace", public_key), load)


def widget_survey(workspace, token):
    """Return the workspace's active survey with public ``token`` offered on the widget, as a :class:`WidgetSurvey`.

    :raises NotFound: when no such survey is offered on the widget in this workspace.
    :raises SurveyNotOpen: when it is a draft or paused (409), or closed (:class:`SurveyClosed`, 410).
    """
    def load():
        survey = db.session.scalar(select(Survey).options(selectinload(Survey.questions))
                                   .where(Survey.workspace_id == workspace.id, Survey.token == str(token)))
        if survey is None or Channel.WIDGET not in (survey.channels or ()):
            raise NotFound("Unknown survey.")
        survey_builder.require_open(survey)  # a closed survey says so, not "unknown"
        return WidgetSurvey.of(survey)

    return _cache().get(("survey", workspace.id, str(token)), load)


def _cache():
    return current_app.extensions["widget_config"]


@event.listens_for(Session, "after_flush")
def _note_config_change(session, flush_context):
    if any(isinstance(instance, CACHED_MODELS) for instance in (*session.new, *session.dirty, *session.deleted)):
        session.info["widget_config_changed"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_config_change(orm_execute_state):
    if (orm_execute_state.is_update or orm_execute_state.is_delete) and any(
            mapper.class_ in CACHED_MODELS for mapper in orm_execute_state.all_mappers):
        orm_execute_state.session.info["widget_config_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget_changed_config(session):
    if session.info.pop("widget_config_changed", False) and has_app_context():
        cache = current_app.extensions.get("widget_config")
        if cache is not None:
            cache.clear()


@event.listens_for(Session, "after_rollback")
def _drop_change_note(session):
    session.info.pop("widget_config_changed", None)


def init_app(app):
    """Give ``app`` its cache of widget configuration."""
    app.extensions["widget_config"] = WidgetConfigCache(app.config["WIDGET_CONFIG_TTL_SECONDS"])
