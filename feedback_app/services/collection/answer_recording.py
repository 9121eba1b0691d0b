"""Staged widget answers recorded a chunk at a time: people, responses and their derived work, set-based.

The worker adds each staged answer of a chunk to a :class:`Chunk`
(``widget_answers.record(..., chunk=chunk)``) and calls :meth:`Chunk.write` once. It does in a
few statements for the whole chunk what recording the answers one by one did in several each,
plus the work their ``response.created``/``response.updated`` events used to hand to the worker
as three messages per response (analysis, follow-up, webhooks):

- people: one query finds everyone the chunk's identities name; the rules of
  :mod:`~feedback_app.services.collection.widget_identity` are applied in memory in staging order (so two
  answers of one new visitor make one person); new people are one INSERT, changed ones one
  executemany UPDATE;
- responses: one query finds the responses the chunk continues (same submission key); new ones
  are one INSERT carrying their sentiment (scored for the chunk in one call), continued ones one
  executemany UPDATE; the visitors' displays are marked answered in one UPDATE;
- themes: each workspace's latest model assigns the chunk's comments in one call; links are one
  INSERT (a continued response's automatic links are replaced, the team's own links kept);
- follow-ups: unhappy answers open theirs in one ``INSERT ... ON CONFLICT DO NOTHING``; alerts go
  through the outbox within the hourly limit (the outbox sends one task per commit);
- webhooks: only for the workspaces that have an active endpoint (one query says which), each
  event is published as its task would have (``webhooks.publish``, in this transaction).

Everything happens in the caller's transaction, with the deletion of the staged rows, so a
worker killed at any moment leaves the chunk recorded entirely or not at all.
"""
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from analysis.recipients import polarity
from feedback_app.extensions import db
from feedback_app.models import (
    Channel,
    FollowUp,
    LinkSource,
    NotificationKind,
    Person,
    Response,
    ResponseTheme,
    Survey,
    SurveyDisplay,
    SurveyKind,
    Theme,
    Unsubscribe,
    WebhookEndpoint,
    Workspace,
    utcnow,
)
from feedback_app.services.collection import targeting as collection
from feedback_app.services.insights import analysis_live
from feedback_app.services.integrations import webhooks
from feedback_app.services.loop import follow_ups, outbox
from feedback_app.services.insights.analysis_data import SCALE_OF_KIND, resolve_theme
from feedback_app.services.events import emit
from feedback_app.services.ownership import check_owned

PEOPLE = Person.__table__
RESPONSES = Response.__table__
PERSON_COLUMNS = ("id", "external_id", "email", "name", "locale", "properties", "unsubscribed_at", "last_surveyed_at")
RESPONSE_COLUMNS = ("id", "workspace_id", "survey_id", "person_id", "channel", "score", "comment", "churn_reason",
                    "answers", "properties", "created_at", "submission_key")


@dataclass(eq=False)
class _Person:
    """One person as the chunk sees them: loaded or new, with what the chunk changed."""

    workspace_id: int
    id: int | None = None
    external_id: str | None = None
    email: str | None = None
    name: str | None = None
    locale: str | None = None
    properties: dict = field(default_factory=dict)
    unsubscribed_at: datetime | None = None
    last_surveyed_at: datetime | None = None
    changed: bool = False


@dataclass(eq=False)
class _Response:
    """One response as the chunk writes it (``id`` is ``None`` until a new one is inserted)."""

    workspace_id: int
    survey_id: int
    kind: SurveyKind
    created_at: datetime
    submission_key: str
    id: int | None = None
    person: _Person | None = None
    person_id: int | None = None
    channel: Channel = Channel.WIDGET
    score: int | None = None
    comment: str | None = None
    churn_reason: str | None = None
    answers: dict = field(default_factory=dict)
    properties: dict = field(default_factory=dict)
    locale: str | None = None
    sentiment_score: float | None = None
    sentiment: str | None = None
    continued: bool = False  # stored before this chunk

    @property
    def scale(self):
        return SCALE_OF_KIND.get(self.kind)


@dataclass(eq=False)
class _Item:
    workspace: object
    survey: object
    answer: object
    person: _Person | None = None
    response: _Response | None = None
    created: bool = False


