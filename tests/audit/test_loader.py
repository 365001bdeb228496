"""Loading the app as `flask --app` does, and recording where config comes from."""

from __future__ import annotations

import pytest

from flask_doctor.audit.loader import AppLoadError, load
from flask_doctor.audit.runner import make_context, run
from flask_doctor.findings import Evidence, Location


def test_module_global_app_is_built_once(good_secret: str) -> None:
    loaded = load("tests.audit_apps.sick")
    assert loaded.app.import_name == "tests.audit_apps.sick"
    assert loaded.second_app is None


@pytest.mark.parametrize(
    "target",
    [
        "tests.audit_apps.good:create_app()",
        "tests.audit_apps.good:create_app",
        "tests.audit_apps.good",
    ],
)
def test_factory_forms_call_the_factory_twice(target: str, good_secret: str) -> None:
    loaded = load(target)
    assert loaded.second_app is not None and loaded.second_app is not loaded.app
    assert loaded.app.config["SECRET_KEY"] == good_secret


def test_factory_with_arguments() -> None:
    loaded = load("tests.audit_apps.sick:create_app('development')")
    assert loaded.app.config["SESSION_COOKIE_SAMESITE"] is None  # the base Config


def test_config_sources_point_at_the_class_line_and_the_assignment() -> None:
    loaded = load("tests.audit_apps.sick:create_app()")
    sources = loaded.sources
    assert sources is not None
    assert sources.get("SECRET_KEY").location == Location("tests/audit_apps/sick/__init__.py", 12, 5, 12, 15)
    assert sources.get("SESSION_COOKIE_SAMESITE").location == Location(
        "tests/audit_apps/sick/__init__.py", 19, 5, 19, 28
    )
    assert sources.get("TESTING").location == Location("tests/audit_apps/sick/__init__.py", 25, 17, 25, 24)
    assert sources.get("SESSION_COOKIE_SECURE") is None  # Flask's default


def test_env_var_named_in_evidence(good_secret: str) -> None:
    loaded = load("tests.audit_apps.good:create_app()")
    ctx = make_context(loaded.app, sources=loaded.sources)
    assert ctx.evidence("SECRET_KEY") == [
        Evidence("set by config class ProductionConfig", Location("tests/audit_apps/good/__init__.py", 33, 5, 33, 15)),
        Evidence("value from environment variable GOOD_APP_SECRET_KEY (set in the environment)"),
    ]


def test_from_prefixed_env_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITED_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("FLASK_DOCTOR_TEST_FACTORY_PREFIX", "AUDITED")
    loaded = load("tests.audit_apps.envapp:create_app()")
    source = loaded.sources.get("SECRET_KEY")  # type: ignore[union-attr]
    assert (source.how, source.env_var, source.location) == ("env", "AUDITED_SECRET_KEY", None)


def test_missing_env_var_is_explained() -> None:
    with pytest.raises(AppLoadError) as info:
        load("tests.audit_apps.broken")
    err = info.value
    assert err.message == "the application failed to load: KeyError: 'BROKEN_APP_DATABASE_URL'"
    assert (
        err.hint
        == "the environment variable BROKEN_APP_DATABASE_URL is missing: set it as production does before auditing"
    )
    assert 'tests/audit_apps/broken/__init__.py", line 9' in err.details
    assert "site-packages" not in err.details and "flask/cli.py" not in err.details


def test_wrong_app_path() -> None:
    with pytest.raises(AppLoadError) as info:
        load("tests.audit_apps.nothere")
    assert info.value.message == "Could not import 'tests.audit_apps.nothere'."
    assert "--app" in info.value.hint


def test_pre_imported_app_gets_guessed_locations() -> None:
    from tests.audit_apps import sick

    ctx = make_context(sick.app)  # no recorded sources: guess from the module
    loc = ctx.location("SESSION_COOKIE_HTTPONLY")
    assert loc is not None and loc.path.endswith("tests/audit_apps/sick/__init__.py") and loc.line == 13
    with sick.app.app_context():
        assert "FD341" in [f.code for f in run(ctx, silenced=[]).findings]


def test_key_generated_in_a_config_class(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEYGEN_SECRET_KEY", raising=False)
    import importlib
    import sys

    sys.modules.pop("tests.audit_apps.keygen", None)
    loaded = load("tests.audit_apps.keygen")
    with loaded.app.app_context():
        findings = run(make_context(loaded.app, sources=loaded.sources), silenced=[]).findings
    [generated] = [f for f in findings if f.code == "FD301"]
    assert generated.location == Location("tests/audit_apps/keygen/__init__.py", 12, 5, 12, 15)
    assert generated.evidence[-1].message.startswith(
        "computed when the module is imported: SECRET_KEY = os.environ.get"
    )
    # with the variable set, the key comes from the environment: fine
    monkeypatch.setenv("KEYGEN_SECRET_KEY", "k" * 8 + "Zq81xP0vLm3NcR7tY2wE5uI9oA4sD6fG")
    sys.modules.pop("tests.audit_apps.keygen", None)
    loaded = load("tests.audit_apps.keygen")
    with loaded.app.app_context():
        findings = run(make_context(loaded.app, sources=loaded.sources), silenced=[]).findings
    assert "FD301" not in [f.code for f in findings]
    importlib.invalidate_caches()


def test_hardcoded_key_and_pyfile_source() -> None:
    loaded = load("tests.audit_apps.hardcoded:create_app()")
    assert loaded.sources is not None
    secure = loaded.sources.get("SESSION_COOKIE_SECURE")
    assert (secure.how, secure.location) == ("file", Location("tests/audit_apps/hardcoded/instance.cfg", 2, 1, 2, 22))
    with loaded.app.app_context():
        findings = run(make_context(loaded.app, sources=loaded.sources), silenced=[]).findings
    hardcoded = [f for f in findings if f.code == "FD302"]
    assert [(f.obj, f.location) for f in hardcoded] == [
        ("config:SECRET_KEY", Location("tests/audit_apps/hardcoded/__init__.py", 12, 17, 12, 27))
    ]
    assert "9f2c1e7a" not in hardcoded[0].message


def test_config_update_is_recorded() -> None:
    import sys

    sys.modules.pop("tests.audit_apps.debugapp", None)
    loaded = load("tests.audit_apps.debugapp")
    assert loaded.sources is not None
    assert loaded.sources.get("DEBUG").location == Location("tests/audit_apps/debugapp/__init__.py", 8, 19, 8, 24)
    assert loaded.sources.get("SECRET_KEY").location == Location("tests/audit_apps/debugapp/__init__.py", 8, 31, 8, 41)
