"""Pure-Python feedback analysis: sentiment, themes, theme scores and survey metrics.

No I/O, no web framework: functions take sequences or DataFrames and return DataFrames or
frozen dataclasses. ``python -m analysis`` runs it on a CSV file.
"""

from . import metrics
from .clustering import BaseClusterer, HybridKMeansClusterer, HybridSpectralClusterer, KMeansClusterer, NMFClusterer
from .embeddings import MiniLMEmbedder, default_embedder
from .labeling import BaseLabeler, ClassTfidfLabeler
from .matching import match_themes
from .pipeline import analyze_feedback
from .preprocessing import TextNormalizer, normalize_text
from .results import AnalysisResult, Theme, ThemeEdits
from .scoring import theme_scores
from .sentiment import (NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD, SentimentScorer,
                        score_sentiment)
from .themes import ThemeClusterer, ThemeModel

__all__ = [
    "AnalysisResult", "BaseClusterer", "BaseLabeler", "ClassTfidfLabeler", "HybridKMeansClusterer",
    "HybridSpectralClusterer", "KMeansClusterer", "MiniLMEmbedder", "NEGATIVE_THRESHOLD", "NMFClusterer",
    "POSITIVE_THRESHOLD", "SentimentScorer",
    "TextNormalizer", "Theme", "ThemeClusterer", "ThemeEdits", "ThemeModel", "analyze_feedback",
    "default_embedder", "match_themes", "metrics", "normalize_text", "score_sentiment", "theme_scores",
]
