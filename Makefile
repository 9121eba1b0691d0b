# feedback-loop: `make run` serves the demo, `make test` runs the whole suite. Both set up everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INSTALL_LOG := $(VENV)/install.log
PIP := $(BIN)/python -m pip install --quiet
PORT ?= 5000
DEMO_RESPONSES ?= 3000
# The demo's settings; links in its emails and the printed login point at the port it is served on.
DEMO_ENV := FEEDBACK_ENV=development FEEDBACK_PUBLIC_URL=http://127.0.0.1:$(PORT)
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
export FLASK_APP := feedback_app.wsgi

.PHONY: run test test-fast install chromium worker lint clean

# The app's install includes the `embeddings` extra (sentence embeddings find better themes, see
# analysis/README.md). PyTorch's CPU build comes first, from its own index, because the default
# Linux torch on PyPI is the multi-GB CUDA build; where that index is unreachable (an offline
# mirror serving the CPU build), pip falls back to the configured index at once.
# pip's output goes to $(INSTALL_LOG); its end is shown only when the install fails.
$(STAMP): setup.cfg
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing feedback-loop and its dependencies into $(VENV) (log: $(INSTALL_LOG))..."
	@{ $(PIP) --upgrade pip \
	  && { $(PIP) --retries 0 --timeout 10 torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
	       || $(PIP) torch==2.13.0; } \
	  && $(PIP) -e '.[dev,embeddings]'; } >$(INSTALL_LOG) 2>&1 \
	  || { tail -n 60 $(INSTALL_LOG); echo "make: the install failed; the whole log is $(INSTALL_LOG)"; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

# The browser tests drive Debian's Chromium; install it when missing and we may (root, apt).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: install Debian's chromium package for the browser tests"; fi; }

# The demo. Migrating and seeding log to instance/setup.log (shown when they fail), the analysis shows its
# progress; then the worker and gunicorn run in the background, logging to instance/worker.log and
# instance/access.log, and the login is printed last, once the server answers (it is kept in
# instance/demo-login.txt, readable by you only: it holds an API key). Both servers run in their own
# session (setsid), so Ctrl-C reaches only this shell, whose trap stops them by pid with SIGTERM (gunicorn's
# and Celery's graceful shutdown), waits for them and exits 0. (A `kill 0` there re-entered the trap
# through its own SIGTERM until the shell overflowed its stack: make's "Segmentation fault".)
SERVER_ANSWERS = $(BIN)/python -c "import http.client as h; c = h.HTTPConnection('127.0.0.1', $(PORT), timeout=5); \
  c.request('GET', '/auth/login'); c.getresponse()"
run: $(STAMP)
	@mkdir -p instance
	@echo "Preparing the demo workspace in instance/feedback.db (log: instance/setup.log)..."
	@$(DEMO_ENV) $(BIN)/flask db upgrade >instance/setup.log 2>&1 \
	  && (umask 077; $(DEMO_ENV) $(BIN)/flask seed-demo --responses $(DEMO_RESPONSES) \
	      >instance/demo-login.txt 2>>instance/setup.log) \
	  || { cat instance/setup.log; exit 1; }
	@$(DEMO_ENV) $(BIN)/flask analysis run --workspace Demo
	@trap 'kill $$worker $$server 2>/dev/null; wait; exit 0' INT TERM HUP; \
	$(DEMO_ENV) setsid $(BIN)/flask worker --concurrency 1 >instance/worker.log 2>&1 & worker=$$!; \
	$(DEMO_ENV) setsid $(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --log-level warning \
	  --access-logfile instance/access.log feedback_app.wsgi:app & server=$$!; \
	until $(SERVER_ANSWERS) 2>/dev/null; do \
	  kill -0 $$server 2>/dev/null || { kill $$worker; wait; exit 1; }; sleep 0.5; done; \
	echo "Serving http://127.0.0.1:$(PORT) (logs: instance/access.log, instance/worker.log). Ctrl-C stops it."; \
	echo; cat instance/demo-login.txt; \
	wait $$server; kill $$worker 2>/dev/null; wait

worker: $(STAMP)
	FEEDBACK_ENV=development $(BIN)/flask worker

# TEST_DATABASE_URL adds PostgreSQL to every database test when that server answers.
test: $(STAMP) chromium
	@if [ -z "$$TEST_DATABASE_URL" ] && $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "PostgreSQL answers at $(PG_TEST_URL): the suite runs on SQLite and PostgreSQL"; \
	  export TEST_DATABASE_URL=$(PG_TEST_URL); \
	else echo "Database tests run on SQLite$${TEST_DATABASE_URL:+ and $$TEST_DATABASE_URL}"; fi; \
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The quick loop while working: SQLite only, no browser, server, worker or subprocess and no theme model fitted
# on real embeddings (the `slow` mark), stop at the first failure; `make test` runs them all.
# `make test-fast PYTEST_ARGS=--lf` reruns only what failed last time.
test-fast: $(STAMP)
	TEST_DATABASE_URL= $(BIN)/python -m pytest -x -q -m "not browser and not worker and not slow" $(PYTEST_ARGS)

# Style (flake8) and types (mypy, the files named in setup.cfg's [mypy]); CI runs it before the tests.
lint: $(STAMP)
	$(BIN)/python -m flake8 feedback_app widgets analysis tests bench
	$(BIN)/python -m mypy

clean:
	rm -rf $(VENV) instance *.egg-info
