"""``check --fix`` / ``--unsafe-fixes`` / ``--diff``: every cure's guarantees, on real trees.

For every rule with a fix: its FIX_EXAMPLE (shown on the rule page) is turned into exactly its ``after``;
on each of its INVALID examples and on every bad fixture project the fixed files parse, the rule stops
firing except where a fix was skipped, a second ``--fix`` changes nothing and no import is added twice.
"""

from __future__ import annotations

import ast
import os
import shutil
import stat
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from flask_doctor.atomic import write_atomically
from flask_doctor.cli import cli
from flask_doctor.rulebook import all_metas, get_meta
from flask_doctor.static.command import rule_markdown
from flask_doctor.static.fixes import load_cures
from flask_doctor.static.fixes.apply import parses
from flask_doctor.static.fixes.base import CURES
from flask_doctor.static.fixes.cures.fd003_unused_noqa import rewrite_comment
from flask_doctor.static.rules import all_rules
from tests.fixes.harness import findings, fix, read_tree, write_tree

load_cures()
RULES = all_rules()
FIXED = sorted(code for code in CURES if code in RULES)
PROJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "projects"


def _imports(text: str) -> list[str]:
    tree = ast.parse(text)
    out = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            out += [f"import {a.name} as {a.asname}" for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            out += [f"from {'.' * node.level}{node.module} import {a.name} as {a.asname}" for a in node.names]
    return out


def _guarantees(root: Path, select: list[str] | None) -> None:
    """Fix ``root`` (all fixes, safe and unsafe) and check what every fix promises."""
    before_tree = read_tree(root)
    before = Counter((f.location.path, f.code) for f in findings(root, select) if f.location)
    report = fix(root, select)
    after_tree = read_tree(root)
    after = Counter((f.location.path, f.code) for f in findings(root, select) if f.location)
    applied = Counter((f.location.path, f.code) for f in report.applied)
    skipped = Counter((f.location.path, f.code) for f, _ in report.skipped)
    for key, n in applied.items():
        # the rule no longer fires where it was fixed (a skipped finding may remain)
        assert after[key] <= before[key] - n + skipped[key], (key, before[key], after[key], report.skipped)
    for path, text in after_tree.items():
        if path.endswith(".py") and text != before_tree.get(path):
            assert parses(text), path
            imports = _imports(text)
            assert len(imports) == len(set(imports)), f"{path}: an import added twice: {imports}"
    assert report.python_parsing == report.python_changed
    again = fix(root, select)
    assert again.applied == [] and read_tree(root) == after_tree, [f.code for f in again.applied]


# --------------------------------------------------------------- metadata
def test_every_cure_is_declared_on_its_rule_and_every_declared_fix_has_a_cure() -> None:
    declared = {m.code for m in all_metas() if m.fix_safety != "none"}
    assert declared == set(CURES)
    for meta in all_metas():
        assert meta.fix_safety in ("safe", "unsafe", "none"), meta.code
        assert (meta.fix_example is not None) == (meta.fix_safety != "none"), meta.code


@pytest.mark.parametrize("code", sorted(CURES))
def test_rule_page_shows_fix_safety_and_the_example(code: str) -> None:
    page = rule_markdown(code)
    meta = get_meta(code)
    assert meta is not None and meta.fix_example is not None
    assert f"- **Fix:** {meta.fix_safety}" in page
    assert textwrap.dedent(meta.fix_example.after).strip() in page


def test_rule_without_fix_says_none() -> None:
    assert "- **Fix:** none" in rule_markdown("FD201")


# --------------------------------------------------------------- examples
@pytest.mark.parametrize("code", sorted(CURES))
def test_fix_example_turns_before_into_after(code: str, tmp_path: Path) -> None:
    example = get_meta(code).fix_example  # type: ignore[union-attr]
    write_tree(tmp_path, {example.path: example.before, **example.files})
    report = fix(tmp_path, [code])
    assert report.skipped == []
    assert read_tree(tmp_path)[example.path] == textwrap.dedent(example.after).lstrip("\n")
    assert [f for f in findings(tmp_path, [code]) if f.code == code] == []
    assert fix(tmp_path, [code]).applied == []


def _invalid_cases():
    for code in FIXED:
        for i, example in enumerate(RULES[code].INVALID):
            yield pytest.param(code, example, id=f"{code}-invalid-{i}")


@pytest.mark.parametrize("code, example", list(_invalid_cases()))
def test_guarantees_on_invalid_examples(code: str, example, tmp_path: Path) -> None:
    write_tree(tmp_path, {"app.py": example.code, **example.files})
    _guarantees(tmp_path, [code])


def _bad_projects() -> list[Path]:
    return sorted(p for p in PROJECTS.iterdir() if p.is_dir() and not p.name.endswith("_good"))


@pytest.mark.parametrize("project", _bad_projects(), ids=lambda p: p.name)
def test_guarantees_on_fixture_projects(project: Path, tmp_path: Path) -> None:
    root = tmp_path / project.name
    shutil.copytree(project, root)
    _guarantees(root, None)


# ------------------------------------------------------------- skip notes
def test_a_fix_that_cannot_apply_is_skipped_and_the_others_still_apply(tmp_path: Path) -> None:
    source = """
        import requests
        import secrets
        from flask import Flask

        class ConfigKey:
            SECRET_KEY = "SECRET_KEY"

        def create_app():
            app = Flask(__name__)
            app.config.from_envvar("APP_CONFIG")
            if not app.config.get(ConfigKey.SECRET_KEY):
                app.config[ConfigKey.SECRET_KEY] = secrets.token_hex()
            return app

        app = create_app()

        @app.get("/")
        def index():
            return requests.get("https://example.com").text
        """
    write_tree(tmp_path, {"app.py": source})
    report = fix(tmp_path, ["FD301", "FD402"])
    assert [f.code for f in report.applied] == ["FD402"]
    assert [(f.code, reason) for f, reason in report.skipped] == [
        ("FD301", "the setting's name is not a plain upper-case key")
    ]
    text = read_tree(tmp_path)["app.py"]
    assert "app.config[ConfigKey.SECRET_KEY] = secrets.token_hex()" in text  # untouched, not half-fixed
    assert 'requests.get("https://example.com", timeout=10)' in text


def test_ldap_connection_is_not_given_a_timeout_keyword(tmp_path: Path) -> None:
    source = """
        import ldap
        from flask import Flask, g
        app = Flask(__name__)

        @app.before_request
        def load_groups():
            conn = ldap.initialize("ldap://directory.example")
            g.groups = conn.search_s("dc=example", ldap.SCOPE_ONELEVEL, "(uid=u)")
        """
    write_tree(tmp_path, {"app.py": source})
    report = fix(tmp_path, ["FD402"])
    assert report.applied == [] and [f.code for f, _reason in report.skipped] == ["FD402"]
    assert 'ldap.initialize("ldap://directory.example")' in read_tree(tmp_path)["app.py"]


def test_safe_fixes_only_without_unsafe_flag(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app.py": """
        import requests
        from flask import Flask
        app = Flask(__name__)

        @app.get("/")
        def index():
            return requests.get("https://example.com").text

        app.run()
        """
        },
    )
    report = fix(tmp_path, ["FD402", "FD306"], unsafe=False)
    assert [f.code for f in report.applied] == ["FD402"] and report.unsafe_available == 1
    assert read_tree(tmp_path)["app.py"].rstrip().endswith("\napp.run()")


# -------------------------------------------------------------------- CLI
def test_diff_prints_a_patch_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app.py": """
        class Config:
            SQLALCHEMY_TRACK_MODIFICATIONS = True
        """
        },
    )
    before = read_tree(tmp_path)
    result = CliRunner().invoke(cli, ["check", str(tmp_path), "--diff", "--select", "FD205"])
    assert result.exit_code == 1, result.output
    expected = "-    SQLALCHEMY_TRACK_MODIFICATIONS = True\n+    SQLALCHEMY_TRACK_MODIFICATIONS = False\n"
    assert expected in result.stdout
    assert "--- a/app.py\n+++ b/app.py\n" in result.stdout
    assert read_tree(tmp_path) == before
    clean = CliRunner().invoke(cli, ["check", str(tmp_path), "--diff", "--select", "FD201"])
    assert clean.exit_code == 0 and clean.stdout == ""


def test_fix_writes_then_reports_what_is_left(tmp_path: Path) -> None:
    # FD306 at warning (whatever its measured default), so the exit code says whether it is left
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.flask-doctor]\nseverity = { FD306 = "warning" }\n',
            "app.py": """
        from flask import Flask
        app = Flask(__name__)
        app.run(debug=True)
        """,
        },
    )
    result = CliRunner().invoke(cli, ["check", str(tmp_path), "--select", "FD306", "--fix"])
    assert result.exit_code == 1 and "more with --unsafe-fixes" in result.stderr
    result = CliRunner().invoke(cli, ["check", str(tmp_path), "--select", "FD306", "--unsafe-fixes"])
    assert result.exit_code == 0, result.output
    assert read_tree(tmp_path)["app.py"].endswith('if __name__ == "__main__":\n    app.run()\n')


def test_configured_timeout_is_used(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.flask-doctor.fix]\nhttp-timeout = 3.5\n",
            "app.py": """
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/")
            def index():
                return requests.get("https://example.com").text
            """,
        },
    )
    result = CliRunner().invoke(cli, ["check", str(tmp_path), "--select", "FD402", "--fix"])
    assert result.exit_code == 0, result.output
    assert 'requests.get("https://example.com", timeout=3.5)' in read_tree(tmp_path)["app.py"]


def test_bad_fix_config_is_a_usage_error(tmp_path: Path) -> None:
    config = "[tool.flask-doctor.fix]\nhttp-timeout = 0\n"
    write_tree(tmp_path, {"pyproject.toml": config, "app.py": "x = 1\n"})
    result = CliRunner().invoke(cli, ["check", str(tmp_path), "--fix"])
    assert result.exit_code == 2 and "http-timeout" in result.output


# ------------------------------------------------------------------ noqa
@pytest.mark.parametrize(
    "comment, remove, expected",
    [
        ("# noqa: FD201, E501", {"FD201"}, "# noqa: E501"),
        ("# noqa: FD201", {"FD201"}, ""),
        ("# noqa: FD999 because the list is bounded", {"FD999"}, ""),
        ("# type: ignore  # noqa: FD201", {"FD201"}, "# type: ignore"),
        ("# noqa: FD201  # pragma: no cover", {"FD201"}, "# pragma: no cover"),
        ("# noqa:FD201,FD402", {"FD402"}, "# noqa:FD201"),
        ("# noqa: FD201", {"FD402"}, None),
    ],
)
def test_noqa_rewrite(comment: str, remove: set[str], expected: str | None) -> None:
    assert rewrite_comment(comment, remove) == expected


def test_unused_noqa_in_a_deploy_file_is_removed(tmp_path: Path) -> None:
    write_tree(tmp_path, {"Procfile": "web: gunicorn app:app  # noqa: FD307\n", "app.py": "x = 1\n"})
    report = fix(tmp_path, None)
    assert [f.code for f in report.applied] == ["FD003"]
    assert read_tree(tmp_path)["Procfile"] == "web: gunicorn app:app\n"


# ---------------------------------------------------------- atomic write
def test_atomic_write_keeps_mode_and_link(tmp_path: Path) -> None:
    target = tmp_path / "real.py"
    target.write_text("x = 1\n")
    os.chmod(target, 0o640)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    write_atomically(link, "x = 2\n")
    assert link.is_symlink() and target.read_text() == "x = 2\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.py", "real.py"]


def test_atomic_write_failure_leaves_the_original(tmp_path: Path) -> None:
    target = tmp_path / "app.py"
    target.write_text("x = 1\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, "x = 'é'\n", "ascii")
    assert target.read_text() == "x = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["app.py"]


# ------------------------------------------------------- cross-file cures
def test_proxy_fix_is_added_where_the_app_is_created_not_in_the_view(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "nginx.conf": "server {\n  location / {\n    proxy_pass http://web:8000;\n  }\n}\n",
            "shop/__init__.py": """
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                from shop import views
                app.register_blueprint(views.bp)
                return app
            """,
            "shop/views.py": """
            from flask import Blueprint, request

            bp = Blueprint("views", __name__)

            @bp.get("/ip")
            def ip():
                return request.remote_addr
            """,
            "shop/audit.py": """
            from flask import request

            def who():
                return request.remote_addr
            """,
        },
    )
    before = read_tree(tmp_path)
    assert {f.location.path for f in findings(tmp_path, ["FD312"])} == {"shop/views.py", "shop/audit.py"}
    _guarantees(tmp_path, ["FD312"])
    after = read_tree(tmp_path)
    assert after["shop/views.py"] == before["shop/views.py"]
    assert (
        "    app = Flask(__name__)\n    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)\n"
        in after["shop/__init__.py"]
    )
    assert after["shop/__init__.py"].count("import ProxyFix") == 1
    assert findings(tmp_path, ["FD312"]) == []


def test_proxy_fix_is_skipped_when_the_project_has_two_apps(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "nginx.conf": "server {\n  location / {\n    proxy_pass http://web:8000;\n  }\n}\n",
            "app.py": """
            from flask import Flask, request
            app = Flask(__name__)
            admin = Flask("admin")

            @app.get("/ip")
            def ip():
                return request.remote_addr
            """,
        },
    )
    before = read_tree(tmp_path)
    report = fix(tmp_path, ["FD312"])
    assert report.applied == [] and [f.code for f, _ in report.skipped] == ["FD312"]
    assert "several" in report.skipped[0][1] and read_tree(tmp_path) == before


def test_selectinload_is_skipped_for_a_dynamic_relationship(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app.py": """
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Post(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            comments = db.relationship("Comment", lazy="dynamic")

        class Comment(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            post_id = db.Column(db.ForeignKey("post.id"))

        @app.get("/")
        def index():
            return [{"n": p.comments.count()} for p in Post.query.order_by(Post.id).all()]
        """
        },
    )
    before = read_tree(tmp_path)
    report = fix(tmp_path, ["FD203"])
    assert report.applied == [] and len(report.skipped) == 1
    assert 'lazy="dynamic"' in report.skipped[0][1] and read_tree(tmp_path) == before


def test_one_query_read_for_two_relationships_gets_one_options_call(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app.py": """
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)

        class Post(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            author_id = db.Column(db.ForeignKey("user.id"))
            author = db.relationship("User")
            comments = db.relationship("Comment")

        class Comment(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            post_id = db.Column(db.ForeignKey("post.id"))

        @app.get("/")
        def index():
            posts = db.session.query(Post).order_by(Post.id).all()
            return [{"a": p.author.id, "c": len(p.comments)} for p in posts]
        """
        },
    )
    _guarantees(tmp_path, ["FD203"])
    text = read_tree(tmp_path)["app.py"]
    assert "db.session.query(Post).options(selectinload(Post.author), selectinload(Post.comments))" in text


def test_session_used_in_a_helper_of_the_job_is_not_removed_there(tmp_path: Path) -> None:
    # ``load`` may serve requests too: removing the session in it would detach what a request holds
    write_tree(
        tmp_path,
        {
            "database.py": """
            from sqlalchemy import create_engine
            from sqlalchemy.orm import scoped_session, sessionmaker
            engine = create_engine("postgresql://app@db/app", pool_pre_ping=True)
            Session = scoped_session(sessionmaker(bind=engine))
            """,
            "app.py": """
            from celery import Celery
            from database import Session

            celery = Celery(__name__)

            def load(post_id):
                return Session.execute("select 1")

            @celery.task
            def recount(post_id):
                load(post_id)
            """,
        },
    )
    before = read_tree(tmp_path)
    assert [f.code for f in findings(tmp_path, ["FD209"])] == ["FD209"]
    report = fix(tmp_path, ["FD209"])
    assert report.applied == [] and "helper" in report.skipped[0][1]
    assert read_tree(tmp_path) == before