class _Directory:
    """The people of one workspace that a chunk's identities name, indexed as ``people.find_person`` finds them."""

    def __init__(self, workspace_id, identities):
        self.workspace_id = workspace_id
        external_ids = {identity.external_id for identity in identities if identity.external_id}
        emails = {identity.email for identity in identities if identity.email}
        self.by_external_id, self.by_email, self.seen = {}, {}, []
        named = [column.in_(values) for column, values in ((PEOPLE.c.external_id, external_ids),
                                                           (PEOPLE.c.email, emails)) if values]
        rows = db.session.execute(select(*(PEOPLE.c[name] for name in PERSON_COLUMNS)).where(
            PEOPLE.c.workspace_id == workspace_id, or_(*named))).mappings()
        for row in rows:
            self._index(_Person(workspace_id=workspace_id, **{**row, "properties": dict(row["properties"] or {})}))
        self.unsubscribed = set(db.session.scalars(select(Unsubscribe.email).where(
            Unsubscribe.workspace_id == workspace_id, Unsubscribe.email.in_(emails)))) if emails else set()

    def _index(self, person):
        if person.external_id:
            self.by_external_id[person.external_id] = person
        if person.email:
            self.by_email[person.email] = person

    def person_for(self, identity, now):
        """Return the person who answers with ``identity``, as ``widget_identity.person_for_answer`` decides."""
        person = self.by_external_id.get(identity.external_id) if identity.external_id else None
        if person is None and identity.email:
            by_email = self.by_email.get(identity.email)
            # A record known under another id is someone else: the email alone does not make them the visitor.
            person = by_email if by_email is not None and by_email.external_id is None else None
        created = person is None
        if created:
            person = _Person(workspace_id=self.workspace_id, changed=True,
                             unsubscribed_at=now if identity.email in self.unsubscribed else None)
        if created or identity.verified:  # an unverified identity changes nothing of someone who existed
            before = (person.external_id, person.email, person.name, person.locale, person.properties)
            if person.external_id is None and identity.external_id and identity.external_id not in self.by_external_id:
                person.external_id = identity.external_id
            if person.email is None and identity.email and identity.email not in self.by_email:
                person.email = identity.email
            person.name = identity.name or person.name
            person.locale = identity.locale or person.locale
            person.properties = {**person.properties, **identity.properties}
            person.changed |= before != (person.external_id, person.email, person.name, person.locale,
                                         person.properties)
            self._index(person)
        if person not in self.seen:
            self.seen.append(person)
        return person


