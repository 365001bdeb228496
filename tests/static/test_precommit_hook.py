"""The pre-commit hook, run by the real ``pre-commit`` on a real commit.

A temporary repository points its ``repo:`` entry at a clone of this
repository's committed HEAD, so what is tested is what users install:
``.pre-commit-hooks.yaml`` and the package built from it (uncommitted edits
are not seen).  pre-commit builds the hook's virtual environment offline: it
sees the site-packages this test runs in (``VIRTUALENV_SYSTEM_SITE_PACKAGES``),
pip may not reach any index (``PIP_NO_INDEX``) and builds without an isolated
build environment, so the dependencies already installed here are used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pre_commit", reason="the pre-commit tool is part of the dev extra")

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]

VIEW = textwrap.dedent(
    """
    from flask import Flask
    from app.helpers import slow

    app = Flask(__name__)

    @app.route("/")
    def index():
        slow()
        return "ok"
    """
).lstrip()
HELPER = "import time\n\n\ndef slow():\n    return 1\n"
DOCKERFILE = 'FROM python:3.12\nCMD ["flask", "run", "--host=0.0.0.0"]\n'


def _git(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _offline_env(base: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_", "VIRTUALENV_", "GIT_"))}
    env.update(
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
        GIT_CONFIG_NOSYSTEM="1",
        HOME=str(base),
        PRE_COMMIT_HOME=str(base / "pre-commit-home"),
        VIRTUALENV_SYSTEM_SITE_PACKAGES="1",
        PIP_NO_INDEX="1",
        PIP_NO_BUILD_ISOLATION="0",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def _project(base: Path, config: str, env: dict[str, str]) -> Path:
    """A committed Flask project with ``config`` as its pre-commit config, the hook installed after."""
    project = base / "project"
    (project / "app").mkdir(parents=True)
    # FD401 is off by default on its measured precision; this project asks for it.
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\n\n[tool.flask-doctor]\nextend-select = ['FD401']\n"
    )
    (project / "app" / "__init__.py").write_text(VIEW)
    (project / "app" / "helpers.py").write_text(HELPER)
    (project / "Dockerfile").write_text(DOCKERFILE)  # a finding already committed
    (project / "README.md").write_text("# demo\n")
    (project / ".pre-commit-config.yaml").write_text(config)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "init")):
        done = _git(*args, cwd=project, env=env)
        assert done.returncode == 0, done.stderr
    installed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"],
        check=False,
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return project


def _need_git() -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of flask-doctor")


@pytest.fixture(scope="module")
def hooked_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A project whose ``repo:`` entry is a clone of this repository."""
    _need_git()
    if not (REPO / ".pre-commit-hooks.yaml").is_file():
        pytest.fail(".pre-commit-hooks.yaml is missing at the repository root")
    base = tmp_path_factory.mktemp("precommit")
    env = _offline_env(base)
    clone = base / "flask-doctor"
    done = _git("clone", "-q", str(REPO), str(clone), cwd=base, env=env)
    assert done.returncode == 0, done.stderr
    rev = _git("rev-parse", "HEAD", cwd=clone, env=env).stdout.strip()
    # Notes fail the commit too, so the test does not hang on how sure FD401 is.
    config = (
        f"repos:\n  - repo: {clone}\n    rev: {rev}\n    hooks:\n      - id: flask-doctor\n"
        "        args: [--fail-level, note]\n"
    )
    return _project(base, config, env), env


def _commit(project: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    done = _git("commit", "-m", message, cwd=project, env=env)
    done.stdout += done.stderr  # pre-commit writes its report to either
    return done


def test_hook_reports_a_cross_file_finding_in_the_staged_file_only(
    hooked_repo: tuple[Path, dict[str, str]],
) -> None:
    project, env = hooked_repo
    helper = project / "app" / "helpers.py"
    helper.write_text(HELPER.replace("return 1", "time.sleep(1)"))
    _git("add", "app/helpers.py", cwd=project, env=env)
    blocked = _commit(project, env, "sleep in a helper")
    assert blocked.returncode != 0, blocked.stdout
    assert "flask-doctor" in blocked.stdout and "Failed" in blocked.stdout
    # FD401 needs the view in app/__init__.py, which is not staged: the model is the whole project.
    assert "app/helpers.py" in blocked.stdout and "FD401" in blocked.stdout
    assert "called from index (app/__init__.py:" in blocked.stdout
    # The Dockerfile's committed finding is not about this commit.
    assert "FD307" not in blocked.stdout and "Dockerfile" not in blocked.stdout
    assert "1 finding in 1 files" in blocked.stdout

    # The hook ran the package pre-commit built from the clone, not the one under test.
    pythons = list((Path(env["PRE_COMMIT_HOME"])).glob("repo*/py_env-*/bin/python"))
    assert len(pythons) == 1
    where = subprocess.run(
        [str(pythons[0]), "-c", "import flask_doctor; print(flask_doctor.__file__)"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert where.stdout.startswith(env["PRE_COMMIT_HOME"]), where.stdout + where.stderr

    helper.write_text(HELPER.replace("return 1", "return 2"))
    _git("add", "app/helpers.py", cwd=project, env=env)
    fixed = _commit(project, env, "no sleep")
    assert fixed.returncode == 0, fixed.stdout
    assert "flask-doctor" in fixed.stdout and "Passed" in fixed.stdout


def test_hook_checks_staged_deploy_files_and_skips_other_files(
    hooked_repo: tuple[Path, dict[str, str]],
) -> None:
    project, env = hooked_repo
    (project / "README.md").write_text("# demo\n\nMore words.\n")
    _git("add", "README.md", cwd=project, env=env)
    docs_only = _commit(project, env, "docs")
    assert docs_only.returncode == 0, docs_only.stdout
    assert "Passed" in docs_only.stdout

    (project / "Dockerfile").write_text(DOCKERFILE + "EXPOSE 5000\n")
    _git("add", "Dockerfile", cwd=project, env=env)
    deploy = _commit(project, env, "expose")
    assert deploy.returncode != 0, deploy.stdout
    assert "Dockerfile" in deploy.stdout and "FD307" in deploy.stdout
    assert "app/helpers.py" not in deploy.stdout


def test_the_local_system_hook_of_the_readme(tmp_path: Path) -> None:
    """The offline variant: ``repo: local``, ``language: system``, the flask-doctor under test."""
    _need_git()
    env = _offline_env(tmp_path)
    env["PYTHONPATH"] = str(REPO / "src")
    config = textwrap.dedent(
        f"""
        repos:
          - repo: local
            hooks:
              - id: flask-doctor
                name: flask-doctor
                entry: {sys.executable} -m flask_doctor check --files-only --fail-level note
                language: system
                require_serial: true
        """
    ).lstrip()
    project = _project(tmp_path, config, env)
    (project / "app" / "helpers.py").write_text(HELPER.replace("return 1", "time.sleep(1)"))
    _git("add", "app/helpers.py", cwd=project, env=env)
    blocked = _commit(project, env, "sleep in a helper")
    assert blocked.returncode != 0, blocked.stdout
    assert "FD401" in blocked.stdout and "called from index (app/__init__.py:" in blocked.stdout
    assert "FD307" not in blocked.stdout
