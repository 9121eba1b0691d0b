"""``flask analysis ...``: run the full analysis from the command line."""
import click
from flask.cli import AppGroup
from sqlalchemy import select
from tqdm import tqdm

from feedback_app.extensions import db
from feedback_app.models import Workspace
from feedback_app.services.accounts import workspaces
from feedback_app.services.insights import analysis_runs
from feedback_app.services.exceptions import ServiceError

analysis_cli = AppGroup("analysis", help="Sentiment, themes and theme scores.")


@analysis_cli.command("run")
@click.option("--workspace", "workspace_name", help="Only this workspace (default: every workspace).")
@click.option("--force", is_flag=True, help="Re-run even if no response changed since the last successful run.")
def run_command(workspace_name, force):
    """Run the full analysis now, in this process, with a progress bar (skipped when nothing changed)."""
    try:
        targets = ([workspaces.get_workspace_by_name(workspace_name)] if workspace_name else
                   db.session.scalars(select(Workspace).where(Workspace.deleted_at.is_(None))).all())
        for workspace in targets:
            last = None if force else analysis_runs.unchanged_since_last_run(workspace)
            if last is not None:
                # Re-clustering unchanged comments would only risk moving the themes the team knows.
                click.echo(f"{workspace.name}: no response changed since run {last.id}; its themes are kept "
                           "(--force re-runs).")
                continue
            run = analysis_runs.create_run(workspace)
            with tqdm(total=100, desc=workspace.name, unit="%", leave=True) as bar:
                def advance(percent, bar=bar):
                    bar.update(percent - bar.n)

                run = analysis_runs.execute_analysis_run(run.id, on_progress=advance)
            stats = run.stats
            click.echo(f"{workspace.name}: {stats.get('responses', 0)} responses, {stats.get('comments', 0)} "
                       f"comments, {stats.get('themes', 0)} themes in {stats.get('seconds', 0)} s (run {run.id}).")
    except ServiceError as error:
        raise click.ClickException(error.message)
