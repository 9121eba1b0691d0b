"""Full analysis runs: queue one, execute it with recorded progress, persist what it found."""
import hashlib
import logging
import pickle
import time

from flask import current_app
from sqlalchemy import Table, bindparam, delete, func, insert, select, update

from analysis import analyze_feedback
from analysis.recipients import polarities
from feedback_app.extensions import db
from feedback_app.models import (
    AnalysisRun,
    LinkSource,
    ParentTheme,
    Response,
    ResponseTheme,
    RunStatus,
    Theme,
    Workspace,
    utcnow,
)
from feedback_app.services.insights.analysis_data import json_safe, load_edits, load_response_frame, resolve_theme
from feedback_app.services.events import emit
from feedback_app.services.exceptions import Conflict, NotFound
from feedback_app.services.transaction import transactional

logger = logging.getLogger(__name__)
MIN_COMMENTS = 20  # below this, clusters say more about chance than about customers
BATCH = 5000


@transactional
def create_run(workspace, *, requested_by=None):
    """Record a new queued run of ``workspace`` (``start_analysis_run`` also hands it to the worker).

    :raises Conflict: if a run of this workspace is already queued or running.
    """
    busy = db.session.scalar(
        select(AnalysisRun.id).where(
            AnalysisRun.workspace_id == workspace.id, AnalysisRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING])
        )
    )
    if busy is not None:
        raise Conflict(f"Analysis run {busy} of this workspace has not finished yet.")
    run = AnalysisRun(workspace_id=workspace.id, requested_by_id=getattr(requested_by, "id", None))
    db.session.add(run)
    db.session.flush()
    return run


@transactional
def start_analysis_run(workspace, *, requested_by=None):
    """Queue a full analysis of ``workspace``; the worker runs it after this commits.

    :raises Conflict: if a run of this workspace is already queued or running.
    """
    run = create_run(workspace, requested_by=requested_by, _commit=False)
    emit("analysis_run.requested", workspace_id=workspace.id, run_id=run.id)
    return run


@transactional
def _set_progress(run, progress, **fields):
    run.progress = progress
    for name, value in fields.items():
        setattr(run, name, value)


def execute_analysis_run(run_id, *, on_progress=None):
    """Run analysis ``run_id``: sentiment, themes and scores for every response, then persist.

    Progress is committed as it goes, so the dashboard and ``flask analysis run`` can show it.
    On failure the run is marked failed with the error, and the error is raised again.

    :raises NotFound: if there is no such run.
    """
    run = db.session.get(AnalysisRun, run_id)
    if run is None:
        raise NotFound(f"No analysis run {run_id}.")

    def progress(percent, **fields):
        _set_progress(run, percent, **fields)
        if on_progress is not None:
            on_progress(percent)

    progress(1, status=RunStatus.RUNNING, started_at=utcnow(), error=None)
    started = time.perf_counter()
    try:
        # Taken before loading: a response changed meanwhile makes the next run differ, never wrongly equal.
        fingerprint = responses_fingerprint(run.workspace_id)
        frame = load_response_frame(run.workspace_id)
        progress(10)
        stats = {"responses": len(frame), "comments": int((frame["text"].str.strip() != "").sum()),
                 "fingerprint": fingerprint}
        if stats["comments"] < MIN_COMMENTS:
            _persist_sentiment_only(frame)
            stats["themes"] = 0
        else:
            result = analyze_feedback(frame, edits=load_edits(run.workspace_id), previous_state=_previous_state(run),
                                      id_column="id", random_state=0, n_jobs=current_app.config["ANALYSIS_JOBS"])
            progress(70)
            stats["themes"] = _persist_result(run, frame, result)
            stats["parent_themes"] = len(getattr(result, "parents", ()) or ())
        stats["seconds"] = round(time.perf_counter() - started, 2)
        progress(100, status=RunStatus.SUCCEEDED, finished_at=utcnow(), stats=stats)
    # The job boundary: record any failure on the run, then re-raise so the queue sees it too.
    except Exception as error:
        db.session.rollback()
        logger.exception("analysis run %s failed", run_id)
        _set_progress(run, run.progress, status=RunStatus.FAILED, finished_at=utcnow(),
                      error=f"{error.__class__.__name__}: {error}"[:2000])
        raise
    return run


