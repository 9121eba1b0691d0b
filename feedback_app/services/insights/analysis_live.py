"""Per-response analysis right after it is stored: sentiment and assignment to existing themes."""
import pickle
import threading
from collections import OrderedDict

import numpy as np
from sqlalchemy import delete, select, update

from analysis import (MiniLMEmbedder, MultilingualE5Embedder, SentimentScorer, ThemeModel, TranslatingEmbedder,
                      embeddings_available)
from analysis.recipients import polarity
from feedback_app.extensions import db
from feedback_app.models import AnalysisRun, LinkSource, Response, ResponseTheme, SurveyKind, Theme, utcnow
from feedback_app.services.insights.analysis_data import SCALE_OF_KIND, resolve_theme
from feedback_app.services.insights.analysis_runs import SET_SENTIMENT, latest_model_run_id
from feedback_app.services.events import emit
from feedback_app.services.transaction import transactional


# Fitted models by run id: a worker unpickles each model once, then assigns in milliseconds.
# Runs are immutable once they succeeded, so a cached model is never stale.
_models_by_run: OrderedDict[int, object] = OrderedDict()
MODEL_CACHE_SIZE = 8


class SharedEmbedder:
    """The worker's one sentence embedder, remembering the vectors of the texts it embedded last.

    The sentiment scorer and each workspace's theme model embed the very same new comments, and
    embedding is most of the cost of recording a comment: with one shared embedder a comment is
    embedded once, and one copy of the model is loaded instead of one per cached theme model.

    :param embedder: an object with ``transform(texts) -> array`` (a :class:`MiniLMEmbedder`).
    :param size: how many texts' vectors are kept.
    """

    def __init__(self, embedder, *, size=4096):
        self.embedder, self.size = embedder, size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def fit(self, X=None, y=None):
        """Load the embedder's model; return self."""
        self.embedder.fit()
        return self

    def transform(self, X):
        """Return the embeddings of ``X``, one row per text, embedding only the texts not remembered."""
        texts = list(X)
        with self._lock:
            missing = [text for text in dict.fromkeys(texts) if text not in self._vectors]
        if not texts or missing:
            embedded = self.embedder.transform(missing) if missing else self.embedder.transform([])
            if not texts:
                return embedded
            with self._lock:
                self._vectors.update(zip(missing, embedded))
                for _ in range(len(self._vectors) - self.size):
                    self._vectors.popitem(last=False)
        with self._lock:
            rows = [self._vectors.get(text) for text in texts]
        if any(row is None for row in rows):  # more new texts than the memory holds: embed them all at once
            return self.embedder.transform(texts)
        return np.vstack(rows)


def shared_embedder():
    """Return this process's :class:`SharedEmbedder` of MiniLM, or ``None`` without the embedding packages."""
    global _embedder
    if _embedder is None:
        _embedder = SharedEmbedder(MiniLMEmbedder()) if embeddings_available() else False
    return _embedder or None


def shared_multilingual():
    """Return this process's multilingual model (loaded on first use: only comments in another language need it)."""
    global _multilingual
    if _multilingual is None:
        _multilingual = MultilingualE5Embedder()
    return _multilingual


def sentiment_scorer():
    # Loading VADER's lexicon takes longer than scoring a comment: do it once per process.
    global _scorer
    if _scorer is None:
        _scorer = SentimentScorer(embedder=shared_embedder()).fit()
    return _scorer


def _share_embedder(model):
    """Give ``model`` the process's shared models where its own are the same ones with the same settings.

    A model reading other languages through multilingual-e5 (:class:`TranslatingEmbedder`) keeps
    its own English comments to read from and gets the shared MiniLM and e5 as its parts.
    """
    encoder, shared = getattr(model, "encoder_", None), shared_embedder()
    own = getattr(encoder, "embedder", None)
    if shared is None:
        return model
    if _same(own, shared.embedder):
        encoder.embedder = shared
    elif isinstance(own, TranslatingEmbedder):
        if _same(own.embedder, shared.embedder):
            own.embedder = shared
        if isinstance(own.multilingual, MultilingualE5Embedder) and \
                own.multilingual.get_params() == shared_multilingual().get_params():
            own.multilingual = shared_multilingual()
    return model


