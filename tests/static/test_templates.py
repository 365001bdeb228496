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


def _parsed_loop_rows(text: str) -> set[str]:
    """The names whose rows the parsed template loops over (as ``rendered_loops`` keeps them), any name passed."""
    import ast

    from jinja2 import nodes

    from flask_doctor.static.facts import templates

    class Everything(dict):  # type: ignore[type-arg]
        def __contains__(self, key: object) -> bool:
            return True

        def __getitem__(self, key: str) -> ast.keyword:
            return ast.keyword(arg=key, value=ast.Name(id=key, ctx=ast.Load()))

    tree = templates._environment().parse(text)
    found = set()
    for loop in tree.find_all(nodes.For):
        rows = templates._rows_of(loop.iter, Everything()) if isinstance(loop.target, nodes.Name) else None
        if rows is not None:
            found.add(rows[0].arg)
    return found


def test_the_text_gate_before_parsing_never_misses_a_loop_over_a_passed_name() -> None:
    import ast
    import itertools

    from flask_doctor.static.facts.templates import _FOR_ROWS, _may_loop_over

    heads = ["{% for ", "{%- for ", "{%+ for ", "{%for ", "{% for\n", "{%-\nfor "]
    targets = ["x", "(x)", "( x )", "((x))", "x,", "x, y", "(x, y)", "ünï"]
    rows = [
        "posts", "(posts)", "posts.items", "posts . items", "posts|sort", "(posts|sort)", "posts.items|list",
        "posts | sort(attribute='a') | reverse", "posts|selectattr('a')|list", "(posts).items", "posts if posts",
        "posts recursive", "posts.items if x recursive", "posts\n", "\nposts", "ünï", "ünï.items",
        "posts[0]", "posts['a']", "posts.all()", "posts()", "posts.itemsx", "not posts", "-posts", "posts ~ x",
    ]  # fmt: skip
    tails = [" %}a{% endfor %}", " -%}a{%- endfor %}", "%}{% else %}b{% endfor %}"]
    checked = 0
    for head, target, iterable, tail in itertools.product(heads, targets, rows, tails):
        text = f"{head}{target} in {iterable}{tail}"
        try:
            looped = _parsed_loop_rows(text)
        except Exception:  # does not parse: never looked at
            continue
        gate = {m.group(1) for m in _FOR_ROWS.finditer(text)}
        assert looped <= gate, text
        for name in looped:
            assert _may_loop_over(text, {name: ast.keyword(arg=name, value=ast.Constant(None))}), text
        checked += 1
    assert checked > 500
    # what the gate leaves unparsed: two-name loops, another variable's part, a loop over a local
    for text in (
        "{% for topic, post in topics.items %}{% endfor %}",
        "{% for post in result['post'] %}{% endfor %}",
        "{% for user in result.users.all() %}{% endfor %}",
        "{% set rows = topics %}{% for t in rows %}{% endfor %}",
    ):
        assert not _may_loop_over(text, {"topics": ast.keyword(), "result": ast.keyword()}), text