def responses_fingerprint(workspace_id):
    """Return a SHA-256 of the workspace's response ids and ``updated_at``: equal means nothing to re-analyse.

    Analysis results do not change ``updated_at`` (see ``SET_SENTIMENT``), so a run does not
    change the fingerprint it is compared with next time.
    """
    digest = hashlib.sha256()
    rows = db.session.execute(select(Response.id, Response.updated_at).where(Response.workspace_id == workspace_id)
                              .order_by(Response.id).execution_options(yield_per=BATCH))
    for response_id, updated_at in rows:
        digest.update(f"{response_id}:{updated_at.isoformat() if updated_at else ''};".encode())
    return digest.hexdigest()


def unchanged_since_last_run(workspace):
    """Return the latest successful run of ``workspace`` if its responses have not changed since, else ``None``."""
    run = db.session.scalar(select(AnalysisRun).where(
        AnalysisRun.workspace_id == workspace.id, AnalysisRun.status == RunStatus.SUCCEEDED)
        .order_by(AnalysisRun.id.desc()).limit(1))
    if run is None or not (run.stats or {}).get("fingerprint"):
        return None
    return run if run.stats["fingerprint"] == responses_fingerprint(workspace.id) else None


def _previous_state(run):
    previous_id = latest_model_run_id(run.workspace_id)
    return pickle.loads(db.session.get(AnalysisRun, previous_id).model_state) if previous_id else None


def latest_model_run_id(workspace_id):
    """Return the id of the newest successful run that fitted a theme model, or ``None``."""
    return db.session.scalar(
        select(AnalysisRun.id)
        .where(AnalysisRun.workspace_id == workspace_id, AnalysisRun.status == RunStatus.SUCCEEDED,
               AnalysisRun.model_state.is_not(None))
        .order_by(AnalysisRun.id.desc())
        .limit(1)
    )


@transactional
def _persist_sentiment_only(frame):
    from analysis import score_sentiment

    sentiment = score_sentiment(frame["text"].tolist(), scores=None)
    _write_sentiment(frame["id"].tolist(), sentiment)


# Analysis results are not a change to the response: ``updated_at`` keeps its value, so that
# "changed since the last run" and the API's ``updated_since`` mean a customer or team change.
# Core tables, not the ORM classes: executemany with bindparams, one statement per batch.
RESPONSES: Table = Response.__table__  # type: ignore[assignment]
RESPONSE_THEMES: Table = ResponseTheme.__table__  # type: ignore[assignment]
SET_SENTIMENT = (
    update(RESPONSES)
    .where(RESPONSES.c.id == bindparam("response_id"))
    .values(sentiment_score=bindparam("new_score"), sentiment=bindparam("label"), analyzed_at=bindparam("at"),
            updated_at=RESPONSES.c.updated_at)
)


def _write_sentiment(ids, sentiment):
    now = utcnow()
    rows = [
        {"response_id": int(response_id), "new_score": float(score), "label": label, "at": now}
        for response_id, score, label in zip(ids, sentiment["sentiment_score"], sentiment["sentiment"])
    ]
    for start in range(0, len(rows), BATCH):
        db.session.execute(SET_SENTIMENT, rows[start:start + BATCH])


@transactional
def _persist_result(run, frame, result):
    ids = frame["id"].tolist()
    _write_sentiment(ids, result.sentiment)
    polarity = dict(zip(ids, polarities(result.sentiment["sentiment_score"], frame["score"], frame["scale"])))
    _upsert_parents(run, result)
    themes = _upsert_themes(run, frame, result)
    confidences = getattr(result, "confidences", ()) or ()
    _replace_auto_links(run.workspace_id, ids, result.memberships, confidences, polarity, themes)
    run.model_state = pickle.dumps(result.model_state, protocol=pickle.HIGHEST_PROTOCOL)
    return len(result.themes)


def _upsert_parents(run, result):
    """Store the run's parent themes by key; parents not found this time are removed (their themes show alone)."""
    existing = {parent.key: parent for parent in db.session.scalars(
        select(ParentTheme).where(ParentTheme.workspace_id == run.workspace_id))}
    found = getattr(result, "parents", ()) or ()
    parent_scores = getattr(result, "parent_scores", None)
    scores = {} if parent_scores is None else {row["theme"]: json_safe(row) for row in parent_scores.to_dict("records")}
    for parent in found:
        row = existing.pop(parent.key, None)
        if row is None:
            row = ParentTheme(workspace_id=run.workspace_id, key=parent.key[:64])
            db.session.add(row)
        row.label, row.size, row.last_run_id = parent.label[:200], int(parent.size), run.id
        row.scores = scores.get(parent.key, {})
    for stale in existing.values():
        db.session.delete(stale)


