"""Templates a view renders, read from disk: per-row queries written in Jinja (FD202, FD203)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from flask_doctor.config import Settings
from flask_doctor.report import file_line_reader
from flask_doctor.static.engine import run_check

APP = """
from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
app = Flask(__name__)
db = SQLAlchemy(app)

class Project(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String)
    members = db.relationship("Person")

    def get_bills(self):
        return Bill.query.filter(Bill.project_id == self.id)

class Person(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    project_id = db.Column(db.ForeignKey("project.id"))

class Bill(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    project_id = db.Column(db.ForeignKey("project.id"))

@app.get("/dashboard")
def dashboard():
    return render_template("{name}", projects=Project.query.all())

@app.post("/projects")
def add():
    db.session.add(Project(name="x"))
    db.session.commit()
    return "ok"
"""

DASHBOARD = """{% extends "layout.html" %}
{% block content %}
{% for project in projects|sort(attribute="name") %}
  <td>{{ project.members|count }}</td>
  <td>{{ project.get_bills().count() }}</td>
{% endfor %}
{% endblock %}
"""


def _project(root: Path, name: str = "dashboard.html", template: str = DASHBOARD) -> None:
    (root / "templates").mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(textwrap.dedent(APP).replace("{name}", name))
    (root / "templates" / name).write_text(template)


def _findings(root: Path, cache: bool = False):
    settings = Settings(root=root, preview=True, select=["FD202", "FD203"])
    return [f for f in run_check([root], settings, jobs=1, cache=cache).findings if f.code in ("FD202", "FD203")]


def test_loops_of_a_rendered_template_are_reported_at_the_template_line(tmp_path: Path) -> None:
    _project(tmp_path)
    found = sorted((f.code, f.location.path, f.location.line) for f in _findings(tmp_path) if f.location)
    assert found == [("FD202", "templates/dashboard.html", 5), ("FD203", "templates/dashboard.html", 4)]
    fd203 = next(f for f in _findings(tmp_path) if f.code == "FD203")
    assert "template `dashboard.html` (rendered by view `dashboard`)" in fd203.message
    assert any(e.location and e.location.path == "app.py" for e in fd203.evidence)


def test_fingerprints_follow_the_template_text_not_its_line(tmp_path: Path) -> None:
    _project(tmp_path)
    before = {f.fingerprint(file_line_reader(tmp_path)(f.location)) for f in _findings(tmp_path)}
    (tmp_path / "templates" / "dashboard.html").write_text("{# a comment #}\n\n" + DASHBOARD)
    after = {f.fingerprint(file_line_reader(tmp_path)(f.location)) for f in _findings(tmp_path)}
    assert before == after and len(before) == 2


def test_a_template_that_does_not_parse_or_is_missing_is_skipped(tmp_path: Path) -> None:
    _project(tmp_path, template="{% for project in projects %}{{ project.members|count }}{% endfor")
    assert _findings(tmp_path) == []
    (tmp_path / "templates" / "dashboard.html").unlink()
    assert _findings(tmp_path) == []


def test_an_edited_template_is_checked_again_with_the_cache(tmp_path: Path) -> None:
    _project(tmp_path, template="{% for project in projects %}{{ project.name }}{% endfor %}\n")
    assert _findings(tmp_path, cache=True) == []
    (tmp_path / "templates" / "dashboard.html").write_text(DASHBOARD)
    assert len(_findings(tmp_path, cache=True)) == 2


def test_template_names_with_control_characters_are_shown_escaped(tmp_path: Path) -> None:
    name = "dash\x1b[2Jboard.html"
    _project(tmp_path, name=name)
    (tmp_path / "app.py").write_text(textwrap.dedent(APP).replace('"{name}"', repr(name)))
    messages = [f.message for f in _findings(tmp_path)]
    assert messages and all("\x1b" not in m and "dash\\x1b[2Jboard.html" in m for m in messages)
