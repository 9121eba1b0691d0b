"""``make run`` in a fresh checkout: a few lines, the login last, logs in instance/, and a clean Ctrl-C."""
import os
import signal
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.support.checkout import fresh_checkout
from tests.support.processes import free_port, wait_until

LOGIN_LINES = 3  # what seed-demo prints: the workspace, the login, the API key


def _environment(port):
    """Return this environment without the app's settings (make exports its own), for ``make run`` on ``port``."""
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("FEEDBACK_", "FLASK_", "MAKE")) and key not in ("DATABASE_URL", "BROKER_URL")}
    environment.update(PORT=str(port), DEMO_RESPONSES="150")
    return environment


def _printed(path):
    """Return the lines ``path`` shows on a terminal (a progress bar's carriage returns stay within its line)."""
    return path.read_bytes().decode().split("\n")


def _processes_in(folder):
    """Return the pids of the processes whose working directory is ``folder``."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and Path(entry, "cwd").resolve() == folder:
                pids.append(int(entry.name))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return pids


@pytest.fixture()
def checkout(tmp_path):
    """Yield a fresh checkout sharing this venv (make -o keeps it from reinstalling); stop what it left running."""
    folder = fresh_checkout(tmp_path / "checkout").resolve()
    (folder / ".venv").symlink_to(sys.prefix)
    yield folder
    for pid in _processes_in(folder):
        os.kill(pid, signal.SIGKILL)


def test_make_run_prints_the_login_last_logs_to_instance_and_stops_cleanly_on_ctrl_c(checkout):
    port = free_port()
    output_path = checkout / "make-run.out"
    with open(output_path, "w") as output:
        # Its own process group, like a terminal's foreground job: Ctrl-C is SIGINT to that whole group.
        make = subprocess.Popen(["make", "-o", ".venv/.installed", "run"], cwd=checkout, env=_environment(port),
                                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        wait_until(lambda: make.poll() is not None or "Demo API key" in output_path.read_text(), timeout=600)
        assert make.poll() is None, output_path.read_text()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/login", timeout=30) as response:
            assert response.status == 200
        login_file = checkout / "instance" / "demo-login.txt"
        lines = _printed(output_path)
        assert lines[-LOGIN_LINES - 1:] == login_file.read_text().split("\n")  # printed last, then nothing
        assert stat.S_IMODE(login_file.stat().st_mode) == 0o600
        assert f"Log in at http://127.0.0.1:{port}/auth/login as demo@example.com" in login_file.read_text()
        assert len(lines) <= 10, lines
        assert "GET /auth/login" in (checkout / "instance" / "access.log").read_text()
        wait_until(lambda: "ready." in (checkout / "instance" / "worker.log").read_text(), timeout=120)
        os.killpg(make.pid, signal.SIGINT)
        make.wait(timeout=120)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait(timeout=30)
    printed = output_path.read_text()
    assert make.returncode == -signal.SIGINT, printed  # make re-raises the SIGINT: no "make: ***" error
    assert "make: ***" not in printed and "Traceback" not in printed
    assert _printed(output_path)[-LOGIN_LINES - 1:] == login_file.read_text().split("\n")
    assert _processes_in(checkout) == []  # the web server and the worker are stopped, not orphaned
    assert "Warm shutdown" in (checkout / "instance" / "worker.log").read_text()
