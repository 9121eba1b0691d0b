"""The package builds from a fresh checkout without setuptools warnings and ships every template and static file."""
import subprocess
import sys
import zipfile

import pytest

from tests.support.checkout import fresh_checkout

DATA_FOLDERS = ("feedback_app/templates", "feedback_app/static", "widgets/templates", "widgets/static")
# Run a PEP 517 hook of setuptools' backend the way pip does, in a fresh process.
BUILD_HOOK = "import sys, setuptools.build_meta as backend; print(getattr(backend, sys.argv[1])(sys.argv[2]))"


def _build(hook, source, output):
    result = subprocess.run([sys.executable, "-c", BUILD_HOOK, hook, str(output)], cwd=source,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1], result.stderr


@pytest.mark.slow
def test_editable_install_build_prints_no_warning(tmp_path):
    source = fresh_checkout(tmp_path / "checkout")
    _, stderr = _build("build_editable", source, tmp_path)
    assert "Warning" not in stderr and "is absent from" not in stderr, stderr


@pytest.mark.slow
def test_wheel_holds_every_template_and_static_file_without_warnings(tmp_path):
    source = fresh_checkout(tmp_path / "checkout")
    wheel_name, stderr = _build("build_wheel", source, tmp_path)
    assert "is absent from" not in stderr, stderr
    shipped = set(zipfile.ZipFile(tmp_path / wheel_name).namelist())
    data_files = {path.relative_to(source).as_posix() for folder in DATA_FOLDERS
                  for path in (source / folder).rglob("*") if path.is_file()}
    assert len(data_files) > 40
    assert sorted(data_files - shipped) == []


@pytest.mark.slow
def test_an_installed_wheel_migrates_a_database_without_the_checkout(tmp_path):
    import sqlite3
    import sysconfig
    import venv

    source = fresh_checkout(tmp_path / "checkout")
    wheel_name, _ = _build("build_wheel", source, tmp_path)
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    # The dependencies come from the test's own environment, by path only: a .pth line adds a folder to sys.path
    # without running the .pth files inside it, so the editable install of this checkout stays out.
    site_packages = target / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    (site_packages / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--prefix", str(target),
                    str(tmp_path / wheel_name)], check=True, timeout=240)
    database = tmp_path / "elsewhere" / "feedback.db"
    database.parent.mkdir()
    environment = {"PATH": "/usr/bin:/bin", "FEEDBACK_ENV": "production", "SECRET_KEY": "x" * 32,
                   "DATABASE_URL": f"sqlite:///{database}", "FLASK_APP": "feedback_app.wsgi"}
    result = subprocess.run([str(target / "bin" / "python"), "-m", "flask", "db", "upgrade"], cwd=database.parent,
                            env=environment, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    heads = sorted(path.name.split("_")[0] for path in (source / "migrations" / "versions").glob("0*.py"))
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()[0] == heads[-1]
        assert connection.execute("SELECT count(*) FROM workspaces").fetchone()[0] == 0