class Chunk:
    """The staged answers of one chunk, written together by :meth:`write` in the caller's transaction."""

    def __init__(self):
        self._items = []
        self._analysis = _Analysis()

    def add(self, workspace, survey, answer):
        """Add a checked :class:`~feedback_app.services.collection.widget_answers.WidgetAnswer` to the chunk.

        :raises NotFound: if ``survey`` is not ``workspace``'s.
        """
        check_owned(workspace, survey)
        self._items.append(_Item(workspace, survey, answer))

    def analyse(self):
        """Score and assign the chunk's comments ahead of :meth:`write`, without writing anything.

        Sentence embeddings take far longer than the writes: done first, before the caller takes
        the write lock (SQLite has one for the whole database), they hold back no one else's
        writes. :meth:`write` plans again under the lock and analyses only what changed meanwhile.
        """
        if self._items:
            self._plan(utcnow())
            responses = self._responses()
            self._analysis.sentiment(responses)
            self._analysis.memberships(responses)

    def write(self):
        """Record every answer added, with its derived work; return the responses' ids in staging order."""
        if not self._items:
            return []
        now = utcnow()
        self._plan(now)
        self._write_people(now)
        responses = self._responses()
        self._analysis.sentiment(responses)
        self._write_responses(responses, now)
        self._mark_displays()
        self._analysis.link_themes(responses)
        for response in responses:  # as analysis_live does: its subscribers (chat alerts) run after the commit
            emit("response.analyzed", workspace_id=response.workspace_id, response_id=response.id)
        opened = _open_follow_ups(responses, now)
        self._publish(opened)
        return [item.response.id for item in self._items]

    def _responses(self):
        return list(dict.fromkeys(item.response for item in self._items))

    def _plan(self, now):
        """Decide, in staging order, each answer's person and whether it creates or continues a response."""
        identities = defaultdict(list)
        for item in self._items:
            if item.answer.identity is not None:
                identities[item.workspace.id].append(item.answer.identity)
        self._directories = {workspace_id: _Directory(workspace_id, named)
                             for workspace_id, named in identities.items()}
        keys = {item.answer.submission_key for item in self._items}
        stored = {row["submission_key"]: row for row in db.session.execute(
            select(*(RESPONSES.c[name] for name in RESPONSE_COLUMNS)).where(RESPONSES.c.submission_key.in_(keys))
        ).mappings()}
        planned = {}
        for item in self._items:
            answer, workspace = item.answer, item.workspace
            if answer.identity is not None:
                item.person = self._directories[workspace.id].person_for(answer.identity, now)
            response = planned.get(answer.submission_key) or _continued(stored.get(answer.submission_key), item)
            if response is None:
                item.created = True
                response = _new_response(item, now)
            else:  # a retry, or the comment that follows a score: given fields replace the stored ones
                response.score = answer.score if answer.score is not None else response.score
                response.comment = answer.comment if answer.comment is not None else response.comment
                response.churn_reason = answer.churn_reason if answer.churn_reason is not None \
                    else response.churn_reason
                response.answers = {**response.answers, **answer.answers}
            planned[answer.submission_key] = item.response = response

    def _write_people(self, now):
        touched = [person for directory in self._directories.values() for person in directory.seen if person.changed]
        new = [person for person in touched if person.id is None]
        if new:
            statement = insert(PEOPLE).returning(PEOPLE.c.id, sort_by_parameter_order=True)
            ids = db.session.scalars(statement, [
                {"workspace_id": person.workspace_id, **_person_values(person), "created_at": now, "updated_at": now}
                for person in new]).all()
            for person, person_id in zip(new, ids):
                person.id = person_id
        changed = [person for person in touched if person not in new]
        if changed:
            values = {name: bindparam(f"new_{name}") for name in _person_values(changed[0])}
            db.session.execute(update(PEOPLE).where(PEOPLE.c.id == bindparam("person_id")).values(
                **values, updated_at=now), [
                {"person_id": person.id, **{f"new_{key}": value for key, value in _person_values(person).items()}}
                for person in changed])

    def _write_responses(self, responses, now):
        new = [response for response in responses if not response.continued]
        for response in responses:
            response.person_id = response.person.id if response.person is not None else response.person_id
        if new:
            statement = insert(RESPONSES).returning(RESPONSES.c.id, sort_by_parameter_order=True)
            ids = db.session.scalars(statement, [{
                "workspace_id": r.workspace_id, "survey_id": r.survey_id, "person_id": r.person_id,
                "channel": r.channel, "score": r.score, "comment": r.comment, "churn_reason": r.churn_reason,
                "answers": r.answers, "properties": r.properties, "locale": r.locale,
                "submission_key": r.submission_key, "sentiment_score": r.sentiment_score, "sentiment": r.sentiment,
                "analyzed_at": now, "created_at": r.created_at, "updated_at": r.created_at} for r in new]).all()
            for response, response_id in zip(new, ids):
                response.id = response_id
        continued = [response for response in responses if response.continued]
        if continued:
            fields = ("score", "comment", "churn_reason", "answers", "sentiment_score", "sentiment")
            db.session.execute(update(RESPONSES).where(RESPONSES.c.id == bindparam("response_id")).values(
                **{name: bindparam(f"new_{name}") for name in fields}, analyzed_at=now, updated_at=now), [
                {"response_id": r.id, **{f"new_{name}": getattr(r, name) for name in fields}} for r in continued])

    def _mark_displays(self):
        """Mark answered each display that came with an answer and was shown to that very visitor."""
        wanted = {item.answer.display_id: item for item in self._items if item.answer.display_id is not None}
        if not wanted:
            return
        displays = db.session.execute(select(SurveyDisplay.id, SurveyDisplay.workspace_id, SurveyDisplay.person_id,
                                             SurveyDisplay.visitor_id).where(SurveyDisplay.id.in_(wanted))).all()
        owned = []
        for display in displays:
            item = wanted[display.id]
            same_person = item.person is not None and display.person_id == item.person.id
            same_visitor = item.answer.visitor_id is not None and display.visitor_id == item.answer.visitor_id
            if display.workspace_id == item.workspace.id and (same_person or same_visitor):
                owned.append(display.id)
        if owned:
            db.session.execute(update(SurveyDisplay).where(SurveyDisplay.id.in_(owned)).values(outcome="answered"))

    def _publish(self, opened):
        """Publish the chunk's events to the webhooks of the workspaces that have an active endpoint.

        Most workspaces have none: one query tells, instead of a message and a task per event.
        """
        live = {item.workspace.id for item in self._items if item.workspace.deleted_at is None}
        subscribed = set(db.session.scalars(select(WebhookEndpoint.workspace_id).where(
            WebhookEndpoint.workspace_id.in_(live), WebhookEndpoint.is_active.is_(True)).distinct()))
        events = [(item.workspace.id, "response.created" if item.created else "response.updated",
                   {"response_id": item.response.id}) for item in self._items]
        events += [(workspace_id, "follow_up.created", {"follow_up_id": follow_up_id, "response_id": response_id})
                   for workspace_id, follow_up_id, response_id in opened]
        for workspace_id, event, payload in events:
            if workspace_id in subscribed:
                webhooks.publish(workspace_id, event, payload, _commit=False)


