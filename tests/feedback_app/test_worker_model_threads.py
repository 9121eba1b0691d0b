"""Each worker process runs the sentence-embedding model on the configured number of threads."""
import pytest

from feedback_app import create_app
from feedback_app.config import ConfigError


def test_a_worker_process_runs_the_model_on_the_configured_threads(monkeypatch):
    torch = pytest.importorskip("torch")
    from feedback_app import worker

    before = torch.get_num_threads()
    monkeypatch.setitem(worker.flask_app.config, "WORKER_MODEL_THREADS", 1)
    try:
        worker.limit_model_threads()  # as the worker_init and worker_process_init signals call it
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_no_model_threads_is_refused():
    with pytest.raises(ConfigError, match="FEEDBACK_WORKER_MODEL_THREADS must be 1 or more"):
        create_app({"WORKER_MODEL_THREADS": 0})


def test_a_worker_process_runs_the_multilingual_engine_on_the_configured_threads(monkeypatch):
    from feedback_app import worker

    monkeypatch.setenv("OMP_NUM_THREADS", "4")  # restored after the test
    monkeypatch.setitem(worker.flask_app.config, "WORKER_MODEL_THREADS", 1)
    monkeypatch.setattr(worker.importlib.util, "find_spec", lambda name: None)  # leave torch's threads alone
    worker.limit_model_threads()
    assert worker.os.environ["OMP_NUM_THREADS"] == "1"


def test_no_analysis_processes_is_refused():
    with pytest.raises(ConfigError, match="FEEDBACK_ANALYSIS_JOBS must be 1 or more"):
        create_app({"ANALYSIS_JOBS": 0})
