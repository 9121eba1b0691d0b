"""Run ``schemathesis run --checks all`` against a served API and read its JSON report (tests and bench)."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")


ALL_PHASES = "examples,coverage,fuzzing,stateful"


def run_schemathesis(location, base_url, auth_options, *, examples, seconds, seed, report_path, workers=2,
                     phases=ALL_PHASES):
    """Fuzz the API at ``base_url`` described by ``location`` (a URL or a file); return the JSON report.

    Every check is on; ``examples`` bounds the cases per operation in the fuzzing and stateful
    phases, ``seconds`` the whole run, and ``seed`` makes the generation repeatable. The coverage
    phase (every boundary of every schema, some 700 cases an operation) ignores ``examples``.
    """
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", str(location),
               "--url", base_url, *auth_options,
               "--checks", "all", "--max-examples", str(examples), "--max-time", str(seconds), "--seed", str(seed),
               "--phases", phases, "--workers", str(workers), "--no-color",
               "--report", "json", "--report-json-path", str(report_path)]
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks"}
    completed = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True,
                               timeout=seconds + 120)
    if not Path(report_path).exists():
        raise RuntimeError(f"schemathesis wrote no report:\n{completed.stdout[-5000:]}\n{completed.stderr[-5000:]}")
    report = json.loads(Path(report_path).read_text())
    report["output"] = completed.stdout  # the failures with their curl reproductions
    return report


def cases_per_operation(report):
    """Return ``{operation: test cases checked}`` from a report, over every phase."""
    return {operation: sum(sum(counts.values()) for counts in phases.values())
            for operation, phases in report["valid_rates"].items()}


def failures_per_operation(report):
    """Return ``{operation: [failure codes]}`` (``ST101`` server error, ``ST201``/``ST202`` schema mismatches...)."""
    failing = {}
    for failure in report["failures"]:
        for operation in failure["operations"]:
            failing.setdefault(operation, []).append(failure["code"])
    return failing


def summary(name, report):
    """Return the report as lines of text: totals, then each operation with its cases and failures."""
    errors = sum(error["count"] for error in report["errors"])
    lines = [f"{name}: {report['operations']['tested']} operations, {report['test_cases']['generated']} test cases "
             f"in {report['running_time']:.0f} s, {report['test_cases']['unique_failures']} unique failures, "
             f"{errors} errors (seed {report['seed']})"]
    cases, failing = cases_per_operation(report), failures_per_operation(report)
    for operation in sorted(set(cases) | set(failing)):
        lines.append(f"  {operation:<50} {cases.get(operation, 0):>6} cases   failures: "
                     f"{', '.join(failing.get(operation, [])) or '-'}")
    lines += [f"  {failure['code']} {failure['title']} x{failure['count']}: {', '.join(failure['operations'])}"
              for failure in report["failures"]]
    lines += [f"  error: {error['title']} x{error['count']}" for error in report["errors"]]
    return lines
