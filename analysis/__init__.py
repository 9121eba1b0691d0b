"""Pure-Python feedback analysis: sentiment, themes, theme scores and survey metrics.

No I/O, no web framework: functions take sequences or DataFrames and return DataFrames or
frozen dataclasses. ``python -m analysis`` runs it on a CSV file.
"""

from . import metrics
from .clustering import BaseClusterer, WardClusterer
from .embeddings import (EnsembleEmbedder, MiniLMEmbedder, MultilingualE5Embedder, TextEncoder, default_embedder,
                         embeddings_available)
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
from .translation import TranslatingEmbedder

__all__ = [
    "AnalysisResult", "BaseClusterer", "BaseLabeler", "ClassTfidfLabeler", "EnsembleEmbedder", "MIN_CONFIDENCE",
    "MiniLMEmbedder", "MultilingualE5Embedder", "NEGATIVE_THRESHOLD", "POSITIVE_THRESHOLD", "ParentTheme",
    "SentimentScorer", "TextEncoder", "TextNormalizer", "Theme", "ThemeClusterer", "ThemeEdits", "ThemeModel",
    "TranslatingEmbedder", "WardClusterer", "analyze_feedback", "default_embedder", "embeddings_available",
    "match_themes", "metrics", "normalize_text", "notify_decision", "polarity", "score_sentiment", "theme_scores",
]
