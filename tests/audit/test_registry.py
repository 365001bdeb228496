"""The check registry: crash isolation, order, deploy filtering, entry points, silencing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flask_doctor import rulebook
from flask_doctor.audit import registry as reg
from flask_doctor.audit import settings
from flask_doctor.audit.messages import Message
from flask_doctor.audit.runner import make_context, run
from flask_doctor.audit.sources import ConfigSources
from flask_doctor.findings import Evidence, Finding, Severity
from tests.audit.conftest import make_app

HELLO = Message("FD999", "hello {who}", "say goodbye")


@pytest.fixture(autouse=True)
def plugin_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plug-in registers the metadata of the ids its checks raise, like any rule."""
    rulebook.all_metas()
    meta = rulebook.RuleMeta(
        code="FD999", name="hello-check", severity=Severity.WARNING, summary="Says hello.", surfaces=("audit",)
    )
    monkeypatch.setitem(rulebook._REGISTRY, "FD999", meta)


def _run(registry: reg.CheckRegistry, app: Any, **kw: Any) -> list[Finding]:
    ctx = make_context(app, sources=ConfigSources(), **kw)
    registry._loaded = True  # only the checks registered in the test
    with app.app_context():
        return run(ctx, registry=registry, silenced=[]).findings


def test_a_crashing_check_becomes_fd004_and_the_others_still_run() -> None:
    registry = reg.CheckRegistry()

    @registry.register(tags=("demo",))
    def broken(audit: Any) -> Iterator[Finding]:
        raise ZeroDivisionError("oops")

    @registry.register(tags=("demo",))
    def works(audit: Any) -> Iterator[Finding]:
        yield HELLO(obj="demo:x", who="world")

    findings = _run(registry, make_app())
    assert findings[1] == HELLO(obj="demo:x", who="world")
    crash = findings[0]
    assert (crash.code, crash.severity, crash.obj) == (
        "FD004",
        Severity.WARNING,
        f"check:{__name__}.{broken.__qualname__}",
    )
    assert crash.message == f"audit check {__name__}.{broken.__qualname__} crashed: ZeroDivisionError: oops"
    assert crash.evidence[0].message.startswith("raised at ") and __file__.endswith(
        crash.evidence[0].message.split(" at ")[1].split(":")[0].split("/")[-1]
    )


def test_deploy_checks_are_skipped_in_development_and_run_with_deploy() -> None:
    registry = reg.CheckRegistry()
    registry.register(lambda audit: [HELLO(obj="always", who="dev")], tags=("demo",))
    registry.register(lambda audit: [HELLO(obj="deploy", who="prod")], tags=("demo",), deploy=True)
    app = make_app(DEBUG=True)
    assert [f.obj for f in _run(registry, app)] == ["always"]
    assert [f.obj for f in _run(registry, app, deploy=True)] == ["always", "deploy"]


def test_tags_select_checks() -> None:
    registry = reg.CheckRegistry()
    registry.register(lambda audit: [HELLO(obj="a", who="a")], tags=("alpha",))
    registry.register(lambda audit: [HELLO(obj="b", who="b")], tags=("beta",))
    ctx = make_context(make_app(), sources=ConfigSources())
    registry._loaded = True
    assert [f.obj for f in run(ctx, registry=registry, tags=("beta",), silenced=[]).findings] == ["b"]
    assert registry.tags() == ["alpha", "beta"]


def test_builtin_order_is_stable() -> None:
    reg.REGISTRY.load()
    names = [c.name for c in reg.REGISTRY.checks()]
    assert names[:2] == [
        "flask_doctor.audit.checks.facts.collect_facts",
        "flask_doctor.audit.checks.config.check_debug",
    ]
    modules = [n.rsplit(".", 1)[0] for n in names if n.startswith("flask_doctor.")]
    assert list(dict.fromkeys(modules)) == list(reg.BUILTIN_MODULES)


class _EntryPoint:
    def __init__(self, name: str, obj: Any = None, error: Exception | None = None) -> None:
        self.name, self._obj, self._error = name, obj, error

    def load(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._obj


def test_entry_point_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    def plugin_check(audit: Any) -> Iterator[Finding]:
        yield HELLO(obj="plugin", who="plugin")

    eps = [_EntryPoint("zz-broken", error=ImportError("no module named acme")), _EntryPoint("acme", plugin_check)]
    monkeypatch.setattr("importlib.metadata.entry_points", lambda group: eps if group == reg.ENTRY_POINT_GROUP else [])
    registry = reg.CheckRegistry()
    registry._load_entry_points()
    findings = _run(registry, make_app())
    assert [(f.code, f.obj) for f in findings] == [("FD004", "check:entry-point:zz-broken"), ("FD999", "plugin")]


def test_silencing_from_pyproject_and_app_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.flask-doctor]\naudit-silenced = ["FD34"]\n\n'
        '[tool.flask-doctor.audit]\nsilenced = ["FD303:config:SESSION_COOKIE_SECURE"]\n'
    )
    nested = tmp_path / "src" / "pkg"
    nested.mkdir(parents=True)
    assert settings.silenced_from_pyproject(nested) == ["FD34", "FD303:config:SESSION_COOKIE_SECURE"]
    from flask_doctor import config as shared_config  # the static checker's loader accepts the same file

    if hasattr(shared_config, "load_settings"):
        shared_config.load_settings(tmp_path)
    app = make_app(
        SESSION_COOKIE_SECURE=False,
        SESSION_COOKIE_HTTPONLY=False,
        TESTING=True,
        FLASK_DOCTOR_SILENCED=["FD303:config:SESSION_COOKIE_HTTPONLY"],
    )
    ctx = make_context(app, sources=ConfigSources())
    with app.app_context():
        findings = run(ctx, cwd=nested).findings
    assert [(f.code, f.obj, f.suppressed) for f in findings] == [
        ("FD303", "config:SESSION_COOKIE_HTTPONLY", True),
        ("FD303", "config:SESSION_COOKIE_SECURE", True),
        ("FD340", "config:TESTING", True),
    ]


@pytest.mark.parametrize(
    "section, message",
    [
        ("silenced = 5", "'tool.flask-doctor.audit.silenced' must be an array of strings, got an integer"),
        ('silenced = ["FD99999"]', "is not an array of rule ids, prefixes or 'FDxxx:object' entries"),
        ('silenced = ["FD3"]\nsilence = ["FD34"]', "unknown key 'silence' in [tool.flask-doctor.audit]"),
        ('server = "apache"', "'tool.flask-doctor.audit.server': 'apache' is not how production runs the app"),
    ],
)
def test_wrong_audit_settings_are_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, section: str, message: str
) -> None:
    from click.testing import CliRunner

    from flask_doctor.cli import cli
    from flask_doctor.config import ConfigError

    (tmp_path / "pyproject.toml").write_text(f"[tool.flask-doctor.audit]\n{section}\n")
    with pytest.raises(ConfigError, match=re.escape(message)):
        settings.project_settings(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["audit", "--app", "tests.audit_apps.debugapp"], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"flask-doctor: error: {tmp_path / 'pyproject.toml'}: ")
    assert message in result.stderr


def test_message_builds_whole_findings() -> None:
    assert HELLO(obj="o", who="you", evidence=[Evidence("e")]) == Finding(
        code="FD999",
        name="hello-check",
        severity=Severity.WARNING,
        message="hello you",
        hint="say goodbye",
        obj="o",
        evidence=(Evidence("e"),),
        surface="audit",
    )