def _continued(row, item):
    """Return the stored response ``row`` for ``item`` to update, or ``None`` if it is another workspace's."""
    if row is None or row["workspace_id"] != item.workspace.id:
        return None
    kind = item.survey.kind if row["survey_id"] == item.survey.id else db.session.get(Survey, row["survey_id"]).kind
    return _Response(kind=SurveyKind(kind), continued=True, **{**row, "answers": dict(row["answers"] or {})})


def _new_response(item, now):
    person, answer, survey = item.person, item.answer, item.survey
    locale = collection.pick_locale(survey, getattr(person, "locale", None), *answer.locales)
    if person is not None and (person.last_surveyed_at is None or person.last_surveyed_at < now):
        person.last_surveyed_at, person.changed = now, True
    return _Response(workspace_id=item.workspace.id, survey_id=survey.id, kind=SurveyKind(survey.kind),
                     created_at=now, submission_key=answer.submission_key, person=person, score=answer.score,
                     comment=answer.comment, churn_reason=answer.churn_reason, answers=dict(answer.answers),
                     properties=dict(person.properties) if person is not None else {}, locale=locale)


def _person_values(person):
    return {"external_id": person.external_id, "email": person.email, "name": person.name, "locale": person.locale,
            "properties": person.properties, "unsubscribed_at": person.unsubscribed_at,
            "last_surveyed_at": person.last_surveyed_at}


class _Analysis:
    """Sentiment and theme memberships of a chunk's responses, remembered by what they are computed from."""

    def __init__(self):
        self._sentiment, self._memberships = {}, {}

    def sentiment(self, responses):
        """Set each response's sentiment, blended with its survey score as ``analysis_live`` does."""
        missing = list(dict.fromkeys(key for key in map(_sentiment_input, responses) if key not in self._sentiment))
        if missing:
            texts, scores, scales = zip(*missing)
            blended = any(scales)
            frame = analysis_live.sentiment_scorer().transform(
                list(texts), scores=[math.nan if score is None or not scale else float(score)
                                     for score, scale in zip(scores, scales)] if blended else None,
                scale=list(scales) if blended else None)
            for key, value, label in zip(missing, frame["sentiment_score"], frame["sentiment"]):
                self._sentiment[key] = float(value), str(label)
        for response in responses:
            response.sentiment_score, response.sentiment = self._sentiment[_sentiment_input(response)]

    def memberships(self, responses):
        """Return ``{response: [(theme index, confidence)]}`` by each workspace's latest model (none: left out)."""
        found = {}
        for workspace_id, group in _by_workspace(responses).items():
            _, model = analysis_live.theme_model_for(workspace_id)
            if model is None:
                continue
            # A new response has no id yet, and no team edit can name it: it is assigned without one.
            keys = [(workspace_id, response.comment or "", response.id if response.continued else None)
                    for response in group]
            missing = list(dict.fromkeys(key for key in keys if key not in self._memberships))
            if missing:
                indices, confidences = model.assign([text for _, text, _ in missing],
                                                    ids=[response_id for _, _, response_id in missing],
                                                    return_confidence=True)
                self._memberships.update(zip(missing, zip(indices, confidences)))
            found.update((response, (model, self._memberships[key])) for response, key in zip(group, keys))
        return found

    def link_themes(self, responses):
        """Link each response to the themes its workspace's latest model assigns it (as ``analysis_live`` does)."""
        links, themes_of = [], {}
        assigned = self.memberships(responses)
        kinds = {response.id: polarity(response.sentiment_score, response.score, response.scale)
                 for response in assigned}
        decided = _keep_decided_links([response for response in assigned if response.continued], kinds)
        for response, (model, (indices, weights)) in assigned.items():
            if response.workspace_id not in themes_of:
                themes = db.session.scalars(select(Theme).where(Theme.workspace_id == response.workspace_id)).all()
                themes_of[response.workspace_id] = ({theme.key: theme for theme in themes},
                                                    {theme.id: theme for theme in themes})
            by_key, by_id = themes_of[response.workspace_id]
            placed = set(decided[response.id])
            for index, confidence in zip(indices, weights):
                theme = resolve_theme(by_key.get(model.themes_[index].key), by_id)
                if theme is None or theme.id in placed:
                    continue
                placed.add(theme.id)
                links.append({"response_id": response.id, "theme_id": theme.id, "workspace_id": response.workspace_id,
                              "source": LinkSource.AUTO, "similarity": float(confidence),
                              "polarity": kinds[response.id]})
        if links:
            db.session.execute(insert(ResponseTheme.__table__), links)


