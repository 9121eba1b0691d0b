"""Every ``flask ...`` line of README.md's code blocks runs as printed, in a checkout whose venv is active."""
import itertools
import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.processes import ROOT, wait_until

FLASK = Path(sys.executable).with_name("flask")
# Lines that prompt get their answers on standard input.
ANSWERS = {("user", "create"): "readme-password\nreadme-password\n"}
# Lines that run until stopped: started, awaited until ready, then stopped as a supervisor would (SIGTERM).
LONG_RUNNING = {("worker",): "ready."}
# Subcommands never run here, whatever the README says, because they change the checkout itself.
NOT_RUN = {("db", "migrate"): "writes a migration file into migrations/versions"}
EXPECTED = {("workspace", "create"), ("user", "create"), ("api-key", "create"), ("seed-demo",), ("worker",),
            ("db", "upgrade")}


def readme_flask_commands(markdown):
    """Return the words of each ``flask`` line inside the fenced code blocks of ``markdown``, comments removed."""
    commands = []
    for block in re.findall(r"^```[\w-]*\n(.*?)^```", markdown, re.DOTALL | re.MULTILINE):
        commands += [shlex.split(line, comments=True) for line in block.splitlines()
                     if line.strip().startswith("flask ")]
    return commands


def _subcommand(words):
    """Return the (at most two) command words after ``flask`` and its ``--app X`` option."""
    words = words[3:] if words[1:2] == ["--app"] else words[1:]
    return tuple(itertools.takewhile(lambda word: not word.startswith("-"), words))[:2]


def _environment(tmp_path):
    """Return the demo's environment (FEEDBACK_ENV=development) on a database and instance folder in ``tmp_path``."""
    # FLASK_APP goes too (make exports it): the checkout's own .flaskenv must name the app.
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("FEEDBACK_", "FLASK_")) and key not in ("DATABASE_URL", "BROKER_URL")}
    environment.update(FEEDBACK_ENV="development", DATABASE_URL=f"sqlite:///{tmp_path / 'feedback.db'}",
                       BROKER_URL=f"sqla+sqlite:///{tmp_path / 'broker.db'}", FEEDBACK_INSTANCE_PATH=str(tmp_path))
    return environment


def _run(words, environment, stdin=""):
    # A new session has no terminal, so hidden prompts (getpass) read their answers from standard input.
    return subprocess.run([str(FLASK), *words[1:]], cwd=ROOT, env=environment, input=stdin, capture_output=True,
                          text=True, timeout=300, start_new_session=True)


def _run_until_ready(words, environment, ready_text, log_path):
    with open(log_path, "w+") as log:
        process = subprocess.Popen([str(FLASK), *words[1:]], cwd=ROOT, env=environment, stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until(lambda: process.poll() is not None or ready_text in log_path.read_text(), timeout=180)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            returncode = process.wait(timeout=60)
    output = log_path.read_text()
    return returncode if ready_text in output else f"never said {ready_text!r}", output


def test_readme_lists_the_command_line_it_documents():
    commands = readme_flask_commands((ROOT / "README.md").read_text())
    assert EXPECTED <= {_subcommand(words) for words in commands}


@pytest.mark.slow
def test_every_readme_flask_line_exits_0_as_printed(tmp_path):
    environment = _environment(tmp_path)
    setup = _run(["flask", "db", "upgrade"], environment)
    assert setup.returncode == 0, setup.stderr
    failures = []
    for number, words in enumerate(readme_flask_commands((ROOT / "README.md").read_text())):
        name = _subcommand(words)
        if name in NOT_RUN:
            continue
        if name in LONG_RUNNING:
            returncode, output = _run_until_ready(words, environment, LONG_RUNNING[name], tmp_path / f"{number}.log")
        else:
            result = _run(words, environment, ANSWERS.get(name, ""))
            returncode, output = result.returncode, result.stdout + result.stderr
        if returncode != 0:
            failures.append((shlex.join(words), returncode, output[-2000:]))
    assert failures == []
