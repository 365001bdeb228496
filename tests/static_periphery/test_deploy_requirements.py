"""Declared dependencies: which files are read, what each says (with its line), and what a pin allows.

Rules ask the deploy model which version of a library production installs
(FD208: Flask-SQLAlchemy 2.x falls back to the bound app, 3.x does not), so
every format is checked with its lines, odd and hostile files must not
crash the reader, and the version arithmetic is checked clause by clause.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from flask_doctor.findings import Location, Severity
from flask_doctor.static.deploy import DeployModel, deploy_kind, parse_deploy_files
from flask_doctor.static.deploy.model import Requirement
from flask_doctor.static.deploy.readers.requirements import parse_requirement
from flask_doctor.static.deploy.versions import allows_only_below, requires_at_least
from flask_doctor.static.runner import analyse_sources


def read(tmp_path: Path, files: dict[str, str | bytes]) -> DeployModel:
    paths = []
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        paths.append(path)
    return parse_deploy_files(paths, tmp_path)


def pins(model: DeployModel) -> list[tuple[str, str, str]]:
    return [(r.name, r.spec, f"{r.source.path}:{r.source.line}") for r in model.requirements]


def test_which_files_declare_dependencies() -> None:
    kinds = {
        name: deploy_kind(Path(name))
        for name in (
            "requirements.txt",
            "requirements-prod.txt",
            "server/requirements_base.txt",
            "requirements/production.txt",
            "pyproject.toml",
            "pkg/setup.py",
            "setup.cfg",
            "Pipfile",
            "Pipfile.lock",
            "requirements.in",
            "requirements.txt.bak",
            "requirements/README.md",
            "notes.txt",
        )
    }
    assert kinds == {
        "requirements.txt": "requirements",
        "requirements-prod.txt": "requirements",
        "server/requirements_base.txt": "requirements",
        "requirements/production.txt": "requirements",
        "pyproject.toml": "requirements",
        "pkg/setup.py": "requirements",
        "setup.cfg": "requirements",
        "Pipfile": "requirements",
        "Pipfile.lock": None,
        "requirements.in": None,
        "requirements.txt.bak": None,
        "requirements/README.md": None,
        "notes.txt": None,
    }


def test_discovery_collects_dependency_files(tmp_path: Path) -> None:
    from flask_doctor.config import Settings
    from flask_doctor.static.files import discover

    for rel in ("requirements.txt", "requirements/base.txt", "setup.py", "pyproject.toml", "docs/notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("flask\n" if rel.endswith(".txt") else "")
    found = discover([tmp_path], Settings(root=tmp_path))
    assert sorted(p.relative_to(tmp_path).as_posix() for p in found.deploy_files) == [
        "pyproject.toml",
        "requirements.txt",
        "requirements/base.txt",
        "setup.py",
    ]
    assert [p.name for p in found.python_files] == ["setup.py"]  # still checked as a module too


def test_requirements_txt(tmp_path: Path) -> None:
    model = read(
        tmp_path,
        {
            "requirements.txt": """
            # pinned by pip-compile
            -r requirements/base.txt
            -e .
            --index-url https://example.invalid/simple
            Flask==2.0.3  # via -r requirements.in
            Flask_SQLAlchemy [async] >= 2.5 , < 3 ; python_version >= "3.8"
            celery[redis]==5.2.7 \\
                --hash=sha256:0123456789abcdef
            gunicorn
            mylib @ git+https://example.invalid/mylib.git
            https://example.invalid/wheels/other-1.0-py3-none-any.whl
            ./vendor/thing
            """,
            "requirements/base.txt": "redis~=4.5\n",
        },
    )
    assert pins(model) == [  # files in path order
        ("redis", "~=4.5", "requirements/base.txt:1"),
        ("flask", "==2.0.3", "requirements.txt:5"),
        ("flask-sqlalchemy", ">=2.5,<3", "requirements.txt:6"),
        ("celery", "==5.2.7", "requirements.txt:7"),
        ("gunicorn", "", "requirements.txt:9"),
        ("mylib", "", "requirements.txt:10"),
    ]
    assert model.requirement("FLASK.SQLAlchemy") == [
        Requirement("flask-sqlalchemy", ">=2.5,<3", Location("requirements.txt", 6, 1))
    ]
    assert model.files["requirements"] == ["requirements/base.txt", "requirements.txt"]
    assert not model.problems


def test_pyproject_pep621_and_poetry(tmp_path: Path) -> None:
    model = read(
        tmp_path,
        {
            "pyproject.toml": """
            [build-system]
            requires = ["setuptools>=61"]

            [project]
            name = "shop"
            dependencies = [
                "flask>=2.2",
                "Flask-SQLAlchemy==3.1.1",
            ]

            [project.optional-dependencies]
            dev = ["pytest"]

            [tool.poetry.dependencies]
            python = "^3.10"
            flask-sqlalchemy = "^2.5"
            flask = {version = "~2.0", extras = ["async"]}
            "psycopg2-binary" = [{version = "2.9.5", markers = "sys_platform == 'linux'"}, {version = "^2.9"}]
            sentry-sdk = {version = "*", optional = true}
            mylib = {git = "https://example.invalid/mylib.git"}
            anything = "*"

            [tool.poetry.group.dev.dependencies]
            pytest = "^7"
            """,
        },
    )
    assert pins(model) == [
        ("flask", ">=2.2", "pyproject.toml:7"),
        ("flask-sqlalchemy", "==3.1.1", "pyproject.toml:8"),
        ("flask-sqlalchemy", "^2.5", "pyproject.toml:16"),
        ("flask", "~2.0", "pyproject.toml:17"),
        ("psycopg2-binary", "2.9.5 || ^2.9", "pyproject.toml:18"),
        ("mylib", "", "pyproject.toml:20"),
        ("anything", "", "pyproject.toml:21"),
    ]


def test_setup_cfg_setup_py_and_pipfile(tmp_path: Path) -> None:
    model = read(
        tmp_path,
        {
            "setup.cfg": """
            [metadata]
            name = shop
            install_requires = not-this-section

            [options]
            packages = find:
            install_requires =
                flask>=1.1
                # a comment
                Flask-SQLAlchemy<3
            python_requires = >=3.8

            [options.extras_require]
            dev = pytest
            """,
            "pkg/setup.py": """
            from setuptools import setup

            BASE = ["flask==1.1.4"]
            EXTRA: list = ["Flask-SQLAlchemy==2.4.4", 3, None]

            setup(
                name="pkg",
                install_requires=BASE + EXTRA + ["celery>=4,<5"],
                extras_require={"dev": ["pytest"]},
            )
            """,
            "Pipfile": """
            [packages]
            flask = "==2.0.1"
            flask-sqlalchemy = {version = ">=2.5,<3.0"}
            requests = "*"

            [dev-packages]
            pytest = "*"
            """,
        },
    )
    assert pins(model) == [
        ("flask", "==2.0.1", "Pipfile:2"),
        ("flask-sqlalchemy", ">=2.5,<3.0", "Pipfile:3"),
        ("requests", "", "Pipfile:4"),
        ("flask", "==1.1.4", "pkg/setup.py:3"),
        ("flask-sqlalchemy", "==2.4.4", "pkg/setup.py:4"),
        ("celery", ">=4,<5", "pkg/setup.py:8"),
        ("flask", ">=1.1", "setup.cfg:8"),
        ("flask-sqlalchemy", "<3", "setup.cfg:10"),
    ]


@pytest.mark.parametrize(
    "files",
    [
        {"setup.py": "setup(install_requires=[\n"},  # a syntax error: FD001 reports the module, not this reader
        {"setup.py": "from setuptools import setup\nsetup(install_requires=read_requirements('requirements.in'))\n"},
        {"setup.py": "REQS = REQS + ['flask']\nA = B\nB = A\nsetup(install_requires=A, **extra)\n"},
        {"setup.py": "setup(install_requires=" + "[" * 5000 + "]" * 5000 + ")\n"},
        {"setup.py": "setup(install_requires=" + "x + " * 3000 + "x)\n"},
        {"setup.py": "import os\nos.system('rm -rf /')\nsetup(install_requires={'flask': 1})\n"},
        {"setup.py": b"\xff\xfe\x00setup()"},
        {"pyproject.toml": "[project]\ndependencies = 'flask'\n[tool.poetry]\ndependencies = 3\n"},
        {"pyproject.toml": "[project]\ndependencies = [1, {a = 2}, '', '===', '[x]']\n"},
        {"pyproject.toml": "[tool.poetry.dependencies]\nflask = 3\nx = []\ny = [{}]\nz = {version = 2}\n"},
        {"Pipfile": "packages = 'flask'\n"},
        {"setup.cfg": "install_requires = flask\n[options\ninstall_requires=\n\tfile: requirements.txt\n"},
        {"requirements.txt": "\\\n\\\n" + "a" * 100_000 + "\n==1\n[x]\n;;\n" + "#" * 10 + "\n-\n"},
    ],
)
def test_odd_and_hostile_files_do_not_crash(tmp_path: Path, files: dict[str, str | bytes]) -> None:
    model = read(tmp_path, files)
    assert not [p for p in model.problems if "internal error" in p[2]]
    assert all(r.name and "\n" not in r.spec for r in model.requirements)
    assert not any(r.name == "flask" for r in model.requirements if r.source.path == "setup.py")


def test_invalid_toml_is_a_problem_with_its_line(tmp_path: Path) -> None:
    model = read(tmp_path, {"pyproject.toml": '[project]\nname = "x"\ndependencies = [\n"flask",,\n]\n'})
    assert model.requirements == []
    assert [(p[0].name, p[1], p[2].split(":")[0]) for p in model.problems] == [("pyproject.toml", 4, "invalid TOML")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Flask-SQLAlchemy[a,b] (>=2.5, <3) ; python_version > "3"', ("flask-sqlalchemy", ">=2.5,<3")),
        ("flask_sqlalchemy", ("flask-sqlalchemy", "")),
        ("x @ https://example.invalid/x.zip", ("x", "")),
        ("git+https://example.invalid/x.git", None),
        ("./local/path", None),
        ("", None),
    ],
)
def test_parse_requirement(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_requirement(text) == expected


@pytest.mark.parametrize(
    ("spec", "below_3", "at_least_3"),
    [
        ("==2.5.1", True, False),
        ("==2.*", True, False),
        ("==3.*", False, True),
        ("===2.2", True, False),
        ("<3", True, False),
        ("<3.0.0", True, False),
        ("<=3.0", False, False),
        ("<=2.99", True, False),
        ("<3.1", False, False),
        (">=2.1,<3", True, False),
        ("~=2.5", True, False),
        ("~=2.5.0", True, False),
        ("~=3.0", False, True),
        ("~=2", False, False),  # invalid: ignored
        (">=3.0", False, True),
        (">=3", False, True),
        (">=3.0.0rc1", False, True),
        (">2.9", False, False),
        (">3.0", False, True),
        (">=2.5", False, False),
        ("!=3.0", False, False),
        ("^2.5", True, False),
        ("^3.0.1", False, True),
        ("^0.9", True, False),
        ("~2.5.1", True, False),
        ("~3", False, True),
        ("2.5.1", True, False),  # a bare Poetry version is exact
        (">=2.0 <3.0", True, False),  # Poetry separates clauses by spaces too
        ("^2.5 || ^3.0", False, False),
        ("==2.5.1 || ~=2.4", True, False),
        ("", False, False),
        ("*", False, False),
        ("==${FSA_VERSION}", False, False),
        (">=3.0,<2.0", True, True),  # contradictory: both are literally true of the empty set
    ],
)
def test_what_a_specifier_allows(spec: str, below_3: bool, at_least_3: bool) -> None:
    assert allows_only_below(spec, (3, 0)) is below_3
    assert requires_at_least(spec, (3, 0)) is at_least_3


_BOUND_JOB = """
from celery import Celery
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)
celery = Celery(__name__, broker="redis://localhost")