def _same(embedder, shared):
    return isinstance(embedder, MiniLMEmbedder) and embedder.get_params() == shared.get_params()


_scorer = None
_embedder: "SharedEmbedder | bool | None" = None
_multilingual: "MultilingualE5Embedder | None" = None


def theme_model_for(workspace_id):
    """Return ``(run_id, fitted ThemeModel)`` of the workspace's latest run, or ``(None, None)``."""
    run_id = latest_model_run_id(workspace_id)
    if run_id is None:
        return None, None
    if run_id not in _models_by_run:
        state = db.session.get(AnalysisRun, run_id).model_state
        _models_by_run[run_id] = _share_embedder(ThemeModel.from_state(pickle.loads(state)))
        while len(_models_by_run) > MODEL_CACHE_SIZE:
            _models_by_run.popitem(last=False)
    _models_by_run.move_to_end(run_id)
    return run_id, _models_by_run[run_id]


@transactional
def analyze_response(response_id):
    """Score the sentiment of one response and link it to the existing themes it belongs to.

    Manual links and exclusions made by the team are kept; only automatic links change.
    Returns the response, or ``None`` if it was deleted meanwhile.
    """
    response = db.session.get(Response, response_id)
    if response is None:
        return None
    text = response.comment or ""
    scale = SCALE_OF_KIND.get(SurveyKind(response.survey.kind))
    sentiment = sentiment_scorer().transform([text], scores=[response.score] if scale else None, scale=scale)
    db.session.execute(SET_SENTIMENT, [{"response_id": response.id, "at": utcnow(),
                                        "new_score": float(sentiment["sentiment_score"].iloc[0]),
                                        "label": str(sentiment["sentiment"].iloc[0])}])
    score = float(sentiment["sentiment_score"].iloc[0])
    _, model = theme_model_for(response.workspace_id)
    if model is not None:
        _relink(response, assign(model, text, response.id), polarity(score, response.score, scale))
    emit("response.analyzed", workspace_id=response.workspace_id, response_id=response.id)
    return response


def assign(model, text, response_id):
    """Return ``[(theme key, membership confidence)]`` for one comment, primary first."""
    indices, confidences = model.assign([text], ids=[response_id], return_confidence=True)
    return [(model.themes_[index].key, float(confidence)) for index, confidence in zip(indices[0], confidences[0])]


def _relink(response, memberships, kind):
    themes = db.session.scalars(select(Theme).where(Theme.workspace_id == response.workspace_id)).all()
    by_key = {theme.key: theme for theme in themes}
    by_id = {theme.id: theme for theme in themes}
    decided = set(db.session.scalars(
        select(ResponseTheme.theme_id).where(ResponseTheme.response_id == response.id,
                                             ResponseTheme.source != LinkSource.AUTO)
    ))
    db.session.execute(delete(ResponseTheme).where(ResponseTheme.response_id == response.id,
                                                   ResponseTheme.source == LinkSource.AUTO))
    db.session.execute(update(ResponseTheme).where(ResponseTheme.response_id == response.id,
                                                   ResponseTheme.source != LinkSource.AUTO).values(polarity=kind))
    placed = set()
    for key, confidence in memberships:
        theme = resolve_theme(by_key.get(key), by_id)
        if theme is None or theme.id in decided or theme.id in placed:
            continue
        placed.add(theme.id)
        db.session.add(ResponseTheme(response_id=response.id, theme_id=theme.id, workspace_id=response.workspace_id,
                                     source=LinkSource.AUTO, similarity=confidence, polarity=kind))
