"""Move ``feedback_app/services/*.py`` into packages by domain and rewrite every import of them (issue 18).

Run once from the checkout's root on a clean tree: ``python tools/move_services.py``. It ``git mv``s
each module into its package (:data:`LAYOUT`), writes each package's ``__init__.py``, and rewrites
the imports and dotted paths everywhere code names a service module: ``feedback_app``, ``widgets``,
``tests``, ``bench``, ``migrations``, ``tools``, ``setup.cfg`` (string paths in ``monkeypatch`` /
``mock.patch`` and in docstrings included). Celery task names are untouched: every task is declared
in ``feedback_app/tasks`` with an explicit ``name=``, which queued messages carry.

``--dry-run`` prints the moves only.
"""
import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "feedback_app" / "services"
PREFIX = "feedback_app.services"

# {package: (its one-line docstring, its modules)}; ``old>new`` renames a module that would repeat its
# package's name (``accounts.accounts``). Modules not listed stay in services/ itself:
# the shared machinery every package uses (events, transaction, exceptions, pages, tokens) and the demo.
LAYOUT = {
    "collection": (
        "Collecting answers: surveys, the widget, hosted pages, email invitations, Autopilot, people, imports.",
        ["surveys", "survey_settings", "survey_builder", "survey_look", "survey_results", "responses",
         "answer_recording", "widget_answers", "widget_config", "widget_identity", "ingest", "collection>targeting",
         "origins", "ui_strings", "invitations", "autopilot", "autopilot_schedules", "people", "imports", "exports"]),
    "insights": (
        "Making sense of the answers: analysis runs and live analysis, themes, reports, the inbox, trends.",
        ["analysis_data", "analysis_live", "analysis_runs", "themes", "theme_reports", "reports", "inbox", "trends"]),
    "loop": (
        "Closing the loop: actions and who hears of them, the email outbox, follow-ups, replies, the digest.",
        ["actions", "action_emails", "recipients", "outbox", "outbox_claims", "outbox_sending", "mail", "follow_ups",
         "replies", "loop_metrics", "weekly_digest"]),
    "accounts": (
        "Workspaces and their team: members, settings, API keys, password resets, invitations, the audit log.",
        ["accounts>users", "workspaces", "workspace_settings", "api_keys", "password_resets", "team_invites", "audit",
         "audit_log"]),
    "integrations": (
        "Other systems: the native API's queries and writes, the Delighted adapter, webhooks, chat alerts.",
        ["api_queries", "api_writes", "delighted", "delighted_events", "delighted_properties", "webhooks",
         "chat_alerts", "safe_http"]),
}
STAYING = {"__init__", "events", "transaction", "exceptions", "pages", "tokens", "system", "demo", "demo_corpus"}

REWRITTEN = ("feedback_app", "widgets", "tests", "bench", "migrations", "tools")
REWRITTEN_FILES = ("setup.cfg", "Makefile")


def new_home():
    """Return ``{old module name: new dotted module}`` for every moved module."""
    return {entry.partition(">")[0]: f"{PREFIX}.{package}.{entry.rpartition('>')[2]}"
            for package, (_, modules) in LAYOUT.items() for entry in modules}


def check_layout():
    present = {path.stem for path in SERVICES.glob("*.py")}
    placed = set(new_home()) | STAYING
    if present - placed:
        sys.exit(f"not placed in LAYOUT: {sorted(present - placed)}")
    if set(new_home()) - present:
        sys.exit(f"in LAYOUT but not in services/: {sorted(set(new_home()) - present)}")


def git(*args):
    subprocess.run(["git", *args], cwd=ROOT, check=True)


def move_files():
    for package, (docstring, modules) in LAYOUT.items():
        directory = SERVICES / package
        directory.mkdir(exist_ok=True)
        (directory / "__init__.py").write_text(f'"""{docstring}"""\n')
        git("add", str(directory / "__init__.py"))
        for entry in modules:
            old, _, new = entry.partition(">")
            git("mv", str(SERVICES / f"{old}.py"), str(directory / f"{new or old}.py"))