class Entry(db.Model):
    id = db.Column(db.Integer, primary_key=True)


@celery.task
def prune():
    db.session.query(Entry).delete()
"""


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"requirements.txt": "Flask-SQLAlchemy==2.5.1\n"}, None),
        ({"setup.py": "from setuptools import setup\nsetup(install_requires=['flask_sqlalchemy<3'])\n"}, None),
        ({"requirements.txt": "Flask-SQLAlchemy==3.0.5\n"}, Severity.ERROR),
        ({}, Severity.NOTE),
        ({"requirements.txt": "flask-sqlalchemy\n"}, Severity.NOTE),
        ({"requirements-dev.txt": "flask-sqlalchemy==2.5.1\n"}, Severity.NOTE),  # a dev file says nothing of prod
        (
            {
                "requirements.txt": "flask-sqlalchemy==2.5.1\n",
                "setup.cfg": "[options]\ninstall_requires = flask-sqlalchemy>=3\n",
            },
            Severity.NOTE,
        ),
    ],
)
def test_fd208_follows_the_pinned_flask_sqlalchemy(files: dict[str, str], expected: Severity | None) -> None:
    result = analyse_sources({"app.py": _BOUND_JOB, **files}, select=["FD208"])
    found = [(f.severity, f.location.line if f.location else 0) for f in result.findings if f.code == "FD208"]
    assert found == ([] if expected is None else [(expected, 17)])


def test_fd208_unbound_extension_is_an_error_whatever_the_pin() -> None:
    unbound = _BOUND_JOB.replace("db = SQLAlchemy(app)", "db = SQLAlchemy()\ndb.init_app(app)")
    result = analyse_sources({"app.py": unbound, "requirements.txt": "Flask-SQLAlchemy==2.5.1\n"}, select=["FD208"])
    assert [(f.severity, f.location.line if f.location else 0) for f in result.findings] == [(Severity.ERROR, 18)]
