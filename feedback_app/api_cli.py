"""``flask responses import|export``: move responses in and out as CSV or JSON files."""
import sys
from datetime import timezone

import click
from flask.cli import AppGroup
from tqdm import tqdm

from feedback_app.models import Survey
from feedback_app.services.accounts import workspaces
from feedback_app.services.collection import exports, imports
from feedback_app.services.integrations import api_queries
from feedback_app.services.integrations.delighted import ensure_default_survey
from feedback_app.services.exceptions import ServiceError
from feedback_app.services.ownership import owned

responses_cli = AppGroup("responses", help="Import and export responses.")


def _survey(workspace, survey_id):
    if survey_id is None:
        return ensure_default_survey(workspace)  # committed with the first batch of rows
    return owned(Survey, workspace, survey_id)


def _date(value):
    return None if value is None else value.replace(tzinfo=timezone.utc)


@responses_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--workspace", "workspace_name", required=True, help="Workspace to import into.")
@click.option("--survey", "survey_id", type=int, help="Survey id (default: the first active NPS survey).")
@click.option("--mapping", "pairs", multiple=True, metavar="COLUMN=FIELD",
              help=f"Map a column to a field ({', '.join(imports.FIELDS)}; property:NAME). Repeatable. "
                   "Without it the file is read as Delighted's export.")
def import_command(path, workspace_name, survey_id, pairs):
    """Import responses from a CSV file; importing it again adds nothing."""
    try:
        workspace = workspaces.get_workspace_by_name(workspace_name)
        survey = _survey(workspace, survey_id)
        mapping = imports.parse_mapping(pairs)
        with tqdm(total=imports.count_rows(path), unit="row", file=sys.stderr, mininterval=0.5) as bar:
            report = imports.import_file(workspace, survey, path, mapping=mapping, progress=bar.update)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    for line, reason in report.errors:
        click.echo(f"line {line}: {reason}", err=True)
    click.echo(f"Imported {report.created} responses into {survey.name!r}; "
               f"{report.duplicates} already there; {report.failed} rows refused.")


@responses_cli.command("export")
@click.option("--workspace", "workspace_name", required=True, help="Workspace to export.")
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), default="csv", show_default=True)
@click.option("--survey", "survey_id", type=int, help="Only this survey.")
@click.option("--since", type=click.DateTime(), help="Only responses created at or after (UTC).")
@click.option("--until", type=click.DateTime(), help="Only responses created at or before (UTC).")
@click.option("--output", type=click.File("w"), default="-", help="File to write (default: standard output).")
def export_command(workspace_name, fmt, survey_id, since, until, output):
    """Export responses as CSV or JSON."""
    try:
        workspace = workspaces.get_workspace_by_name(workspace_name)
        filters = api_queries.ResponseFilters(since=_date(since), until=_date(until), survey_id=survey_id)
        output.write(exports.export_responses(workspace, filters=filters, fmt=fmt))
    except ServiceError as error:
        raise click.ClickException(error.message) from None
