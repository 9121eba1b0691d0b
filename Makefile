# feedback-loop: `make run` serves the demo, `make test` runs the whole suite. Both set up everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
export FLASK_APP := feedback_app.wsgi

.PHONY: run test install chromium worker lint clean

# The app's install includes the `embeddings` extra (sentence embeddings find better themes, see
# analysis/README.md). PyTorch's CPU build comes first, from its own index, because the default
# Linux torch on PyPI is the multi-GB CUDA build; where that index is unreachable (an offline
# mirror serving the CPU build), pip falls back to the configured index at once.
$(STAMP): setup.cfg
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --retries 0 --timeout 10 torch==2.13.0 \
	  --index-url https://download.pytorch.org/whl/cpu 2>/dev/null \
	  || $(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,embeddings]'
	touch $(STAMP)

install: $(STAMP)

# The browser tests drive Debian's Chromium; install it when missing and we may (root, apt).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: install Debian's chromium package for the browser tests"; fi; }

run: $(STAMP)
	mkdir -p instance
	FEEDBACK_ENV=development $(BIN)/flask db upgrade
	FEEDBACK_ENV=development $(BIN)/flask seed-demo
	FEEDBACK_ENV=development $(BIN)/flask analysis run --workspace Demo
	@echo "Serving http://127.0.0.1:5000 with gunicorn; the worker logs to instance/worker.log (Ctrl-C stops both)"
	@trap 'kill 0' INT TERM EXIT; \
	FEEDBACK_ENV=development $(BIN)/flask worker --concurrency 1 >instance/worker.log 2>&1 & \
	FEEDBACK_ENV=development $(BIN)/gunicorn --bind 127.0.0.1:5000 --workers 2 --threads 4 --access-logfile - \
	  feedback_app.wsgi:app

worker: $(STAMP)
	FEEDBACK_ENV=development $(BIN)/flask worker

# TEST_DATABASE_URL adds PostgreSQL to every database test when that server answers.
test: $(STAMP) chromium
	@if [ -z "$$TEST_DATABASE_URL" ] && $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "PostgreSQL answers at $(PG_TEST_URL): the suite runs on SQLite and PostgreSQL"; \
	  export TEST_DATABASE_URL=$(PG_TEST_URL); \
	else echo "Database tests run on SQLite$${TEST_DATABASE_URL:+ and $$TEST_DATABASE_URL}"; fi; \
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/python -m flake8 feedback_app widgets analysis tests bench

clean:
	rm -rf $(VENV) instance *.egg-info
