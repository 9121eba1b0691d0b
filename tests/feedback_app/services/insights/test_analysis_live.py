"""The worker's shared sentence embedder: each new comment embedded once for its sentiment and its themes."""
import numpy as np

from analysis import MiniLMEmbedder
from feedback_app.services.insights import analysis_live


class CountingEmbedder:
    """Embeds a text as [its length, 1] and remembers which texts it was asked for."""

    def __init__(self):
        self.asked = []

    def transform(self, texts):
        self.asked.append(list(texts))
        return np.array([[len(text), 1.0] for text in texts], dtype=np.float32).reshape(len(texts), 2)


def test_shared_embedder_embeds_each_text_once():
    inner = CountingEmbedder()
    shared = analysis_live.SharedEmbedder(inner)
    first = shared.transform(["slow exports", "great support", "slow exports"])
    second = shared.transform(["great support", "login broken"])
    assert inner.asked == [["slow exports", "great support"], ["login broken"]]
    assert first.tolist() == [[12, 1], [13, 1], [12, 1]] and second.tolist() == [[13, 1], [12, 1]]


def test_shared_embedder_forgets_the_oldest_texts_beyond_its_size():
    inner = CountingEmbedder()
    shared = analysis_live.SharedEmbedder(inner, size=2)
    shared.transform(["a", "bb", "ccc"])  # more new texts than it keeps: still one row each
    assert shared.transform(["a", "ccc"]).tolist() == [[1, 1], [3, 1]]
    assert inner.asked[-1] == ["a"]


def test_a_theme_model_gets_the_shared_embedder_only_when_it_is_the_same_minilm(monkeypatch):
    shared = analysis_live.SharedEmbedder(MiniLMEmbedder())
    monkeypatch.setattr(analysis_live, "_embedder", shared)

    class Encoder:
        def __init__(self, embedder):
            self.embedder = embedder

    class Model:
        def __init__(self, embedder):
            self.encoder_ = Encoder(embedder)

    same, longer, other = Model(MiniLMEmbedder()), Model(MiniLMEmbedder(max_seq_length=256)), Model(None)
    for model in (same, longer, other):
        analysis_live._share_embedder(model)
    assert same.encoder_.embedder is shared
    assert isinstance(longer.encoder_.embedder, MiniLMEmbedder) and other.encoder_.embedder is None


def test_a_translating_theme_model_gets_the_shared_minilm_and_e5_and_keeps_its_reference(monkeypatch):
    from analysis import MultilingualE5Embedder, TranslatingEmbedder

    shared, multilingual = analysis_live.SharedEmbedder(MiniLMEmbedder()), MultilingualE5Embedder()
    monkeypatch.setattr(analysis_live, "_embedder", shared)
    monkeypatch.setattr(analysis_live, "_multilingual", multilingual)

    class Model:
        def __init__(self, embedder):
            self.encoder_ = type("Encoder", (), {"embedder": embedder})()

    own = TranslatingEmbedder(MiniLMEmbedder(), MultilingualE5Embedder())
    own.reference_ = "this workspace's English comments"
    analysis_live._share_embedder(Model(own))
    assert own.embedder is shared and own.multilingual is multilingual
    assert own.reference_ == "this workspace's English comments"