def _upsert_themes(run, frame, result):
    existing = {theme.key: theme for theme in db.session.scalars(
        select(Theme).where(Theme.workspace_id == run.workspace_id))}
    first_id_of_text = dict(zip(reversed(frame["text"].tolist()), reversed(frame["id"].tolist())))
    scores = {row["theme"]: json_safe(row) for row in result.scores.to_dict("records")}
    for found in result.themes:
        theme = existing.get(found.key)
        if theme is None:
            theme = Theme(workspace_id=run.workspace_id, key=found.key, label=found.label[:200])
            db.session.add(theme)
            existing[found.key] = theme
            db.session.flush()
            emit("theme.created", workspace_id=run.workspace_id, theme_id=theme.id)
        if not theme.label_is_custom:
            theme.label = found.label[:200]
        theme.key_phrases = list(found.key_phrases)
        theme.representative_response_ids = [
            int(first_id_of_text[quote]) for quote in found.representative_quotes if quote in first_id_of_text
        ]
        theme.scores = scores.get(found.key, {})
        theme.priority = theme.scores.get("priority")
        theme.parent_key = getattr(found, "parent_key", "") or None
        theme.last_run_id = run.id
    for key, theme in existing.items():
        if theme.last_run_id != run.id:
            theme.scores, theme.priority = {}, None  # not found this time: nothing to rank it by
    db.session.flush()
    return existing


def _confidence(confidences, row, position):
    """Return the confidence of the ``position``-th theme of row ``row``, or ``None`` if the analysis gave none."""
    if row >= len(confidences) or position >= len(confidences[row]):
        return None
    value = float(confidences[row][position])
    return value if value == value else None  # NaN: unknown


def _replace_auto_links(workspace_id, ids, memberships, confidences, polarity, themes):
    by_id = {theme.id: theme for theme in themes.values()}
    kept = {
        (response_id, theme_id)
        for response_id, theme_id in db.session.execute(
            select(ResponseTheme.response_id, ResponseTheme.theme_id).where(
                ResponseTheme.workspace_id == workspace_id, ResponseTheme.source != LinkSource.AUTO
            )
        )
    }
    db.session.execute(
        delete(ResponseTheme).where(ResponseTheme.workspace_id == workspace_id, ResponseTheme.source == LinkSource.AUTO)
    )
    rows = []
    for row, (response_id, keys) in enumerate(zip(ids, memberships)):
        placed = set()
        for position, key in enumerate(keys):
            theme = resolve_theme(themes.get(key), by_id)
            if theme is None or theme.id in placed or (response_id, theme.id) in kept:
                continue
            placed.add(theme.id)
            rows.append({"response_id": int(response_id), "theme_id": theme.id, "workspace_id": workspace_id,
                         "source": LinkSource.AUTO.value, "similarity": _confidence(confidences, row, position),
                         "polarity": polarity[response_id]})
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(ResponseTheme), rows[start:start + BATCH])
    # The team's own links count their response's complaint or praise too.
    manual = [{"link_response_id": int(response_id), "new_polarity": polarity[response_id]}
              for response_id, _ in kept if response_id in polarity]
    for start in range(0, len(manual), BATCH):
        db.session.execute(SET_LINK_POLARITY, manual[start:start + BATCH])


SET_LINK_POLARITY = (
    update(RESPONSE_THEMES)
    .where(RESPONSE_THEMES.c.response_id == bindparam("link_response_id"),
           RESPONSE_THEMES.c.source != LinkSource.AUTO.value)
    .values(polarity=bindparam("new_polarity"))
)


def workspaces_due_for_analysis():
    """Return the ids of workspaces whose responses changed since their last successful run."""
    last_run = (
        select(AnalysisRun.workspace_id, func.max(AnalysisRun.started_at).label("started_at"))
        .where(AnalysisRun.status == RunStatus.SUCCEEDED)
        .group_by(AnalysisRun.workspace_id)
        .subquery()
    )
    changed = (
        select(Response.workspace_id)
        .join(Workspace, Workspace.id == Response.workspace_id)
        .outerjoin(last_run, last_run.c.workspace_id == Response.workspace_id)
        .where(Workspace.deleted_at.is_(None))
        .where((last_run.c.started_at.is_(None)) | (Response.updated_at > last_run.c.started_at))
        .distinct()
    )
    return db.session.scalars(changed).all()


def start_scheduled_runs():
    """Queue a full run for every workspace whose responses changed; return the runs queued."""
    runs = []
    for workspace_id in workspaces_due_for_analysis():
        try:
            runs.append(start_analysis_run(db.session.get(Workspace, workspace_id)))
        except Conflict:
            continue  # a run is already on its way for this workspace
    return runs