def _from_services_lines(node, home, indent):
    """Return the lines replacing ``from feedback_app.services import a, b as c``, one import per package."""
    by_package = {}
    for alias in node.names:
        target = home.get(alias.name)
        package, _, module = target.rpartition(".") if target else (PREFIX, "", alias.name)
        # A renamed module keeps the name the importing code calls it by.
        local = alias.asname or (alias.name if module != alias.name else None)
        by_package.setdefault(package, []).append(module + (f" as {local}" if local else ""))
    lines = []
    for package in sorted(by_package):
        names = sorted(by_package[package], key=str.lower)
        line = f"{indent}from {package} import {', '.join(names)}"
        if len(line) > 120:
            line = f"{indent}from {package} import (\n" + "".join(f"{indent}    {name},\n" for name in names) \
                + f"{indent})"
        lines.append(line)
    return lines


def rewrite_python(path, home):
    """Rewrite ``from feedback_app.services import <modules>`` statements, then every dotted path."""
    text = path.read_text()
    if PREFIX not in text:
        return False
    original = text
    text = rewrite_dotted(text, home)  # first: the split imports below name the new packages, not old modules
    try:
        tree = ast.parse(text)
    except SyntaxError:
        tree = None
    if tree is not None:
        lines = text.splitlines(keepends=True)
        edits = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == PREFIX and not node.level:
                if not any(alias.name in home for alias in node.names):
                    continue
                first, last = node.lineno - 1, node.end_lineno - 1
                start_line = lines[first]
                indent = start_line[:len(start_line) - len(start_line.lstrip())]
                # Keep a trailing comment (``# noqa: ...``) of the statement's last line.
                tail = lines[last][node.end_col_offset:].rstrip("\n")
                replacement = _from_services_lines(node, home, indent)
                replacement[-1] += tail
                edits.append((first, last, [line + "\n" for line in "\n".join(replacement).split("\n")]))
        for first, last, new_lines in sorted(edits, reverse=True):
            lines[first:last + 1] = new_lines
        text = "".join(lines)
    text = rewrite_import_lines(text, home)
    if text != original:
        path.write_text(text)
        return True
    return False


def rewrite_import_lines(text, home):
    """Rewrite one-line ``from feedback_app.services import ...`` left in strings (scripts run with ``python -c``)."""

    def replace(match):
        names = [name.strip() for name in match.group(2).split(",")]
        if not any(name.split(" as ")[0] in home for name in names):
            return match.group(0)
        node = ast.parse(f"from {PREFIX} import {match.group(2)}").body[0]
        return "\n".join(_from_services_lines(node, home, match.group(1)))

    return re.sub(rf"^([ \t]*)from {re.escape(PREFIX)} import ([\w ,]+)$", replace, text, flags=re.M)


def rewrite_dotted(text, home):
    """Rewrite ``feedback_app.services.<module>`` (code, strings, docs) and ``feedback_app/services/<module>.py``."""
    names = "|".join(sorted(home, key=len, reverse=True))
    text = re.sub(rf"\b{re.escape(PREFIX)}\.({names})\b", lambda match: home[match.group(1)], text)
    return re.sub(rf"\bfeedback_app/services/({names})\.py\b",
                  lambda match: home[match.group(1)].replace(".", "/") + ".py", text)


def rewrite_everything(home):
    changed = []
    for top in REWRITTEN:
        for path in sorted((ROOT / top).rglob("*.py")) if (ROOT / top).exists() else ():
            if rewrite_python(path, home):
                changed.append(path)
    for name in REWRITTEN_FILES:
        path = ROOT / name
        if path.exists():
            text = path.read_text()
            new_text = rewrite_dotted(text, home)
            if new_text != text:
                path.write_text(new_text)
                changed.append(path)
    return changed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print the moves, change nothing")
    parser.add_argument("--rewrite-only", action="store_true",
                        help="the modules are moved already: only rewrite imports (of code merged in since)")
    args = parser.parse_args()
    home = new_home()
    if args.rewrite_only:
        # After the move ``feedback_app.services.accounts`` is the package, no longer the old module of that name.
        home = {module: target for module, target in home.items() if module not in LAYOUT}
        print(f"rewrote {len(rewrite_everything(home))} files")
        return
    check_layout()
    if args.dry_run:
        for module, target in sorted(home.items(), key=lambda item: item[1]):
            print(f"{PREFIX}.{module} -> {target}")
        return
    move_files()
    changed = rewrite_everything(home)
    print(f"moved {len(home)} modules into {len(LAYOUT)} packages; rewrote {len(changed)} files")


if __name__ == "__main__":
    main()
