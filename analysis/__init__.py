"""Pure-Python feedback analysis: sentiment, themes, theme scores and survey metrics.

No I/O, no web framework: functions take sequences or DataFrames and return DataFrames or
frozen dataclasses. ``python -m analysis`` runs it on a CSV file.
"""

from . import metrics
from .clustering import BaseClusterer, WardClusterer
from .embeddings import MiniLMEmbedder, TextEncoder, default_embedder
from .labeling import BaseLabeler, ClassTfidfLabeler
from .matching import match_themes
from .pipeline import analyze_feedback
from .preprocessing import TextNormalizer, normalize_text
from .recipients import MIN_CONFIDENCE, notify_decision, polarity
from .results import AnalysisResult, ParentTheme, Theme, ThemeEdits
from .scoring import theme_scores
from .sentiment import (NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD, SentimentScorer,
                        score_sentiment)
from .themes import ThemeClusterer, ThemeModel

__all__ = [
    "AnalysisResult", "BaseClusterer", "BaseLabeler", "ClassTfidfLabeler", "MIN_CONFIDENCE", "MiniLMEmbedder",
    "NEGATIVE_THRESHOLD", "POSITIVE_THRESHOLD", "ParentTheme", "SentimentScorer", "TextEncoder",
    "TextNormalizer", "Theme", "ThemeClusterer", "ThemeEdits", "ThemeModel", "WardClusterer", "analyze_feedback",
    "default_embedder", "match_themes", "metrics", "normalize_text", "notify_decision", "polarity",
    "score_sentiment", "theme_scores",
]
