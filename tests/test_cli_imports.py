"""``flask-doctor check`` (and ``rules``/``rule``) never import the audit, the runtime or soak.

The static checker must not pay for Flask, SQLAlchemy, gunicorn or Locust,
and must not depend on them being importable: rule metadata comes from the
static rules and :mod:`flask_doctor.catalogue` only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("flask_doctor.audit", "flask_doctor.runtime", "flask_doctor.soak")

#: Runs the CLI in this interpreter, then prints every loaded module name as JSON on the last line.
RUN_IN_PROCESS = """
import json, sys
from flask_doctor.cli import cli
try:
    cli.main(args=sys.argv[1:], prog_name="flask-doctor", standalone_mode=False)
except SystemExit:
    pass
print()
print(json.dumps(sorted(sys.modules)))
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


def loaded_modules(*args: str, cwd: Path) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", RUN_IN_PROCESS, *args], capture_output=True, text=True, cwd=cwd, env=_env(), timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(
        "from flask import Flask\n\napp = Flask(__name__)\napp.config['SECRET_KEY'] = 'dev'\n\n"
        "if __name__ == '__main__':\n    app.run(debug=True)\n"
    )
    (tmp_path / "Procfile").write_text("web: flask run --debug\n")
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ("check", "."),
        ("check", ".", "--format", "sarif"),
        ("check", ".", "--format", "json", "--preview"),
        ("rules",),
        ("rules", "--format", "json"),
        ("rule", "FD240"),
        ("rule", "FD570"),
    ],
    ids=" ".join,
)
def test_static_commands_import_no_other_surface(tree: Path, args: tuple[str, ...]) -> None:
    modules = loaded_modules(*args, cwd=tree)
    assert "flask_doctor.static.engine" in modules or args[0] != "check"
    assert "flask_doctor.rulebook" in modules
    assert [m for m in modules if m.startswith(FORBIDDEN)] == []


def test_sarif_lists_audit_runtime_and_soak_rules_without_importing_them(tree: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "flask_doctor", "check", ".", "--format", "sarif"],
        capture_output=True,
        text=True,
        cwd=tree,
        env=_env(),
        timeout=120,
    )
    rules = {r["id"]: r for r in json.loads(proc.stdout)["runs"][0]["tool"]["driver"]["rules"]}
    assert {"FD240", "FD570", "FD180", "FD004", "FD306"} <= set(rules)
    assert rules["FD240"]["name"] == "database-unreachable"


def test_check_help_imports_no_other_surface(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "flask_doctor.cli", "check", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")]
    # importlib.import_module (the lazy command) is not timed itself, only what it imports
    assert "flask_doctor.cli_common" in imported and "flask_doctor.config" in imported
    assert [m for m in imported if m.startswith(FORBIDDEN)] == []


#: Libraries ``check`` imports only when a project needs them (issue 13: start-up):
#: PyYAML for YAML deploy files, the TOML parser for a configuration file,
#: multiprocessing for ``--jobs``, difflib for a "did you mean" in an error.
ON_DEMAND = ("yaml", "tomllib", "tomli", "multiprocessing", "difflib")


def test_check_imports_on_demand_libraries_only_when_needed(tree: Path) -> None:
    modules = loaded_modules("check", ".", "--no-cache", cwd=tree)
    assert [m for m in modules if m.split(".")[0] in ON_DEMAND] == []
    (tree / "docker-compose.yml").write_text("services:\n  web:\n    command: flask run\n")
    (tree / "pyproject.toml").write_text("[tool.flask-doctor]\n")
    modules = loaded_modules("check", ".", "--no-cache", cwd=tree)
    assert {"yaml", "tomllib" if sys.version_info >= (3, 11) else "tomli"} <= set(modules)


def test_quiet_check_without_colour_does_not_import_rich(tree: Path) -> None:
    """The summary line alone needs no rich (~20 ms to import); the full report does."""
    assert "rich" not in loaded_modules("check", ".", "--no-cache", "--quiet", cwd=tree)
    assert "rich" in loaded_modules("check", ".", "--no-cache", cwd=tree)