def _sentiment_input(response):
    return response.comment or "", response.score, response.scale


def _keep_decided_links(continued, kinds):
    """Drop the automatic links of ``continued`` responses, keep the team's with the new polarity; return the latter."""
    decided = defaultdict(set)
    if not continued:
        return decided
    table, ids = ResponseTheme.__table__, [response.id for response in continued]
    for response_id, theme_id in db.session.execute(select(table.c.response_id, table.c.theme_id).where(
            table.c.response_id.in_(ids), table.c.source != LinkSource.AUTO)):
        decided[response_id].add(theme_id)
    db.session.execute(delete(table).where(table.c.response_id.in_(ids), table.c.source == LinkSource.AUTO))
    if decided:
        db.session.execute(update(table).where(table.c.response_id == bindparam("linked_response_id"),
                                               table.c.source != LinkSource.AUTO).values(polarity=bindparam("kind")),
                           [{"linked_response_id": response_id, "kind": kinds[response_id]} for response_id in decided])
    return decided


def _open_follow_ups(responses, now):
    """Open the follow-up of each unhappy response that has none, alerting within the hourly limit.

    Decided as ``follow_ups.open_follow_up`` decides for one response.
    :return: ``(workspace id, follow-up id, response id)`` of each follow-up opened.
    """
    unhappy = [response for response in responses if follow_ups.is_unhappy(response.kind, response.score)
               and response.channel != Channel.IMPORT and response.created_at >= now - follow_ups.HISTORY_AGE]
    if not unhappy:
        return []
    have = set(db.session.scalars(select(FollowUp.response_id).where(
        FollowUp.response_id.in_([response.id for response in unhappy]))))
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    limit = current_app.config["DETRACTOR_ALERTS_PER_HOUR"]
    opened = []
    for workspace_id, group in _by_workspace([r for r in unhappy if r.id not in have]).items():
        workspace = db.session.get(Workspace, workspace_id)
        rules = workspace.detractor_rules or {}
        assignees = [follow_ups.assignee_for(workspace, rules, _properties_at_answer(response)) for response in group]
        # Another worker may open one meanwhile: the unique response id lets exactly one of them alert.
        created = dict(db.session.execute(dialect.insert(FollowUp).values([
            {"workspace_id": workspace_id, "response_id": response.id, "assignee_id": getattr(assignee, "id", None),
             "status": "open", "created_at": now, "updated_at": now} for response, assignee in zip(group, assignees)
        ]).on_conflict_do_nothing().returning(FollowUp.response_id, FollowUp.id)).all())
        allowed = limit - follow_ups.alerts_in_the_last_hour(workspace)
        alerted = []
        for response, assignee in zip(group, assignees):
            if response.id not in created:
                continue
            if len(alerted) < allowed:
                stored = db.session.get(Response, response.id)
                for address in follow_ups.alert_addresses(workspace, rules, assignee):
                    outbox.queue_notification(workspace, kind=NotificationKind.DETRACTOR_ALERT, person=None,
                                              to_address=address, response=stored, _commit=False)
                alerted.append(created[response.id])
            opened.append((workspace_id, created[response.id], response.id))
        if alerted:
            db.session.execute(update(FollowUp).where(FollowUp.id.in_(alerted)).values(alerted_at=now))
    return opened


def _properties_at_answer(response):
    if response.person is not None:
        person_properties = response.person.properties
    else:
        person = db.session.get(Person, response.person_id) if response.person_id else None
        person_properties = getattr(person, "properties", None) or {}
    return {**person_properties, **(response.properties or {})}


def _by_workspace(responses):
    grouped = defaultdict(list)
    for response in responses:
        grouped[response.workspace_id].append(response)
    return grouped
