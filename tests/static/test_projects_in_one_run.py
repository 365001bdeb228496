"""Several projects checked in one run keep separate models."""

from __future__ import annotations

import textwrap
from pathlib import Path

from flask_doctor.config import Settings
from flask_doctor.static.engine import run_check


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


def test_one_apps_factory_does_not_judge_another_app(tmp_path: Path) -> None:
    write(tmp_path / "factory_app" / "pyproject.toml", "[project]\nname='a'\n")
    write(
        tmp_path / "factory_app" / "app" / "__init__.py",
        """
        from flask import Flask

        def create_app():
            return Flask(__name__)
        """,
    )
    write(tmp_path / "simple_app" / "setup.py", "from setuptools import setup\nsetup()\n")
    write(
        tmp_path / "simple_app" / "app" / "__init__.py",
        """
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy

        app = Flask(__name__)
        db = SQLAlchemy(app)
        """,
    )
    together = run_check([tmp_path], Settings(root=tmp_path), jobs=1).findings
    assert [f for f in together if f.code == "FD602"] == []
    # merged into one project, the same files would be judged as one app with a factory
    write(
        tmp_path / "simple_app" / "app" / "factory.py",
        """
        from flask import Flask

        def create_app():
            return Flask(__name__)
        """,
    )
    merged = run_check([tmp_path], Settings(root=tmp_path), jobs=1).findings
    assert [(f.code, f.location.path) for f in merged if f.code == "FD602"] == [("FD602", "simple_app/app/__init__.py")]
