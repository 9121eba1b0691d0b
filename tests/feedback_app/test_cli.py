"""The ``flask`` commands."""
from feedback_app.services.accounts import api_keys, users as accounts, workspaces


def test_workspace_create(runner):
    result = runner.invoke(args=["workspace", "create", "Acme", "--origin", "https://acme.example"])
    assert result.exit_code == 0, result.output
    assert workspaces.get_workspace_by_name("Acme").allowed_origins == ["https://acme.example"]


def test_workspace_create_duplicate_fails_cleanly(runner):
    runner.invoke(args=["workspace", "create", "Acme"])
    result = runner.invoke(args=["workspace", "create", "Acme"])
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_user_create_with_role(runner):
    runner.invoke(args=["workspace", "create", "Acme"])
    result = runner.invoke(args=["user", "create", "ann@example.com", "--password", "a long password",
                                 "--workspace", "Acme", "--role", "admin"])
    assert result.exit_code == 0, result.output
    user = accounts.get_user_by_email("ann@example.com")
    assert accounts.role_in(user, workspaces.get_workspace_by_name("Acme")) == "admin"


def test_user_create_short_password_fails(runner):
    result = runner.invoke(args=["user", "create", "ann@example.com", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output


def test_api_key_create_prints_key_last(runner):
    runner.invoke(args=["workspace", "create", "Acme"])
    result = runner.invoke(args=["api-key", "create", "--workspace", "Acme"])
    assert result.exit_code == 0, result.output
    raw_key = result.output.strip().splitlines()[-1]
    assert api_keys.authenticate_api_key(raw_key).workspace.name == "Acme"


def test_api_key_create_unknown_workspace_fails(runner):
    result = runner.invoke(args=["api-key", "create", "--workspace", "Nope"])
    assert result.exit_code != 0
    assert "No workspace named 'Nope'" in result.output


def test_seed_demo_prints_login_and_key(runner):
    result = runner.invoke(args=["seed-demo", "--responses", "100"])
    assert result.exit_code == 0, result.output
    assert "demo@example.com / demo-password" in result.output
    raw_key = result.output.strip().splitlines()[-1].split(": ")[-1]
    assert api_keys.authenticate_api_key(raw_key).workspace.name == "Demo"


def test_worker_consumes_the_configured_email_queue(database_url, tmp_path, monkeypatch):
    from feedback_app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "CELERY_TASK_ALWAYS_EAGER": False,
                      "BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.db'}", "EMAIL_QUEUE": "mail-eu"})
    executed = []
    # The command execs Celery in place of the test process: record its command line instead.
    monkeypatch.setattr("os.execv", lambda path, argv: executed.append(argv))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["worker", "--no-beat"])
    assert result.exit_code == 0, result.output
    queues = executed[0][executed[0].index("--queues") + 1].split(",")
    assert "mail-eu" in queues and "email" not in queues
