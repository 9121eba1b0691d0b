"""``flask`` commands, grouped by noun; each calls a service and reports with ``click.echo``."""
import os
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from feedback_app.models import Role
from feedback_app.services.accounts import api_keys, users as accounts, workspaces
from feedback_app.services.collection import widget_identity
from feedback_app.services.exceptions import ServiceError

workspace_cli = AppGroup("workspace", help="Manage workspaces.")
user_cli = AppGroup("user", help="Manage team users.")
api_key_cli = AppGroup("api-key", help="Manage API keys.")


def _fail(error):
    raise click.ClickException(error.message)


@workspace_cli.command("create")
@click.argument("name")
@click.option("--origin", "origins", multiple=True, help="An origin allowed to embed the widget (repeatable).")
def create_workspace_command(name, origins):
    """Create a workspace called NAME."""
    try:
        workspace = workspaces.create_workspace(name, allowed_origins=origins)
    except ServiceError as error:
        _fail(error)
    click.echo(f"Created workspace {workspace.name!r} (slug {workspace.slug}, public key {workspace.public_key}).")


@workspace_cli.command("identity-verification")
@click.option("--workspace", "workspace_name", required=True, help="Workspace name or slug.")
@click.option("--on/--off", "enabled", default=None, help="Require signed widget identities, or stop requiring them.")
@click.option("--rotate-secret", is_flag=True, help="Replace the identity secret (old signatures stop verifying).")
def identity_verification_command(workspace_name, enabled, rotate_secret):
    """Show, switch on or off, and rotate the widget's identity verification; the secret is the last line."""
    try:
        workspace = workspaces.get_workspace_by_name(workspace_name)
        if enabled is not None:
            workspace = widget_identity.set_identity_verification(workspace, enabled)
        if rotate_secret:
            workspace = widget_identity.rotate_identity_secret(workspace)
    except ServiceError as error:
        _fail(error)
    click.echo(f"Identity verification is {'on' if workspace.require_identity_verification else 'off'} "
               f"for {workspace.name!r}. Sign user ids (user_hash) and emails (email_hash) with HMAC-SHA256 of:")
    click.echo(workspace.identity_secret)


@user_cli.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters.")
@click.option("--name", default="", help="Display name.")
@click.option("--workspace", "workspace_name", help="Add the user to this workspace.")
@click.option("--role", type=click.Choice([role.value for role in Role]), default=Role.MEMBER.value, show_default=True)
def create_user_command(email, password, name, workspace_name, role):
    """Create a team user who can log in."""
    try:
        workspace = workspaces.get_workspace_by_name(workspace_name) if workspace_name else None
        user = accounts.create_user(email, password=password, name=name, workspace=workspace, role=role)
    except ServiceError as error:
        _fail(error)
    where = f" as {role} of {workspace.name!r}" if workspace else ""
    click.echo(f"Created user {user.email}{where}.")


@api_key_cli.command("create")
@click.option("--workspace", "workspace_name", required=True, help="Workspace the key gives access to.")
@click.option("--name", default="CLI key", show_default=True, help="A label to recognise the key by.")
def create_api_key_command(workspace_name, name):
    """Create an API key; the key is printed once, as the last line."""
    try:
        workspace = workspaces.get_workspace_by_name(workspace_name)
        api_key, raw_key = api_keys.create_api_key(workspace, name=name)
    except ServiceError as error:
        _fail(error)
    click.echo(f"Created API key {api_key.prefix}… for {workspace.name!r}. Store it now: it is not shown again.")
    click.echo(raw_key)


@click.command("seed-demo")
@click.option("--responses", default=3000, show_default=True, help="How many responses to generate.")
@click.option("--seed", default=7, show_default=True, help="Random seed, for the same demo every time.")
def seed_demo_command(responses, seed):
    """Create (or refresh) the demo workspace, its login and a new demo API key."""
    from feedback_app.services import demo

    result = demo.seed_demo(n_responses=responses, seed=seed)
    state = "created" if result.created else "already there"
    click.echo(f"Demo workspace {result.workspace.name!r} ({state}): {result.response_count} responses.")
    click.echo(f"Log in at {current_app.config['PUBLIC_URL']}/auth/login as {demo.DEMO_EMAIL} / {demo.DEMO_PASSWORD}")
    click.echo(f"Demo API key (a new one each time; the previous one is revoked): {result.api_key}")


@click.command("worker", context_settings={"ignore_unknown_options": True})
@click.option("--beat/--no-beat", default=True, show_default=True, help="Also run the periodic jobs.")
@click.option("--concurrency", type=int, default=None, help="Processes [default: FEEDBACK_WORKER_CONCURRENCY, 2].")
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker_command(beat, concurrency, celery_args):
    """Run a background worker for every queue (Celery); extra arguments go to Celery."""
    from feedback_app.services.system import check_broker
    from feedback_app.tasks import declare_queues, worker_queues

    broker = check_broker()
    if broker != "ok":
        raise click.ClickException(
            f"the broker at {current_app.config['BROKER_URL']} is not reachable ({broker.removeprefix('error: ')}); "
            "start it or fix BROKER_URL"
        )
    declare_queues(current_app.extensions["celery"])
    concurrency = concurrency or current_app.config["WORKER_CONCURRENCY"]
    command = [
        sys.executable, "-m", "celery", "-A", "feedback_app.worker", "worker",
        "--queues", ",".join(worker_queues(current_app.config)), "--concurrency", str(concurrency),
        "--loglevel", "INFO",
    ]
    if beat:
        command.append("--beat")
        command += ["--schedule", os.path.join(current_app.instance_path, "celerybeat-schedule")]
    command += list(celery_args)
    # exec, not a child: signals from the terminal or a supervisor reach Celery directly.
    os.execv(sys.executable, command)


def init_app(app):
    """Register every command group on ``app``."""
    from feedback_app.analysis_cli import analysis_cli
    from feedback_app.api_cli import responses_cli

    for command in (workspace_cli, user_cli, api_key_cli, seed_demo_command, worker_command, analysis_cli,
                    responses_cli):
        app.cli.add_command(command)
